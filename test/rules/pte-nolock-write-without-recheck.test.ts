// Valid and invalid diffs for rules/pte-nolock-write-without-recheck.ts
// (R08), on the shape of Qi Zheng's 2024 conversions (collapse_pte_mapped_thp,
// the uffd move paths): a write needs spin_lock(ptl) and a pmd_same() recheck.
import rule from '../../rules/pte-nolock-write-without-recheck.ts';
import { fileDiff, ruleTester } from '../../src/analysis/rule-tester.ts';

const SECTION = 'static int retract_and_write(struct mm_struct *mm, pmd_t *pmd, unsigned long addr)';
const map = (callee: string): string =>
  callee === 'pte_offset_map_rw_nolock' ? `+\tpte = ${callee}(mm, pmd, addr, &pmdval, &ptl);` : `+\tpte = ${callee}(mm, pmd, addr, &ptl);`;

ruleTester(rule, {
  valid: [
    {
      name: 'rw_nolock, lock, pmd_same() recheck, then the write',
      diff: fileDiff('mm/khugepaged.c', {
        oldStart: 1600,
        section: SECTION,
        lines: [
          map('pte_offset_map_rw_nolock'),
          '+\tif (!pte)',
          '+\t\tgoto again;',
          '+\tspin_lock(ptl);',
          '+\tif (unlikely(!pmd_same(pmdval, pmdp_get_lockless(pmd)))) {',
          '+\t\tpte_unmap_unlock(pte, ptl);',
          '+\t\tgoto again;',
          '+\t}',
          '+\tset_pte_at(mm, addr, pte, newpte);',
          ' \tpte_unmap_unlock(pte, ptl);',
        ],
      }),
    },
    {
      name: 'ro_nolock only reads',
      diff: fileDiff('mm/filemap.c', { oldStart: 3228, section: SECTION, lines: [map('pte_offset_map_ro_nolock'), '+\tif (!pte)', '+\t\treturn 0;', '+\tnone = pte_none(ptep_get_lockless(pte));', ' \tpte_unmap(pte);'] }),
    },
  ],
  invalid: [
    {
      name: 'HAZARDS R08: the write right after the lock, no recheck (fragment: warning)',
      diff: fileDiff('mm/khugepaged.c', {
        oldStart: 1600,
        section: SECTION,
        lines: [map('pte_offset_map_rw_nolock'), '+\tif (!pte)', '+\t\tgoto again;', '+\tspin_lock(ptl);', '+\tset_pte_at(mm, addr, pte, newpte);', ' \tpte_unmap_unlock(pte, ptl);'],
      }),
      errors: [
        {
          message:
            'set_pte_at() writes through the table pte_offset_map_rw_nolock() mapped on line 1600 with no pmd_same()/pte_same() recheck after taking the PTL: the table may have been retracted in between',
          file: 'mm/khugepaged.c',
          line: 1604,
          severity: 'warning',
        },
      ],
    },
    {
      name: 'a write through a read-only nolock mapping',
      diff: fileDiff('mm/khugepaged.c', {
        oldStart: 1600,
        section: SECTION,
        lines: [map('pte_offset_map_ro_nolock'), '+\tif (!pte)', '+\t\tgoto again;', '+\tspin_lock(ptl);', '+\tpte_clear(mm, addr, pte);', ' \tpte_unmap_unlock(pte, ptl);'],
      }),
      errors: [
        {
          message:
            'pte_clear() writes through the table pte_offset_map_ro_nolock() mapped on line 1600: a read-only mapping, the table may already be detached and about to be freed',
          file: 'mm/khugepaged.c',
          line: 1604,
          severity: 'warning',
        },
      ],
    },
  ],
});
