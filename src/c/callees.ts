// Callee summaries (HAZARDS.md P7 and section F) as data: what a called
// function is known to do. Rules ask these questions instead of keeping
// their own name lists.
import type { CCall } from './calls.ts';
import type { Resource } from './resources.ts';

export type Arch = 'generic' | 'arm64' | 'x86' | 'powerpc' | 'riscv' | 's390' | 'sparc';

/** GFP flags that allow direct reclaim, so the allocation may sleep. */
const SLEEPING_GFP = /\b(GFP_KERNEL|GFP_USER|GFP_HIGHUSER\w*|GFP_KERNEL_ACCOUNT|GFP_NOFS|GFP_NOIO|GFP_PGTABLE_\w+|__GFP_DIRECT_RECLAIM)\b/;
const NON_SLEEPING_GFP = /\b(GFP_ATOMIC|GFP_NOWAIT)\b/;

/** Allocators whose sleeping depends on their gfp argument. */
const ALLOCATORS = new Set([
  '__get_free_page', '__get_free_pages', 'get_zeroed_page', 'alloc_page', 'alloc_pages', 'alloc_pages_node',
  'folio_alloc', 'kmalloc', 'kzalloc', 'kcalloc', 'kmalloc_array', 'kmem_cache_alloc', 'kmem_cache_zalloc',
  'vmalloc', '__vmalloc', 'alloc_pages_bulk', 'alloc_pages_bulk_array', 'pagetable_alloc',
]);

/** Functions that may sleep whatever their arguments (HAZARDS.md F, "Sleepers"). */
export const SLEEPERS: ReadonlySet<string> = new Set([
  'mutex_lock', 'mutex_lock_interruptible', 'mutex_lock_killable', 'mutex_lock_nested',
  'down', 'down_read', 'down_write', 'down_interruptible', 'down_killable', 'down_read_killable', 'down_write_killable',
  'mmap_read_lock', 'mmap_write_lock', 'mmap_read_lock_killable', 'mmap_write_lock_killable',
  'get_online_mems', 'cpus_read_lock', 'static_branch_enable', 'static_branch_disable',
  'static_branch_inc', 'static_branch_dec', 'synchronize_rcu', 'synchronize_rcu_expedited',
  'vm_unmap_aliases', '_vm_unmap_aliases', 'cond_resched', 'schedule', 'schedule_timeout', 'msleep',
  'wait_for_completion', 'wait_for_completion_timeout', 'wait_for_completion_interruptible', 'flush_work',
  'might_sleep', 'vfree', 'vunmap', 'vmalloc', 'vzalloc', 'copy_from_user', 'copy_to_user', 'get_user', 'put_user',
]);

/** Why a call may sleep, or undefined when it is not known to. */
export function sleepReason(call: CCall): string | undefined {
  if (SLEEPERS.has(call.callee)) return `${call.callee}() may sleep`;
  if (/^wait_event/.test(call.callee)) return `${call.callee}() may sleep`;
  if (ALLOCATORS.has(call.callee)) {
    const flags = call.args.find((a) => SLEEPING_GFP.test(a) || NON_SLEEPING_GFP.test(a));
    if (flags && SLEEPING_GFP.test(flags) && !NON_SLEEPING_GFP.test(flags)) return `${call.callee}(${flags}) may enter direct reclaim`;
  }
  return undefined;
}

export function mayCallSleep(call: CCall): boolean {
  return sleepReason(call) !== undefined;
}

/** Calls that enter lazy MMU mode themselves or run a callback inside it. */
export const ENTERS_LAZY_MMU: ReadonlySet<string> = new Set([
  'lazy_mmu_mode_enable', 'arch_enter_lazy_mmu_mode', 'apply_to_page_range', 'apply_to_existing_page_range',
]);

/** Invalidation primitives (B-events), per architecture; `generic` applies everywhere. */
export const FLUSH_PRIMITIVES: Readonly<Record<Arch, readonly string[]>> = {
  generic: [
    'flush_tlb_range', 'flush_tlb_mm', 'flush_tlb_page', 'flush_pmd_tlb_range', 'flush_pud_tlb_range',
    'flush_tlb_kernel_range', 'ptep_clear_flush', 'pmdp_clear_flush', 'pmdp_huge_clear_flush', 'pmdp_collapse_flush',
    'pmdp_invalidate', 'tlb_flush_mmu', 'tlb_finish_mmu', 'flush_tlb_all',
  ],
  arm64: ['__flush_tlb_kernel_pgtable', '__flush_tlb_range', 'flush_tlb_all'],
  x86: ['flush_tlb_mm_range', 'flush_tlb_all', '__flush_tlb_one_kernel'],
  powerpc: ['radix__flush_tlb_pwc', 'hash__flush_tlb_mm', 'hash__flush_tlb_page', 'hash__flush_tlb_range'],
  riscv: ['local_flush_tlb_all', 'flush_tlb_all'],
  s390: ['__tlb_flush_mm', '__tlb_flush_kernel'],
  sparc: ['flush_tlb_pending', 'flush_tlb_kernel_range'],
};

/** Invalidations that drop only last-level entries on that arch (R12): not enough before a table free. */
export const LEAF_ONLY_FLUSHES: Readonly<Partial<Record<Arch, readonly string[]>>> = {
  arm64: ['flush_tlb_kernel_range', 'flush_tlb_page'],
};

