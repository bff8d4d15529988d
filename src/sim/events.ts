// Events and per-thread paths: what instruction semantics produce and the
// enumerator combines. A path is one way a thread can run, given a value for
// each of its reads; models never see paths, only the candidate executions
// built from them.
import type { Pos, Value } from './types.ts';

export type EventKind = 'R' | 'W' | 'F';

export interface ThreadEvent {
  readonly kind: EventKind;
  /** Memory location (null for fences). */
  readonly loc: string | null;
  /** Value read or written (0 for fences). */
  readonly value: Value;
  /**
   * Annotation tags, in herd's words: accesses ONCE, RELEASE, ACQUIRE, MB,
   * NORETURN, RMW (both halves of an RMW primitive); fences mb, rmb, wmb,
   * barrier, rcu-lock, ...; lock events LKR, LKW, UL, LF, RL, RU.
   */
  readonly tags: ReadonlySet<string>;
  /** Indices (in the same path) of the reads this event depends on. */
  readonly addr: readonly number[];
  readonly data: readonly number[];
  readonly ctrl: readonly number[];
  /** For the write of an RMW pair: the index of its read. */
  readonly rmwRead: number | null;
  /** Source text of the instruction, for witnesses and graphs. */
  readonly text: string;
  readonly pos: Pos;
  /** AArch64 with instruction fetch: the index of the fetch that read this instruction. */
  readonly fetch?: number;
  /** AArch64 with translation (vmsa): the index of the translation-table read this access used. */
  readonly ttd?: number;
}

export interface PathFault {
  readonly pos: Pos;
  readonly message: string;
}

export interface ThreadPath {
  readonly thread: number;
  readonly events: readonly ThreadEvent[];
  /** Final register values. */
  readonly regs: ReadonlyMap<string, Value>;
  /** Set when the path stopped on an error (e.g. dereferencing a non-pointer). */
  readonly fault: PathFault | null;
  /** Set when a loop hit its unrolling bound. */
  readonly loopCut: boolean;
  /** Architectural exceptions taken, as herd's fault atoms name them: `P0:L0,UndefinedInstruction`. */
  readonly exceptions?: readonly string[];
}

/** Chooses among `n` alternatives; the enumerator drives it. */
export type Oracle = (n: number) => number;

export function valueEquals(a: Value, b: Value): boolean {
  return a === b;
}
