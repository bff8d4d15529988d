// The engine under balance and regions: which resources are held, on which
// paths, at every point of a function. States flow along the CFG; two paths
// that hold the same things merge, so loops converge and the work stays
// proportional to the distinct lock states, not the number of paths.
import type { CCall } from './calls.ts';
import type { Cfg, CfgEdge } from './cfg.ts';
import { nullFactOf } from './conditions.ts';
import type { Atom, BranchFact } from './conditions.ts';
import { callEvents } from './events.ts';
import type { CEvent } from './events.ts';
import { effectsOfCall, PAIRED_CALLS, ptlVariablesOf } from './resources.ts';
import type { EffectContext, PairedCallSpec, Resource } from './resources.ts';

/** One acquisition still held. */
export interface Hold {
  resource: Resource;
  callee: string;
  line: number;
  /** Variables holding the returned pointer: a NULL test on one of them undoes the hold. */
  owners: readonly string[];
  /** The lock taken, for spinlocks and PTLs (`ptl`, `init_mm.page_table_lock`). */
  lock?: string;
  /** A trylock whose result the next branch decides. */
  pending?: { callee: string; line: number; when: 'nonzero' | 'zero' };
}

export interface HeldState {
  holds: readonly Hold[];
  /** Releases with nothing held (the caller's lock, or a bug). */
  deficits: Readonly<Record<string, number>>;
  /** Outcomes of correlated branch conditions taken on this path (atom text → value). */
  assumed: Readonly<Record<string, boolean>>;
}

export interface Underflow {
  resource: Resource;
  call: CCall;
  nodeId: number;
  /** Node ids from the entry to the release. */
  witness: number[];
}

/** A lock taken again while this path already holds it (R17: rwsems and spinlocks do not nest). */
export interface Reacquisition {
  resource: Resource;
  lock: string;
  call: CCall;
  /** Where the path took it first. */
  heldSince: { callee: string; line: number };
  witness: number[];
}

export interface HeldStateOptions {
  /** Resources held on entry (a callback runs inside its caller's region). */
  entry?: Readonly<Partial<Record<Resource, number>>>;
  /** Extra paired calls a rule knows about. */
  extra?: Readonly<Record<string, PairedCallSpec>>;
  /** Work limit; `truncated` is set when it is hit. */
  maxSteps?: number;
}

export interface HeldStateAnalysis {
  cfg: Cfg;
  /** States reaching the exit, with a witness path (node ids) for each. */
  exitStates: Array<{ state: HeldState; witness: number[] }>;
  underflows: Underflow[];
  reacquisitions: Reacquisition[];
  /** States just before event `eventIndex` of node `nodeId`. */
  statesBefore(nodeId: number, eventIndex: number): HeldState[];
  /** States on entry to a node. */
  statesAt(nodeId: number): HeldState[];
  truncated: boolean;
}

/** How many of `resource` a state holds (negative when more was released than held). */
export function heldCount(state: HeldState, resource: Resource): number {
  let n = 0;
  for (const h of state.holds) if (h.resource === resource && !h.pending) n++;
  return n - (state.deficits[resource] ?? 0);
}

const keys = new WeakMap<HeldState, string>();

/** States are immutable, so each one's key is computed once. */
function keyOf(s: HeldState): string {
  let k = keys.get(s);
  if (k === undefined) keys.set(s, (k = computeKey(s)));
  return k;
}

function computeKey(s: HeldState): string {
  const holds = s.holds.map((h) => `${h.resource}@${h.line}:${h.callee}:${[...h.owners].sort().join(',')}${h.pending ? '?' : ''}`).sort();
  // (h.lock follows from the acquiring call and line, so it needs no place in the key.)
  const def = Object.entries(s.deficits).filter(([, v]) => v > 0).sort().map(([k, v]) => `${k}-${v}`);
  const assumed = Object.entries(s.assumed).sort().map(([k, v]) => `${v ? '' : '!'}${k}`);
  return `${holds.join(';')}|${def.join(';')}|${assumed.join(';')}`;
}

/** `pte` from `pte`, `pte - 1`, `&pte`, `start_pte`. */
function baseVariable(expr: string): string | undefined {
  return /^&?\s*([A-Za-z_]\w*)/.exec(expr)?.[1];
}

