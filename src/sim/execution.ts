// Candidate executions: a skeleton (events of one path per thread, plus the
// initial writes, with po, loc, int/ext and the dependencies, all fixed by
// the paths) and the rf/co choices the enumerator makes over it.
import type { ThreadEvent, ThreadPath } from './events.ts';
import { EventSet, Relation } from './relation.ts';
import type { Value } from './types.ts';

export interface ExecEvent extends ThreadEvent {
  readonly id: number;
  /** Thread index, or -1 for an initial write. */
  readonly thread: number;
  /** Position in its thread's program order (0-based); -1 for initial writes. */
  readonly poIndex: number;
  readonly isInit: boolean;
}

export interface Skeleton {
  readonly n: number;
  readonly events: readonly ExecEvent[];
  readonly paths: readonly ThreadPath[];
  readonly po: Relation;
  readonly loc: Relation;
  readonly int: Relation;
  readonly ext: Relation;
  readonly addr: Relation;
  readonly data: Relation;
  readonly ctrl: Relation;
  /** rmw pairs, lock pairs (lk-rmw) included. */
  readonly rmw: Relation;
  readonly R: EventSet;
  readonly W: EventSet;
  readonly F: EventSet;
  readonly M: EventSet;
  readonly IW: EventSet;
  /** Events carrying a tag (see ThreadEvent.tags). */
  tagged(tag: string): EventSet;
}

export interface Candidate {
  readonly sk: Skeleton;
  readonly rf: Relation;
  readonly co: Relation;
  /** For each event that reads, the id of the write it reads from; -1 otherwise. */
  readonly rfSource: Int32Array;
  /** Final value of each memory location (value of its co-last write). */
  readonly finalMemory: ReadonlyMap<string, Value>;
}

export function buildSkeleton(paths: readonly ThreadPath[], given: ReadonlyMap<string, Value>): Skeleton {
  const events: ExecEvent[] = [];
  // Every location accessed has an initial write, 0 unless the test says otherwise.
  const initial = new Map(given);
  for (const p of paths) for (const e of p.events) if (e.loc !== null && !initial.has(e.loc)) initial.set(e.loc, 0n);
  for (const [loc, value] of initial) {
    events.push({
      id: events.length, thread: -1, poIndex: -1, isInit: true, kind: 'W', loc, value,
      tags: new Set(), addr: [], data: [], ctrl: [], rmwRead: null, text: `${loc} = ${String(value)}`, pos: { line: 0, col: 0 },
    });
  }
  const firstOf: number[] = [];
  for (const p of paths) {
    firstOf.push(events.length);
    p.events.forEach((e, k) => events.push({ ...e, id: events.length, thread: p.thread, poIndex: k, isInit: false }));
  }
  const n = events.length;
  const po = new Relation(n);
  const loc = new Relation(n);
  const int = new Relation(n);
  const addr = new Relation(n);
  const data = new Relation(n);
  const ctrl = new Relation(n);
  const rmw = new Relation(n);
  paths.forEach((p, t) => {
    const base = firstOf[t]!;
    const len = p.events.length;
    for (let i = 0; i < len; i++) {
      for (let j = 0; j < len; j++) {
        int.add(base + i, base + j);
        if (i < j) po.add(base + i, base + j);
      }
      const e = p.events[i]!;
      for (const d of e.addr) addr.add(base + d, base + i);
      for (const d of e.data) data.add(base + d, base + i);
      for (const d of e.ctrl) ctrl.add(base + d, base + i);
      if (e.rmwRead !== null) rmw.add(base + e.rmwRead, base + i);
    }
  });
  const byLoc = new Map<string, number[]>();
  for (const e of events) {
    if (e.loc === null) continue;
    const l = byLoc.get(e.loc) ?? [];
    l.push(e.id);
    byLoc.set(e.loc, l);
  }
  for (const ids of byLoc.values()) for (const a of ids) for (const b of ids) loc.add(a, b);
  const all = Relation.cross(EventSet.all(n), EventSet.all(n));
  const ext = all.minus(int);
  const R = EventSet.of(n, events.filter((e) => e.kind === 'R').map((e) => e.id));
  const W = EventSet.of(n, events.filter((e) => e.kind === 'W').map((e) => e.id));
  const F = EventSet.of(n, events.filter((e) => e.kind === 'F').map((e) => e.id));
  const IW = EventSet.of(n, events.filter((e) => e.isInit).map((e) => e.id));
  const tagCache = new Map<string, EventSet>();
  return {
    n, events, paths, po, loc, int, ext, addr, data, ctrl, rmw, R, W, F, M: R.union(W), IW,
    tagged(tag: string): EventSet {
      let s = tagCache.get(tag);
      if (s === undefined) {
        s = EventSet.of(n, events.filter((e) => e.tags.has(tag)).map((e) => e.id));
        tagCache.set(tag, s);
      }
      return s;
    },
  };
}
