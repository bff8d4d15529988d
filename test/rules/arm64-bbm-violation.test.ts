// Valid and invalid diffs for rules/arm64-bbm-violation.ts (R22), on the
// shapes of arm64's p?d_set_huge() around 15122ee2c515, lib/ioremap.c around
// b6bdb7517c3d, arm64's init_pmd() and the contpte series' accessors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import rule from '../../rules/arm64-bbm-violation.ts';
import { fileDiff, findingsFor, ruleTester } from '../../src/analysis/rule-tester.ts';
import { patchMailFromFile } from '../analysis/mail-fixture.ts';
import { cleanAndBugPatches, threadMails, where } from './arch-rule-fixtures.ts';

const BLOCK = (install: string, level: string): string =>
  `${install}() may write a block over a live ${level} table: no ${level}_none()/${level}_present() test and ` +
  'no successful p?d_free_*_page() precedes it on this path (arm64: break-before-make, TLB conflict aborts)';
const SET_HUGE = (write: string, fn: string): string =>
  `${write}() in ${fn}() writes a block entry over one that may be live without break-before-make or a ` +
  'pgattr_change_is_safe() check (arm64: TLB conflict aborts, 15122ee2c515)';
const VALID = (write: string): string =>
  `${write}() rewrites an entry this path found valid with no clear + TLBI before it and no ` +
  'pgattr_change_is_safe()/BBML2 check (arm64: break-before-make, TLB conflict aborts)';
const PRIVATE = (accessor: string): string =>
  `${accessor}() on a user mm outside contpte.c/pgtable.h bypasses the contpte fold/unfold and its break-before-make (arm64)`;

const PUD_SET_HUGE_HEAD = [
  ' int pud_set_huge(pud_t *pudp, phys_addr_t phys, pgprot_t prot)',
  ' {',
  ' \tpgprot_t sect_prot = __pgprot(PUD_TYPE_SECT |',
  ' \t\t\t\t\tpgprot_val(mk_sect_prot(prot)));',
];
const IOREMAP_PMD = 'static inline int ioremap_pmd_range(pud_t *pud, unsigned long addr,';

