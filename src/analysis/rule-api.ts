// The rule API: the only module a rule in rules/ imports. A rule is `meta`
// (ESLint-like: id, title, severity, the kernel contract, architectures,
// references, docs, messages) plus `check(context)`, which returns reports;
// the engine turns reports into Findings (ids, fingerprints, severity from
// config, suppressions, attribution to what the patch changed).
import type { FileChange, HunkLine } from '../patch/types.ts';
import type { FunctionRegion } from '../patch/context.ts';
import type { Confidence, HazardClass, RelatedLocation, Severity, SimulationSummary } from './finding.ts';
import type { TouchedFunction } from './function-context.ts';
import type { UndecidedSimulation } from './finding.ts';
import type { SimulationOptions } from './simulation.ts';

export type { FileChange, Hunk, HunkLine } from '../patch/types.ts';
export type { FunctionRegion, Image } from '../patch/context.ts';
export type { Confidence, HazardClass, RelatedLocation, Severity } from './finding.ts';
export { imageOf, isChanged } from '../patch/context.ts';
export { callSites, codeOf as codeLines, type CallSite, type NameMatcher } from './code.ts';
export { pairedBalance, imageBalance, type PairSpec, type PairedBalance, type ImageBalance } from './balance.ts';
export { exitsInsideSections, type SectionExit } from './section-exits.ts';
export {
  unguardedOrder,
  introducedOrderViolations,
  type OrderSpec,
  type OrderViolation,
} from './order.ts';
export type { TouchedFunction, ImageFunction } from './function-context.ts';
export {
  introducedBy, introducedBalance, sameHunk, reportOn, removedCalls, lineText,
  type ImageIssue, type CReport,
} from './c-services.ts';
export {
  sleepReason, isFlushPrimitive, isLocklessWalker, findCallbacks, probeApiGenerations, mergeApiGenerations,
  NULLABLE_MAP_CALLS, PTE_MAP_CALLS, PTE_UNMAP_CALLS, UPPER_ENTRY_CLEARS, TABLE_FREES, PTE_CLEARS, PAGE_RELEASES,
  type BalanceIssue, type CCall, type FunctionAnalysis, type Region, type Resource, type ApiGenerations,
  type UncheckedUse, type UnmapProvenance, type OrderedEventSpec,
} from '../c/index.ts';
export { uncheckedMapUses } from '../c/index.ts';
export { lineLocal } from './line-local.ts';
// The scenario layer (src/sim/scenarios) for rules: withScenario() runs a
// template within the patch's budget and attaches the outcome to a report.
export { withScenario, simulateForPatch, type SimulationOptions } from './simulation.ts';
export type {
  AnyScenarioRequest as ScenarioRequest, LazyMmuFacts, LocklessWalkFacts, StaticKeyFacts, WalkCacheFacts, X86ShootdownFacts,
} from '../sim/scenarios/index.ts';

export interface RuleReference {
  title: string;
  /** A lore thread, a commit, a document. */
  url: string;
}

/** A known-benign upstream idiom: findings there are listed as suppressed. */
export interface RuleAllowance {
  /** Path glob (`arch/x86/xen/**`). */
  file: string;
  /** Function name; all functions of the file when absent. */
  function?: string;
  reason: string;
}

export interface RuleMeta {
  /** Kebab-case, equal to the file name `rules/<id>.ts`. */
  id: string;
  /** One line: what is wrong, in the kernel's words. */
  title: string;
  /** Default severity; config may change it. */
  severity: Severity;
  hazardClass: HazardClass;
  /** The kernel contract the rule checks, one paragraph. */
  contract: string;
  /** Architectures concerned; `['all']` for generic code. */
  arches: string[];
  references: RuleReference[];
  /** Documentation page, relative to the repository: `rules/<id>.md`. */
  docs: string;
  /** Message ids to texts; `{{name}}` is filled from a report's data. */
  messages: Record<string, string>;
  /** Per-rule allowlist of (file, function) pairs (HAZARDS, "Suppressions"). */
  allowlist?: RuleAllowance[];
}

/** The patch a rule is looking at. */
export interface PatchUnderReview {
  messageId: string;
  subject: string;
  version: number;
  seriesId: string;
  /** Relevant files only. */
  files: FileChange[];
  /** The commit message (mail body up to `---`), for rules that read the author's argument. */
  commitMessage?: string;
  /** Scenario simulation for this patch's rules (default: on, DEFAULT_PATCH_BUDGET). */
  simulation?: SimulationOptions;
}

export interface RuleContext {
  patch: PatchUnderReview;
  /** Function regions of the relevant files, as far as the hunks show them. */
  regions(): FunctionRegion[];
  /**
   * The touched functions parsed by the C front end: pre- and post-image,
   * each with `analyseFunction` results (balance, regions, order,
   * provenance) and a map back to hunk lines. Computed once per patch.
   */
  functions(): TouchedFunction[];
}

/** What a rule says; the engine makes it a Finding. */
export interface RuleReport {
  messageId: string;
  data?: Record<string, string | number>;
  file: string;
  function?: string;
  /** The line the finding points at. */
  at: HunkLine;
  /** Last line of the problem, when it spans lines. */
  end?: HunkLine;
  /** Quoted lines that show the problem; the fingerprint is built on them. */
  evidence: HunkLine[];
  suggestion?: string;
  /**
   * 'line' only when the verdict rests on the lines the patch adds or
   * removes alone: the engine checks that every evidence line is one, and
   * otherwise treats the report as 'fragment'.
   */
  confidence: Confidence;
  /** Other locations the finding concerns, each a real fact (an arch hook's file), not a guess. */
  related?: RelatedLocation[];
  /**
   * Overrides meta.severity for this report (HAZARDS gives some rules a
   * higher severity on certain paths: R04 in kasan/vmalloc). Config wins.
   */
  severity?: Severity;
  /**
   * The race as a litmus test and its verdict (src/sim/scenarios), copied
   * onto the finding so reports can print the test for the author to run.
   */
  simulation?: SimulationSummary;
  /** The scenario, undecided: the patch's budget was spent first (set by withScenario()). */
  simulationNotDecided?: UndecidedSimulation;
}

export interface Rule {
  meta: RuleMeta;
  check(context: RuleContext): RuleReport[];
}

/** Identity, for type checking a rule module's default export. */
export function defineRule(rule: Rule): Rule {
  return rule;
}

/** Fill `{{name}}` placeholders; an unknown name stays visible. */
export function formatMessage(template: string, data: Record<string, string | number> = {}): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) =>
    name in data ? String(data[name]) : whole,
  );
}
