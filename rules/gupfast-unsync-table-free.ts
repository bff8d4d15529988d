// R18: a user page table is unlinked and freed or reused while GUP-fast,
// which walks with IRQs off and no lock, may still be inside it. Two sides:
// - the GUP-fast PTE walker must re-check the pmd (not only the pte) after
//   grabbing the folio, or a THP collapse that freed the table goes unseen
//   (70cbc3cc78a9);
// - the collapser/unsharer must free or reuse the table through RCU
//   (pte_free_defer(), tlb_remove_table()) or after
//   tlb_remove_table_sync_one(), not with a bare pte_free() (2ba99c5e0881).
import {
  defineRule,
  introducedBy,
  lineText,
  reportOn,
  sameHunk,
  withScenario,
  type CCall,
  type HunkLine,
  type OrderedEventSpec,
  type PatchUnderReview,
  type RuleReport,
  type TouchedFunction,
} from '../src/analysis/rule-api.ts';

const code = (text: string): string => text.replace(/\/\*.*?(\*\/|$)/g, '').replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');

/** `pte_val(pte) != pte_val(*ptep)`, `!pte_same(pte, ptep_get(ptep))`: the lockless pte re-check. */
const PTE_RECHECK =
  /\bpte_val\(\s*\w+\s*\)\s*!=\s*pte_val\(\s*(\*\s*\w+|ptep_get(_lockless)?\(\s*\w+\s*\))\s*\)|!\s*pte_same\(\s*\w+\s*,\s*ptep_get(_lockless)?\(\s*\w+\s*\)\s*\)/;
/** `pmd_val(pmd) != pmd_val(*pmdp)`, `!pmd_same(pmd, pmdp_get_lockless(pmdp))`: the pmd re-check. */
const PMD_RECHECK =
  /\bpmd_val\(\s*\w+\s*\)\s*!=\s*pmd_val\(\s*(\*\s*\w+|pmdp_get(_lockless)?\(\s*\w+\s*\))\s*\)|!\s*pmd_same\(\s*\w+\s*,\s*pmdp_get(_lockless)?\(\s*\w+\s*\)\s*\)/;

/** GUP-fast's PTE-level walker, by its names across kernel versions. */
const isGupFastPteWalker = (name: string | undefined): boolean =>
  name !== undefined && /^(gup_pte_range|gup_fast_pte_range|gup_fast_pte)$/.test(name);

function recheckReports(fn: TouchedFunction): RuleReport[] {
  const post = fn.post;
  if (!post || !isGupFastPteWalker(fn.name)) return [];
  if (post.lines.some((l) => PMD_RECHECK.test(code(l.text)))) return [];
  const recheck = post.lines.filter((l) => PTE_RECHECK.test(code(l.text)));
  const removedPmd = fn.region.fragments.flat().filter((l) => l.kind === 'removed' && PMD_RECHECK.test(code(l.text)));
  const at = recheck.find((l) => l.kind === 'added') ?? (removedPmd.length > 0 ? recheck[0] : undefined);
  if (!at) return [];
  const r: RuleReport = {
    messageId: 'recheckMissesPmd',
    file: fn.file,
    at,
    evidence: [at, ...removedPmd],
    suggestion:
      'pass pmdp down and back off when pmd_val(pmd) != pmd_val(*pmdp) (or !pmd_same(pmd, pmdp_get_lockless(pmdp))) ' +
      'next to the pte re-check, dropping the folio reference',
    confidence: post.confidence,
  };
  if (fn.name !== undefined) r.function = fn.name;
  return [r];
}

// A: the table is unlinked from a user pmd (the collapse flush, hugetlb unshare).
const UNLINK = /^(pmdp_collapse_flush|huge_pmd_unshare)$/;
// B: GUP-fast is excluded or the free waits for it (IPI, RCU, gather).
const SYNC = /^(tlb_remove_table_sync_one|tlb_remove_table|tlb_remove_ptdesc|pte_free_defer|(pte|pmd|pud|p4d)_free_tlb)$/;
// C: the table goes back to the allocator, or is reused as a deposit.
const FREE_OR_REUSE = /^(pte_free|pagetable_free|pagetable_pte_dtor_free|pgtable_trans_huge_deposit)$/;
const GUP_FAST: OrderedEventSpec = {
  first: (c: CCall) => UNLINK.test(c.callee),
  between: (c: CCall) => SYNC.test(c.callee),
  last: (c: CCall) => FREE_OR_REUSE.test(c.callee),
};

