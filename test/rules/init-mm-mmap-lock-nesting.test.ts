// Valid and invalid diffs for rules/init-mm-mmap-lock-nesting.ts (R17):
// Lorenzo Stoakes' 2026 series takes init_mm's mmap read lock (a trylock
// guard) in generic vmap code, which is why the arm64 static-key lock in
// pmd_free_pte_page() had to go (it could deadlock against a queued ptdump).
import rule from '../../rules/init-mm-mmap-lock-nesting.ts';
import { fileDiff, ruleTester } from '../../src/analysis/rule-tester.ts';

const VMAP_GUARD = fileDiff('mm/vmalloc.c', {
  oldStart: 160,
  section: 'static int vmap_try_huge_pmd(pmd_t *pmd, unsigned long addr, unsigned long end,',
  lines: [
    '+\tscoped_cond_guard(mmap_read_lock_try, return 0, &init_mm) {',
    '+\t\tif (pmd_present(*pmd) && !pmd_free_pte_page(pmd, addr))',
    '+\t\t\treturn 0;',
    '+\t\treturn pmd_set_huge(pmd, phys_addr, prot);',
    '+\t}',
  ],
});

const ARM64_FREE = (lock: string[]): string =>
  fileDiff('arch/arm64/mm/mmu.c', {
    oldStart: 1279,
    section: 'int pmd_free_pte_page(pmd_t *pmdp, unsigned long addr)',
    lines: [' \tpmd_clear(pmdp);', ' \t__flush_tlb_kernel_pgtable(addr);', ...lock, ' \tpte_free_kernel(NULL, table);'],
  });

ruleTester(rule, {
  valid: [
    {
      name: 'the 2026 series: the arm64 hook no longer locks, the generic guard does',
      diff: VMAP_GUARD + ARM64_FREE(['-\tmmap_read_lock(&init_mm);', '-\tmmap_read_unlock(&init_mm);']),
    },
    {
      name: '2025 tree (no generic guard in sight): the arm64 hook may wait for ptdump itself',
      diff: ARM64_FREE(['+\tmmap_read_lock(&init_mm);', '+\tmmap_read_unlock(&init_mm);']),
    },
  ],
  invalid: [
    {
      name: 'the generic guard added while the arm64 hook still takes the lock (the deadlock the 2026 series avoids)',
      diff: VMAP_GUARD + ARM64_FREE([' \tif (static_branch_unlikely(&arm64_ptdump_lock_key)) {', '+\t\tmmap_read_lock(&init_mm);', '+\t\tmmap_read_unlock(&init_mm);', ' \t}']),
      errors: [
        {
          message:
            "mmap_read_lock(&init_mm) in pmd_free_pte_page(), which generic vmap code calls with init_mm's mmap read lock held (scoped_cond_guard(mmap_read_lock_try, ...)): a second read acquisition deadlocks against a queued ptdump writer",
          file: 'arch/arm64/mm/mmu.c',
          line: 1282,
          severity: 'warning',
        },
      ],
    },
    {
      name: 'a blocking init_mm lock in a vmap path (warning, info from hunks)',
      diff: fileDiff('mm/vmalloc.c', {
        oldStart: 160,
        section: 'static int vmap_try_huge_pmd(pmd_t *pmd, unsigned long addr, unsigned long end,',
        lines: ['+\tmmap_read_lock(&init_mm);', ' \tif (pmd_present(*pmd) && !pmd_free_pte_page(pmd, addr))', '+\t\tgoto out;'],
      }),
      errors: [
        {
          message: 'mmap_read_lock(&init_mm) in vmap_try_huge_pmd() sleeps on the lock in a vmap path: use a trylock and fall back to not freeing the table',
          file: 'mm/vmalloc.c',
          line: 160,
          severity: 'info',
        },
      ],
    },
    {
      name: 'taken twice on one path in a whole function',
      diff: fileDiff('arch/x86/mm/pat/set_memory.c', {
        oldStart: 400,
        lines: [
          '+static int cpa_collapse_large_pages(struct cpa_data *cpa)',
          '+{',
          '+\tmmap_read_lock(&init_mm);',
          '+\tcollapse_pmd_page(cpa);',
          '+\tmmap_read_lock(&init_mm);',
          '+\tmmap_read_unlock(&init_mm);',
          '+\tmmap_read_unlock(&init_mm);',
          '+\treturn 0;',
          '+}',
        ],
      }),
      errors: [
        {
          message:
            "mmap_read_lock(&init_mm) in cpa_collapse_large_pages() is reached with init_mm's mmap lock already held: rwsem readers do not nest, so a writer queued in between (ptdump) deadlocks both",
          file: 'arch/x86/mm/pat/set_memory.c',
          line: 404,
          severity: 'error',
        },
      ],
    },
  ],
});
