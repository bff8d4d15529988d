// The Finding: one shape for every output (JSON, email, GitHub, SARIF).
// See DESIGN.md "Finding".

export const HAZARD_CLASSES = [
  'lazy-mmu', 'pte-map', 'rcu', 'tlb-invalidate', 'table-free',
  'walker-sync', 'static-key', 'gup-fast', 'mmu-gather', 'bbm',
  'ordering', 'design',
] as const;
export type HazardClass = (typeof HAZARD_CLASSES)[number];

export type Severity = 'error' | 'warning' | 'info';

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
  confidence: 'whole-function' | 'fragment';
  /** Stable across rebases and versions: rule + file + function + evidence. */
  fingerprint: string;
  origin: FindingOrigin;
  simulation?: SimulationSummary;
  /** Instead of `simulation`, when the budget ran out first. */
  simulationNotDecided?: UndecidedSimulation;
}
