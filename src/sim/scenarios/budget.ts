// The per-patch simulation budget (issue 10, item 3). Candidates are the
// engine's unit of work; wall time is a second bound for the whole patch.
// src/sim reads no clock itself (DESIGN.md: no I/O in the core), so a
// caller that wants a time bound passes `now`.
import { parseLitmus } from '../parse/litmus.ts';
import { interleaving } from '../output/witness.ts';
import { type SimResult, simulate } from '../run.ts';
import { LitmusError } from '../source.ts';
import type { CompiledScenario, ScenarioOutcome } from './types.ts';

export interface BudgetLimits {
  /** Candidate executions for all scenarios of one patch together. */
  readonly maxCandidates: number;
  /** Milliseconds for all scenarios of one patch; needs `now`. */
  readonly maxMillis?: number;
  /** A clock in milliseconds (performance.now in the service). */
  readonly now?: () => number;
}

/** A patch's default: the ptdump two-walker scenarios need ~10^4 candidates each. */
export const DEFAULT_PATCH_BUDGET: BudgetLimits = { maxCandidates: 1_000_000 };

/**
 * What is left of one patch's budget. Every scenario run spends from it;
 * once it is spent, the remaining scenarios are "not decided".
 */
export class PatchBudget {
  private candidatesLeft: number;
  private readonly started: number | null;

  constructor(readonly limits: BudgetLimits = DEFAULT_PATCH_BUDGET) {
    this.candidatesLeft = limits.maxCandidates;
    this.started = limits.now !== undefined ? limits.now() : null;
  }

  get remainingCandidates(): number {
    return this.candidatesLeft;
  }

  /** Why nothing more may run, or null while budget is left. */
  exhausted(): string | null {
    if (this.candidatesLeft < 1) return `the patch's budget of ${this.limits.maxCandidates} candidate executions is spent`;
    const { maxMillis, now } = this.limits;
    if (maxMillis !== undefined && now !== undefined && this.started !== null && now() - this.started >= maxMillis) {
      return `the patch's simulation time of ${maxMillis} ms is spent`;
    }
    return null;
  }

  /** Spend `units` (candidates, or states of the abstract walk-cache model) from what is left. */
  charge(units: number): void {
    this.candidatesLeft -= units;
  }

  /** Parse and simulate one compiled scenario within what is left. */
  run(s: CompiledScenario): ScenarioOutcome {
    const variant = s.variant.length > 0 ? s.variant.join(',') : '-';
    const undecided = (why: string): ScenarioOutcome => ({ notDecided: why, litmus: s.litmus, model: s.model, variant });
    const why = this.exhausted();
    if (why !== null) return undecided(why);
    let r: SimResult;
    try {
      r = simulate(parseLitmus(`${s.name}.litmus`, s.litmus), { model: s.model, variant: s.variant, maxCandidates: this.candidatesLeft });
    } catch (err) {
      // A template that generates a test the engine rejects is a bug, but a
      // review must still go out: report it as undecided, with the reason.
      if (err instanceof LitmusError) return undecided(err.message);
      throw err;
    }
    this.candidatesLeft -= r.candidates;
    if (r.budgetExceeded !== null) return undecided(r.budgetExceeded);
    const witness = r.positive > 0 ? interleaving(r).join('\n') : '';
    return {
      litmus: s.litmus, model: s.model, variant, observation: r.observation, positive: r.positive, negative: r.negative,
      ...(witness !== '' ? { witness } : {}),
    };
  }
}

/** A budget object, or limits for a fresh one (one scenario alone). */
export function budgetOf(b: PatchBudget | BudgetLimits): PatchBudget {
  return b instanceof PatchBudget ? b : new PatchBudget(b);
}
