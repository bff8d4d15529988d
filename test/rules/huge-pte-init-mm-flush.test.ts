// Valid and invalid diffs for rules/huge-pte-init-mm-flush.ts (SEEDS.md
// section 3). The seed case is Ryan Roberts's "arm64/mm: Support huge
// pte-mapped pages in vmap" (06fc959fcff7): vmap starts to reach
// set_huge_pte_at() with &init_mm, so clear_flush() must flush with
// flush_tlb_kernel_range() for the kernel mm.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import rule from '../../rules/huge-pte-init-mm-flush.ts';
import { fileDiff, findingsFor, ruleTester } from '../../src/analysis/rule-tester.ts';
import { patchMailFromFile } from '../analysis/mail-fixture.ts';
import { cleanAndBugPatches, threadMails, where } from './arch-rule-fixtures.ts';

const USER_FLUSH = (flush: string, fn: string, arch: string): string =>
  `${flush}() in ${fn}() is a user-range flush, but &init_mm reaches this huge/contiguous PTE helper (vmap): ` +
  `with mm == &init_mm it must flush with flush_tlb_kernel_range() (${arch}; arm64 contpte vmap, riscv Svnapot, powerpc 8xx)`;
const ROUTED =
  '&init_mm now reaches the huge/contiguous PTE helpers here: confirm that their clear_flush() uses ' +
  'flush_tlb_kernel_range() when mm == &init_mm (arm64 contpte vmap, riscv Svnapot, powerpc 8xx)';

/** 06fc959fcff7's vmalloc.h hunk: arm64 opts vmap into contpte mappings. */
const VMALLOC_H = fileDiff('arch/arm64/include/asm/vmalloc.h', {
  oldStart: 23,
  section: 'static inline bool arch_vmap_pmd_supported(pgprot_t prot)',
  lines: [
    ' \treturn !IS_ENABLED(CONFIG_PTDUMP_DEBUGFS);',
    ' }',
    ' ',
    '+#define arch_vmap_pte_supported_shift arch_vmap_pte_supported_shift',
    '+static inline int arch_vmap_pte_supported_shift(unsigned long size)',
    '+{',
    '+\tif (size >= CONT_PTE_SIZE)',
    '+\t\treturn CONT_PTE_SHIFT;',
    '+',
    '+\treturn PAGE_SHIFT;',
    '+}',
    '+',
    ' #endif',
  ],
});
const CLEAR_FLUSH = 'static void clear_flush(struct mm_struct *mm,';
/** 06fc959fcff7's hugetlbpage.c hunk: the kernel branch in clear_flush(). */
const KERNEL_BRANCH = fileDiff('arch/arm64/mm/hugetlbpage.c', {
  oldStart: 209,
  section: CLEAR_FLUSH,
  lines: [
    ' \tfor (i = 0; i < ncontig; i++, addr += pgsize, ptep++)',
    ' \t\t__ptep_get_and_clear_anysz(mm, ptep, pgsize);',
    ' ',
    '-\t__flush_hugetlb_tlb_range(&vma, saddr, addr, pgsize, true);',
    '+\tif (mm == &init_mm)',
    '+\t\tflush_tlb_kernel_range(saddr, addr);',
    '+\telse',
    '+\t\t__flush_hugetlb_tlb_range(&vma, saddr, addr, pgsize, true);',
    ' }',
  ],
});
/** The same series' earlier clear_flush() change, still a user flush only. */
const USER_ONLY = fileDiff('arch/arm64/mm/hugetlbpage.c', {
  oldStart: 209,
  section: CLEAR_FLUSH,
  lines: [
    ' \tfor (i = 0; i < ncontig; i++, addr += pgsize, ptep++)',
    '-\t\t__ptep_get_and_clear(mm, addr, ptep);',
    '+\t\t__ptep_get_and_clear_anysz(mm, ptep, pgsize);',
    ' ',
    ' \t__flush_hugetlb_tlb_range(&vma, saddr, addr, pgsize, true);',
    ' }',
  ],
});

