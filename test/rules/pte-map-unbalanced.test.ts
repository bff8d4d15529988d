// Valid and invalid diffs for rules/pte-map-unbalanced.ts (R07), on the
// shapes of the real bugs its docs cite.
import rule from '../../rules/pte-map-unbalanced.ts';
import { fileDiff, ruleTester } from '../../src/analysis/rule-tester.ts';

const plus = (lines: string[]): string[] => lines.map((l) => `+${l}`);
const ctx = (lines: string[]): string[] => lines.map((l) => ` ${l}`);

// mm/damon/vaddr.c, damos_va_migrate_pmd_entry() (2025): the fix replaced an
// early return inside the walk by a goto to the unmap.
const DAMON = 'static int damos_va_migrate_pmd_entry(pmd_t *pmd, unsigned long addr,';
const DAMON_HEAD = ctx([
  '\tstart_pte = pte = pte_offset_map_lock(walk->mm, pmd, addr, &ptl);',
  '\tif (!pte)',
  '\t\treturn 0;',
  '',
  '\tfor (; addr < next; pte++, addr += PAGE_SIZE) {',
  '\t\tptent = ptep_get(pte);',
  '\t\tfolio = damon_get_folio(pte_pfn(ptent));',
  '\t\tif (!folio)',
]);

// The 2008 walk_pte_range(): after `do { } while (pte++, ...)` the pointer is
// one past the last entry.
const WALK = [
  'static int walk_pte_range(pmd_t *pmd, unsigned long addr, unsigned long end, struct mm_walk *walk)',
  '{',
  '\tpte_t *pte;',
  '\tint err = 0;',
  '',
  '\tpte = pte_offset_map(pmd, addr);',
  '\tif (!pte)',
  '\t\treturn -EAGAIN;',
  '\tdo {',
  '\t\terr = walk->ops->pte_entry(pte, addr, addr + PAGE_SIZE, walk);',
  '\t\tif (err)',
  '\t\t\tbreak;',
  '\t} while (pte++, addr += PAGE_SIZE, addr != end);',
  '\tpte_unmap(pte);',
  '\treturn err;',
  '}',
];

// mm/memory-failure.c dev_pagemap_mapping_shift() shape (Qi Zheng 2021).
const SHIFT = [
  'static unsigned long dev_pagemap_mapping_shift(struct vm_area_struct *vma, unsigned long address)',
  '{',
  '\tunsigned long ret = 0;',
  '\tpte_t *pte;',
  '',
  '\tpte = pte_offset_map(pmd, address);',
  '\tif (!pte)',
  '\t\treturn 0;',
  '\tif (pte_present(ptep_get(pte)) && pte_devmap(ptep_get(pte)))',
  '\t\tret = PAGE_SHIFT;',
];

ruleTester(rule, {
  valid: [
    {
      name: 'damon fix: the early exit goes to the unmap',
      diff: fileDiff('mm/damon/vaddr.c', { oldStart: 700, section: DAMON, lines: [...DAMON_HEAD, '-\t\t\treturn 0;', '+\t\t\tgoto out;'] }),
    },
    {
      name: 'walk_pte_range fix: unmap pte - 1 after the walk',
      diff: fileDiff('mm/pagewalk.c', { oldStart: 10, lines: plus(WALK.map((l) => (l === '\tpte_unmap(pte);' ? '\tpte_unmap(pte - 1);' : l))) }),
    },
    {
      name: 'a whole function that unmaps on every path',
      diff: fileDiff('mm/memory-failure.c', { oldStart: 300, lines: plus([...SHIFT, '\tpte_unmap(pte);', '\treturn ret;', '}']) }),
    },
    {
      name: 'an existing imbalance the patch does not touch stays quiet',
      diff: fileDiff('mm/memory-failure.c', {
        oldStart: 300,
        lines: [...ctx(SHIFT.slice(0, 9)), '-\t\tret = PAGE_SHIFT;', '+\t\tret = PAGE_SHIFT; /* devmap */', ' \treturn ret;', ' }'],
      }),
    },
  ],
  invalid: [
    {
      name: 'damon bug: a return inside the walk leaves the table mapped and the PTL held (fragment: one severity lower)',
      diff: fileDiff('mm/damon/vaddr.c', { oldStart: 700, section: DAMON, lines: [...DAMON_HEAD, '-\t\t\tgoto out;', '+\t\t\treturn 0;'] }),
      errors: [
        {
          message:
            'PTE table left mapped: damos_va_migrate_pmd_entry() can return on line 708 with the table pte_offset_map_lock() returned on line 700 still mapped and its PTL held (a pte mapping holds rcu_read_lock() until pte_unmap())',
          file: 'mm/damon/vaddr.c',
          line: 708,
          severity: 'warning',
        },
      ],
    },
    {
      name: 'memory-failure: the patch drops the pte_unmap() (Qi Zheng 2021, reversed)',
      diff: fileDiff('mm/memory-failure.c', { oldStart: 300, lines: [...ctx(SHIFT), '-\tpte_unmap(pte);', ' \treturn ret;', ' }'] }),
      errors: [
        {
          message:
            'PTE table left mapped: dev_pagemap_mapping_shift() can return on line 310 with the table pte_offset_map() returned on line 305 still mapped (a pte mapping holds rcu_read_lock() until pte_unmap())',
          file: 'mm/memory-failure.c',
          line: 305,
          severity: 'error',
        },
      ],
    },
    {
      name: 'walk_pte_range 2008: pte_unmap(pte) after the do/while walk',
      diff: fileDiff('mm/pagewalk.c', { oldStart: 10, lines: plus(WALK) }),
      errors: [
        {
          message: 'pte_unmap(pte) is given a pointer the walk moved past the entries mapped on line 15: it may point one past the table',
          file: 'mm/pagewalk.c',
          line: 23,
          severity: 'error',
        },
      ],
    },
  ],
});
