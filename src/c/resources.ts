// Paired calls as data (HAZARDS.md P3 and the map/unmap table in F): which
// call acquires or releases which resource, and under what condition. A
// helper that hands out several things at once (pte_offset_map_lock: the
// mapping, its RCU read side and the PTL) lists them all, so ownership
// transfers fall out of the counting.
import type { CCall } from './calls.ts';

/** Resources the engine counts per path. Rules may add their own names. */
export const RESOURCES = [
  'lazy-mmu', 'lazy-mmu-pause', 'pte-map', 'ptl', 'spinlock', 'rcu', 'irq', 'preempt',
  'init-mm-mmap-lock', 'mmap-lock', 'mmu-gather', 'mmu-notifier', 'tlb-flush-pending',
  'online-mems', 'mutex', 'kmap',
] as const;
export type KnownResource = (typeof RESOURCES)[number];
export type Resource = KnownResource | (string & {});

/**
 * When an acquisition takes effect:
 * - always: unconditionally;
 * - nonnull: only if the returned pointer (the variable it is stored in) is not NULL;
 * - nonzero: only if the call returned non-zero (trylocks);
 * - zero: only if it returned 0 (`mmap_read_lock_killable`, `mmu_notifier_invalidate_range_start_nonblock`).
 */
export type AcquireCondition = 'always' | 'nonnull' | 'nonzero' | 'zero';

export interface ResourceEffect {
  resource: Resource;
  delta: 1 | -1;
  when: AcquireCondition;
  /** Which lock, for locks: `ptl`, `init_mm.page_table_lock`, `cpa_lock` (no `&`). */
  instance?: string;
}

/** The effect table entry of one callee; `arg` picks the argument that names the lock. */
export interface PairedCallSpec {
  acquires?: Resource[];
  releases?: Resource[];
  when?: AcquireCondition;
  /** For spin_lock-style calls: classify the lock by this argument (PTL or other). */
  lockArg?: number;
  /** For mmap_lock-style calls: init_mm's lock is its own resource. */
  mmArg?: number;
}

const MAP = ['pte-map', 'rcu'] as const;
const MAP_LOCK = ['pte-map', 'rcu', 'ptl', 'preempt'] as const;

