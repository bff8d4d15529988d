// Regions (HAZARDS.md P4): "is this call inside a lazy MMU section / under
// the PTL / in an RCU read side, on every path or on some path". A region is
// a predicate over the held counts, evaluated on the states reaching a call.
import type { CCall } from './calls.ts';
import type { Cfg } from './cfg.ts';
import { analyseHeldStates, heldCount } from './held-states.ts';
import type { HeldState, HeldStateAnalysis, HeldStateOptions } from './held-states.ts';

export type Region =
  /** lazy_mmu_mode_enable()/arch_enter_lazy_mmu_mode() active and not paused. */
  | 'lazy-mmu-section'
  /** A page-table lock (split PTL, pmd_lock, init_mm.page_table_lock) held. */
  | 'ptl-held'
  /** rcu_read_lock(), or a pte mapping (which holds the RCU read side). */
  | 'rcu-read-side'
  | 'irqs-off'
  /** preempt_disable(), get_cpu(), any spinlock, or IRQs off. */
  | 'preempt-off'
  /** mmap_read_lock(&init_mm)/mmap_write_lock(&init_mm) (R14, R17). */
  | 'init-mm-mmap-lock'
  /** Between a successful pte_offset_map*() and its unmap. */
  | 'pte-mapped'
  /** Anywhere sleeping is forbidden: spinlock, preemption/IRQs off, RCU read side. */
  | 'atomic';

export type Quantifier = 'every' | 'some';

const REGION_TESTS: Readonly<Record<Region, (s: HeldState) => boolean>> = {
  'lazy-mmu-section': (s) => heldCount(s, 'lazy-mmu') > 0 && heldCount(s, 'lazy-mmu-pause') <= 0,
  'ptl-held': (s) => heldCount(s, 'ptl') > 0,
  'rcu-read-side': (s) => heldCount(s, 'rcu') > 0,
  'irqs-off': (s) => heldCount(s, 'irq') > 0,
  'preempt-off': (s) => heldCount(s, 'preempt') > 0 || heldCount(s, 'irq') > 0,
  'init-mm-mmap-lock': (s) => heldCount(s, 'init-mm-mmap-lock') > 0,
  'pte-mapped': (s) => heldCount(s, 'pte-map') > 0,
  atomic: (s) => ['preempt', 'irq', 'rcu', 'ptl', 'spinlock'].some((r) => heldCount(s, r) > 0),
};

export const REGIONS = Object.keys(REGION_TESTS) as Region[];

/** A call as it sits in the CFG, with the states that reach it. */
export interface CallSite {
  call: CCall;
  nodeId: number;
  eventIndex: number;
  states: HeldState[];
}

export interface RegionMap {
  analysis: HeldStateAnalysis;
  /** Every call of the function (guards' synthetic calls included), with its states. */
  sites: CallSite[];
  /**
   * Is `call` (matched by callee and line) inside `region` on every/some path
   * reaching it? undefined when no such call is in the function.
   */
  callInside(call: Pick<CCall, 'callee' | 'line'>, region: Region, quantifier?: Quantifier): boolean | undefined;
  /** Is some call on `line` inside `region` on every/some path? */
  lineInside(line: number, region: Region, quantifier?: Quantifier): boolean;
  /** The calls inside `region`, for "find a sleeper in the lazy section". */
  callsInside(region: Region, quantifier?: Quantifier): CCall[];
}

function inside(states: HeldState[], region: Region, q: Quantifier): boolean {
  if (states.length === 0) return false; // unreachable
  const test = REGION_TESTS[region];
  return q === 'every' ? states.every(test) : states.some(test);
}

/** Region queries over one function. Pass `entry` to analyse a callback inside its caller's region. */
export function computeRegions(cfg: Cfg, options: HeldStateOptions = {}, analysis?: HeldStateAnalysis): RegionMap {
  const a = analysis ?? analyseHeldStates(cfg, options);
  const sites: CallSite[] = [];
  for (const n of cfg.nodes) {
    n.events.forEach((e, i) => {
      if (e.kind === 'call') sites.push({ call: e.call, nodeId: n.id, eventIndex: i, states: a.statesBefore(n.id, i) });
    });
  }
  const q = (x?: Quantifier): Quantifier => x ?? 'every';
  return {
    analysis: a,
    sites,
    callInside: (call, region, quantifier) => {
      const matching = sites.filter((s) => s.call.callee === call.callee && s.call.line === call.line);
      return matching.length === 0 ? undefined : matching.every((s) => inside(s.states, region, q(quantifier)));
    },
    lineInside: (line, region, quantifier) => sites.some((s) => s.call.line === line && inside(s.states, region, q(quantifier))),
    callsInside: (region, quantifier) => sites.filter((s) => inside(s.states, region, q(quantifier))).map((s) => s.call),
  };
}
