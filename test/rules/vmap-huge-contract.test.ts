// Valid and invalid diffs for rules/vmap-huge-contract.ts (R24), on the
// shapes of lib/ioremap.c after b6bdb7517c3d, mm/vmalloc.c's
// vmap_try_huge_p?d() and arm64's arch_vmap_p?d_supported() (fa93b45fd397).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import rule from '../../rules/vmap-huge-contract.ts';
import { fileDiff, findingsFor, ruleTester } from '../../src/analysis/rule-tester.ts';
import { patchMailFromFile } from '../analysis/mail-fixture.ts';
import { cleanAndBugPatches, where } from './arch-rule-fixtures.ts';

const DROPPED = (free: string, install: string, line: number): string =>
  `${free}() result is dropped before ${install}() on line ${line}: a 0 return (table not freed: x86-PAE, ` +
  'a failed trylock) must make the caller fall back to smaller mappings, not install a leaf over the table (all architectures)';
const UNTESTED = (free: string, install: string, line: number): string =>
  `${free}() result is stored but never tested before ${install}() on line ${line}: a 0 return (table not ` +
  'freed: x86-PAE, a failed trylock) must make the caller fall back to smaller mappings (all architectures)';
const OPT_IN = (optIn: string, arch: string): string =>
  `${optIn}() changes on ${arch}: confirm that the arch pmd_free_pte_page()/pud_free_pmd_page() clear the entry, ` +
  'invalidate the walk cache before freeing, and exclude kernel page-table walkers (ptdump)';

const IOREMAP_PMD = 'static inline int ioremap_pmd_range(pud_t *pud, unsigned long addr,';
const VMAP_PUD = [
  'static int vmap_try_huge_pud(pud_t *pud, unsigned long addr, unsigned long end,',
  '\t\t\tphys_addr_t phys_addr, pgprot_t prot,',
  '\t\t\tunsigned int max_page_shift)',
  '{',
  '\tif (max_page_shift < PUD_SHIFT)',
  '\t\treturn 0;',
  '',
  '\tif (!arch_vmap_pud_supported(prot))',
  '\t\treturn 0;',
  '',
  '\tif ((end - addr) != PUD_SIZE)',
  '\t\treturn 0;',
  '',
  '\tif (!IS_ALIGNED(addr, PUD_SIZE))',
  '\t\treturn 0;',
  '',
  '\tif (!IS_ALIGNED(phys_addr, PUD_SIZE))',
  '\t\treturn 0;',
  '',
];