/** The default table: HAZARDS.md F, "Map/unmap pairs", plus the locks regions need. */
export const PAIRED_CALLS: Readonly<Record<string, PairedCallSpec>> = {
  // Page-table mapping (Hugh Dickins 2023: these may return NULL).
  pte_offset_map: { acquires: [...MAP], when: 'nonnull' },
  pte_offset_map_ro_nolock: { acquires: [...MAP], when: 'nonnull' },
  pte_offset_map_rw_nolock: { acquires: [...MAP], when: 'nonnull' },
  pte_offset_map_nolock: { acquires: [...MAP], when: 'nonnull' },
  __pte_offset_map: { acquires: [...MAP], when: 'nonnull' },
  ___pte_offset_map: { acquires: [...MAP], when: 'nonnull' },
  pte_offset_map_lock: { acquires: [...MAP_LOCK], when: 'nonnull' },
  __pte_offset_map_lock: { acquires: [...MAP_LOCK], when: 'nonnull' },
  pte_unmap: { releases: [...MAP] },
  pte_unmap_unlock: { releases: [...MAP_LOCK] },
  pmd_lock: { acquires: ['ptl', 'preempt'] },
  pud_lock: { acquires: ['ptl', 'preempt'] },
  huge_pte_lock: { acquires: ['ptl', 'preempt'] },
  kmap_local_page: { acquires: ['kmap'] },
  kmap_local_folio: { acquires: ['kmap'] },
  kunmap_local: { releases: ['kmap'] },
  // Lazy MMU: the generic API (2025) and the arch hooks it wraps.
  lazy_mmu_mode_enable: { acquires: ['lazy-mmu'] },
  lazy_mmu_mode_disable: { releases: ['lazy-mmu'] },
  arch_enter_lazy_mmu_mode: { acquires: ['lazy-mmu'] },
  arch_leave_lazy_mmu_mode: { releases: ['lazy-mmu'] },
  lazy_mmu_mode_pause: { acquires: ['lazy-mmu-pause'] },
  lazy_mmu_mode_resume: { releases: ['lazy-mmu-pause'] },
  // Spinlocks: spin_lock(ptl) is the PTL, anything else a plain spinlock.
  spin_lock: { acquires: ['spinlock', 'preempt'], lockArg: 0 },
  spin_lock_bh: { acquires: ['spinlock', 'preempt'], lockArg: 0 },
  spin_lock_nested: { acquires: ['spinlock', 'preempt'], lockArg: 0 },
  spin_lock_irq: { acquires: ['spinlock', 'preempt', 'irq'], lockArg: 0 },
  spin_lock_irqsave: { acquires: ['spinlock', 'preempt', 'irq'], lockArg: 0 },
  raw_spin_lock: { acquires: ['spinlock', 'preempt'], lockArg: 0 },
  raw_spin_lock_irq: { acquires: ['spinlock', 'preempt', 'irq'], lockArg: 0 },
  raw_spin_lock_irqsave: { acquires: ['spinlock', 'preempt', 'irq'], lockArg: 0 },
  spin_trylock: { acquires: ['spinlock', 'preempt'], lockArg: 0, when: 'nonzero' },
  raw_spin_trylock: { acquires: ['spinlock', 'preempt'], lockArg: 0, when: 'nonzero' },
  spin_unlock: { releases: ['spinlock', 'preempt'], lockArg: 0 },
  spin_unlock_bh: { releases: ['spinlock', 'preempt'], lockArg: 0 },
  spin_unlock_irq: { releases: ['spinlock', 'preempt', 'irq'], lockArg: 0 },
  spin_unlock_irqrestore: { releases: ['spinlock', 'preempt', 'irq'], lockArg: 0 },
  raw_spin_unlock: { releases: ['spinlock', 'preempt'], lockArg: 0 },
  raw_spin_unlock_irq: { releases: ['spinlock', 'preempt', 'irq'], lockArg: 0 },
  raw_spin_unlock_irqrestore: { releases: ['spinlock', 'preempt', 'irq'], lockArg: 0 },
  // RCU, interrupts, preemption.
  rcu_read_lock: { acquires: ['rcu'] },
  rcu_read_unlock: { releases: ['rcu'] },
  rcu_read_lock_sched: { acquires: ['rcu', 'preempt'] },
  rcu_read_unlock_sched: { releases: ['rcu', 'preempt'] },
  local_irq_disable: { acquires: ['irq'] },
  local_irq_enable: { releases: ['irq'] },
  local_irq_save: { acquires: ['irq'] },
  local_irq_restore: { releases: ['irq'] },
  raw_local_irq_save: { acquires: ['irq'] },
  raw_local_irq_restore: { releases: ['irq'] },
  preempt_disable: { acquires: ['preempt'] },
  preempt_enable: { releases: ['preempt'] },
  preempt_disable_notrace: { acquires: ['preempt'] },
  preempt_enable_notrace: { releases: ['preempt'] },
  get_cpu: { acquires: ['preempt'] },
  put_cpu: { releases: ['preempt'] },
  // mmap_lock: init_mm's is the R14/R17 lock, counted on its own.
  mmap_read_lock: { acquires: ['mmap-lock'], mmArg: 0 },
  mmap_write_lock: { acquires: ['mmap-lock'], mmArg: 0 },
  mmap_read_trylock: { acquires: ['mmap-lock'], mmArg: 0, when: 'nonzero' },
  mmap_write_trylock: { acquires: ['mmap-lock'], mmArg: 0, when: 'nonzero' },
  mmap_read_lock_killable: { acquires: ['mmap-lock'], mmArg: 0, when: 'zero' },
  mmap_write_lock_killable: { acquires: ['mmap-lock'], mmArg: 0, when: 'zero' },
  mmap_read_unlock: { releases: ['mmap-lock'], mmArg: 0 },
  mmap_write_unlock: { releases: ['mmap-lock'], mmArg: 0 },
  // The lockless pmd read bracket (IRQs off where a pmd is read in two halves).
  pmdp_get_lockless_start: { acquires: ['irq'] },
  pmdp_get_lockless_end: { releases: ['irq'] },
  // mmu_gather, notifiers, flush-pending, hotplug, mutexes.
  tlb_gather_mmu: { acquires: ['mmu-gather'] },
  tlb_gather_mmu_vma: { acquires: ['mmu-gather'] },
  tlb_gather_mmu_fullmm: { acquires: ['mmu-gather'] },
  tlb_finish_mmu: { releases: ['mmu-gather'] },
  mmu_notifier_invalidate_range_start: { acquires: ['mmu-notifier'] },
  mmu_notifier_invalidate_range_start_nonblock: { acquires: ['mmu-notifier'], when: 'zero' },
  mmu_notifier_invalidate_range_end: { releases: ['mmu-notifier'] },
  inc_tlb_flush_pending: { acquires: ['tlb-flush-pending'] },
  dec_tlb_flush_pending: { releases: ['tlb-flush-pending'] },
  get_online_mems: { acquires: ['online-mems'] },
  put_online_mems: { releases: ['online-mems'] },
  mutex_lock: { acquires: ['mutex'] },
  mutex_lock_nested: { acquires: ['mutex'] },
  mutex_trylock: { acquires: ['mutex'], when: 'nonzero' },
  mutex_lock_interruptible: { acquires: ['mutex'], when: 'zero' },
  mutex_lock_killable: { acquires: ['mutex'], when: 'zero' },
  mutex_unlock: { releases: ['mutex'] },
};

