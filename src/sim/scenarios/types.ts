// What every page-table scenario template shares: the compiled litmus test
// (text in herd7's syntax, so the author can run herd7 on it too) and the
// two possible answers of a bounded run.
import type { ModelName, Observation } from '../run.ts';

/** A scenario compiled to one litmus test and the model herd7 should run it under. */
export interface CompiledScenario {
  /** The litmus test's name (its first line). */
  readonly name: string;
  /** The whole test, herd7 syntax. */
  readonly litmus: string;
  readonly model: ModelName;
  /** herd7's `-variant` list (empty for none). */
  readonly variant: readonly string[];
}

/**
 * A decided run, in the shape of a finding's `simulation` (DESIGN.md;
 * SimulationSummary in src/analysis/finding.ts, which it is assignable to).
 * Defined here because src/sim must not import from src/analysis.
 */
export interface ScenarioSimulation {
  litmus: string;
  model: string;
  /** herd7's variants joined by commas, `-` for none. */
  variant: string;
  observation: Observation;
  positive: number;
  negative: number;
  /** For an observed outcome: one interleaving that reaches it. */
  witness?: string;
}

/** The budget ran out, or the test could not be run: no verdict. */
export interface NotDecided {
  readonly notDecided: string;
  /** The test that was not decided, so a report can still print it for herd7. */
  readonly litmus: string;
  readonly model: string;
  readonly variant: string;
}

export type ScenarioOutcome = ScenarioSimulation | NotDecided;

export function isDecided(o: ScenarioOutcome): o is ScenarioSimulation {
  return !('notDecided' in o);
}
