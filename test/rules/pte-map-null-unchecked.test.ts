// Valid and invalid diffs for rules/pte-map-null-unchecked.ts (R06), on the
// shapes of Hugh Dickins' 2023 conversions and of Jann Horn's review of them.
import rule from '../../rules/pte-map-null-unchecked.ts';
import { fileDiff, ruleTester } from '../../src/analysis/rule-tester.ts';

const plus = (lines: string[]): string[] => lines.map((l) => `+${l}`);

const MADVISE = 'static int madvise_free_pte_range(pmd_t *pmd, unsigned long addr,';

// A lockless walk of a pmd copy: gup_fast_pte_range() and perf's walk do
// this with IRQs off; without them the table may be freed under the copy.
const localCopyWalk = (open: string[], close: string[]): string[] =>
  plus([
    'static int pte_young_lockless(pmd_t *pmdp, unsigned long addr)',
    '{',
    '\tpmd_t pmdval;',
    '\tpte_t *ptep;',
    '\tint young = 0;',
    '',
    ...open,
    '\tpmdval = pmdp_get_lockless(pmdp);',
    '\tptep = pte_offset_map(&pmdval, addr);',
    '\tif (ptep) {',
    '\t\tyoung = pte_young(ptep_get_lockless(ptep));',
    '\t\tpte_unmap(ptep);',
    '\t}',
    ...close,
    '\treturn young;',
    '}',
  ]);

// be872f83bf57's walk_pte_range() for walks without a VMA (efi_mm's ptdump among them).
const noVma = (test: string): string =>
  fileDiff('mm/pagewalk.c', {
    oldStart: 46,
    section: 'static int walk_pte_range(pmd_t *pmd, unsigned long addr, unsigned long end,',
    lines: [
      ' \tif (walk->no_vma) {',
      '-\t\tpte = pte_offset_map(pmd, addr);',
      `+\t\tif (${test})`,
      '+\t\t\tpte = pte_offset_kernel(pmd, addr);',
      '+\t\telse',
      '+\t\t\tpte = pte_offset_map(pmd, addr);',
      '+\t\tif (pte) {',
      '+\t\t\terr = walk_pte_range_inner(pte, addr, end, walk);',
      '+\t\t\tif (walk->mm != &init_mm)',
      '+\t\t\t\tpte_unmap(pte);',
      '+\t\t}',
      ' \t} else {',
    ],
  });

ruleTester(rule, {
  valid: [
    {
      name: "Hugh's espfix fix: kernel addresses are mapped with pte_offset_kernel() whatever the mm",
      diff: noVma('walk->mm == &init_mm || addr >= TASK_SIZE'),
    },
    {
      name: "Hugh's conversion: the map is tested before use",
      diff: fileDiff('mm/madvise.c', {
        oldStart: 620,
        section: MADVISE,
        lines: [
          ' \ttlb_change_page_size(tlb, PAGE_SIZE);',
          ' \torig_pte = pte = pte_offset_map_lock(mm, pmd, addr, &ptl);',
          '+\tif (!start_pte)',
          '+\t\treturn 0;',
          ' \tflush_tlb_batched_pending(mm);',
        ],
      }),
    },
    {
      name: "assert_pte_locked(): BUG_ON(!pte) is a deliberate check (Hugh's powerpc patch)",
      diff: fileDiff('arch/powerpc/mm/pgtable.c', {
        oldStart: 321,
        section: 'void assert_pte_locked(struct mm_struct *mm, unsigned long addr)',
        lines: [' \tpmd = pmd_offset(pud, addr);', '-\tif (pmd_none(*pmd))', '-\t\treturn;', '+\tpte = pte_offset_map_nolock(mm, pmd, addr, &ptl);', '+\tBUG_ON(!pte);', '+\tassert_spin_locked(ptl);', '+\tpte_unmap(pte);', ' }'],
      }),
    },
    {
      name: 'a local pmd copy mapped with IRQs off (the GUP-fast idiom)',
      diff: fileDiff('mm/young.c', { oldStart: 10, lines: localCopyWalk(['\tlocal_irq_save(flags);'], ['\tlocal_irq_restore(flags);']) }),
    },
    {
      name: 'a local pmd copy mapped inside rcu_read_lock()',
      diff: fileDiff('mm/young.c', { oldStart: 10, lines: localCopyWalk(['\trcu_read_lock();'], ['\trcu_read_unlock();']) }),
    },
    {
      name: 'an existing unchecked use the patch does not touch',
      diff: fileDiff('mm/madvise.c', {
        oldStart: 620,
        section: MADVISE,
        lines: [' \tpte = pte_offset_map_lock(mm, pmd, addr, &ptl);', ' \tptent = ptep_get(pte);', '-\tnr = 1;', '+\tnr = 2;'],
      }),
    },
  ],
  invalid: [
    {
      name: 'be872f83bf57: pte_offset_map() for every mm but init_mm (efi_mm walks the espfix pmds)',
      diff: noVma('walk->mm == &init_mm'),
      errors: [
        {
          message:
            'pte_offset_map() is chosen for every mm but init_mm, yet other mms map kernel addresses too (efi_mm): its user-pmd validation then treats kernel entries as bad (the espfix pmds under EFI_PGT_DUMP)',
          file: 'mm/pagewalk.c',
          line: 50,
          severity: 'warning',
        },
      ],
    },
    {
      name: 'HAZARDS R06: the map result used straight away (fragment: one severity lower)',
      diff: fileDiff('mm/madvise.c', {
        oldStart: 620,
        section: MADVISE,
        lines: [' \ttlb_change_page_size(tlb, PAGE_SIZE);', '+\tpte = pte_offset_map_lock(mm, pmd, addr, &ptl);', '+\tentry = ptep_get(pte);', ' \tflush_tlb_batched_pending(mm);'],
      }),
      errors: [
        {
          message: 'pte_offset_map_lock() on line 621 may return NULL, but pte is used on line 622 before any NULL test',
          file: 'mm/madvise.c',
          line: 622,
          severity: 'warning',
        },
      ],
    },
    {
      name: 'the patch removes the NULL test',
      diff: fileDiff('mm/madvise.c', {
        oldStart: 620,
        section: MADVISE,
        lines: [' \tpte = pte_offset_map_lock(mm, pmd, addr, &ptl);', '-\tif (!pte)', '-\t\treturn 0;', ' \tflush_tlb_batched_pending(mm);', ' \tptent = ptep_get(pte);'],
      }),
      errors: [
        {
          message: 'pte_offset_map_lock() on line 620 may return NULL, but pte is used on line 622 before any NULL test',
          file: 'mm/madvise.c',
          line: 622,
          severity: 'warning',
        },
      ],
    },
    {
      name: "Jann Horn's case: pte_offset_map(&pmdval) with no read side open",
      diff: fileDiff('mm/young.c', { oldStart: 10, lines: localCopyWalk([], []) }),
      errors: [
        {
          message:
            'pte_offset_map(&pmdval) maps the table of a local pmd copy outside any RCU read side (no rcu_read_lock(), IRQs or preemption off): the table may be freed between reading pmdval and the map',
          file: 'mm/young.c',
          line: 17,
          severity: 'error',
        },
      ],
    },
  ],
});