/**
 * cleanup.h guard classes as the lock/unlock calls they stand for
 * (DEFINE_GUARD / DEFINE_LOCK_GUARD_* in the kernel headers).
 */
export const GUARD_CLASSES: Readonly<Record<string, readonly [string, string]>> = {
  spinlock: ['spin_lock', 'spin_unlock'],
  spinlock_bh: ['spin_lock_bh', 'spin_unlock_bh'],
  spinlock_irq: ['spin_lock_irq', 'spin_unlock_irq'],
  spinlock_irqsave: ['spin_lock_irqsave', 'spin_unlock_irqrestore'],
  spinlock_try: ['spin_lock', 'spin_unlock'],
  raw_spinlock: ['raw_spin_lock', 'raw_spin_unlock'],
  raw_spinlock_irq: ['raw_spin_lock_irq', 'raw_spin_unlock_irq'],
  raw_spinlock_irqsave: ['raw_spin_lock_irqsave', 'raw_spin_unlock_irqrestore'],
  mutex: ['mutex_lock', 'mutex_unlock'],
  mutex_try: ['mutex_lock', 'mutex_unlock'],
  rcu: ['rcu_read_lock', 'rcu_read_unlock'],
  preempt: ['preempt_disable', 'preempt_enable'],
  preempt_notrace: ['preempt_disable_notrace', 'preempt_enable_notrace'],
  irq: ['local_irq_disable', 'local_irq_enable'],
  irqsave: ['local_irq_save', 'local_irq_restore'],
  mmap_read_lock: ['mmap_read_lock', 'mmap_read_unlock'],
  mmap_read_lock_try: ['mmap_read_lock', 'mmap_read_unlock'],
  mmap_write_lock: ['mmap_write_lock', 'mmap_write_unlock'],
  lazy_mmu: ['lazy_mmu_mode_enable', 'lazy_mmu_mode_disable'],
};

/** Lock expressions that are a page-table lock (split PTL, or init_mm's page_table_lock). */
export function isPtlExpression(expr: string, ptlVariables: ReadonlySet<string>): boolean {
  const bare = expr.replace(/^&/, '').trim();
  return ptlVariables.has(bare) || /page_table_lock|lockptr|\bptlp?\b|\bpml\b|_ptl\b|\bptl_|ptlock/.test(bare);
}

export interface EffectContext {
  /** Variables known to hold a PTL pointer (out-args of the map helpers, pte_lockptr results). */
  ptlVariables: ReadonlySet<string>;
  /** Extra or overriding table entries a rule brings. */
  extra?: Readonly<Record<string, PairedCallSpec>>;
}

