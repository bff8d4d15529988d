// R11: an upper-level entry is cleared and the table it pointed to is
// freed on some path with no TLB invalidate between them (the C front end's
// ordered-event check, HAZARDS P6). Another CPU, or a speculative walk, may
// still hold the cleared entry in its paging-structure cache and walk the
// freed, reused page.
import {
  defineRule,
  introducedBy,
  lineText,
  removedCalls,
  reportOn,
  sameHunk,
  withScenario,
  type CCall,
  type ImageFunction,
  type OrderedEventSpec,
  type PatchUnderReview,
  type RuleReport,
  type ScenarioRequest,
  type TouchedFunction,
} from '../src/analysis/rule-api.ts';

// A: an entry that points to a table is cleared.
const CLEAR = /^((pgd|p4d|pud|pmd)_clear|(pud|pmd)p_huge_get_and_clear|pmdp_get_and_clear)$/;
// B: an invalidate that reaches non-leaf caches (HAZARDS table F; the
// leaf-only question is rule R12's).
const INVALIDATE =
  /flush_tlb_\w+|__flush_tlb_\w+|local_flush_tlb_\w+|flush_(pmd|pud)_tlb_range|ptep_clear_flush\w*|pmdp_(huge_)?clear_flush|pmdp_collapse_flush|pmdp_invalidate|tlb_flush_mmu\w*|tlb_finish_mmu|radix__flush_tlb_pwc|hash__flush_tlb_\w+/;
// C: the table goes back to the allocator. `*_free_tlb()` and
// tlb_remove_table() defer the free past the gather's flush: not here.
const FREE =
  /^(pte_free_kernel|pte_free|pmd_free|pud_free|p4d_free|pagetable_free|pagetable_free_kernel|pagetable_dtor_free|__pte_free|pte_fragment_free|crst_table_free|free_pages?|__free_pages?)$/;
const WALK_CACHE: OrderedEventSpec = {
  first: (c: CCall) => CLEAR.test(c.callee),
  between: (c: CCall) => new RegExp(`^(?:${INVALIDATE.source})$`).test(c.callee),
  last: (c: CCall) => FREE.test(c.callee),
};

/**
 * The race as a scenario, where the architecture's walk-cache model is
 * known: arm64, the abstract walk-cache model (herd's vmsa has no table
 * descriptors) with whatever DSBs sit between clear and free; x86, the
 * shootdown template with no flush, so no IPI. Generic code: none, since
 * what a walk may cache is the architecture's.
 */
function scenarioOf(fn: TouchedFunction, image: ImageFunction, clearLine: number, freeLine: number): ScenarioRequest | undefined {
  if (fn.file.startsWith('arch/arm64/')) {
    const dsbs = image.analysis.calls.filter((c) => c.callee === 'dsb' && c.line > clearLine && c.line < freeLine).map((c) => c.args[0] ?? '');
    return { template: 'walk-cache-free', facts: { dsbBeforeTlbi: dsbs.includes('ishst'), tlbi: 'none', dsbAfterTlbi: dsbs.some((a) => /^(ish|sy)$/.test(a)) } };
  }
  if (fn.file.startsWith('arch/x86/')) {
    return { template: 'x86-shootdown', facts: { flushed: false, waitForAck: true, handlerBarrier: true, targetLazyTlb: false, freedTables: true } };
  }
  return undefined;
}

function reports(fn: TouchedFunction, patch: PatchUnderReview): RuleReport[] {
  const found = introducedBy(
    fn,
    (image) => image.analysis.order(WALK_CACHE).filter((v) => sameHunk(fn, image, v.first.line, v.last.line)),
    (v, image) => `${lineText(image, v.first.line)}\0${lineText(image, v.last.line)}`,
  );
  const removed = removedCalls(fn, INVALIDATE).map((s) => s.line);
  return found.flatMap(({ item: v, image }) => {
    const r = reportOn(fn, image, {
      messageId: 'freedBeforeInvalidate',
      data: { free: v.last.callee, clear: v.first.callee, clearLine: v.first.line },
      line: v.last.line,
      lines: [v.first.line],
      extra: removed.filter((l) => l.anchorLine >= v.first.line && l.anchorLine <= v.last.line),
      suggestion:
        'invalidate between the clear and the free: __flush_tlb_kernel_pgtable(addr) on arm64, ' +
        'flush_tlb_kernel_range() on x86, or free user tables through pte_free_tlb()/pmd_free_tlb()',
    });
    if (!r) return [];
    // Evidence in file order: the clear, the removed invalidate, the free.
    r.evidence.sort((a, b) => a.anchorLine - b.anchorLine || (a.kind === 'removed' ? -1 : 1));
    const scenario = scenarioOf(fn, image, v.first.line, v.last.line);
    return [scenario ? withScenario(r, patch, scenario) : r];
  });
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
    return context.functions().flatMap((fn) => reports(fn, context.patch));
  },
});
