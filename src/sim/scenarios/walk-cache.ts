// The abstract walk-cache model of SIMULATOR.md §8.3, for what herd's vmsa
// variant cannot express: an intermediate (table) descriptor cached by the
// MMU's walk cache. Freer (pud_free_pmd_page(), pmd_free_pte_page()):
// clear the table entry, DSB ISHST, TLBI (all levels: VAAE1IS, or last level
// only: VALE1IS), DSB ISH, free the table. Walker: a hardware walk of va
// that takes the pud from its walk cache or from memory, then reads the
// table's entry. Bad outcome: the walk reads the freed table.
//
// The model is ours (§10: to be reviewed by an owner of the arm64 TLB
// code), not herd's, and is explored exhaustively here:
// - the freer's stores become visible in any order unless a DSB drains them;
// - the walker may fill its walk cache from memory at any time (speculation);
// - a TLBI completes at some later step; a DSB ISH waits for it; completion
//   waits for a walk in flight (herd's TLBI-ob); only an all-levels TLBI
//   drops the cached table descriptor.
import type { Observation } from '../run.ts';
import type { ScenarioSimulation } from './types.ts';

export interface WalkCacheFacts {
  /** DSB ISHST between the clear and the TLBI (the start of __flush_tlb_kernel_pgtable()). */
  readonly dsbBeforeTlbi: boolean;
  /** Which TLBI: all levels (VAAE1IS, __flush_tlb_kernel_pgtable()), last level only (VALE1IS), or none. */
  readonly tlbi: 'all-levels' | 'last-level' | 'none';
  /** DSB ISH after the TLBI: waits for the invalidation before the free. */
  readonly dsbAfterTlbi: boolean;
}

export const KERNEL_PGTABLE_FLUSH: WalkCacheFacts = { dsbBeforeTlbi: true, tlbi: 'all-levels', dsbAfterTlbi: true };

type Step = 'clear' | 'dsb ishst' | 'tlbi' | 'dsb ish' | 'free';

interface State {
  readonly pc: number;            // next freer step
  readonly pud: boolean;          // memory: the pud still points to the table
  readonly poisoned: boolean;     // memory: the table was freed
  readonly pending: readonly ('pud' | 'table')[];  // freer stores not yet visible
  readonly inv: boolean;          // a TLBI issued, not yet complete
  readonly cached: boolean;       // walker's walk cache holds the table descriptor
  readonly walk: 'start' | 'has-table' | 'read-valid' | 'read-poison' | 'fault';
}

function steps(f: WalkCacheFacts): Step[] {
  return ['clear', ...(f.dsbBeforeTlbi ? ['dsb ishst' as const] : []), ...(f.tlbi !== 'none' ? ['tlbi' as const] : []),
    ...(f.dsbAfterTlbi ? ['dsb ish' as const] : []), 'free'];
}

/** Every successor of a state, with a label for the witness. */
function successors(s: State, prog: readonly Step[], allLevels: boolean): [string, State][] {
  const out: [string, State][] = [];
  const step = prog[s.pc];
  if (step === 'clear') out.push(['P0: pud_clear() (store buffered)', { ...s, pc: s.pc + 1, pending: [...s.pending, 'pud'] }]);
  if (step === 'free') out.push(['P0: free the table (store buffered)', { ...s, pc: s.pc + 1, pending: [...s.pending, 'table'] }]);
  if (step === 'dsb ishst' && s.pending.length === 0) out.push(['P0: DSB ISHST', { ...s, pc: s.pc + 1 }]);
  if (step === 'tlbi') out.push([`P0: TLBI ${allLevels ? 'VAAE1IS' : 'VALE1IS'} issued`, { ...s, pc: s.pc + 1, inv: true }]);
  if (step === 'dsb ish' && s.pending.length === 0 && !s.inv) out.push(['P0: DSB ISH', { ...s, pc: s.pc + 1 }]);
  s.pending.forEach((w, i) => {
    const rest = s.pending.filter((_x, j) => j !== i);
    out.push([`P0's ${w === 'pud' ? 'pud clear' : 'free'} becomes visible`, { ...s, pending: rest, ...(w === 'pud' ? { pud: false } : { poisoned: true }) }]);
  });
  if (s.inv && s.walk !== 'has-table') out.push(['the TLBI completes', { ...s, inv: false, cached: allLevels ? false : s.cached }]);
  const walking = s.walk === 'start' || s.walk === 'has-table';
  if (walking && s.pud && !s.cached) out.push(['P1: the MMU fills its walk cache with the pud (speculatively)', { ...s, cached: true }]);
  if (s.walk === 'start') {
    if (s.cached) out.push(['P1: walk takes the pud from the walk cache', { ...s, walk: 'has-table' }]);
    else out.push(s.pud ? ['P1: walk reads the pud from memory', { ...s, walk: 'has-table', cached: true }] : ['P1: walk reads the cleared pud: fault', { ...s, walk: 'fault' }]);
  }
  if (s.walk === 'has-table') out.push([`P1: walk reads the table${s.poisoned ? ' -- freed' : ''}`, { ...s, walk: s.poisoned ? 'read-poison' : 'read-valid' }]);
  return out;
}

