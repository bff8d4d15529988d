// simulate(): one litmus test under one model, with herd7's counts. The
// enumerator proposes candidates; this module applies the filter, asks the
// model, evaluates the condition on the final state and keeps the tallies
// herd prints, plus the first witnesses and the axioms that forbid
// candidates satisfying the condition.
import type { Candidate, Skeleton } from './execution.ts';
import { BudgetExceeded, type FrontEnd, compareValues, enumerate } from './enumerate.ts';
import { a64FrontEnd } from './front-a64.ts';
import { cFrontEnd, propLocations } from './front-c.ts';
import { type HerdBuild, aarch64Model } from './models/aarch64.ts';
import type { MemoryModel, PreparedModel } from './models/model.ts';
import { lkmm } from './models/lkmm.ts';
import { sc } from './models/sc.ts';
import type { Relation } from './relation.ts';
import { LitmusError } from './source.ts';
import type { LitmusTest, Prop, RLoc, Value } from './types.ts';

export type ModelName = 'lkmm' | 'aarch64' | 'sc';
export type Observation = 'Never' | 'Sometimes' | 'Always';

export interface SimOptions {
  readonly model: ModelName;
  readonly variant: readonly string[];
  readonly maxCandidates: number;
  readonly maxEvents?: number;
  /** Which herd7 build's output to mirror where builds differ (default 5feffe4e). */
  readonly herdBuild?: HerdBuild;
}

export interface Forbidden {
  readonly axiom: string;
  readonly count: number;
  /** The first examples (up to MAX_EXAMPLES): each candidate and the relation with its cycle. */
  readonly examples: readonly { readonly candidate: Candidate; readonly culprit: Relation | null }[];
}

const MAX_EXAMPLES = 64;

export interface Witness {
  readonly candidate: Candidate;
  readonly timeline: Relation;
}

export interface SimResult {
  readonly test: LitmusTest;
  readonly model: ModelName;
  readonly variant: readonly string[];
  /** Observed locations in herd's printing order. */
  readonly observed: readonly RLoc[];
  /** Fault atoms of the condition; each state ends with the matching exception, or 0n. */
  readonly faults: readonly string[];
  /** Distinct final states, sorted as herd sorts them. */
  readonly states: readonly (readonly Value[])[];
  readonly positive: number;
  readonly negative: number;
  readonly ok: boolean;
  readonly loop: boolean;
  readonly observation: Observation;
  readonly flags: readonly string[];
  readonly candidates: number;
  /** Set when the budget ran out; counts are then partial and unreliable. */
  readonly budgetExceeded: string | null;
  /** First consistent execution satisfying the condition. */
  readonly satisfying: Witness | null;
  /** For Never: why each candidate satisfying the condition is forbidden. */
  readonly forbidden: readonly Forbidden[];
}

export const DEFAULT_MAX_CANDIDATES = 2_000_000;
const DEFAULT_MAX_EVENTS = 1024;

function modelOf(name: ModelName, test: LitmusTest, build: HerdBuild): MemoryModel {
  const file = test.file;
  if (name === 'lkmm') return lkmm;
  if (name === 'sc') return sc;
  if (name === 'aarch64') return aarch64Model((test.info.get('CacheType') ?? '').split(/[\s,]+/).filter((x) => x !== ''), build);
  throw new LitmusError(file, 1, 1, `unknown model '${String(name)}'`);
}

export function isIfetch(opts: SimOptions): boolean {
  return opts.variant.some((v) => /^(ifetch|self)$/i.test(v));
}

function frontEndOf(test: LitmusTest, opts: SimOptions): FrontEnd {
  if (test.arch === 'C') {
    if (opts.model === 'aarch64') throw new LitmusError(test.file, 1, 1, 'the aarch64 model needs an AArch64 test');
    return cFrontEnd(test);
  }
  if (opts.model === 'lkmm') throw new LitmusError(test.file, 1, 1, 'the lkmm model needs a C test');
  const vmsa = opts.variant.some((v) => /^(vmsa|kvm)$/i.test(v));
  if (vmsa && isIfetch(opts)) throw new LitmusError(test.file, 1, 1, 'combining vmsa and ifetch is not supported (as in herd7)');
  return a64FrontEnd(test, isIfetch(opts), vmsa);
}