export function isFlushPrimitive(callee: string, arch: Arch = 'generic'): boolean {
  return FLUSH_PRIMITIVES.generic.includes(callee) || FLUSH_PRIMITIVES[arch].includes(callee) || /^__?flush_tlb/.test(callee);
}

/** Upper-level entry clears (R11 A-events). */
export const UPPER_ENTRY_CLEARS: ReadonlySet<string> = new Set([
  'pmd_clear', 'pud_clear', 'p4d_clear', 'pgd_clear', 'pmdp_huge_get_and_clear', 'pudp_huge_get_and_clear',
]);
/** PTE clears (R13 A-events). */
export const PTE_CLEARS: ReadonlySet<string> = new Set([
  'pte_clear', 'ptep_get_and_clear', 'ptep_get_and_clear_full', 'ptep_clear', 'clear_ptes', 'get_and_clear_full_ptes',
  'huge_ptep_get_and_clear',
]);
/** Table-free primitives (R11 C-events); `free_page*` count when given a table pointer. */
export const TABLE_FREES: ReadonlySet<string> = new Set([
  'pte_free_kernel', 'pte_free', 'pmd_free', 'pud_free', 'p4d_free', 'pagetable_free', 'pagetable_free_kernel',
  'pagetable_dtor_free', '__pte_free', 'pte_fragment_free', 'crst_table_free', 'free_page', '__free_page', 'free_pages',
]);
/** Frees that wait for the gather flush or an RCU grace period: not C-events. */
export const RCU_SAFE_TABLE_FREES: ReadonlySet<string> = new Set([
  'pte_free_defer', 'tlb_remove_table', 'tlb_remove_ptdesc', 'pte_free_tlb', 'pmd_free_tlb', 'pud_free_tlb', 'p4d_free_tlb',
]);
/** Data-page releases (R13 C-events). */
export const PAGE_RELEASES: ReadonlySet<string> = new Set([
  'folio_put', 'folio_put_refs', 'put_page', 'free_page', '__free_page', 'free_pages', '__free_pages', 'free_unref_page',
  'folio_remove_rmap_pte', 'folio_remove_rmap_ptes', 'page_remove_rmap', 'set_page_dirty', 'folio_mark_dirty',
]);

/** Lockless page-table walkers by name (R09). */
export function isLocklessWalker(functionName: string): boolean {
  return /^(gup_fast|lockless_pages_from_mm$|___pte_offset_map$|perf_get_pgtable_size$|ptdump_\w*_entry$|note_page)/.test(functionName);
}

/** Where a function passed as a callback runs: the region its caller sets up (HAZARDS.md P4). */
export interface CallbackSite {
  /** The callback function's name. */
  callback: string;
  /** The call that installs it (`apply_to_page_range`) or the ops field (`.pte_entry`). */
  via: string;
  line: number;
  /** Resources held when the callback runs; pass as `entry` to the balance/region analyses. */
  entry: Readonly<Partial<Record<Resource, number>>>;
}

/** Callback-taking calls: argument index of the callback, and what holds while it runs. */
export const CALLBACK_CALLS: Readonly<Record<string, { arg: number; entry: Readonly<Partial<Record<Resource, number>>> }>> = {
  // apply_to_pte_range enters lazy MMU around the callback since 38e0edb15bd0.
  apply_to_page_range: { arg: 3, entry: { 'lazy-mmu': 1 } },
  apply_to_existing_page_range: { arg: 3, entry: { 'lazy-mmu': 1 } },
};

/** Ops-structure fields whose functions run in a known region (mm_walk_ops). */
export const CALLBACK_FIELDS: Readonly<Record<string, Readonly<Partial<Record<Resource, number>>>>> = {
  pte_entry: { 'pte-map': 1, rcu: 1 },
};

/** Callbacks installed by the given calls, or by `.pte_entry = fn` initialisers in `text`. */
export function findCallbacks(calls: readonly CCall[], text = ''): CallbackSite[] {
  const out: CallbackSite[] = [];
  for (const c of calls) {
    const spec = CALLBACK_CALLS[c.callee];
    const fn = spec ? c.args[spec.arg] : undefined;
    if (spec && fn && /^[A-Za-z_]\w*$/.test(fn)) out.push({ callback: fn, via: c.callee, line: c.line, entry: spec.entry });
  }
  const lines = text.split('\n');
  lines.forEach((l, i) => {
    for (const m of l.matchAll(/\.(\w+)\s*=\s*([A-Za-z_]\w*)/g)) {
      const entry = m[1] ? CALLBACK_FIELDS[m[1]] : undefined;
      if (entry && m[2]) out.push({ callback: m[2], via: `.${m[1]}`, line: i + 1, entry });
    }
  });
  return out;
}

/**
 * The optional one-time indexer of P7: within one translation unit, a
 * function that calls a known sleeper (or a function already found to sleep)
 * may sleep too. Returns function name → the call chain that shows it.
 */
export function inferSleepers(functions: ReadonlyArray<{ name: string; calls: readonly CCall[] }>): Map<string, string> {
  const found = new Map<string, string>();
  for (const f of functions) {
    const direct = f.calls.map((c) => sleepReason(c)).find((r) => r !== undefined);
    if (direct) found.set(f.name, direct);
  }
  let changed = true;
  while (changed) {
    changed = false;
    for (const f of functions) {
      if (found.has(f.name)) continue;
      const via = f.calls.find((c) => found.has(c.callee));
      if (via) {
        found.set(f.name, `${via.callee}() ← ${found.get(via.callee) ?? ''}`);
        changed = true;
      }
    }
  }
  return found;
}
