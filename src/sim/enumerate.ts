// Candidate enumeration (SIMULATOR.md §7.2, "guess values, then match"):
// 1. a value universe per location, by fixpoint over all thread paths;
// 2. every path of every thread, each read guessing a value of its location;
// 3. per tuple of paths, per location, every co order (IW first, po-ordered
//    writes kept in order) and every rf choice among same-value writes that
//    passes that location's coherence and atomicity;
// 4. the product of the locations' choices, one candidate each.
// Given the paths and rf, all values are fixed, so each consistent execution
// is produced exactly once and counts match herd's.
import { type Candidate, type Skeleton, buildSkeleton } from './execution.ts';
import type { Oracle, ThreadPath } from './events.ts';
import { Relation } from './relation.ts';
import type { Value } from './types.ts';

export type ValueUniverse = ReadonlyMap<string, readonly Value[]>;

export interface FrontEnd {
  readonly threadCount: number;
  /** Every memory location of the test with its initial value. */
  readonly initial: ReadonlyMap<string, Value>;
  runThread(thread: number, universe: ValueUniverse, choose: Oracle): ThreadPath;
}

export interface Limits {
  /** Work units (paths, per-location attempts, candidates) before giving up. */
  readonly maxCandidates: number;
  /** Events per candidate; beyond this the bit matrices would not fit. */
  readonly maxEvents: number;
}

export class BudgetExceeded extends Error {
  readonly candidates: number;
  constructor(candidates: number, why: string) {
    super(`execution budget exceeded after ${candidates} candidates${why === '' ? '' : ` (${why})`}`);
    this.candidates = candidates;
  }
}

export interface Visitor {
  /** Called when some path hit its unrolling bound (herd's "Loop"); such paths are dropped. */
  loopCut?(): void;
  /** Called once per feasible tuple of paths, before its candidates. */
  skeleton(sk: Skeleton): void;
  candidate(c: Candidate): void;
}

const MAX_UNIVERSE_ROUNDS = 64;
const MAX_VALUES_PER_LOCATION = 64;

class Budget {
  used = 0;
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  spend(k = 1): void {
    this.used += k;
    if (this.used > this.max) throw new BudgetExceeded(this.max, '');
  }
}

export function compareValues(a: Value, b: Value): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'bigint') return -1;
  if (typeof b === 'bigint') return 1;
  // Symbols sort as herd prints them (NOP is printed bare).
  const x = a === 'instr:"NOP"' ? 'NOP' : a;
  const y = b === 'instr:"NOP"' ? 'NOP' : b;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Every path of one thread, by an odometer over the choice points. */
function allPaths(run: (choose: Oracle) => ThreadPath, budget: Budget): ThreadPath[] {
  const out: ThreadPath[] = [];
  let prefix: number[] = [];
  for (;;) {
    const arities: number[] = [];
    const taken: number[] = [];
    const choose: Oracle = (n) => {
      const k = taken.length;
      const c = k < prefix.length ? prefix[k]! : 0;
      arities.push(n);
      taken.push(c);
      return c;
    };
    out.push(run(choose));
    budget.spend();
    let i = taken.length - 1;
    while (i >= 0 && taken[i]! + 1 >= arities[i]!) i--;
    if (i < 0) return out;
    prefix = taken.slice(0, i);
    prefix.push(taken[i]! + 1);
  }
}

/**
 * Paths of all threads over the value universe. Values are found by rounds:
 * round k knows every value computed by a chain of k writes. No execution
 * has more writes than the threads can make, so that many rounds suffice
 * even when an RMW would feed itself (x = x + 1) forever; values beyond are
 * harmless, as no write makes them.
 */