ruleTester(rule, {
  valid: [
    {
      name: 'b6bdb7517c3d: ioremap_pmd_range() tests pmd_free_pte_page() in the promotion condition',
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
      name: 'mm/vmalloc.c vmap_try_huge_pud(): a failed pud_free_pmd_page() returns 0 (fall back)',
      diff: fileDiff('mm/vmalloc.c', {
        oldStart: 130,
        lines: [
          ...VMAP_PUD.map((l) => ` ${l}`),
          '+\tif (pud_present(*pud) && !pud_free_pmd_page(pud, addr))',
          '+\t\treturn 0;',
          '+',
          ' \treturn pud_set_huge(pud, phys_addr, prot);',
          ' }',
        ],
      }),
    },
    {
      name: 'arm64 pud_free_pmd_page() drops each pmd_free_pte_page() result: no leaf is installed there',
      diff: fileDiff('arch/arm64/mm/mmu.c', {
        oldStart: 1300,
        section: 'int pud_free_pmd_page(pud_t *pudp, unsigned long addr)',
        lines: [
          ' \tdo {',
          ' \t\tif (pmd_present(pmdp_get(pmdp)))',
          '-\t\t\tpmd_free_pte_page(pmdp, next);',
          '+\t\t\t__pmd_free_pte_page(pmdp, next, false);',
          ' \t} while (pmdp++, next += PMD_SIZE, next != end);',
        ],
      }),
    },
    {
      name: 'a comment-only change next to arch_vmap_pmd_supported() says nothing',
      diff: fileDiff('arch/arm64/include/asm/vmalloc.h', {
        oldStart: 20,
        section: 'static inline bool arch_vmap_pmd_supported(pgprot_t prot)',
        lines: [' {', '-\t/* See arch_vmap_pud_supported() */', '+\t/* See arch_vmap_pud_supported(). */', ' \treturn true;', ' }'],
      }),
    },
  ],
  invalid: [
    {
      name: 'ioremap_pmd_range(): pmd_free_pte_page() called for effect before pmd_set_huge()',
      diff: fileDiff('lib/ioremap.c', {
        oldStart: 84,
        section: IOREMAP_PMD,
        lines: [
          ' \t\tif (ioremap_pmd_enabled() &&',
          ' \t\t    ((next - addr) == PMD_SIZE) &&',
          ' \t\t    IS_ALIGNED(phys_addr + addr, PMD_SIZE)) {',
          '+\t\t\tpmd_free_pte_page(pmd, addr);',
          ' \t\t\tif (pmd_set_huge(pmd, phys_addr + addr, prot))',
          ' \t\t\t\tcontinue;',
          ' \t\t}',
        ],
      }),
      errors: [{ message: DROPPED('pmd_free_pte_page', 'pmd_set_huge', 88), file: 'lib/ioremap.c', line: 87, severity: 'info' }],
    },
    {
      name: 'vmap_try_huge_pud(): the fall-back on a failed pud_free_pmd_page() is removed (whole function: warning)',
      diff: fileDiff('mm/vmalloc.c', {
        oldStart: 130,
        lines: [
          ...VMAP_PUD.map((l) => ` ${l}`),
          '-\tif (pud_present(*pud) && !pud_free_pmd_page(pud, addr))',
          '-\t\treturn 0;',
          '+\tif (pud_present(*pud))',
          '+\t\tpud_free_pmd_page(pud, addr);',
          ' ',
          ' \treturn pud_set_huge(pud, phys_addr, prot);',
          ' }',
        ],
      }),
      errors: [
        { message: DROPPED('pud_free_pmd_page', 'pud_set_huge', 152), file: 'mm/vmalloc.c', line: 150, function: 'vmap_try_huge_pud', severity: 'warning' },
      ],
    },
    {
      name: 'a stored pmd_free_pte_page() result nobody tests',
      diff: fileDiff('mm/vmalloc.c', {
        oldStart: 100,
        section: 'static int vmap_try_huge_pmd(pmd_t *pmd, unsigned long addr, unsigned long end,',
        lines: ['+\tfreed = pmd_free_pte_page(pmd, addr);', ' \treturn pmd_set_huge(pmd, phys_addr, prot);'],
      }),
      errors: [{ message: UNTESTED('pmd_free_pte_page', 'pmd_set_huge', 101), file: 'mm/vmalloc.c', line: 100 }],
    },
    {
      name: 'fa93b45fd397: arm64 drops the PTDUMP_DEBUGFS gate from arch_vmap_pmd_supported() (info)',
      diff: fileDiff('arch/arm64/include/asm/vmalloc.h', {
        oldStart: 20,
        section: 'static inline bool arch_vmap_pmd_supported(pgprot_t prot)',
        lines: [' {', '-\t/* See arch_vmap_pud_supported() */', '-\treturn !IS_ENABLED(CONFIG_PTDUMP_DEBUGFS);', '+\treturn true;', ' }'],
      }),
      errors: [
        { message: OPT_IN('arch_vmap_pmd_supported', 'arm64'), file: 'arch/arm64/include/asm/vmalloc.h', line: 21, severity: 'info' },
      ],
    },
  ],
});

test('Dev Jain v6 (fa93b45fd397, merged): one opt-in info for vmalloc.h, no warning', () => {
  const diff = patchMailFromFile('fixtures/lore/threads/arm64_vmalloc_huge_ptdump/0009.eml').diff;
  assert.deepEqual(where(findingsFor(rule, diff)), ['arch/arm64/include/asm/vmalloc.h:12 arch_vmap_pud_supported info']);
});

test('clean patches and bug fixes get no warning or error', () => {
  for (const p of cleanAndBugPatches()) {
    assert.deepEqual(where(findingsFor(rule, patchMailFromFile(p).diff)).filter((w) => !w.endsWith(' info')), [], p);
  }
});
