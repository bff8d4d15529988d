// Valid and invalid diffs for rules/kernel-pgtable-free-vs-walker.ts on the
// shapes of the 2026 ptdump use-after-free fixes: huge vmap promotion
// (vmap_try_huge_pmd() → pmd_free_pte_page()) and x86 CPA collapse
// (cpa_collapse_large_pages(), 41d88484c71c). The real CPA patch from the
// tip-bot corpus is flagged; the trylock guard, the arch hook bodies, error
// paths freeing unpublished tables and the bug pairs are silent.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import rule from '../../rules/kernel-pgtable-free-vs-walker.ts';
import type { Finding } from '../../src/analysis/finding.ts';
import { fileDiff, findingsFor, ruleTester } from '../../src/analysis/rule-tester.ts';
import { patchMailFromFile } from '../analysis/mail-fixture.ts';

const UNLOCKED = (free: string): string =>
  `${free}() frees a kernel page table without mmap_read_lock(&init_mm): ptdump, check_wx and the debugfs ` +
  'page-table dumps walk it under mmap_write_lock(&init_mm) and read the freed table (use-after-free; x86 CPA ' +
  'collapse, arm64/x86/powerpc/riscv huge vmap)';
const COMPILED_OUT = (free: string): string =>
  `${free}() is inside the init_mm mmap lock only on some configurations: the guard is compiled out or ` +
  'conditional per architecture, so ptdump may walk a freed table there; justify it or take the lock everywhere';

const VMAP_TRY_HUGE_PMD = [
  'static int vmap_try_huge_pmd(pmd_t *pmd, unsigned long addr, unsigned long end,',
  '\t\t\tphys_addr_t phys_addr, pgprot_t prot,',
  '\t\t\tunsigned int max_page_shift)',
  '{',
  '\tif (max_page_shift < PMD_SHIFT)',
  '\t\treturn 0;',
  '',
  '\tif (!arch_vmap_pmd_supported(prot))',
  '\t\treturn 0;',
  '',
  '\tif ((end - addr) != PMD_SIZE)',
  '\t\treturn 0;',
];
const ctx = (lines: string[]): string[] => lines.map((l) => ` ${l}`);

// The pre-2026 body: the PTE table is freed with no lock at all.
const UNGUARDED = ['\tif (pmd_present(*pmd) && !pmd_free_pte_page(pmd, addr))', '\t\treturn 0;', '', '\treturn pmd_set_huge(pmd, phys_addr, prot);', '}'];
// The 2026 body: a trylock guard around the free and the install, falling back to PTE mappings.
const GUARDED = [
  '\tscoped_cond_guard(mmap_read_lock_try, return 0, &init_mm) {',
  '\t\tif (pmd_present(*pmd) && !pmd_free_pte_page(pmd, addr))',
  '\t\t\treturn 0;',
  '\t\treturn pmd_set_huge(pmd, phys_addr, prot);',
  '\t}',
  '\treturn 0;',
  '}',
];
const plus = (lines: string[]): string[] => lines.map((l) => `+${l}`);
const minus = (lines: string[]): string[] => lines.map((l) => `-${l}`);

const CPA_FREE_LOOP = [
  '\tif (!collapsed)',
  '\t\treturn;',
  '',
  '\tflush_tlb_all();',
  '',
  '\tlist_for_each_entry_safe(ptdesc, tmp, &pgtables, pt_list) {',
  '\t\tlist_del(&ptdesc->pt_list);',
  '\t\t__free_page(ptdesc_page(ptdesc));',
  '\t}',
];