export function threadPaths(fe: FrontEnd, budget: Budget): ThreadPath[][] {
  const universe = new Map<string, Value[]>();
  for (const [loc, v] of fe.initial) universe.set(loc, [v]);
  for (let round = 0; ; round++) {
    const paths: ThreadPath[][] = [];
    let changed = false;
    let maxWrites = 0;
    const written = new Map<string, Set<Value>>();
    for (let t = 0; t < fe.threadCount; t++) {
      const ps = allPaths((choose) => fe.runThread(t, universe, choose), budget);
      paths.push(ps);
      let most = 0;
      for (const p of ps) {
        let count = 0;
        for (const e of p.events) {
          if (e.kind !== 'W' || e.loc === null) continue;
          count++;
          const s = written.get(e.loc) ?? new Set<Value>();
          s.add(e.value);
          written.set(e.loc, s);
        }
        most = Math.max(most, count);
      }
      maxWrites += most;
    }
    for (const [loc, vs] of written) {
      const cur = universe.get(loc) ?? [fe.initial.get(loc) ?? 0n];
      for (const v of vs) if (!cur.includes(v)) { cur.push(v); changed = true; }
      if (cur.length > MAX_VALUES_PER_LOCATION) throw new BudgetExceeded(budget.used, `over ${MAX_VALUES_PER_LOCATION} values for ${loc}`);
      cur.sort(compareValues);
      universe.set(loc, cur);
    }
    if (!changed || round >= maxWrites) return changed ? threadPathsWith(fe, universe, budget) : paths;
    if (round >= MAX_UNIVERSE_ROUNDS) throw new BudgetExceeded(budget.used, 'values of locations do not converge');
  }
}

function threadPathsWith(fe: FrontEnd, universe: ValueUniverse, budget: Budget): ThreadPath[][] {
  const paths: ThreadPath[][] = [];
  for (let t = 0; t < fe.threadCount; t++) paths.push(allPaths((choose) => fe.runThread(t, universe, choose), budget));
  return paths;
}

/**
 * One location's valid (co, rf) pairs. Kept flat, since a large test can
 * have millions before the budget stops it: choice k is co order
 * `orders[coOf[k]]` with read i reading from `rf[k * reads.length + i]`.
 */
interface LocationChoices {
  readonly reads: readonly number[];
  /** co orders, each `coLength` event ids long, one after the other. */
  readonly orders: IntList;
  coLength: number;
  readonly coOf: IntList;
  readonly rf: IntList;
}

/** A growable list of 32-bit integers: a tenth of the memory of arrays of arrays. */
class IntList {
  private data = new Int32Array(64);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  at(i: number): number {
    return this.data[i]!;
  }
}

function choiceCount(c: LocationChoices): number {
  return c.coOf.length;
}

export function enumerate(fe: FrontEnd, limits: Limits, visit: Visitor): number {
  const budget = new Budget(limits.maxCandidates);
  const all = threadPaths(fe, budget);
  if (all.some((ps) => ps.some((p) => p.loopCut))) visit.loopCut?.();
  const perThread = all.map((ps) => ps.filter((p) => !p.loopCut));
  if (perThread.some((ps) => ps.length === 0)) return budget.used;
  const idx = perThread.map(() => 0);
  for (;;) {
    const tuple = perThread.map((ps, t) => ps[idx[t]!]!);
    visitTuple(tuple, fe.initial, limits, budget, visit);
    let t = idx.length - 1;
    while (t >= 0 && idx[t]! + 1 >= perThread[t]!.length) { idx[t] = 0; t--; }
    if (t < 0) return budget.used;
    idx[t]!++;
  }
}

/** Cheap necessary condition: every read value is written somewhere (or initial). */
function valuesMatch(tuple: readonly ThreadPath[], initial: ReadonlyMap<string, Value>): boolean {
  const writes = new Map<string, Value[]>();
  for (const [l, v] of initial) writes.set(l, [v]);
  for (const p of tuple) for (const e of p.events) if (e.loc !== null && !writes.has(e.loc)) writes.set(e.loc, [0n]);
  for (const p of tuple) for (const e of p.events) if (e.kind === 'W' && e.loc !== null) {
    const l = writes.get(e.loc) ?? [];
    l.push(e.value);
    writes.set(e.loc, l);
  }
  for (const p of tuple) for (const e of p.events) {
    if (e.kind === 'R' && e.loc !== null && !(writes.get(e.loc) ?? []).includes(e.value)) return false;
  }
  return true;
}

