// R11 on hunks: an upper-level entry is cleared and the table it pointed to
// is freed with no TLB invalidate between them in the post-image. Another
// CPU (or a speculative walk) may still hold the cleared entry in its
// paging-structure cache and walk the freed, reused page.
import {
  callSites,
  defineRule,
  introducedOrderViolations,
  type FunctionRegion,
  type HunkLine,
  type OrderSpec,
  type OrderViolation,
  type RuleReport,
} from '../src/analysis/rule-api.ts';

const WALK_CACHE: OrderSpec = {
  // A: an entry that points to a table is cleared.
  first: /(pgd|p4d|pud|pmd)_clear|(pud|pmd)p_huge_get_and_clear|pmdp_get_and_clear/,
  // B: an invalidate that reaches non-leaf caches (per HAZARDS table F; the
  // leaf-only question is rule R12's).
  between:
    /flush_tlb_\w+|__flush_tlb_\w+|local_flush_tlb_\w+|flush_(pmd|pud)_tlb_range|ptep_clear_flush\w*|pmdp_(huge_)?clear_flush|pmdp_collapse_flush|pmdp_invalidate|tlb_flush_mmu\w*|tlb_finish_mmu|radix__flush_tlb_pwc|hash__flush_tlb_\w+/,
  // C: the table goes back to the allocator. `*_free_tlb()` and
  // tlb_remove_table() defer the free past the gather's flush: not here.
  then:
    /pte_free_kernel|pte_free|pmd_free|pud_free|p4d_free|pagetable_free|pagetable_free_kernel|pagetable_dtor_free|__pte_free|pte_fragment_free|crst_table_free|free_pages?|__free_pages?/,
};

/** Removed invalidates between A and C: the change that opened the window. */
function removedInvalidates(region: FunctionRegion, v: OrderViolation): HunkLine[] {
  for (const fragment of region.fragments) {
    const from = fragment.indexOf(v.first.line);
    const to = fragment.indexOf(v.then.line);
    if (from < 0 || to < 0) continue;
    const between = fragment.slice(from, to + 1).filter((l) => l.kind === 'removed');
    return callSites([between], WALK_CACHE.between).map((s) => s.line);
  }
  return [];
}

function report(region: FunctionRegion, v: OrderViolation): RuleReport {
  const out: RuleReport = {
    messageId: 'freedBeforeInvalidate',
    data: { free: v.then.name, clear: v.first.name, clearLine: v.first.line.anchorLine },
    file: region.file,
    at: v.then.line,
    evidence: [v.first.line, ...removedInvalidates(region, v), v.then.line],
    suggestion:
      'invalidate between the clear and the free: __flush_tlb_kernel_pgtable(addr) on arm64, ' +
      'flush_tlb_kernel_range() on x86, or free user tables through pte_free_tlb()/pmd_free_tlb()',
    confidence: region.confidence,
  };
  if (region.name !== undefined) out.function = region.name;
  return out;
}

export default defineRule({
  meta: {
    id: 'pgtable-free-before-walkcache-invalidate',
    title: 'page table freed before the walk cache is invalidated',
    severity: 'error',
    hazardClass: 'tlb-invalidate',
    contract:
      'After an upper-level entry (pgd/p4d/pud/pmd) is cleared, CPUs may still hold the old non-leaf entry in their ' +
      'paging-structure caches; the table page may be freed only after an invalidate that covers those caches on ' +
      'every CPU (x86 flush_tlb_kernel_range(), arm64 __flush_tlb_kernel_pgtable(), or mmu_gather with freed_tables).',
    arches: ['all'],
    references: [
      {
        title: 'Toshi Kani, [PATCH v4 3/3] x86/mm: add TLB purge to free pmd/pte page interfaces (fixes 28ee90fe6048)',
        url: 'https://lore.kernel.org/all/20180627141348.21777-4-toshi.kani@hpe.com/',
      },
      {
        title: 'Will Deacon, arm64: tlb: Ensure we execute an ISB following walk cache invalidation',
        url: 'https://lore.kernel.org/all/20190827131818.14724-3-will@kernel.org/',
      },
    ],
    docs: 'rules/pgtable-free-before-walkcache-invalidate.md',
    messages: {
      freedBeforeInvalidate:
        '{{free}}() frees a page table after {{clear}}() on line {{clearLine}} with no TLB invalidate in between',
    },
  },
  check(context) {
    return context
      .regions()
      .flatMap((region) => introducedOrderViolations(region, WALK_CACHE).map((v) => report(region, v)));
  },
});
