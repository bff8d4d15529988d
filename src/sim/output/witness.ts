// Witnesses a reviewer can follow (SIMULATOR.md §7.5): for an allowed
// outcome, an interleaving (plain SC order when there is one, else the
// model's time order with the reads that see "the future" marked) and a DOT
// graph; for a forbidden one, the axiom and a shortest cycle per kind.
import type { Candidate, ExecEvent } from '../execution.ts';
import { Relation } from '../relation.ts';
import type { SimResult } from '../run.ts';
import { printValue } from './herd.ts';

function letter(k: number): string {
  let s = '';
  let n = k;
  do { s = String.fromCharCode(97 + (n % 26)) + s; n = Math.floor(n / 26) - 1; } while (n >= 0);
  return s;
}

function who(e: ExecEvent): string {
  return e.isInit ? 'init' : `P${e.thread}`;
}

function kindTags(e: ExecEvent): string {
  const tags = [...e.tags].filter((t) => t !== 'RMW');
  return tags.length === 0 ? '' : `[${tags.join(',')}]`;
}

/** `a: W[x]=1` style label of an event. */
export function eventLabel(c: Candidate, e: ExecEvent): string {
  if (e.kind === 'F') return `${letter(e.id)}: F${kindTags(e)}`;
  return `${letter(e.id)}: ${e.kind}${kindTags(e)}[${e.loc}]=${printValue(e.value)}`;
}

function fr(c: Candidate): Relation {
  return c.rf.inverse().seq(c.co).minus(Relation.identity(c.sk.n));
}

/** A linear order of the events compatible with `r`, preferring program order. */
function linearise(c: Candidate, r: Relation): number[] | null {
  const { n, events } = c.sk;
  const indeg = new Int32Array(n);
  for (const [, j] of r.pairs()) indeg[j]!++;
  const done = new Uint8Array(n);
  const out: number[] = [];
  while (out.length < n) {
    let best = -1;
    for (let i = 0; i < n; i++) {
      if (done[i] || indeg[i] !== 0) continue;
      const e = events[i]!;
      const b = best < 0 ? null : events[best]!;
      if (b === null || (e.isInit && !b.isInit) || (e.isInit === b.isInit && (e.poIndex < b.poIndex || (e.poIndex === b.poIndex && e.thread < b.thread)))) best = i;
    }
    if (best < 0) return null;
    done[best] = 1;
    out.push(best);
    for (const j of r.row(best)) indeg[j]!--;
  }
  return out;
}

/** The interleaving lines of the first execution satisfying the condition. */
export function interleaving(r: SimResult): string[] {
  const w = r.satisfying;
  if (w === null) return [];
  const c = w.candidate;
  const sc = c.sk.po.union(c.rf, c.co, fr(c));
  const scOrder = linearise(c, sc);
  const order = scOrder ?? linearise(c, w.timeline) ?? [...Array(c.sk.n).keys()];
  const lines = [scOrder !== null
    ? 'This outcome is reachable even under sequential consistency; one interleaving:'
    : `No interleaving gives this outcome; ${r.model} allows it. Events in ${r.model === 'lkmm' ? 'executes-before (hb | pb | rb)' : 'model'} order:`];
  const at = new Map<number, number>();
  order.forEach((id, k) => at.set(id, k));
  for (const id of order) {
    const e = c.sk.events[id]!;
    if (e.isInit) continue;
    let line = `  ${who(e)}: ${e.text}  (${eventLabel(c, e)})`;
    const src = c.rfSource[id]!;
    if (e.kind === 'R' && src >= 0) {
      const s = c.sk.events[src]!;
      line += s.isInit ? ' reads the initial value' : ` reads from ${who(s)}'s ${letter(s.id)}`;
      if (at.get(src)! > at.get(id)!) line += ' -- a write that comes later: the weak-memory effect';
      const newer = [...c.co.row(src)].filter((w2) => at.get(w2)! < at.get(id)!);
      if (newer.length > 0) line += ` -- stale: ${who(c.sk.events[newer[0]!]!)}'s ${letter(newer[0]!)} overwrote it earlier`;
    }
    lines.push(line);
  }
  return lines;
}

function edgeName(c: Candidate, a: number, b: number, derived: string): string {
  const ext = c.sk.events[a]!.thread !== c.sk.events[b]!.thread;
  if (c.rf.has(a, b)) return ext ? 'rfe' : 'rfi';
  if (c.co.has(a, b)) return ext ? 'coe' : 'coi';
  if (fr(c).has(a, b)) return ext ? 'fre' : 'fri';
  if (c.sk.addr.has(a, b)) return 'addr';
  if (c.sk.data.has(a, b)) return 'data';
  if (c.sk.ctrl.has(a, b)) return 'ctrl';
  if (c.sk.po.has(a, b)) return 'po';
  return derived;
}

