// The scenario layer inside a review (issue 10): a rule that recognises a
// race pattern fills a scenario template (src/sim/scenarios) with facts read
// off the patch's post-image, and the outcome goes onto its report: the
// verdict with the generated litmus test, or, once the patch's budget is
// spent, a "not decided" note with the test, so the author can still run
// herd7 on it. One budget per patch, shared by every rule of one analysis:
// it lives beside the PatchUnderReview object the engine hands all rules
// (a WeakMap, so run.ts needs no knowledge of it and nothing outlives the
// analysis of the patch).
import {
  type AnyScenarioRequest, type BudgetLimits, DEFAULT_PATCH_BUDGET, PatchBudget, type ScenarioOutcome,
  isDecided, runScenario, scenarioKey, scenarioTitle,
} from '../sim/scenarios/index.ts';
import type { PatchUnderReview, RuleReport } from './rule-api.ts';

/** How rules simulate on one analysis (AnalysisOptions.simulation). */
export interface SimulationOptions {
  /** False: rules attach no scenario (no simulation time spent). Default true. */
  enabled?: boolean;
  /** Limits of each patch's budget; DEFAULT_PATCH_BUDGET when absent. */
  budget?: BudgetLimits;
}

interface PatchSimulation {
  readonly budget: PatchBudget;
  /** Outcomes by test: two rules (or two findings) asking for one test run it once. */
  readonly done: Map<string, ScenarioOutcome>;
}

const perPatch = new WeakMap<PatchUnderReview, PatchSimulation>();

function stateOf(patch: PatchUnderReview): PatchSimulation | undefined {
  if (patch.simulation?.enabled === false) return undefined;
  let s = perPatch.get(patch);
  if (s === undefined) {
    s = { budget: new PatchBudget(patch.simulation?.budget ?? DEFAULT_PATCH_BUDGET), done: new Map() };
    perPatch.set(patch, s);
  }
  return s;
}

/** The outcome of `request` within the patch's budget, or undefined when simulation is off. */
export function simulateForPatch(patch: PatchUnderReview, request: AnyScenarioRequest): ScenarioOutcome | undefined {
  const s = stateOf(patch);
  if (s === undefined) return undefined;
  const key = scenarioKey(request);
  const known = s.done.get(key);
  if (known !== undefined) return known;
  const outcome = runScenario(request, s.budget);
  s.done.set(key, outcome);
  return outcome;
}

/**
 * Run `request` for `report` and attach the outcome: `simulation` when
 * decided, `simulationNotDecided` (with the test) when the budget ran out.
 * Returns the report, so a rule can write `return [withScenario(...)]`.
 */
export function withScenario(report: RuleReport, patch: PatchUnderReview, request: AnyScenarioRequest): RuleReport {
  const outcome = simulateForPatch(patch, request);
  if (outcome === undefined) return report;
  const scenario = scenarioTitle(request);
  if (isDecided(outcome)) report.simulation = { ...outcome, scenario };
  else report.simulationNotDecided = { notDecided: outcome.notDecided, litmus: outcome.litmus, model: outcome.model, variant: outcome.variant, scenario };
  return report;
}