function visitTuple(tuple: readonly ThreadPath[], initial: ReadonlyMap<string, Value>, limits: Limits, budget: Budget, visit: Visitor): void {
  if (!valuesMatch(tuple, initial)) return;
  const sk = buildSkeleton(tuple, initial);
  if (sk.n > limits.maxEvents) throw new BudgetExceeded(budget.used, `${sk.n} events in one execution, limit ${limits.maxEvents}`);
  const locs = [...new Set(sk.events.filter((e) => e.loc !== null).map((e) => e.loc!))];
  const choices: LocationChoices[] = [];
  for (const l of locs) {
    const cs = locationChoices(sk, l, budget);
    if (choiceCount(cs) === 0) return;
    choices.push(cs);
  }
  visit.skeleton(sk);
  const pick = choices.map(() => 0);
  for (;;) {
    budget.spend();
    visit.candidate(assemble(sk, locs, choices, pick));
    let k = pick.length - 1;
    while (k >= 0 && pick[k]! + 1 >= choiceCount(choices[k]!)) { pick[k] = 0; k--; }
    if (k < 0) return;
    pick[k]!++;
  }
}

function assemble(sk: Skeleton, locs: readonly string[], choices: readonly LocationChoices[], pick: readonly number[]): Candidate {
  const rf = new Relation(sk.n);
  const co = new Relation(sk.n);
  const rfSource = new Int32Array(sk.n).fill(-1);
  const finalMemory = new Map<string, Value>();
  choices.forEach((c, k) => {
    const at = pick[k]!;
    const from = c.coOf.at(at) * c.coLength;
    for (let i = 0; i < c.coLength; i++) for (let j = i + 1; j < c.coLength; j++) co.add(c.orders.at(from + i), c.orders.at(from + j));
    const base = at * c.reads.length;
    c.reads.forEach((r, i) => {
      const w = c.rf.at(base + i);
      rf.add(w, r);
      rfSource[r] = w;
    });
    finalMemory.set(locs[k]!, sk.events[c.orders.at(from + c.coLength - 1)]!.value);
  });
  return { sk, rf, co, rfSource, finalMemory };
}

/** Every (co, rf) for location `l` that passes coherence and atomicity there. */
function locationChoices(sk: Skeleton, l: string, budget: Budget): LocationChoices {
  const evs = sk.events.filter((e) => e.loc === l);
  const init = evs.filter((e) => e.isInit).map((e) => e.id);
  const reads = evs.filter((e) => e.kind === 'R');
  const writesByThread = new Map<number, number[]>();
  for (const e of evs) if (e.kind === 'W' && !e.isInit) {
    const ws = writesByThread.get(e.thread) ?? [];
    ws.push(e.id);
    writesByThread.set(e.thread, ws);
  }
  const sources = reads.map((r) => evs.filter((w) => w.kind === 'W' && w.value === r.value &&
    !(w.thread === r.thread && w.poIndex > r.poIndex)).map((w) => w.id));
  const out: LocationChoices = { reads: reads.map((r) => r.id), orders: new IntList(), coLength: 0, coOf: new IntList(), rf: new IntList() };
  if (sources.some((s) => s.length === 0)) return out;
  // Same-thread writes around each read bound where its source may sit in co.
  const before = reads.map((r) => (writesByThread.get(r.thread) ?? []).filter((w) => sk.events[w]!.poIndex < r.poIndex));
  const after = reads.map((r) => (writesByThread.get(r.thread) ?? []).filter((w) => sk.events[w]!.poIndex > r.poIndex));
  const rmwWrite = reads.map((r) => { const ws = [...sk.rmw.row(r.id)]; return ws.length > 0 ? ws[0]! : -1; });
  // Instruction fetches and translation-table walks are implicit reads: internal visibility does not bind them.
  const implicit = reads.map((r) => r.tags.has('Instr') || r.tags.has('TTD'));
  const graph = new LocationGraph(sk, evs.filter((e) => !e.tags.has('Instr') && !e.tags.has('TTD')).map((e) => e.id));
  const chains = [...writesByThread.values()];
  const coPos = new Int32Array(sk.n);
  for (const order of interleavings(chains)) {
    const co = [...init, ...order];
    co.forEach((w, k) => { coPos[w] = k; });
    // Coherence (CoWR, CoRW) and atomicity prune each read's sources first.
    const allowed = sources.map((srcs, k) => {
      if (implicit[k]) return srcs;
      const lo = before[k]!.reduce((m, w) => Math.max(m, coPos[w]!), -1);
      const hi = after[k]!.reduce((m, w) => Math.min(m, coPos[w]!), co.length);
      const rw = rmwWrite[k]!;
      return srcs.filter((w) => coPos[w]! >= lo && coPos[w]! < hi && (rw < 0 || coPos[w]! === coPos[rw]! - 1));
    });
    budget.spend();
    if (allowed.some((a) => a.length === 0)) continue;
    const pick = allowed.map(() => 0);
    let orderIndex = -1;
    for (;;) {
      budget.spend();
      const rf = reads.map((r, k) => [r.id, allowed[k]![pick[k]!]!] as const);
      if (graph.acyclicWith(co, rf.filter((_, k) => !implicit[k]), coPos)) {
        if (orderIndex < 0) {
          out.coLength = co.length;
          orderIndex = out.orders.length / co.length;
          for (const w of co) out.orders.push(w);
        }
        out.coOf.push(orderIndex);
        for (const [, w] of rf) out.rf.push(w);
      }
      let k = pick.length - 1;
      while (k >= 0 && pick[k]! + 1 >= allowed[k]!.length) { pick[k] = 0; k--; }
      if (k < 0) break;
      pick[k]!++;
    }
  }
  return out;
}