/** At most this many holds per acquisition site: enough to see a leak, and loops converge. */
const MAX_SAME_SITE = 2;

/** Resources whose same lock must not be taken twice on one path. */
const NON_NESTING: ReadonlySet<Resource> = new Set(['ptl', 'spinlock', 'mmap-lock', 'init-mm-mmap-lock']);

function applyCall(state: HeldState, call: CCall, ctx: EffectContext, onUnderflow: (r: Resource) => void, onReacquire: (r: Resource, lock: string, first: Hold) => void): HeldState {
  const effects = effectsOfCall(call, ctx);
  if (effects.length === 0) return state;
  let holds = [...state.holds];
  const deficits = { ...state.deficits };
  const owner = baseVariable(call.args[0] ?? '');
  // When a release's first resource (the mapping, the lock) was not held, its
  // companions (RCU, preemption) are not taken from some other holder either.
  let primaryMissing = false;
  let firstRelease = true;
  for (const e of effects) {
    if (e.delta === 1) {
      const again = e.instance !== undefined && NON_NESTING.has(e.resource) ? holds.find((h) => h.resource === e.resource && h.lock === e.instance && !h.pending) : undefined;
      // A trylock on a held lock just fails; only blocking acquisitions deadlock.
      if (again && e.instance !== undefined && e.when === 'always') onReacquire(e.resource, e.instance, again);
      if (holds.filter((h) => h.resource === e.resource && h.line === call.line && h.callee === call.callee).length >= MAX_SAME_SITE) continue;
      const hold: Hold = {
        resource: e.resource,
        callee: call.callee,
        line: call.line,
        owners: e.when === 'nonnull' && call.assignedTo ? [call.assignedTo] : [],
      };
      if (e.when === 'nonzero' || e.when === 'zero') hold.pending = { callee: call.callee, line: call.line, when: e.when };
      if (e.instance !== undefined) hold.lock = e.instance;
      holds.push(hold);
      continue;
    }
    const same = holds.map((h, i) => ({ h, i })).filter(({ h }) => h.resource === e.resource && !h.pending);
    // The same lock first (spin_unlock(ptl) after pmd_lock and spin_lock(ptl)), then the same pointer, then the latest.
    const pick = primaryMissing
      ? undefined
      : (e.instance !== undefined ? same.find(({ h }) => h.lock === e.instance) : undefined) ??
        same.find(({ h }) => owner !== undefined && h.owners.includes(owner)) ??
        same[same.length - 1];
    if (firstRelease && !pick) primaryMissing = true;
    firstRelease = false;
    if (pick) {
      holds = holds.filter((_, i) => i !== pick.i);
    } else {
      // Capped like holds, so a release inside a loop cannot grow states forever.
      deficits[e.resource] = Math.min((deficits[e.resource] ?? 0) + 1, MAX_SAME_SITE);
      onUnderflow(e.resource);
    }
  }
  return { holds, deficits, assumed: state.assumed };
}

/** Forgets assumptions about a condition once a variable it reads is written. */
function forget(state: HeldState, target: string): HeldState {
  const base = baseVariable(target);
  if (!base) return state;
  const word = new RegExp(`\\b${base}\\b`);
  const kept = Object.entries(state.assumed).filter(([k]) => !word.test(k));
  return kept.length === Object.keys(state.assumed).length ? state : { ...state, assumed: Object.fromEntries(kept) };
}

function applyAssign(state: HeldState, target: string, value: string): HeldState {
  // `start_pte = pte`, `orig_pte = pte = pte_offset_map(...)`: the alias owns the mapping too.
  const source = /^([A-Za-z_]\w*)\s*(?:=(?!=)|$)/.exec(value)?.[1];
  if (!source || !state.holds.some((h) => h.owners.includes(source) && !h.owners.includes(target))) return state;
  return { ...state, holds: state.holds.map((h) => (h.owners.includes(source) ? { ...h, owners: [...h.owners, target] } : h)) };
}

/**
 * Applies an edge's correlated-condition constraint: undefined when the path
 * already took the opposite outcome of the same test (an infeasible path).
 */