function key(s: State): string {
  return `${s.pc}|${+s.pud}${+s.poisoned}|${s.pending.join(',')}|${+s.inv}${+s.cached}|${s.walk}`;
}

export interface WalkCacheResult {
  readonly observation: Observation;
  /** Distinct final states with the walk reading the freed table, and the others. */
  readonly positive: number;
  readonly negative: number;
  readonly explored: number;
  /** A path to the bad outcome, when there is one. */
  readonly witness: readonly string[];
  readonly budgetExceeded: boolean;
}

/** Exhaustive exploration, at most `maxStates` states. */
export function exploreWalkCache(f: WalkCacheFacts, maxStates: number): WalkCacheResult {
  const prog = steps(f);
  const start: State = { pc: 0, pud: true, poisoned: false, pending: [], inv: false, cached: false, walk: 'start' };
  const parent = new Map<string, [string, string] | null>([[key(start), null]]);
  const stack: State[] = [start];
  const finals = new Map<string, State>();
  while (stack.length > 0) {
    if (parent.size > maxStates) return { observation: 'Never', positive: 0, negative: 0, explored: parent.size, witness: [], budgetExceeded: true };
    const s = stack.pop()!;
    const next = successors(s, prog, f.tlbi === 'all-levels');
    if (next.length === 0) finals.set(key(s), s);
    for (const [label, t] of next) {
      const k = key(t);
      if (parent.has(k)) continue;
      parent.set(k, [key(s), label]);
      stack.push(t);
    }
  }
  const bad = [...finals].filter(([, s]) => s.walk === 'read-poison');
  const witness: string[] = [];
  for (let k: string | undefined = bad[0]?.[0]; k !== undefined;) {
    const p = parent.get(k);
    if (p == null) break;
    witness.unshift(`  ${p[1]}`);
    k = p[0];
  }
  const positive = bad.length, negative = finals.size - bad.length;
  const observation: Observation = positive === 0 ? 'Never' : negative === 0 ? 'Always' : 'Sometimes';
  return { observation, positive, negative, explored: parent.size, witness, budgetExceeded: false };
}

/** The scenario as text for the report (not a herd7 test: herd has no walk caches). */
export function describeWalkCache(f: WalkCacheFacts): string {
  return [
    'abstract-tlb walk-cache scenario (SIMULATOR.md §8.3; not a herd7 test)',
    `P0 (freer): ${steps(f).map((s) => (s === 'tlbi' ? `TLBI ${f.tlbi === 'all-levels' ? 'VAAE1IS' : 'VALE1IS'}` : s)).join('; ')}`,
    'P1 (MMU): walk va: pud (walk cache or memory) -> table entry',
    'exists: P1 reads the freed table',
  ].join('\n');
}

export function walkCacheSimulation(f: WalkCacheFacts, r: WalkCacheResult): ScenarioSimulation {
  return {
    litmus: describeWalkCache(f), model: 'abstract-tlb', variant: '-', observation: r.observation, positive: r.positive, negative: r.negative,
    ...(r.witness.length > 0 ? { witness: ['One interleaving that reaches it:', ...r.witness].join('\n') } : {}),
  };
}
