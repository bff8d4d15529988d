// Valid and invalid diffs for rules/secondary-tlb-notify-missing.ts (R21), on
// the shapes of mm/khugepaged.c's collapse_and_free_pmd() around f268f6cf875f
// and Hugh Dickins's collapse_pte_mapped_thp() rework.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import rule from '../../rules/secondary-tlb-notify-missing.ts';
import { fileDiff, findingsFor, ruleTester } from '../../src/analysis/rule-tester.ts';
import { patchMailFromFile } from '../analysis/mail-fixture.ts';
import { cleanAndBugPatches, threadMails, where } from './arch-rule-fixtures.ts';

const NO_RANGE = (clear: string): string =>
  `${clear}() changes a user page table with no mmu_notifier_invalidate_range_start() before it on some path: ` +
  'secondary MMUs (KVM, IOMMU SVA; all architectures) keep the old translation';
const NO_END = (clear: string): string =>
  `${clear}() runs inside an mmu_notifier range that is never ended after it in this function: secondary MMUs ` +
  '(KVM, IOMMU SVA; all architectures) stay blocked or miss the invalidation';

/** collapse_and_free_pmd() after f268f6cf875f; `n` marks the notifier lines, `e` the _end. */
const COLLAPSE_AND_FREE = [
  ' static void collapse_and_free_pmd(struct mm_struct *mm, struct vm_area_struct *vma,',
  ' \t\t\t\t  unsigned long addr, pmd_t *pmdp)',
  ' {',
  ' \tpmd_t pmd;',
  'n\tstruct mmu_notifier_range range;',
  ' ',
  ' \tmmap_assert_write_locked(mm);',
  ' \tif (vma->vm_file)',
  ' \t\tlockdep_assert_held_write(&vma->vm_file->f_mapping->i_mmap_rwsem);',
  ' \tif (vma->anon_vma)',
  ' \t\tlockdep_assert_held_write(&vma->anon_vma->root->rwsem);',
  ' ',
  'n\tmmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, 0, NULL, mm, addr,',
  'n\t\t\t\taddr + HPAGE_PMD_SIZE);',
  'n\tmmu_notifier_invalidate_range_start(&range);',
  ' \tpmd = pmdp_collapse_flush(vma, addr, pmdp);',
  ' \ttlb_remove_table_sync_one();',
  'e\tmmu_notifier_invalidate_range_end(&range);',
  ' \tmm_dec_nr_ptes(mm);',
  ' \tpage_table_check_pte_clear_range(mm, addr, pmd);',
  ' \tpte_free(mm, pmd_pgtable(pmd));',
  ' }',
];
const collapse = (n: string, e: string): string[] =>
  COLLAPSE_AND_FREE.map((l) => (l.startsWith('n') ? `${n}${l.slice(1)}` : l.startsWith('e') ? `${e}${l.slice(1)}` : l));