function applyConstraint(state: HeldState, edge: CfgEdge, correlated: ReadonlySet<string>): { state: HeldState; facts: BranchFact[] } | undefined {
  const c = edge.constraint;
  if (edge.back) return { state: Object.keys(state.assumed).length ? { ...state, assumed: {} } : state, facts: edge.facts };
  if (!c) return { state, facts: edge.facts };
  const known = (a: Atom): boolean | undefined => state.assumed[a.text];
  let atoms = c.atoms;
  if (c.kind === 'anyOf') {
    atoms = c.atoms.filter((a) => known(a) !== !a.value);
    if (atoms.length === 0) return undefined;
    if (atoms.length > 1) return { state, facts: edge.facts };
  }
  if (atoms.some((a) => known(a) === !a.value)) return undefined;
  const record = atoms.filter((a) => correlated.has(a.text) && known(a) === undefined);
  const derived = c.kind === 'anyOf' ? atoms.flatMap((a) => nullFactOf(a) ?? []) : [];
  const next = record.length ? { ...state, assumed: { ...state.assumed, ...Object.fromEntries(record.map((a) => [a.text, a.value])) } } : state;
  return { state: next, facts: derived.length ? [...edge.facts, ...derived] : edge.facts };
}

function withoutPending(h: Hold): Hold {
  const { pending: _pending, ...rest } = h;
  return rest;
}

/**
 * `tested` names the trylocks (callee@line) whose result some edge of this
 * node knows. On an edge that does not know it (`if (a && spin_trylock(l))`
 * taken false) the lock may not be held: dropped. A trylock no branch tests
 * at all (`locked = spin_trylock(l);`) is taken to have succeeded.
 */
function applyEdge(state: HeldState, facts: readonly BranchFact[], tested: ReadonlySet<string>): HeldState {
  let holds = state.holds.filter((h) => {
    for (const f of facts) {
      if (f.kind === 'null' && f.isNull && h.owners.includes(f.variable)) return false;
      if (f.kind === 'call-result' && h.pending && h.pending.callee === f.callee && h.pending.line === f.line) {
        return h.pending.when === 'nonzero' ? f.nonZero : !f.nonZero;
      }
    }
    return !(h.pending && tested.has(`${h.pending.callee}@${h.pending.line}`));
  });
  if (holds.some((h) => h.pending)) holds = holds.map((h) => (h.pending ? withoutPending(h) : h));
  return holds.length === state.holds.length && holds.every((h, i) => h === state.holds[i]) ? state : { ...state, holds };
}

function entryState(cfg: Cfg, entry: HeldStateOptions['entry']): HeldState {
  const holds: Hold[] = [];
  for (const [resource, n] of Object.entries(entry ?? {})) {
    for (let i = 0; i < (n ?? 0); i++) {
      // init_mm's mmap lock has one instance, so a caller's hold can be recognised when taken again.
      holds.push({ resource, callee: '<caller>', line: cfg.fn.startLine, owners: [], ...(resource === 'init-mm-mmap-lock' ? { lock: 'init_mm' } : {}) });
    }
  }
  return { holds, deficits: {}, assumed: {} };
}

