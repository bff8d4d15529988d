// Valid and invalid diffs for rules/pgtable-stale-entry-decision.ts (R10),
// on the shape of Jann Horn's mremap fix (move_normal_pmd() vs
// retract_page_tables(), fixes 1d65b771bc08).
import rule from '../../rules/pgtable-stale-entry-decision.ts';
import { fileDiff, ruleTester } from '../../src/analysis/rule-tester.ts';

const plus = (lines: string[]): string[] => lines.map((l) => `+${l}`);

const moveNormalPmd = (recheck: string[]): string[] =>
  plus([
    'static bool move_normal_pmd(struct vm_area_struct *vma, unsigned long old_addr,',
    '\t\t  unsigned long new_addr, pmd_t *old_pmd, pmd_t *new_pmd)',
    '{',
    '\tstruct mm_struct *mm = vma->vm_mm;',
    '\tspinlock_t *old_ptl;',
    '\tpmd_t pmd = pmdp_get(old_pmd);',
    '',
    '\told_ptl = pmd_lock(mm, old_pmd);',
    ...recheck,
    '\tpmd_clear(old_pmd);',
    '\tpmd_populate(mm, new_pmd, pmd_pgtable(pmd));',
    '\tspin_unlock(old_ptl);',
    '\treturn true;',
    '}',
  ]);

ruleTester(rule, {
  valid: [
    {
      name: 'the entry re-read and compared under the lock (the fix)',
      diff: fileDiff('mm/mremap.c', {
        oldStart: 240,
        lines: moveNormalPmd(['\tif (unlikely(!pmd_same(pmd, pmdp_get(old_pmd)))) {', '\t\tspin_unlock(old_ptl);', '\t\treturn false;', '\t}']),
      }),
    },
    {
      name: 'the read made after the lock',
      diff: fileDiff('mm/mremap.c', {
        oldStart: 240,
        section: 'static bool move_normal_pmd(struct vm_area_struct *vma, unsigned long old_addr,',
        lines: ['+\told_ptl = pmd_lock(mm, old_pmd);', '+\tpmd = pmdp_get(old_pmd);', '+\tpmd_populate(mm, new_pmd, pmd_pgtable(pmd));'],
      }),
    },
  ],
  invalid: [
    {
      name: '1d65b771bc08 shape: the pmd read before pmd_lock() is moved without a recheck',
      diff: fileDiff('mm/mremap.c', { oldStart: 240, lines: moveNormalPmd([]) }),
      errors: [
        {
          message:
            'pmd_pgtable() acts on pmd, read on line 245 before pmd_lock() on line 247, with no re-read and compare after the lock: a concurrent retract_page_tables() may have removed that table in between',
          file: 'mm/mremap.c',
          line: 249,
          severity: 'error',
        },
      ],
    },
  ],
});
