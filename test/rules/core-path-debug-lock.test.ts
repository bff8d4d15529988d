// Valid and invalid diffs for rules/core-path-debug-lock.ts (SEEDS section
// 1): ptdump v1 took mmap_read_lock(&init_mm) on every pmd_free_pte_page().
import rule from '../../rules/core-path-debug-lock.ts';
import { fileDiff, ruleTester } from '../../src/analysis/rule-tester.ts';

const plus = (lines: string[]): string[] => lines.map((l) => `+${l}`);

const wholeFreer = (guarded: boolean): string[] =>
  plus([
    'int pmd_free_pte_page(pmd_t *pmdp, unsigned long addr)',
    '{',
    '\tpte_t *table = pte_offset_kernel(pmdp, addr);',
    '',
    ...(guarded
      ? ['\tif (static_branch_unlikely(&arm64_ptdump_lock_key)) {', '\t\tmmap_read_lock(&init_mm);', '\t\tmmap_read_unlock(&init_mm);', '\t}']
      : ['\tmmap_read_lock(&init_mm);', '\tpmd_clear(pmdp);', '\tmmap_read_unlock(&init_mm);']),
    '\t__flush_tlb_kernel_pgtable(addr);',
    '\tpte_free_kernel(NULL, table);',
    '\treturn 1;',
    '}',
  ]);

ruleTester(rule, {
  valid: [
    {
      name: 'v4-v6: the lock is behind a static key the walker turns on',
      diff: fileDiff('arch/arm64/mm/mmu.c', { oldStart: 1261, lines: wholeFreer(true) }),
    },
    {
      name: 'a lock in a function that frees no page table',
      diff: fileDiff('arch/arm64/mm/ptdump.c', {
        oldStart: 311,
        section: 'void ptdump_walk(struct seq_file *s, struct ptdump_info *info)',
        lines: ['+\tmmap_write_lock(&init_mm);', ' \tptdump_walk_pgd(&st.ptdump, info->mm, NULL);', '+\tmmap_write_unlock(&init_mm);'],
      }),
    },
  ],
  invalid: [
    {
      name: 'ptdump v1 in a whole function: the design warning (Will Deacon: no unconditional locking in core mm for a debug option)',
      diff: fileDiff('arch/arm64/mm/mmu.c', { oldStart: 1261, lines: wholeFreer(false) }),
      errors: [
        {
          message:
            'mmap_read_lock(&init_mm) is taken on every call of pmd_free_pte_page(), a core page-table free path, only to exclude a debug walker: correct, but every vmap/ioremap huge-mapping promotion now pays for a rarely used debug option',
          file: 'arch/arm64/mm/mmu.c',
          line: 1265,
          severity: 'warning',
        },
      ],
    },
    {
      name: 'ptdump v1 as posted (hunks only): one severity lower',
      diff: fileDiff('arch/arm64/mm/mmu.c', {
        oldStart: 1261,
        section: 'int pmd_free_pte_page(pmd_t *pmdp, unsigned long addr)',
        lines: [' \t}', ' ', ' \ttable = pte_offset_kernel(pmdp, addr);', '+', '+\tmmap_read_lock(&init_mm);', ' \tpmd_clear(pmdp);', '+\tmmap_read_unlock(&init_mm);', ' \t__flush_tlb_kernel_pgtable(addr);', ' \tpte_free_kernel(NULL, table);', ' \treturn 1;'],
      }),
      errors: [
        {
          message:
            'mmap_read_lock(&init_mm) is taken on every call of pmd_free_pte_page(), a core page-table free path, only to exclude a debug walker: correct, but every vmap/ioremap huge-mapping promotion now pays for a rarely used debug option',
          file: 'arch/arm64/mm/mmu.c',
          line: 1265,
          severity: 'info',
        },
      ],
    },
  ],
});