/** herd's order: registers by thread then name (AArch64 by number), then memory by name. */
export function observedLocations(test: LitmusTest): RLoc[] {
  const all = [...propLocations(test.prop), ...test.locationsClause];
  const key = (l: RLoc): string => (l.kind === 'reg' ? `r:${l.thread}:${l.reg}` : `m:${l.name}`);
  const uniq = new Map<string, RLoc>();
  for (const l of all) uniq.set(key(l), l);
  const regNum = (r: string): number => { const m = /^X([0-9]+)$/.exec(r); return m === null ? Number.NaN : Number(m[1]); };
  return [...uniq.values()].sort((a, b) => {
    if (a.kind !== b.kind) return a.kind === 'reg' ? -1 : 1;
    if (a.kind === 'reg' && b.kind === 'reg') {
      if (a.thread !== b.thread) return a.thread - b.thread;
      const na = regNum(a.reg), nb = regNum(b.reg);
      if (test.arch === 'AArch64' && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
      return a.reg < b.reg ? -1 : a.reg > b.reg ? 1 : 0;
    }
    const x = (a as { name: string }).name, y = (b as { name: string }).name;
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

type Valuation = (loc: RLoc) => Value;

function valuation(test: LitmusTest, fe: FrontEnd, c: Candidate): Valuation {
  return (loc) => {
    if (loc.kind === 'mem' && loc.name.startsWith('fault(')) return faultMatching(c, loc.name.slice(6, -1)) ?? 0n;
    if (loc.kind === 'mem') return c.finalMemory.get(loc.name) ?? fe.initial.get(loc.name) ?? 0n;
    const p = c.sk.paths[loc.thread];
    const v = p?.regs.get(loc.reg);
    if (v !== undefined) return v;
    return test.init.registers.find((r) => r.thread === loc.thread && r.reg === loc.reg)?.value ?? 0n;
  };
}

export function evalProp(p: Prop, val: Valuation): boolean {
  switch (p.kind) {
    case 'true': return true;
    case 'false': return false;
    case 'eq': return val(p.loc) === p.value;
    case 'eqloc': return val(p.loc) === val(p.other);
    case 'not': return !evalProp(p.prop, val);
    case 'and': return p.props.every((q) => evalProp(q, val));
    case 'or': return p.props.some((q) => evalProp(q, val));
    case 'implies': return !evalProp(p.left, val) || evalProp(p.right, val);
    case 'fault': return val({ kind: 'mem', name: `fault(${p.text})` }) !== 0n;
  }
}

/** Fault atoms of a proposition, in order. */
export function faultAtoms(p: Prop | null, out: string[] = []): string[] {
  if (p === null) return out;
  if (p.kind === 'fault') { if (!out.includes(p.text)) out.push(p.text); }
  else if (p.kind === 'not') faultAtoms(p.prop, out);
  else if (p.kind === 'and' || p.kind === 'or') for (const q of p.props) faultAtoms(q, out);
  else if (p.kind === 'implies') { faultAtoms(p.left, out); faultAtoms(p.right, out); }
  return out;
}

/** The exception of an execution that satisfies the atom `P0:L0[,x][,Type]`, if any. */
function faultMatching(c: Candidate, atom: string): string | null {
  const [where, ...rest] = atom.split(',');
  for (const p of c.sk.paths) {
    for (const e of p.exceptions ?? []) {
      const [ew, ...er] = e.split(',');
      if (ew === where && rest.every((r) => er.includes(r))) return e;
    }
  }
  return null;
}

export function simulate(test: LitmusTest, opts: SimOptions): SimResult {
  const model = modelOf(opts.model, test, opts.herdBuild ?? '5feffe4e');
  const fe = frontEndOf(test, opts);
  const observed = observedLocations(test);
  const faults = faultAtoms(test.prop);
  const lockLocations = new Set<string>();
  const states = new Map<string, Value[]>();
  const flags = new Set<string>();
  const forbidden = new Map<string, { count: number; examples: { candidate: Candidate; culprit: Relation | null }[] }>();
  let positive = 0;
  let negative = 0;
  let loop = false;
  let satisfying: Witness | null = null;
  let prepared: PreparedModel | null = null;
  let budgetExceeded: string | null = null;
  let candidates = 0;

  const onSkeleton = (sk: Skeleton): void => {
    prepared = model.prepare(sk);
    for (const e of sk.events) if (e.tags.has('LKR') || e.tags.has('LKW') || e.tags.has('UL') || e.tags.has('LF')) lockLocations.add(e.loc!);
  };
  const onCandidate = (c: Candidate): void => {
    const val = valuation(test, fe, c);
    if (test.filter !== null && !evalProp(test.filter, val)) return;
    const holds = evalProp(test.prop, val);
    const verdict = prepared!.check(c, holds);
    if (!verdict.ok) {
      if (holds) {
        const f = forbidden.get(verdict.failed!) ?? { count: 0, examples: [] };
        f.count++;
        if (f.examples.length < MAX_EXAMPLES) f.examples.push({ candidate: c, culprit: verdict.culprit });
        forbidden.set(verdict.failed!, f);
      }
      return;
    }
    const fault = c.sk.paths.find((p) => p.fault !== null)?.fault;
    if (fault != null) throw new LitmusError(test.file, fault.pos.line, fault.pos.col, fault.message);
    for (const f of verdict.flags) flags.add(f);
    const values = [...observed.map(val), ...faults.map((f) => val({ kind: 'mem', name: `fault(${f})` }))];
    const key = values.map((v) => (typeof v === 'bigint' ? `i${v}` : `s${v}`)).join('|');
    if (!states.has(key)) states.set(key, values);
    const k = verdict.executions ?? 1;
    if (holds) {
      positive += k;
      if (satisfying === null) satisfying = { candidate: c, timeline: prepared!.timeline(c) };
    } else negative += k;
  };
  try {
    candidates = enumerate(fe, { maxCandidates: opts.maxCandidates, maxEvents: opts.maxEvents ?? DEFAULT_MAX_EVENTS },
      { skeleton: onSkeleton, candidate: onCandidate, loopCut: () => { loop = true; } });
  } catch (err) {
    if (!(err instanceof BudgetExceeded)) throw err;
    budgetExceeded = err.message;
    candidates = err.candidates;
  }
  if (observed.some((l) => l.kind === 'mem' && lockLocations.has(l.name))) flags.add('lock-final');
  const sorted = [...states.values()].sort((a, b) => {
    for (let i = 0; i < a.length; i++) {
      const d = compareValues(a[i]!, b[i]!);
      if (d !== 0) return d;
    }
    return 0;
  });
  const ok = test.quantifier === 'exists' ? positive > 0 : test.quantifier === '~exists' ? positive === 0 : negative === 0;
  const observation: Observation = positive === 0 ? 'Never' : negative === 0 ? 'Always' : 'Sometimes';
  return {
    test, model: opts.model, variant: opts.variant, observed, faults, states: sorted, positive, negative, ok, loop, observation,
    flags: [...flags].sort(), candidates, budgetExceeded, satisfying,
    forbidden: [...forbidden].map(([axiom, f]) => ({ axiom, count: f.count, examples: f.examples })),
  };
}