ruleTester(rule, {
  valid: [
    {
      name: '2026: the trylock guard around pmd_free_pte_page() and pmd_set_huge()',
      diff: fileDiff('mm/vmalloc.c', { oldStart: 150, lines: [...ctx(VMAP_TRY_HUGE_PMD), ...minus(UNGUARDED), ...plus(GUARDED)] }),
    },
    {
      name: 'a patch around an already unguarded pre-2026 free adds nothing',
      diff: fileDiff('mm/vmalloc.c', {
        oldStart: 150,
        lines: [...ctx(VMAP_TRY_HUGE_PMD), '+\tif (!IS_ALIGNED(addr, PMD_SIZE))', '+\t\treturn 0;', ...ctx(UNGUARDED)],
      }),
    },
    {
      name: 'the CPA free loop under the init_mm read lock',
      diff: fileDiff('arch/x86/mm/pat/set_memory.c', {
        oldStart: 430,
        section: 'static void cpa_collapse_large_pages(struct cpa_data *cpa)',
        lines: [
          ...ctx(CPA_FREE_LOOP.slice(0, 5)),
          '+\tmmap_read_lock(&init_mm);',
          ...ctx(CPA_FREE_LOOP.slice(5)),
          '+\tmmap_read_unlock(&init_mm);',
        ],
      }),
    },
    {
      name: 'a hunk inside the locked region: the lock is taken above what the hunk shows',
      diff: fileDiff('arch/x86/mm/pat/set_memory.c', {
        oldStart: 436,
        section: 'static void cpa_collapse_large_pages(struct cpa_data *cpa)',
        lines: [
          ' \tlist_for_each_entry_safe(ptdesc, tmp, &pgtables, pt_list) {',
          ' \t\tlist_del(&ptdesc->pt_list);',
          '-\t\t__free_page(ptdesc_page(ptdesc));',
          '+\t\tpagetable_free(ptdesc);',
          '+\t\tcollapsed_tables++;',
          ' \t}',
          ' \tmmap_read_unlock(&init_mm);',
        ],
      }),
    },
    {
      name: '0520: split_large_page() frees its own, never published table on failure',
      diff: fileDiff('arch/x86/mm/pat/set_memory.c', {
        oldStart: 1226,
        lines: [
          ' static int split_large_page(struct cpa_data *cpa, pte_t *kpte,',
          ' \t\t\t    unsigned long address)',
          ' {',
          '-\tstruct page *base;',
          '+\tstruct ptdesc *ptdesc;',
          ' ',
          ' \tif (!debug_pagealloc_enabled())',
          ' \t\tspin_unlock(&cpa_lock);',
          '-\tbase = alloc_pages(GFP_KERNEL, 0);',
          '+\tptdesc = pagetable_alloc(GFP_KERNEL, 0);',
          ' \tif (!debug_pagealloc_enabled())',
          ' \t\tspin_lock(&cpa_lock);',
          '-\tif (!base)',
          '+\tif (!ptdesc)',
          ' \t\treturn -ENOMEM;',
          ' ',
          '-\tif (__split_large_page(cpa, kpte, address, base))',
          '-\t\t__free_page(base);',
          '+\tif (__split_large_page(cpa, kpte, address, ptdesc))',
          '+\t\tpagetable_free(ptdesc);',
          ' ',
          ' \treturn 0;',
          ' }',
        ],
      }),
    },
    {
      name: 'the arch hook itself runs under its generic caller\'s guard',
      diff: fileDiff('arch/arm64/mm/mmu.c', {
        oldStart: 1500,
        section: 'int pmd_free_pte_page(pmd_t *pmdp, unsigned long addr)',
        lines: [
          ' \ttable = pte_offset_kernel(pmdp, addr);',
          ' \tpmd_clear(pmdp);',
          ' \t__flush_tlb_kernel_pgtable(addr);',
          '+\tpte_free_kernel(NULL, table);',
        ],
      }),
    },
  ],
  invalid: [
    {
      name: 'HAZARDS R14: a new huge-vmap path frees the PTE table with no init_mm lock',
      diff: fileDiff('mm/vmalloc.c', { oldStart: 150, lines: plus([...VMAP_TRY_HUGE_PMD, ...UNGUARDED]) }),
      errors: [{ message: UNLOCKED('pmd_free_pte_page'), file: 'mm/vmalloc.c', line: 162, function: 'vmap_try_huge_pmd', severity: 'error' }],
    },
    {
      name: 'the 2026 guard removed again',
      diff: fileDiff('mm/vmalloc.c', { oldStart: 150, lines: [...ctx(VMAP_TRY_HUGE_PMD), ...minus(GUARDED), ...plus(UNGUARDED)] }),
      errors: [{ message: UNLOCKED('pmd_free_pte_page'), file: 'mm/vmalloc.c', line: 162, severity: 'error' }],
    },
    {
      name: 'a guard compiled out on arm64',
      diff: fileDiff('mm/vmalloc.c', {
        oldStart: 150,
        lines: plus([
          ...VMAP_TRY_HUGE_PMD,
          '#ifndef CONFIG_ARM64',
          '\tif (!mmap_read_trylock(&init_mm))',
          '\t\treturn 0;',
          '#endif',
          '\tif (pmd_present(*pmd) && !pmd_free_pte_page(pmd, addr))',
          '\t\treturn 0;',
          '\tret = pmd_set_huge(pmd, phys_addr, prot);',
          '#ifndef CONFIG_ARM64',
          '\tmmap_read_unlock(&init_mm);',
          '#endif',
          '\treturn ret;',
          '}',
        ]),
      }),
      errors: [{ message: COMPILED_OUT('pmd_free_pte_page'), file: 'mm/vmalloc.c', line: 166, severity: 'warning' }],
    },
    {
      name: 'the CPA lock dropped from the free loop',
      diff: fileDiff('arch/x86/mm/pat/set_memory.c', {
        oldStart: 430,
        section: 'static void cpa_collapse_large_pages(struct cpa_data *cpa)',
        lines: [
          ...ctx(CPA_FREE_LOOP.slice(0, 5)),
          '-\tmmap_read_lock(&init_mm);',
          ...ctx(CPA_FREE_LOOP.slice(5)),
          '-\tmmap_read_unlock(&init_mm);',
        ],
      }),
      errors: [{ message: UNLOCKED('__free_page'), file: 'arch/x86/mm/pat/set_memory.c', line: 437, severity: 'warning' }],
    },
  ],
});