/** Atoms tested by more than one branch: only those are worth keeping apart on paths. */
function correlatedAtoms(cfg: Cfg): Set<string> {
  const count = new Map<string, number>();
  for (const n of cfg.nodes) {
    const texts = new Set(n.succ.flatMap((e) => e.constraint?.atoms.map((a) => a.text) ?? []));
    for (const t of texts) count.set(t, (count.get(t) ?? 0) + 1);
  }
  // A test that itself takes or drops something (`spin_trylock(ptl)`) is not
  // the same fact twice: each evaluation may come out differently.
  const effectful = (t: string): boolean => [...t.matchAll(/([A-Za-z_]\w*)\s*\(/g)].some((m) => m[1] !== undefined && m[1] in PAIRED_CALLS);
  return new Set([...count].filter(([t, n]) => n > 1 && !effectful(t)).map(([t]) => t));
}

interface Visit {
  state: HeldState;
  parent: { node: number; key: string } | undefined;
}

/** Propagates held-resource states through the CFG. */
export function analyseHeldStates(cfg: Cfg, options: HeldStateOptions = {}): HeldStateAnalysis {
  const allCalls = cfg.nodes.flatMap((n) => callEvents(n.events));
  const ctx: EffectContext = { ptlVariables: ptlVariablesOf(allCalls), ...(options.extra ? { extra: options.extra } : {}) };
  const maxSteps = options.maxSteps ?? 200_000;
  const correlated = correlatedAtoms(cfg);
  const atNode = new Map<number, Map<string, Visit>>();
  const beforeEvent = new Map<string, Map<string, HeldState>>();
  const underflows: Underflow[] = [];
  const seenUnderflow = new Set<string>();
  const reacquisitions: Reacquisition[] = [];
  const seenReacquire = new Set<string>();
  const work: Array<{ node: number; key: string }> = [];
  let steps = 0;
  let truncated = false;

  const witness = (node: number, key: string): number[] => {
    const out: number[] = [];
    let cur: { node: number; key: string } | undefined = { node, key };
    while (cur) {
      out.push(cur.node);
      cur = atNode.get(cur.node)?.get(cur.key)?.parent;
    }
    return out.reverse();
  };
  const enqueue = (node: number, state: HeldState, parent: Visit['parent']): void => {
    let m = atNode.get(node);
    if (!m) atNode.set(node, (m = new Map()));
    // At the exit, keep one state per way in, so each return gets its own report.
    const key = node === cfg.exit && parent ? `${keyOf(state)}<${parent.node}` : keyOf(state);
    if (m.has(key)) return;
    m.set(key, { state, parent });
    work.push({ node, key });
  };

  enqueue(cfg.entry, entryState(cfg, options.entry), undefined);
  while (work.length > 0) {
    if (++steps > maxSteps) {
      truncated = true;
      break;
    }
    const item = work.pop();
    if (!item) break;
    const node = cfg.nodes[item.node];
    const visit = atNode.get(item.node)?.get(item.key);
    if (!node || !visit) continue;
    let state = visit.state;
    node.events.forEach((ev: CEvent, i) => {
      const k = `${node.id}:${i}`;
      let m = beforeEvent.get(k);
      if (!m) beforeEvent.set(k, (m = new Map()));
      m.set(keyOf(state), state);
      if (ev.kind === 'call') {
        state = applyCall(state, ev.call, ctx, (resource) => {
          const uk = `${resource}@${ev.call.line}:${ev.call.callee}`;
          if (seenUnderflow.has(uk)) return;
          seenUnderflow.add(uk);
          underflows.push({ resource, call: ev.call, nodeId: node.id, witness: witness(item.node, item.key) });
        }, (resource, lock, first) => {
          const rk = `${resource}:${lock}@${ev.call.line}`;
          if (seenReacquire.has(rk)) return;
          seenReacquire.add(rk);
          reacquisitions.push({ resource, lock, call: ev.call, heldSince: { callee: first.callee, line: first.line }, witness: witness(item.node, item.key) });
        });
      } else if (ev.kind === 'assign') {
        state = forget(applyAssign(state, ev.target, ev.value), ev.target);
      } else {
        state = forget(state, ev.target);
      }
    });
    const tested = new Set(node.succ.flatMap((e) => e.facts.flatMap((f) => (f.kind === 'call-result' ? [`${f.callee}@${f.line}`] : []))));
    for (const e of node.succ) {
      const c = applyConstraint(state, e, correlated);
      if (c) enqueue(e.to, applyEdge(c.state, c.facts, tested), item);
    }
  }

  const statesOf = (m: Map<string, Visit> | undefined): HeldState[] => [...(m?.values() ?? [])].map((v) => v.state);
  return {
    cfg,
    exitStates: [...(atNode.get(cfg.exit)?.entries() ?? [])].map(([key, v]) => ({ state: v.state, witness: witness(cfg.exit, key) })),
    underflows,
    reacquisitions,
    statesBefore: (nodeId, eventIndex) => [...(beforeEvent.get(`${nodeId}:${eventIndex}`)?.values() ?? [])],
    statesAt: (nodeId) => statesOf(atNode.get(nodeId)),
    truncated,
  };
}