const DERIVED: Readonly<Record<string, string>> = {
  'happens-before': 'hb', propagation: 'pb', rcu: 'rb', 'plain-coherence': 'race', sc: 'sc', external: 'ob',
};

/** A cycle as text, and its shape (instructions and edges, not values) to group alike cycles. */
function describeCycle(c: Candidate, cyc: readonly number[], derived: string): { text: string; shape: string } {
  const steps = cyc.map((id, k) => {
    const next = cyc[(k + 1) % cyc.length]!;
    const e = c.sk.events[id]!;
    return { e, edge: edgeName(c, id, next, derived) };
  });
  // Rotate to start at the smallest event id so equal cycles compare equal.
  const start = steps.reduce((best, s, k) => (s.e.id < steps[best]!.e.id ? k : best), 0);
  const rotated = [...steps.slice(start), ...steps.slice(0, start)];
  return {
    text: rotated.map(({ e, edge }) => `${who(e)} ${e.text} (${eventLabel(c, e)}) -${edge}->`).join(' ') + ' back to the start',
    shape: rotated.map(({ e, edge }) => `${who(e)}:${e.text}:${edge}`).join('|'),
  };
}

/**
 * For a Never result: each axiom that forbids the candidates satisfying the
 * condition, with the distinct cycle shapes among its first examples.
 */
export function forbiddenExplanation(r: SimResult): string[] {
  if (r.positive > 0) return [];
  if (r.forbidden.length === 0) {
    return ['No candidate execution reaches the condition at all: every one is ruled out by coherence or atomicity (sc-per-location) or by the values read.'];
  }
  const lines: string[] = [];
  for (const f of r.forbidden) {
    lines.push(`${f.count} candidate(s) satisfying the condition violate ${f.axiom}`);
    const shapes = new Map<string, { text: string; count: number }>();
    for (const ex of f.examples) {
      const cyc = ex.culprit?.shortestCycle() ?? null;
      if (cyc === null) continue;
      const d = describeCycle(ex.candidate, cyc, DERIVED[f.axiom] ?? f.axiom);
      const seen = shapes.get(d.shape);
      if (seen === undefined) shapes.set(d.shape, { text: d.text, count: 1 });
      else seen.count++;
    }
    for (const { text, count } of shapes.values()) {
      lines.push(`  cycle${shapes.size > 1 ? ` (${count} of the first ${f.examples.length})` : ''}: ${text}`);
    }
  }
  lines.push('(Candidates ruled out earlier, by coherence or atomicity at one location, are not listed.)');
  return lines;
}

function dotEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/** The execution as a DOT graph, one cluster per thread, herd's colours. */
export function executionDot(r: SimResult): string | null {
  const w = r.satisfying;
  if (w === null) return null;
  const c = w.candidate;
  const { events, po } = c.sk;
  const out = [`digraph "${dotEscape(r.test.name)}" {`, '  node [shape=box, fontname="monospace"];'];
  const threads = [...new Set(events.filter((e) => !e.isInit).map((e) => e.thread))];
  const used = new Set<number>();
  for (const [a, b] of c.rf.pairs()) { used.add(a); used.add(b); }
  for (const [a, b] of c.co.pairs()) { used.add(a); used.add(b); }
  out.push('  subgraph cluster_init { label="init"; style=dashed;');
  for (const e of events) if (e.isInit && used.has(e.id)) out.push(`    e${e.id} [label="${dotEscape(eventLabel(c, e))}"];`);
  out.push('  }');
  for (const t of threads) {
    out.push(`  subgraph cluster_proc${t} { label="P${t}";`);
    for (const e of events) if (e.thread === t) {
      out.push(`    e${e.id} [label="${dotEscape(`${eventLabel(c, e)}\\lproc:P${t} poi:${e.poIndex}\\l${e.text}`)}\\l"];`);
    }
    out.push('  }');
  }
  const immediate = (rel: Relation): Relation => rel.minus(rel.seq(rel));
  const edges: [Relation, string, string][] = [
    [immediate(po), 'po', 'black'], [c.rf, 'rf', 'red'], [immediate(c.co), 'co', 'blue'], [fr(c), 'fr', 'orange'],
  ];
  for (const [rel, name, colour] of edges) {
    for (const [a, b] of rel.pairs()) {
      if (name !== 'po' && (!used.has(a) && !events[a]!.isInit)) continue;
      if (events[a]!.isInit && !used.has(a)) continue;
      out.push(`  e${a} -> e${b} [label="${name}", color=${colour}, fontcolor=${colour}];`);
    }
  }
  out.push('}');
  return out.join('\n') + '\n';
}