function specFor(call: CCall, ctx: EffectContext): { spec: PairedCallSpec; callee: string; args: string[] } | undefined {
  if (call.guardClass !== undefined) {
    const pair = GUARD_CLASSES[call.guardClass];
    const callee = pair ? (call.synthetic === 'guard-exit' ? pair[1] : pair[0]) : undefined;
    if (callee) {
      const spec = ctx.extra?.[callee] ?? PAIRED_CALLS[callee];
      // The guard already ran its trylock (scoped_cond_guard's success edge).
      return spec ? { spec: { ...spec, when: 'always' }, callee, args: call.args } : undefined;
    }
    const res = `guard:${call.guardClass}`;
    return { spec: call.synthetic === 'guard-exit' ? { releases: [res] } : { acquires: [res] }, callee: call.callee, args: call.args };
  }
  const spec = ctx.extra?.[call.callee] ?? PAIRED_CALLS[call.callee];
  return spec ? { spec, callee: call.callee, args: call.args } : undefined;
}

function refine(resource: Resource, spec: PairedCallSpec, args: string[], ctx: EffectContext): Resource {
  if (resource === 'spinlock' && spec.lockArg !== undefined && isPtlExpression(args[spec.lockArg] ?? '', ctx.ptlVariables)) return 'ptl';
  if (resource === 'mmap-lock' && spec.mmArg !== undefined && /^&\s*init_mm$/.test(args[spec.mmArg] ?? '')) return 'init-mm-mmap-lock';
  return resource;
}

/** The resource effects of one call (empty for calls outside the table). */
export function effectsOfCall(call: CCall, ctx: EffectContext): ResourceEffect[] {
  const found = specFor(call, ctx);
  if (!found) return [];
  const { spec, args } = found;
  const when = spec.when ?? 'always';
  const instance = lockInstance(found.callee, spec, args, call.assignedTo);
  const locks = new Set<Resource>(['ptl', 'spinlock', 'mmap-lock', 'init-mm-mmap-lock']);
  const withInstance = (e: ResourceEffect): ResourceEffect => (instance !== undefined && locks.has(e.resource) ? { ...e, instance } : e);
  return [
    ...(spec.acquires ?? []).map((r): ResourceEffect => withInstance({ resource: refine(r, spec, args, ctx), delta: 1, when })),
    ...(spec.releases ?? []).map((r): ResourceEffect => withInstance({ resource: refine(r, spec, args, ctx), delta: -1, when: 'always' })),
  ];
}

/** The lock a call takes or drops, as text without `&`: spin_lock(&l) → `l`, pte_offset_map_lock(…, &ptl) → `ptl`. */
function lockInstance(callee: string, spec: PairedCallSpec, args: string[], assignedTo: string | undefined): string | undefined {
  const bare = (a: string | undefined): string | undefined => a?.replace(/^&\s*/, '').trim();
  if (spec.lockArg !== undefined) return bare(args[spec.lockArg]);
  if (spec.mmArg !== undefined) return bare(args[spec.mmArg]);
  const out = PTL_OUT_ARG[callee];
  if (out !== undefined) return bare(args[out]);
  if (callee === 'pte_unmap_unlock') return bare(args[1]);
  if (PTL_RETURNING.has(callee)) return assignedTo;
  return undefined;
}

/** Map helpers whose `&ptl` out-argument becomes a PTL pointer (index of that argument). */
const PTL_OUT_ARG: Readonly<Record<string, number>> = {
  pte_offset_map_lock: 3,
  __pte_offset_map_lock: 3,
  pte_offset_map_nolock: 3,
  pte_offset_map_ro_nolock: 3,
  pte_offset_map_rw_nolock: 4,
};
const PTL_RETURNING = new Set(['pte_lockptr', 'pmd_lockptr', 'pud_lockptr', 'huge_pte_lockptr', 'pmd_lock', 'pud_lock', 'huge_pte_lock']);

/** Variables of a function that hold a PTL pointer, from how they were obtained. */
export function ptlVariablesOf(calls: CCall[]): Set<string> {
  const out = new Set<string>();
  for (const c of calls) {
    const i = PTL_OUT_ARG[c.callee];
    const arg = i === undefined ? undefined : c.args[i];
    if (arg?.startsWith('&')) out.add(arg.slice(1).trim());
    if (PTL_RETURNING.has(c.callee) && c.assignedTo) out.add(c.assignedTo);
  }
  return out;
}
