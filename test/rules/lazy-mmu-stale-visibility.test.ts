// Valid and invalid diffs for rules/lazy-mmu-stale-visibility.ts (R04): the
// KASAN shadow callbacks of 3c5c3cfb9ef4, Gordeev's fix c519c3c0a113, and the
// removal of pause/resume Ryan Roberts first proposed on Kevin Brodsky's v4.
import rule from '../../rules/lazy-mmu-stale-visibility.ts';
import { fileDiff, ruleTester } from '../../src/analysis/rule-tester.ts';

const POPULATE = 'static int kasan_populate_vmalloc_pte(pte_t *ptep, unsigned long addr,';
const ctx = (lines: string[]): string[] => lines.map((l) => ` ${l}`);
const plus = (lines: string[]): string[] => lines.map((l) => `+${l}`);

// The body of kasan_populate_vmalloc_pte() after b6ea95a34cbd (pages bulk-allocated before the walk).
const LOCKED_UPDATE = [
  '\tindex = PFN_DOWN(addr - data->start);',
  '\tpage = data->pages[index];',
  '\t__memset(page_to_virt(page), KASAN_VMALLOC_INVALID, PAGE_SIZE);',
  '\tpte = pfn_pte(page_to_pfn(page), PAGE_KERNEL);',
  '',
  '\tspin_lock(&init_mm.page_table_lock);',
  '\tif (likely(pte_none(ptep_get(ptep)))) {',
  '\t\tset_pte_at(&init_mm, addr, ptep, pte);',
  '\t\tdata->pages[index] = NULL;',
  '\t}',
  '\tspin_unlock(&init_mm.page_table_lock);',
  '',
];

// 3c5c3cfb9ef4 (2019): the callback as first written, whole.
const V11_POPULATE = [
  'static int kasan_populate_vmalloc_pte(pte_t *ptep, unsigned long addr,',
  '\t\t\t\t      void *unused)',
  '{',
  '\tunsigned long page;',
  '\tpte_t pte;',
  '',
  '\tif (likely(!pte_none(*ptep)))',
  '\t\treturn 0;',
  '',
  '\tpage = __get_free_page(GFP_KERNEL);',
  '\tif (!page)',
  '\t\treturn -ENOMEM;',
  '',
  '\tmemset((void *)page, KASAN_VMALLOC_INVALID, PAGE_SIZE);',
  '\tpte = pfn_pte(PFN_DOWN(__pa(page)), PAGE_KERNEL);',
  '',
  '\tspin_lock(&init_mm.page_table_lock);',
  '\tif (likely(pte_none(*ptep))) {',
  '\t\tset_pte_at(&init_mm, addr, ptep, pte);',
  '\t\tpage = 0;',
  '\t}',
  '\tspin_unlock(&init_mm.page_table_lock);',
  '\tif (page)',
  '\t\tfree_page(page);',
  '\treturn 0;',
  '}',
];

ruleTester(rule, {
  valid: [
    {
      name: 'c519c3c0a113: the locked update is taken out of lazy mode (the old leave/enter form)',
      diff: fileDiff('mm/kasan/shadow.c', {
        oldStart: 305,
        section: POPULATE,
        lines: ['+\tarch_leave_lazy_mmu_mode();', '+', ...ctx(LOCKED_UPDATE), '+\tarch_enter_lazy_mmu_mode();', ' \treturn 0;', ' }'],
      }),
    },
    {
      name: 'Kevin Brodsky v6: leave/enter become pause/resume',
      diff: fileDiff('mm/kasan/shadow.c', {
        oldStart: 305,
        section: POPULATE,
        lines: ['-\tarch_leave_lazy_mmu_mode();', '+\tlazy_mmu_mode_pause();', ...ctx(LOCKED_UPDATE), '-\tarch_enter_lazy_mmu_mode();', '+\tlazy_mmu_mode_resume();', ' \treturn 0;', ' }'],
      }),
    },
    {
      name: 'vmap_pte_range(): PTE stores in a section with no lock are the point of lazy mode',
      diff: fileDiff('mm/vmalloc.c', {
        oldStart: 108,
        section: 'static int vmap_pte_range(pmd_t *pmd, unsigned long addr, unsigned long end,',
        lines: [' \tlazy_mmu_mode_enable();', ' \tdo {', '+\t\tset_pte_at(&init_mm, addr, pte, pfn_pte(pfn, prot));', ' \t} while (pte++, addr += PAGE_SIZE, addr != end);', ' \tlazy_mmu_mode_disable();'],
      }),
    },
  ],
  invalid: [
    {
      name: '3c5c3cfb9ef4: the populate callback updates a shared shadow PTE under init_mm.page_table_lock in lazy mode',
      diff: fileDiff('mm/kasan/common.c', { oldStart: 753, lines: plus(V11_POPULATE) }),
      errors: [
        {
          message:
            'set_pte_at() under a spinlock in kasan_populate_vmalloc_pte(), a pte_fn_t callback that apply_to_page_range() runs in lazy MMU mode: the store may still be deferred when the lock is dropped, so the next CPU to take it can read the entry as empty',
          file: 'mm/kasan/common.c',
          line: 771,
          severity: 'error',
        },
      ],
    },
    {
      name: 'removing pause/resume around the locked update (Ryan Roberts on v4 06/12, before he agreed they are needed)',
      diff: fileDiff('mm/kasan/shadow.c', {
        oldStart: 305,
        section: POPULATE,
        lines: ['-\tlazy_mmu_mode_pause();', ...ctx(LOCKED_UPDATE), '-\tlazy_mmu_mode_resume();', ' \treturn 0;', ' }'],
      }),
      errors: [
        {
          message:
            'this patch removes the lazy MMU pause around a locked set_pte_at() in kasan_populate_vmalloc_pte(): on architectures that defer PTE stores in lazy mode the store may be invisible at unlock, and a concurrent populater maps the entry again',
          file: 'mm/kasan/shadow.c',
          line: 312,
          // Hunks only: the rule's error (kasan path), one severity lower.
          severity: 'warning',
        },
      ],
    },
    {
      name: 'outside kasan/vmalloc the same shape is a warning (info from a fragment)',
      diff: fileDiff('arch/s390/mm/pgtable.c', {
        oldStart: 40,
        section: 'static int s390_change_pte(pte_t *ptep, unsigned long addr, void *data)',
        lines: ['+\tspin_lock(&init_mm.page_table_lock);', '+\tif (pte_none(ptep_get(ptep)))', '+\t\tset_pte_at(&init_mm, addr, ptep, pte);', '+\tspin_unlock(&init_mm.page_table_lock);', ' \treturn 0;'],
      }),
      errors: [
        {
          message:
            'set_pte_at() under a spinlock in s390_change_pte(), a pte_fn_t callback that apply_to_page_range() runs in lazy MMU mode: the store may still be deferred when the lock is dropped, so the next CPU to take it can read the entry as empty',
          file: 'arch/s390/mm/pgtable.c',
          line: 42,
          severity: 'info',
        },
      ],
    },
  ],
});