ruleTester(rule, {
  valid: [
    { name: 'seed 06fc959fcff7: vmap contpte opt-in with the init_mm branch in clear_flush()', diff: VMALLOC_H + KERNEL_BRANCH },
    { name: 'a clear_flush() change in a patch that does not route init_mm there', diff: USER_ONLY },
    {
      name: 'mm/vmalloc.c keeps calling set_huge_pte_at(&init_mm, ...) (context only)',
      diff: fileDiff('mm/vmalloc.c', {
        oldStart: 110,
        section: 'static int vmap_pte_range(pmd_t *pmd, unsigned long addr, unsigned long end,',
        lines: [' \t\t\tset_huge_pte_at(&init_mm, addr, pte, entry, size);', '-\t\t\tpfn += PFN_DOWN(size);', '+\t\t\tpfn += size >> PAGE_SHIFT;'],
      }),
    },
  ],
  invalid: [
    {
      name: 'seed 06fc959fcff7 without the kernel branch: clear_flush() keeps the user flush',
      diff: VMALLOC_H + USER_ONLY,
      errors: [
        { message: USER_FLUSH('__flush_hugetlb_tlb_range', 'clear_flush', 'arm64'), file: 'arch/arm64/mm/hugetlbpage.c', line: 212, function: 'clear_flush', severity: 'warning' },
      ],
    },
    {
      name: 'the kernel branch of clear_flush() removed',
      diff: fileDiff('arch/arm64/mm/hugetlbpage.c', {
        oldStart: 209,
        section: CLEAR_FLUSH,
        lines: [
          ' \tfor (i = 0; i < ncontig; i++, addr += pgsize, ptep++)',
          ' \t\t__ptep_get_and_clear_anysz(mm, ptep, pgsize);',
          ' ',
          '-\tif (mm == &init_mm)',
          '-\t\tflush_tlb_kernel_range(saddr, addr);',
          '-\telse',
          '-\t\t__flush_hugetlb_tlb_range(&vma, saddr, addr, pgsize, true);',
          '+\t__flush_hugetlb_tlb_range(&vma, saddr, addr, pgsize, true);',
          ' }',
        ],
      }),
      errors: [{ message: USER_FLUSH('__flush_hugetlb_tlb_range', 'clear_flush', 'arm64'), file: 'arch/arm64/mm/hugetlbpage.c', line: 212, severity: 'warning' }],
    },
    {
      name: '2fba13371fe8 shape: vunmap clears contiguous kernel PTEs through huge_ptep_get_and_clear(&init_mm) (info)',
      diff: fileDiff('mm/vmalloc.c', {
        oldStart: 350,
        section: 'static void vunmap_pte_range(pmd_t *pmd, unsigned long addr, unsigned long end,',
        lines: [
          ' \tdo {',
          '+\t\tsize = arch_vmap_pte_range_unmap_size(addr, pte);',
          '+\t\tif (size != PAGE_SIZE) {',
          '+\t\t\tptent = huge_ptep_get_and_clear(&init_mm, addr, pte, size);',
          '+\t\t\tcontinue;',
          '+\t\t}',
          ' \t\tptent = ptep_get_and_clear(&init_mm, addr, pte);',
        ],
      }),
      errors: [{ message: ROUTED, file: 'mm/vmalloc.c', line: 353, severity: 'info' }],
    },
    {
      name: 'seed opt-in alone: the helpers are not in the patch (info)',
      diff: VMALLOC_H,
      errors: [{ message: ROUTED, file: 'arch/arm64/include/asm/vmalloc.h', line: 26, severity: 'info' }],
    },
  ],
});

test('every thread patch, clean patch and bug fix is silent', () => {
  for (const p of [...threadMails(), ...cleanAndBugPatches()]) {
    assert.deepEqual(where(findingsFor(rule, patchMailFromFile(p).diff)), [], p);
  }
});
