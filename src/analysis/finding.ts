// The Finding: one shape for every output (JSON, email, GitHub, SARIF).
// See DESIGN.md "Finding".

export const HAZARD_CLASSES = [
  'lazy-mmu', 'pte-map', 'rcu', 'tlb-invalidate', 'table-free',
  'walker-sync', 'static-key', 'gup-fast', 'mmu-gather', 'bbm',
  'ordering', 'design',
] as const;
export type HazardClass = (typeof HAZARD_CLASSES)[number];

export type Severity = 'error' | 'warning' | 'info';

/**
 * How much of the code the finding rests on was seen: the whole function
 * (base tree or a hunk showing all of it), hunk fragments (the finding is
 * one severity lower, HAZARDS P1), or only lines the patch adds or removes,
 * where unseen code cannot change the verdict (a direct call of an arch
 * hook from generic code), so nothing is lowered.
 */
export type Confidence = 'whole-function' | 'fragment' | 'line';

/** Another place the finding concerns: the arch implementation a generic change relies on. */
export interface RelatedLocation {
  file: string;
  line?: number;
  message: string;
}

export type FindingOrigin =
  | { kind: 'mail'; messageId: string; seriesId: string; version: number }
  | { kind: 'pr'; repo: string; number: number; headSha: string };

export interface SimulationSummary {
  litmus: string;
  model: string;
  variant: string;
  observation: 'Never' | 'Sometimes' | 'Always';
  positive: number;
  negative: number;
  witness?: string;
  /** A rule's generated scenario: the template's title (what it puts against what). */
  scenario?: string;
}

/**
 * A scenario a rule generated but the patch's simulation budget did not let
 * run: no verdict, but the test, so the author can run herd7 on it.
 */
export interface UndecidedSimulation {
  notDecided: string;
  litmus: string;
  model: string;
  variant: string;
  scenario?: string;
}

export interface Finding {
  /** Short, stable per finding; commands and replies cite it. */
  id: string;
  ruleId: string;
  hazardClass: HazardClass;
  severity: Severity;
  title: string;
  explanation: string;
  file: string;
  line: number;
  endLine?: number;
  function?: string;
  /** Quoted lines of the patch that show the problem. */
  evidence: string[];
  suggestion?: string;
  arches: string[];
  confidence: Confidence;
  /** Further locations (SARIF relatedLocations): where the hazard bites, per architecture. */
  related?: RelatedLocation[];
  /** Stable across rebases and versions: rule + file + function + evidence. */
  fingerprint: string;
  origin: FindingOrigin;
  simulation?: SimulationSummary;
  /** Instead of `simulation`, when the budget ran out first. */
  simulationNotDecided?: UndecidedSimulation;
}