ruleTester(rule, {
  valid: [
    {
      name: 'f268f6cf875f: collapse_and_free_pmd() brackets pmdp_collapse_flush() with a notifier range',
      diff: fileDiff('mm/khugepaged.c', { oldStart: 1504, lines: collapse('+', '+').filter((l) => !l.startsWith('-')) }),
    },
    {
      name: 'a zap walker runs inside unmap_vmas()\' range',
      diff: fileDiff('mm/memory.c', {
        oldStart: 1500,
        section: 'static unsigned long zap_pte_range(struct mmu_gather *tlb,',
        lines: ['+\t\t\tptent = ptep_get_and_clear_full(mm, addr, pte, tlb->fullmm);'],
      }),
    },
    {
      name: 'kernel page tables (init_mm) have no secondary MMU notifier',
      diff: fileDiff('mm/vmalloc.c', {
        oldStart: 340,
        lines: [
          '+static void vunmap_pte_one(pte_t *pte, unsigned long addr)',
          '+{',
          '+\tpte_t ptent = ptep_get_and_clear(&init_mm, addr, pte);',
          '+',
          '+\tWARN_ON(!pte_none(ptent) && !pte_present(ptent));',
          '+}',
        ],
      }),
    },
    {
      name: 'one caller level: the new helper is called inside its caller\'s range',
      diff: fileDiff('mm/khugepaged.c', {
        oldStart: 1500,
        lines: [
          '+static pmd_t collapse_pmd_locked(struct vm_area_struct *vma, unsigned long addr, pmd_t *pmdp)',
          '+{',
          '+\tspinlock_t *pml = pmd_lock(vma->vm_mm, pmdp);',
          '+\tpmd_t pmd = pmdp_collapse_flush(vma, addr, pmdp);',
          '+',
          '+\tspin_unlock(pml);',
          '+\treturn pmd;',
          '+}',
          '+',
          '+static void collapse_and_free_pmd(struct mm_struct *mm, struct vm_area_struct *vma,',
          '+\t\t\t\t  unsigned long addr, pmd_t *pmdp)',
          '+{',
          '+\tstruct mmu_notifier_range range;',
          '+\tpmd_t pmd;',
          '+',
          '+\tmmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, 0, mm, addr, addr + HPAGE_PMD_SIZE);',
          '+\tmmu_notifier_invalidate_range_start(&range);',
          '+\tpmd = collapse_pmd_locked(vma, addr, pmdp);',
          '+\tmmu_notifier_invalidate_range_end(&range);',
          '+\tpte_free_defer(mm, pmd_pgtable(pmd));',
          '+}',
        ],
      }),
    },
    {
      name: 'lazyfree THP: new helpers under try_to_unmap_one()\'s range, two levels down',
      diff:
        fileDiff('mm/huge_memory.c', {
          oldStart: 3000,
          lines: [
            '+static bool __discard_anon_folio_pmd_locked(struct vm_area_struct *vma,',
            '+\t\t\t\t\t    unsigned long addr, pmd_t *pmdp,',
            '+\t\t\t\t\t    struct folio *folio)',
            '+{',
            '+\tstruct mm_struct *mm = vma->vm_mm;',
            '+\tpmd_t orig_pmd;',
            '+',
            '+\torig_pmd = pmdp_huge_clear_flush(vma, addr, pmdp);',
            '+\tif (folio_maybe_dma_pinned(folio)) {',
            '+\t\tset_pmd_at(mm, addr, pmdp, orig_pmd);',
            '+\t\treturn false;',
            '+\t}',
            '+\tzap_deposited_table(mm, pmdp);',
            '+\treturn true;',
            '+}',
            '+',
            '+bool unmap_huge_pmd_locked(struct vm_area_struct *vma, unsigned long addr,',
            '+\t\t\t   pmd_t *pmdp, struct folio *folio)',
            '+{',
            '+\tif (folio_test_anon(folio) && !folio_test_swapbacked(folio))',
            '+\t\treturn __discard_anon_folio_pmd_locked(vma, addr, pmdp, folio);',
            '+',
            '+\treturn false;',
            '+}',
          ],
        }) +
        fileDiff('mm/rmap.c', {
          oldStart: 1700,
          section: 'static bool try_to_unmap_one(struct folio *folio, struct vm_area_struct *vma,',
          lines: [
            ' \t\tif (!pvmw.pte) {',
            '+\t\t\tif (unmap_huge_pmd_locked(vma, pvmw.address, pvmw.pmd, folio))',
            '+\t\t\t\tgoto walk_done;',
            ' \t\t\tif (flags & TTU_SPLIT_HUGE_PMD) {',
          ],
        }),
    },
    {
      name: 'the arch secondary-TLB hook next to the CPU flush',
      diff: fileDiff('mm/memory.c', {
        oldStart: 900,
        lines: [
          '+static void clear_one_pte(struct vm_area_struct *vma, unsigned long addr, pte_t *ptep)',
          '+{',
          '+\tptep_clear_flush(vma, addr, ptep);',
          '+\tmmu_notifier_arch_invalidate_secondary_tlbs(vma->vm_mm, addr, addr + PAGE_SIZE);',
          '+}',
        ],
      }),
    },
  ],
  invalid: [
    {
      name: 'f268f6cf875f undone: pmdp_collapse_flush() with no notifier range (khugepaged: error)',
      diff: fileDiff('mm/khugepaged.c', { oldStart: 1504, lines: collapse('-', '-') }),
      errors: [{ message: NO_RANGE('pmdp_collapse_flush'), file: 'mm/khugepaged.c', line: 1515, function: 'collapse_and_free_pmd', severity: 'error' }],
    },
    {
      name: 'the range is started but its _end is dropped',
      diff: fileDiff('mm/khugepaged.c', { oldStart: 1504, lines: collapse(' ', '-') }),
      errors: [{ message: NO_END('pmdp_collapse_flush'), file: 'mm/khugepaged.c', line: 1519, function: 'collapse_and_free_pmd', severity: 'error' }],
    },
    {
      name: 'a new mm/ helper clears a user PTE without notifying (warning)',
      diff: fileDiff('mm/memory.c', {
        oldStart: 900,
        lines: [
          '+static pte_t clear_one_pte(struct vm_area_struct *vma, unsigned long addr, pte_t *ptep)',
          '+{',
          '+\treturn ptep_clear_flush(vma, addr, ptep);',
          '+}',
        ],
      }),
      errors: [{ message: NO_RANGE('ptep_clear_flush'), file: 'mm/memory.c', line: 902, function: 'clear_one_pte', severity: 'warning' }],
    },
    {
      name: 'a hunk that drops the range start around a collapse (fragment: one lower)',
      diff: fileDiff('mm/khugepaged.c', {
        oldStart: 1780,
        section: 'static void retract_page_tables(struct address_space *mapping, pgoff_t pgoff)',
        lines: [
          '-\t\tmmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, 0, mm, addr, addr + HPAGE_PMD_SIZE);',
          '-\t\tmmu_notifier_invalidate_range_start(&range);',
          ' \t\tpml = pmd_lock(mm, pmd);',
          ' \t\tpgt_pmd = pmdp_collapse_flush(vma, addr, pmd);',
          ' \t\tspin_unlock(pml);',
        ],
      }),
      errors: [{ message: NO_RANGE('pmdp_collapse_flush'), file: 'mm/khugepaged.c', line: 1781, severity: 'warning' }],
    },
  ],
});

test("Hugh Dickins's collapse_pte_mapped_thp() (notifier brought back for the PMD) and every thread patch are silent", () => {
  assert.deepEqual(where(findingsFor(rule, patchMailFromFile('fixtures/lore/bugs/khugepaged_collapse_vs_uffd/introducing.patch').diff)), []);
  for (const p of threadMails()) assert.deepEqual(where(findingsFor(rule, patchMailFromFile(p).diff)), [], p);
});

test('clean patches and bug fixes are silent', () => {
  for (const p of cleanAndBugPatches()) assert.deepEqual(where(findingsFor(rule, patchMailFromFile(p).diff)), [], p);
});