const where = (fs: Finding[]): string[] => fs.map((f) => `${f.file}:${f.line} ${f.function ?? '-'} ${f.severity}`);
const diffOf = (path: string): string => patchMailFromFile(path).diff;

test('41d88484c71c (restore large ROX pages after fragmentation) frees collapsed kernel tables with no init_mm lock', () => {
  const diff = diffOf('fixtures/lore/threads/x86_tip_pgtable_tlb_commits/0381.eml');
  const found = findingsFor(rule, diff);
  assert.deepEqual(where(found), ['arch/x86/mm/pat/set_memory.c:441 cpa_collapse_large_pages error']);
  // The finding carries the race: a locked walker against an unlocked free is observable.
  assert.equal(found[0]?.simulation?.observation, 'Sometimes');
  assert.match(found[0]?.simulation?.litmus ?? '', /^C PT\+ptlwalker\+none-free/);
  // With the fix's lock around the free loop it is silent.
  const fixed = diff
    .replace('+\tflush_tlb_all();\n', '+\tflush_tlb_all();\n+\tmmap_read_lock(&init_mm);\n')
    .replace('+\t\t__free_page(ptdesc_page(ptdesc));\n+\t}\n', '+\t\t__free_page(ptdesc_page(ptdesc));\n+\t}\n+\tmmap_read_unlock(&init_mm);\n')
    .replace(/@@ -394,6 \+408,40 @@/, '@@ -394,6 +408,42 @@');
  assert.notEqual(fixed, diff);
  assert.deepEqual(where(findingsFor(rule, fixed)), []);
});

test("x86's move of pageattr.c to pat/set_memory.c (real tip commit) carries old frees over: nothing is new", () => {
  assert.deepEqual(where(findingsFor(rule, diffOf('fixtures/lore/threads/x86_tip_pgtable_tlb_commits/0024.eml'))), []);
});

test('the bug pairs and the clean patches are silent', () => {
  const dirs = ['fixtures/lore/clean', ...readdirSync('fixtures/lore/bugs', { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `fixtures/lore/bugs/${d.name}`)];
  const patches = dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.patch')).map((f) => `${d}/${f}`));
  assert.ok(patches.length >= 30);
  for (const p of patches) assert.deepEqual(where(findingsFor(rule, diffOf(p))), [], p);
});
