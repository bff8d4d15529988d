// Valid and invalid diffs for rules/lazy-mmu-sleep-in-section.ts (R03): the
// KASAN populate callback of 3c5c3cfb9ef4 and its fix b6ea95a34cbd.
import rule from '../../rules/lazy-mmu-sleep-in-section.ts';
import { fileDiff, ruleTester } from '../../src/analysis/rule-tester.ts';

const plus = (lines: string[]): string[] => lines.map((l) => `+${l}`);

const populate = (alloc: string): string[] =>
  plus([
    'static int kasan_populate_vmalloc_pte(pte_t *ptep, unsigned long addr,',
    '\t\t\t\t      void *unused)',
    '{',
    '\tunsigned long page;',
    '\tpte_t pte;',
    '',
    '\tif (likely(!pte_none(*ptep)))',
    '\t\treturn 0;',
    '',
    `\tpage = ${alloc};`,
    '\tif (!page)',
    '\t\treturn -ENOMEM;',
    '\tpte = pfn_pte(PFN_DOWN(__pa(page)), PAGE_KERNEL);',
    '\tset_pte_at(&init_mm, addr, ptep, pte);',
    '\treturn 0;',
    '}',
  ]);

const ZAP = 'static unsigned long zap_pte_range(struct mmu_gather *tlb,';

ruleTester(rule, {
  valid: [
    {
      name: 'b6ea95a34cbd: pages bulk-allocated before the walk, the callback only takes one',
      diff: fileDiff('mm/kasan/shadow.c', { oldStart: 300, lines: populate('data->pages[PFN_DOWN(addr - data->start)]') }),
    },
    {
      name: 'a GFP_ATOMIC allocation in the callback does not sleep',
      diff: fileDiff('mm/kasan/shadow.c', { oldStart: 300, lines: populate('__get_free_page(GFP_ATOMIC)') }),
    },
    {
      name: 'a sleeper after the section is closed',
      diff: fileDiff('mm/memory.c', {
        oldStart: 1700,
        section: ZAP,
        lines: [' \tlazy_mmu_mode_disable();', ' \tpte_unmap_unlock(start_pte, ptl);', '+\tcond_resched();'],
      }),
    },
    {
      name: 'a sleeper inside a paused part of the section',
      diff: fileDiff('mm/memory.c', {
        oldStart: 1700,
        section: ZAP,
        lines: [' \tlazy_mmu_mode_enable();', '+\tlazy_mmu_mode_pause();', '+\tmutex_lock(&zap_mutex);', '+\tmutex_unlock(&zap_mutex);', '+\tlazy_mmu_mode_resume();', ' \tlazy_mmu_mode_disable();'],
      }),
    },
  ],
  invalid: [
    {
      name: '3c5c3cfb9ef4: __get_free_page(GFP_KERNEL) in the populate callback (the s390 "preempt_count: 1, expected: 0" splat)',
      diff: fileDiff('mm/kasan/common.c', { oldStart: 753, lines: populate('__get_free_page(GFP_KERNEL)') }),
      errors: [
        {
          message:
            '__get_free_page(GFP_KERNEL) may enter direct reclaim in kasan_populate_vmalloc_pte(), a pte_fn_t callback that apply_to_page_range() runs in lazy MMU mode, where preemption may be disabled (powerpc hash, sparc64, Xen PV)',
          file: 'mm/kasan/common.c',
          line: 762,
          severity: 'error',
        },
      ],
    },
    {
      name: 'cond_resched() moved inside the section (fragment: one severity lower)',
      diff: fileDiff('mm/memory.c', {
        oldStart: 1700,
        section: ZAP,
        lines: [' \tlazy_mmu_mode_enable();', '+\tcond_resched();', ' \tdo {', ' \t} while (pte++, addr += PAGE_SIZE, addr != end);', ' \tlazy_mmu_mode_disable();'],
      }),
      errors: [
        {
          message: 'cond_resched() may sleep inside a lazy MMU section in zap_pte_range(), where preemption may be disabled (powerpc hash, sparc64, Xen PV)',
          file: 'mm/memory.c',
          line: 1701,
          severity: 'warning',
        },
      ],
    },
  ],
});