/**
 * po-loc ∪ rf ∪ co ∪ fr on one location's events; po-loc is fixed, the rest
 * comes per attempt. Small enough for a fresh Kahn pass each time.
 */
class LocationGraph {
  private readonly local: Int32Array;
  private readonly n: number;
  private readonly poEdges: readonly (readonly [number, number])[];
  private readonly succ: number[][];
  private readonly indeg: Int32Array;

  constructor(sk: Skeleton, ids: readonly number[]) {
    this.n = ids.length;
    this.local = new Int32Array(sk.n).fill(-1);
    ids.forEach((id, k) => { this.local[id] = k; });
    const po: [number, number][] = [];
    let prev = -1;
    // ids are in thread, then po, order: consecutive same-thread events suffice.
    for (const id of ids) {
      const e = sk.events[id]!;
      if (prev >= 0 && !e.isInit && sk.events[prev]!.thread === e.thread) po.push([this.local[prev]!, this.local[id]!]);
      prev = e.isInit ? -1 : id;
    }
    this.poEdges = po;
    this.succ = Array.from({ length: this.n }, () => []);
    this.indeg = new Int32Array(this.n);
  }

  acyclicWith(co: readonly number[], rf: readonly (readonly [number, number])[], coPos: Int32Array): boolean {
    const { succ, indeg, local } = this;
    for (const s of succ) s.length = 0;
    indeg.fill(0);
    const edge = (a: number, b: number): void => { succ[a]!.push(b); indeg[b]!++; };
    for (const [a, b] of this.poEdges) edge(a, b);
    for (let i = 0; i + 1 < co.length; i++) edge(local[co[i]!]!, local[co[i + 1]!]!);
    for (const [r, w] of rf) {
      edge(local[w]!, local[r]!);
      const next = co[coPos[w]! + 1];
      if (next !== undefined && next !== r) edge(local[r]!, local[next]!);
    }
    const stack: number[] = [];
    for (let i = 0; i < this.n; i++) if (indeg[i] === 0) stack.push(i);
    let seen = 0;
    while (stack.length > 0) {
      const i = stack.pop()!;
      seen++;
      for (const j of succ[i]!) if (--indeg[j]! === 0) stack.push(j);
    }
    return seen === this.n;
  }
}

/** All merges of the chains that keep each chain's order. */
function* interleavings(chains: readonly (readonly number[])[]): Generator<number[]> {
  const total = chains.reduce((s, c) => s + c.length, 0);
  const pos = chains.map(() => 0);
  const acc: number[] = [];
  function* go(): Generator<number[]> {
    if (acc.length === total) { yield [...acc]; return; }
    for (let c = 0; c < chains.length; c++) {
      if (pos[c]! >= chains[c]!.length) continue;
      acc.push(chains[c]![pos[c]!]!);
      pos[c]!++;
      yield* go();
      pos[c]!--;
      acc.pop();
    }
  }
  yield* go();
}

