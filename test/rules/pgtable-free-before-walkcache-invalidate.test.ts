// Valid and invalid diffs for rules/pgtable-free-before-walkcache-invalidate.ts.
import rule from '../../rules/pgtable-free-before-walkcache-invalidate.ts';
import { fileDiff, ruleTester } from '../../src/analysis/rule-tester.ts';

const PMD_FREE = 'int pmd_free_pte_page(pmd_t *pmd, unsigned long addr)';
const MESSAGE = (free: string, clear: string, line: number): string =>
  `${free}() frees a page table after ${clear}() on line ${line} with no TLB invalidate in between`;

ruleTester(rule, {
  valid: [
    {
      name: 'x86 fix: INVLPG between pmd_clear() and free_page()',
      diff: fileDiff('arch/x86/mm/pgtable.c', {
        oldStart: 785,
        section: PMD_FREE,
        lines: [
          ' \tpte = (pte_t *)pmd_page_vaddr(*pmd);',
          ' \tpmd_clear(pmd);',
          '+',
          '+\t/* INVLPG to clear all paging-structure caches */',
          '+\tflush_tlb_kernel_range(addr, addr + PAGE_SIZE-1);',
          '+',
          ' \tfree_page((unsigned long)pte);',
        ],
      }),
    },
    {
      name: 'arm64: __flush_tlb_kernel_pgtable() between pud_clear() and pmd_free()',
      diff: fileDiff('arch/arm64/mm/mmu.c', {
        oldStart: 1300,
        section: 'int pud_free_pmd_page(pud_t *pudp, unsigned long addr)',
        lines: [
          '+\tpud_clear(pudp);',
          '+\t__flush_tlb_kernel_pgtable(addr);',
          '+\tpmd_free(NULL, table);',
        ],
      }),
    },
    {
      name: 'deferred free through mmu_gather is not a free',
      diff: fileDiff('mm/memory.c', {
        oldStart: 200,
        section: 'static void free_pte_range(struct mmu_gather *tlb, pmd_t *pmd,',
        lines: ['+\tpmd_clear(pmd);', '+\tpte_free_tlb(tlb, token, addr);'],
      }),
    },
    {
      name: 'an unchanged clear-then-free next to an unrelated change',
      diff: fileDiff('arch/x86/mm/pgtable.c', {
        oldStart: 760,
        section: PMD_FREE,
        lines: [' \tpmd_clear(pmd);', ' \tfree_page((unsigned long)pte);', '-\treturn 0;', '+\treturn 1;'],
      }),
    },
    {
      name: 'clear and free in different hunks are not paired',
      diff: fileDiff(
        'arch/x86/mm/pgtable.c',
        { oldStart: 700, section: PMD_FREE, lines: ['+\tpmd_clear(pmd);', ' \tfoo();'] },
        { oldStart: 740, section: PMD_FREE, lines: [' \tbar();', '+\tfree_page((unsigned long)pte);'] },
      ),
    },
    {
      name: 'a free before the clear',
      diff: fileDiff('mm/vmalloc.c', {
        oldStart: 90,
        section: 'static void vunmap_pmd_range(pud_t *pud, unsigned long addr, unsigned long end,',
        lines: ['+\tpte_free_kernel(&init_mm, old);', '+\tpmd_clear(pmd);'],
      }),
    },
  ],
  invalid: [
    {
      name: 'x86 28ee90fe6048: pmd_clear() then free_page() with no INVLPG',
      diff: fileDiff('arch/x86/mm/pgtable.c', {
        oldStart: 739,
        section: 'int pud_free_pmd_page(pud_t *pud)',
        lines: [
          ' int pmd_free_pte_page(pmd_t *pmd)',
          ' {',
          '-\treturn pmd_none(*pmd);',
          '+\tpte_t *pte;',
          '+',
          '+\tif (pmd_none(*pmd))',
          '+\t\treturn 1;',
          '+',
          '+\tpte = (pte_t *)pmd_page_vaddr(*pmd);',
          '+\tpmd_clear(pmd);',
          '+\tfree_page((unsigned long)pte);',
          '+',
          '+\treturn 1;',
          ' }',
        ],
      }),
      errors: [
        {
          message: MESSAGE('free_page', 'pmd_clear', 747),
          file: 'arch/x86/mm/pgtable.c',
          line: 748,
          function: 'pmd_free_pte_page',
        },
      ],
    },
    {
      name: 'seed case: pud_clear() then pmd_free() without __flush_tlb_kernel_pgtable()',
      diff: fileDiff('arch/arm64/mm/mmu.c', {
        oldStart: 1300,
        section: 'int pud_free_pmd_page(pud_t *pudp, unsigned long addr)',
        lines: [
          ' \ttable = pmd_offset(pudp, addr);',
          ' \tpud_clear(pudp);',
          '-\t__flush_tlb_kernel_pgtable(addr);',
          ' \tpmd_free(NULL, table);',
        ],
      }),
      errors: [
        {
          message: MESSAGE('pmd_free', 'pud_clear', 1301),
          file: 'arch/arm64/mm/mmu.c',
          line: 1302,
          function: 'pud_free_pmd_page',
        },
      ],
    },
    {
      name: 'a new free after an existing clear',
      diff: fileDiff('mm/vmalloc.c', {
        oldStart: 90,
        section: 'static void vunmap_pmd_range(pud_t *pud, unsigned long addr, unsigned long end,',
        lines: [' \tpmd_clear(pmd);', '+\tpte_free_kernel(&init_mm, table);', ' \tcontinue;'],
      }),
      errors: [
        {
          message: MESSAGE('pte_free_kernel', 'pmd_clear', 90),
          file: 'mm/vmalloc.c',
          line: 91,
        },
      ],
    },
  ],
});
