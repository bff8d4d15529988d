// What a memory model is to the enumerator: given a skeleton, precompute
// whatever does not depend on rf/co, then judge each candidate.
import type { Candidate, Skeleton } from '../execution.ts';
import type { Relation } from '../relation.ts';

export interface Verdict {
  /** True when every axiom holds. */
  readonly ok: boolean;
  /** The first axiom that fails (herd's name: coherence, happens-before, ...). */
  readonly failed: string | null;
  /** With `detail`: the relation whose cycle (or reflexive edge) breaks `failed`. */
  readonly culprit: Relation | null;
  /** Flags raised by this execution. */
  readonly flags: readonly string[];
  /**
   * How many executions this candidate stands for when the model makes
   * choices of its own (herd's `with ... from`, e.g. IC-after); 1 if absent.
   */
  readonly executions?: number;
}

export interface PreparedModel {
  check(c: Candidate, detail: boolean): Verdict;
  /** An acyclic "time" relation for witness timelines (hb ∪ pb ∪ rb, ob, ...). */
  timeline(c: Candidate): Relation;
}

export interface MemoryModel {
  readonly name: string;
  prepare(sk: Skeleton): PreparedModel;
}