ruleTester(rule, {
  valid: [
    {
      name: '15122ee2c515: arm64 pud_set_huge() refuses a present entry',
      diff: fileDiff('arch/arm64/mm/mmu.c', {
        oldStart: 930,
        lines: [
          ...PUD_SET_HUGE_HEAD,
          '+',
          '+\t/* ioremap_page_range doesn\'t honour BBM */',
          '+\tif (pud_present(READ_ONCE(*pudp)))',
          '+\t\treturn 0;',
          ' ',
          ' \tBUG_ON(phys & ~PUD_MASK);',
          ' \tset_pud(pudp, pfn_pud(__phys_to_pfn(phys), sect_prot));',
          ' \treturn 1;',
          ' }',
        ],
      }),
    },
    {
      name: 'later arm64 pmd_set_huge(): only changes pgattr_change_is_safe() allows',
      diff: fileDiff('arch/arm64/mm/mmu.c', {
        oldStart: 1210,
        lines: [
          ' int pmd_set_huge(pmd_t *pmdp, phys_addr_t phys, pgprot_t prot)',
          ' {',
          ' \tpmd_t new_pmd = pfn_pmd(__phys_to_pfn(phys), mk_pmd_sect_prot(prot));',
          ' ',
          '-\t/* ioremap_page_range doesn\'t honour BBM */',
          '-\tif (pmd_present(READ_ONCE(*pmdp)))',
          '+\t/* Only allow permission changes for now */',
          '+\tif (!pgattr_change_is_safe(READ_ONCE(pmd_val(*pmdp)),',
          '+\t\t\t\t   pmd_val(new_pmd)))',
          ' \t\treturn 0;',
          ' ',
          ' \tVM_BUG_ON(phys & ~PMD_MASK);',
          ' \tset_pmd(pmdp, new_pmd);',
          ' \treturn 1;',
          ' }',
        ],
      }),
    },
    {
      name: 'b6bdb7517c3d: ioremap promotes only after pmd_free_pte_page()',
      diff: fileDiff('lib/ioremap.c', {
        oldStart: 84,
        section: IOREMAP_PMD,
        lines: [
          ' \t\tif (ioremap_pmd_enabled() &&',
          ' \t\t    ((next - addr) == PMD_SIZE) &&',
          '-\t\t    IS_ALIGNED(phys_addr + addr, PMD_SIZE)) {',
          '+\t\t    IS_ALIGNED(phys_addr + addr, PMD_SIZE) &&',
          '+\t\t    pmd_free_pte_page(pmd, addr)) {',
          ' \t\t\tif (pmd_set_huge(pmd, phys_addr + addr, prot))',
          ' \t\t\t\tcontinue;',
          ' \t\t}',
        ],
      }),
    },
    {
      name: 'mm/vmalloc.c vmap_try_huge_pmd(): present tables are freed first',
      diff: fileDiff('mm/vmalloc.c', {
        oldStart: 110,
        section: 'static int vmap_try_huge_pmd(pmd_t *pmd, unsigned long addr, unsigned long end,',
        lines: [
          '+\tif (pmd_present(*pmd) && !pmd_free_pte_page(pmd, addr))',
          '+\t\treturn 0;',
          '+',
          '+\treturn pmd_set_huge(pmd, phys_addr, prot);',
        ],
      }),
    },
    {
      name: 'arm64 init_pmd(): pmd_set_huge() followed by the pgattr_change_is_safe() assertion',
      diff: fileDiff('arch/arm64/mm/mmu.c', {
        oldStart: 250,
        section: 'static void init_pmd(pmd_t *pmdp, unsigned long addr, unsigned long end,',
        lines: [
          ' \t\tif (((addr | next | phys) & ~PMD_MASK) == 0 &&',
          ' \t\t    (flags & NO_BLOCK_MAPPINGS) == 0) {',
          '-\t\t\tpmd_set_huge(pmdp, phys, prot);',
          '+\t\t\tpmd_set_huge(pmdp, phys, prot);\t/* block */',
          ' ',
          ' \t\t\t/*',
          ' \t\t\t * After the PMD entry has been populated once, we',
          ' \t\t\t * only allow updates to the permission attributes.',
          ' \t\t\t */',
          ' \t\t\tBUG_ON(!pgattr_change_is_safe(pmd_val(old_pmd),',
          ' \t\t\t\t\t\t      READ_ONCE(pmd_val(*pmdp))));',
        ],
      }),
    },
    {
      name: 'mm/debug_vm_pgtable.c pmd_huge_tests(): the entry is emptied before pmd_set_huge()',
      diff: fileDiff('mm/debug_vm_pgtable.c', {
        oldStart: 460,
        lines: [
          ' static void __init pmd_huge_tests(struct pgtable_debug_args *args)',
          ' {',
          ' \tpmd_t pmd;',
          ' ',
          ' \tif (!arch_vmap_pmd_supported(args->page_prot) ||',
          ' \t    args->fixed_alignment < PMD_SIZE)',
          ' \t\treturn;',
          ' ',
          ' \tpr_debug("Validating PMD huge\\n");',
          ' \tWRITE_ONCE(*args->pmdp, __pmd(0));',
          '-\tWARN_ON(!pmd_set_huge(args->pmdp, __pfn_to_phys(args->fixed_pmd_pfn), args->page_prot));',
          '+\tWARN_ON(!pmd_set_huge(args->pmdp, PFN_PHYS(args->fixed_pmd_pfn), args->page_prot));',
          ' \tWARN_ON(!pmd_clear_huge(args->pmdp));',
          ' \tpmd = READ_ONCE(*args->pmdp);',
          ' \tWARN_ON(!pmd_none(pmd));',
          ' }',
        ],
      }),
    },
    {
      name: 'a valid kernel PTE broken, invalidated, then made',
      diff: fileDiff('arch/arm64/mm/pageattr.c', {
        oldStart: 40,
        section: 'static int change_page_range(pte_t *ptep, unsigned long addr, void *data)',
        lines: [
          ' \tpte_t old = __ptep_get(ptep);',
          '+\tif (pte_valid(old)) {',
          '+\t\t__pte_clear(&init_mm, addr, ptep);',
          '+\t\tflush_tlb_kernel_range(addr, addr + PAGE_SIZE);',
          '+\t}',
          '+\t__set_pte(ptep, pfn_pte(pfn, prot));',
        ],
      }),
    },
    {
      name: 'contpte series: a public accessor renamed to its private form in arch code',
      diff: fileDiff('arch/arm64/mm/fault.c', {
        oldStart: 200,
        section: 'int ptep_set_access_flags(struct vm_area_struct *vma,',
        lines: ['-\tpte = ptep_get_and_clear(vma->vm_mm, address, ptep);', '+\tpte = __ptep_get_and_clear(vma->vm_mm, address, ptep);'],
      }),
    },
    {
      name: 'private accessors on init_mm (kernel mappings are not contpte-managed here)',
      diff: fileDiff('arch/arm64/mm/mmu.c', {
        oldStart: 700,
        section: 'static void unmap_hotplug_pte_range(pmd_t *pmdp, unsigned long addr,',
        lines: ['+\t\t__pte_clear(&init_mm, addr, ptep);'],
      }),
    },
    {
      name: 'arch/arm64/kvm is skipped (kvm_pgtable has its own BBM)',
      diff: fileDiff('arch/arm64/kvm/mmu.c', {
        oldStart: 300,
        section: 'static void stage2_remap(pmd_t *pmdp, pmd_t new)',
        lines: [' \tif (pmd_valid(READ_ONCE(*pmdp)))', '+\t\tset_pmd(pmdp, new);'],
      }),
    },
  ],
  invalid: [
    {
      name: '15122ee2c515 undone: pud_set_huge() writes a block over whatever is there',
      diff: fileDiff('arch/arm64/mm/mmu.c', {
        oldStart: 930,
        lines: [
          ...PUD_SET_HUGE_HEAD,
          '-',
          '-\t/* ioremap_page_range doesn\'t honour BBM */',
          '-\tif (pud_present(READ_ONCE(*pudp)))',
          '-\t\treturn 0;',
          ' ',
          ' \tBUG_ON(phys & ~PUD_MASK);',
          ' \tset_pud(pudp, pfn_pud(__phys_to_pfn(phys), sect_prot));',
          ' \treturn 1;',
          ' }',
        ],
      }),
      errors: [{ message: SET_HUGE('set_pud', 'pud_set_huge'), file: 'arch/arm64/mm/mmu.c', line: 936, function: 'pud_set_huge', severity: 'error' }],
    },
    {
      name: 'b6bdb7517c3d undone: ioremap installs a PMD block without freeing the PTE table',
      diff: fileDiff('lib/ioremap.c', {
        oldStart: 84,
        section: IOREMAP_PMD,
        lines: [
          ' \t\tif (ioremap_pmd_enabled() &&',
          ' \t\t    ((next - addr) == PMD_SIZE) &&',
          '-\t\t    IS_ALIGNED(phys_addr + addr, PMD_SIZE) &&',
          '-\t\t    pmd_free_pte_page(pmd, addr)) {',
          '+\t\t    IS_ALIGNED(phys_addr + addr, PMD_SIZE)) {',
          ' \t\t\tif (pmd_set_huge(pmd, phys_addr + addr, prot))',
          ' \t\t\t\tcontinue;',
          ' \t\t}',
        ],
      }),
      errors: [{ message: BLOCK('pmd_set_huge', 'pmd'), file: 'lib/ioremap.c', line: 87, severity: 'warning' }],
    },
    {
      name: 'a new whole vmap helper installs a PMD block without looking at the entry (error)',
      diff: fileDiff('mm/vmalloc.c', {
        oldStart: 100,
        lines: [
          '+static int vmap_try_block_pmd(pmd_t *pmd, unsigned long addr, phys_addr_t phys_addr, pgprot_t prot)',
          '+{',
          '+\tif (!IS_ALIGNED(addr, PMD_SIZE) || !IS_ALIGNED(phys_addr, PMD_SIZE))',
          '+\t\treturn 0;',
          '+',
          '+\treturn pmd_set_huge(pmd, phys_addr, prot);',
          '+}',
        ],
      }),
      errors: [{ message: BLOCK('pmd_set_huge', 'pmd'), file: 'mm/vmalloc.c', line: 105, function: 'vmap_try_block_pmd', severity: 'error' }],
    },
    {
      name: 'a valid kernel PTE rewritten in place',
      diff: fileDiff('arch/arm64/mm/pageattr.c', {
        oldStart: 40,
        section: 'static int change_page_range(pte_t *ptep, unsigned long addr, void *data)',
        lines: [' \tpte_t old = __ptep_get(ptep);', '+\tif (pte_valid(old))', '+\t\t__set_pte(ptep, pfn_pte(pfn, prot));'],
      }),
      errors: [{ message: VALID('__set_pte'), file: 'arch/arm64/mm/pageattr.c', line: 42, severity: 'warning' }],
    },
    {
      name: 'new arch code painting user PTEs with __set_ptes()',
      diff: fileDiff('arch/arm64/kernel/mte.c', {
        oldStart: 60,
        section: 'void mte_sync_tags(pte_t pte, unsigned int nr_pages)',
        lines: ['+\t__set_ptes(vma->vm_mm, addr, ptep, pte, nr);'],
      }),
      errors: [{ message: PRIVATE('__set_ptes'), file: 'arch/arm64/kernel/mte.c', line: 60, severity: 'info' }],
    },
  ],
});

test('the contpte series, the ptdump series and every thread patch are silent', () => {
  for (const p of threadMails()) assert.deepEqual(where(findingsFor(rule, patchMailFromFile(p).diff)), [], p);
});

test('clean patches and bug fixes are silent', () => {
  for (const p of cleanAndBugPatches()) assert.deepEqual(where(findingsFor(rule, patchMailFromFile(p).diff)), [], p);
});
