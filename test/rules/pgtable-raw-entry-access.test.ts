// Valid and invalid diffs for rules/pgtable-raw-entry-access.ts (R09), on
// the shapes Ryan Roberts' "mm: More ptep_get() conversion" fixed.
import rule from '../../rules/pgtable-raw-entry-access.ts';
import { fileDiff, ruleTester } from '../../src/analysis/rule-tester.ts';

const MADVISE = 'static int madvise_cold_or_pageout_pte_range(pmd_t *pmd,';

ruleTester(rule, {
  valid: [
    {
      name: 'the entry read once through ptep_get()',
      diff: fileDiff('mm/madvise.c', { oldStart: 400, section: MADVISE, lines: [' \tpte_t *pte = pte_offset_map_lock(mm, pmd, addr, &ptl);', '+\tptent = ptep_get(pte);', '+\tif (pte_present(ptent) && pte_young(ptent))'] }),
    },
    {
      name: 'a declaration and a product are not dereferences',
      diff: fileDiff('mm/memory.c', { oldStart: 10, section: 'static void zap(pte_t *start)', lines: [' \tpte_t pteval = ptep_get(start);', '+\tpte_t *ptep = start;', '+\tsize = nr * PAGE_SIZE;'] }),
    },
    {
      name: 'arch code below the accessor layer',
      diff: fileDiff('arch/x86/mm/pgtable.c', { oldStart: 700, section: 'int pud_free_pmd_page(pud_t *pud, unsigned long addr)', lines: [' \tpmd = (pmd_t *)pud_page_vaddr(*pud);', '+\tif (pud_none(*pud))', '+\t\treturn 1;'] }),
    },
  ],
  invalid: [
    {
      name: 'c33c794828f2 crept back: a raw *pte in generic code on a tree that uses ptep_get() (fragment: info)',
      diff: fileDiff('mm/madvise.c', {
        oldStart: 400,
        section: MADVISE,
        lines: [' \tptent = ptep_get(pte);', '+\tif (pte_present(*pte) && pte_young(ptent))', ' \t\tnr++;'],
      }),
      errors: [
        {
          message: '*pte reads a page-table entry directly in madvise_cold_or_pageout_pte_range(): generic code uses ptep_get(pte), which the architecture may override (arm64 contpte)',
          file: 'mm/madvise.c',
          line: 401,
          severity: 'info',
        },
      ],
    },
    {
      name: 'a raw read in GUP-fast (error, warning from hunks)',
      diff: fileDiff('mm/gup.c', {
        oldStart: 2440,
        section: 'static int gup_fast_pte_range(pmd_t pmd, pmd_t *pmdp, unsigned long addr,',
        lines: [' \t\tpte_t pte = ptep_get_lockless(ptep);', '+\t\tif (unlikely(pmd_val(pmd) != pmd_val(*pmdp))) {', ' \t\t\tgup_put_folio(folio, 1, flags);'],
      }),
      errors: [
        {
          message: '*pmdp in gup_fast_pte_range(), a lockless walker: read the entry once with pmdp_get_lockless(pmdp) so a concurrent update cannot tear or change it between tests',
          file: 'mm/gup.c',
          line: 2441,
          severity: 'warning',
        },
      ],
    },
    {
      name: 'the huge_pte_alloc BUG_ON reads the same entry twice',
      diff: fileDiff('mm/hugetlb.c', {
        oldStart: 7000,
        section: 'pte_t *huge_pte_alloc(struct mm_struct *mm, struct vm_area_struct *vma,',
        lines: ['+\tBUG_ON(pte && !pte_none(ptep_get(pte)) && !pte_huge(ptep_get(pte)));', ' \treturn pte;'],
      }),
      errors: [
        {
          message: 'ptep_get(pte) is read twice in one expression: a concurrent update between the reads makes the decision inconsistent; read it once into a local',
          file: 'mm/hugetlb.c',
          line: 7000,
          severity: 'info',
        },
      ],
    },
  ],
});