function freeReports(fn: TouchedFunction, patch: PatchUnderReview): RuleReport[] {
  // exit_mmap()/free_pgtables() run with no walker left; kernel tables are R14's.
  if (!/^(mm|arch\/[^/]+\/mm)\//.test(fn.file) || /^(exit_mmap|free_pgtables)$/.test(fn.name ?? '')) return [];
  const found = introducedBy(
    fn,
    (image) => image.analysis.order(GUP_FAST).filter((v) => sameHunk(fn, image, v.first.line, v.last.line)),
    (v, image) => `${lineText(image, v.first.line)}\0${lineText(image, v.last.line)}`,
  );
  const removedSync: HunkLine[] = fn.region.fragments
    .flat()
    .filter((l) => l.kind === 'removed' && /\btlb_remove_table_sync_one\s*\(/.test(code(l.text)));
  return found.flatMap(({ item: v, image }) => {
    const r = reportOn(fn, image, {
      messageId: 'freedWithoutGupFastSync',
      data: { free: v.last.callee, unlink: v.first.callee, unlinkLine: v.first.line },
      line: v.last.line,
      lines: [v.first.line],
      extra: removedSync,
      suggestion:
        'call tlb_remove_table_sync_one() after the flush and before the free or reuse, or free with pte_free_defer()',
    });
    // GUP-fast (IRQs off) against a free with no synchronisation: the
    // flush is no IPI on arm64 or with INVLPGB, so nothing waits for it.
    return r ? [withScenario(r, patch, { template: 'lockless-walk', facts: { walker: 'irqs-off', freer: 'none' } })] : [];
  });
}

export default defineRule({
  meta: {
    id: 'gupfast-unsync-table-free',
    title: 'user page table unlinked and freed without synchronising with GUP-fast',
    severity: 'error',
    hazardClass: 'gup-fast',
    contract:
      'GUP-fast walks user page tables with IRQs off and without mmap_lock or the PTL. Whoever unlinks a table ' +
      '(pmdp_collapse_flush(), huge_pmd_unshare()) and then frees or reuses it must free it through RCU ' +
      '(pte_free_defer(), tlb_remove_table()) or call tlb_remove_table_sync_one() first; and GUP-fast, after ' +
      'grabbing the folio, must re-check the pmd as well as the pte and back off on a change. A TLB flush is no ' +
      'substitute: arm64 broadcasts TLBI without IPIs, and x86 with INVLPGB does too.',
    arches: ['all', 'arm64', 'x86', 'powerpc', 's390'],
    references: [
      {
        title: 'Yang Shi, [v2 PATCH 1/2] mm: gup: fix the fast GUP race against THP collapse (70cbc3cc78a9)',
        url: 'https://lore.kernel.org/all/20220907180144.555485-1-shy828301@gmail.com/',
      },
      {
        title: 'Jann Horn, mm/khugepaged: fix GUP-fast interaction by sending IPI (2ba99c5e0881)',
        url: 'https://lore.kernel.org/all/20221129154730.2274278-2-jannh@google.com/',
      },
    ],
    docs: 'rules/gupfast-unsync-table-free.md',
    messages: {
      recheckMissesPmd:
        'GUP-fast re-checks the pte but not the pmd after grabbing the folio: a THP collapse can clear the pmd and ' +
        'free this PTE table meanwhile (all architectures; arm64 and x86 INVLPGB send no IPI that IRQs-off would block)',
      freedWithoutGupFastSync:
        '{{free}}() frees or reuses the page table unlinked by {{unlink}}() on line {{unlinkLine}} with no ' +
        'tlb_remove_table_sync_one() or RCU-deferred free in between: GUP-fast may still be walking it',
    },
  },
  check(context) {
    return context.functions().flatMap((fn) => [...recheckReports(fn), ...freeReports(fn, context.patch)]);
  },
});
