// Valid and invalid diffs for rules/lazy-mmu-unbalanced.ts, RuleTester style.
import rule from '../../rules/lazy-mmu-unbalanced.ts';
import { fileDiff, ruleTester } from '../../src/analysis/rule-tester.ts';

const VMAP = 'static int vmap_pte_range(pmd_t *pmd, unsigned long addr, unsigned long end,';

/** A new function added whole (definition to closing brace): path balance applies. */
const added = (lines: string[]): string[] => lines.map((l) => `+${l}`);
const WHOLE_EARLY_RETURN = added([
  'static int vmap_range_noflush_pte(pte_t *pte, unsigned long addr, unsigned long end, pgprot_t prot)',
  '{',
  '\tlazy_mmu_mode_enable();',
  '\tfor (; addr < end; addr += PAGE_SIZE, pte++) {',
  '\t\tif (!pte_none(ptep_get(pte)))',
  '\t\t\treturn -EBUSY;',
  '\t\tset_pte_at(&init_mm, addr, pte, pfn_pte(0, prot));',
  '\t}',
  '\tlazy_mmu_mode_disable();',
  '\treturn 0;',
  '}',
]);

ruleTester(rule, {
  valid: [
    {
      name: 'a whole new function whose error path goes to the disable',
      diff: fileDiff('mm/vmalloc.c', {
        oldStart: 90,
        lines: WHOLE_EARLY_RETURN.map((l) => l.replace('\t\t\treturn -EBUSY;', '\t\t\tgoto out;').replace('\tlazy_mmu_mode_disable();', 'out:\n+\tlazy_mmu_mode_disable();')),
      }),
    },
    {
      name: 'a whole pte_fn_t callback that pauses and resumes on every path (kasan, v6)',
      diff: fileDiff('mm/kasan/shadow.c', {
        oldStart: 300,
        lines: added([
          'static int kasan_populate_vmalloc_pte(pte_t *ptep, unsigned long addr, void *unused)',
          '{',
          '\tlazy_mmu_mode_pause();',
          '\tspin_lock(&init_mm.page_table_lock);',
          '\tif (likely(pte_none(ptep_get(ptep))))',
          '\t\tset_pte_at(&init_mm, addr, ptep, pte);',
          '\tspin_unlock(&init_mm.page_table_lock);',
          '\tlazy_mmu_mode_resume();',
          '\treturn 0;',
          '}',
        ]),
      }),
    },
    {
      name: 'both ends converted in separate hunks',
      diff: fileDiff(
        'mm/vmalloc.c',
        { oldStart: 108, section: VMAP, lines: [' \t\treturn -ENOMEM;', '-\tarch_enter_lazy_mmu_mode();', '+\tlazy_mmu_mode_enable();', ' '] },
        { oldStart: 134, section: VMAP, lines: [' \t} while (pte++, addr != end);', '-\tarch_leave_lazy_mmu_mode();', '+\tlazy_mmu_mode_disable();', ' \treturn 0;'] },
      ),
    },
    {
      name: 'only the enable is visible, and it stays an enable',
      diff: fileDiff('mm/memory.c', {
        oldStart: 1842,
        section: 'static unsigned long zap_pte_range(struct mmu_gather *tlb,',
        lines: [' \tflush_tlb_batched_pending(mm);', '-\tarch_enter_lazy_mmu_mode();', '+\tlazy_mmu_mode_enable();', ' \tdo {'],
      }),
    },
    {
      name: 'old leave/enter idiom becomes pause/resume',
      diff: fileDiff(
        'mm/kasan/shadow.c',
        { oldStart: 305, section: 'static int kasan_populate_vmalloc_pte(pte_t *ptep, unsigned long addr,', lines: [' \tint index;', ' ', '-\tarch_leave_lazy_mmu_mode();', '+\tlazy_mmu_mode_pause();', ' '] },
        { oldStart: 319, section: 'static int kasan_populate_vmalloc_pte(pte_t *ptep, unsigned long addr,', lines: [' \tspin_unlock(&init_mm.page_table_lock);', ' ', '-\tarch_enter_lazy_mmu_mode();', '+\tlazy_mmu_mode_resume();', ' '] },
      ),
    },
    {
      name: 'a new balanced section',
      diff: fileDiff('mm/vmalloc.c', {
        oldStart: 50,
        section: VMAP,
        lines: [' \tpte = pte_offset_kernel(pmd, addr);', '+\tlazy_mmu_mode_enable();', '+\tset_pte_at(&init_mm, addr, pte, entry);', '+\tlazy_mmu_mode_disable();', ' \treturn 0;'],
      }),
    },
    {
      name: 'the generic helpers themselves',
      diff: fileDiff('include/linux/pgtable.h', {
        oldStart: 235,
        section: 'static inline int pmd_dirty(pmd_t pmd)',
        lines: [
          ' #ifdef CONFIG_ARCH_HAS_LAZY_MMU_MODE',
          '+static inline void lazy_mmu_mode_enable(void)',
          '+{',
          '+\tarch_enter_lazy_mmu_mode();',
          '+}',
          ' #endif',
        ],
      }),
    },
    {
      name: 'calls in comments and prototypes do not count',
      diff: fileDiff('mm/vmalloc.c', {
        oldStart: 10,
        section: VMAP,
        lines: [
          '+\t/* callers must lazy_mmu_mode_enable() first */',
          '+\t * and lazy_mmu_mode_enable() again',
          ' \treturn 0;',
          ' }',
          '+void lazy_helper_enable(void);',
          '+void arch_enter_lazy_mmu_mode(void);',
        ],
      }),
    },
    {
      name: 'a parameterised enable counts as an enable',
      diff: fileDiff('fs/proc/task_mmu.c', {
        oldStart: 2739,
        section: 'static int pagemap_scan_pmd_entry(pmd_t *pmd, unsigned long start,',
        lines: [' \t}', '-\tarch_enter_lazy_mmu_mode();', '+\tarch_enter_lazy_mmu_mode_pte(vma->vm_mm, start, end, start_pte);', ' '],
      }),
    },
    {
      name: 'an imbalance written with a suppression',
      diff: fileDiff('arch/arm64/mm/mmu.c', {
        oldStart: 800,
        section: 'static void pgtable_split_prepare(void)',
        lines: [
          ' \tmutex_lock(&pgtable_split_lock);',
          '+\t/* ptbot: allow lazy-mmu-unbalanced: closed by pgtable_split_finish() */',
          '+\tlazy_mmu_mode_enable();',
          ' }',
        ],
      }),
    },
    {
      name: 'Xen context-switch code is on the allowlist',
      diff: fileDiff('arch/x86/xen/enlighten_pv.c', {
        oldStart: 420,
        section: 'static void xen_start_context_switch(struct task_struct *prev)',
        lines: [' \tif (this_cpu_read(xen_lazy_mode) == XEN_LAZY_MMU) {', '+\t\tarch_leave_lazy_mmu_mode();', ' \t}'],
      }),
    },
    {
      name: 'an early return that disables first',
      diff: fileDiff('mm/vmalloc.c', {
        oldStart: 60,
        section: VMAP,
        lines: [
          '+\tlazy_mmu_mode_enable();',
          '+\tfor (; addr < end; addr += PAGE_SIZE) {',
          '+\t\tif (!pte_present(ptep_get(pte))) {',
          '+\t\t\tlazy_mmu_mode_disable();',
          '+\t\t\treturn -EINVAL;',
          '+\t\t}',
          '+\t\tif (pte_none(ptep_get(pte))) { lazy_mmu_mode_disable(); return -ENOENT; }',
          '+\t\tset_pte_at(&init_mm, addr, pte, entry);',
          '+\t}',
          '+\tlazy_mmu_mode_disable();',
        ],
      }),
    },
    {
      name: 'goto to a label that disables',
      diff: fileDiff('arch/powerpc/mm/book3s64/hash_tlb.c', {
        oldStart: 237,
        section: 'void flush_hash_table_pmd_range(struct mm_struct *mm, pmd_t *pmd, unsigned long addr)',
        lines: [
          ' \tlazy_mmu_mode_enable();',
          ' \tstart_pte = pte_offset_map(pmd, addr);',
          '+\tif (!start_pte)',
          '+\t\tgoto out;',
          ' \tpte_unmap(start_pte);',
          ' out:',
          ' \tlazy_mmu_mode_disable();',
        ],
      }),
    },
  ],
  invalid: [
    {
      name: 'HAZARDS R01 in a whole new function: return -EBUSY leaves the section open (error: whole function)',
      diff: fileDiff('mm/vmalloc.c', { oldStart: 90, lines: WHOLE_EARLY_RETURN }),
      errors: [
        {
          message:
            'lazy MMU section left open: vmap_range_noflush_pte() can leave by line 95 with the lazy MMU section that lazy_mmu_mode_enable() opened on line 92 still open',
          file: 'mm/vmalloc.c',
          line: 95,
          severity: 'error',
        },
      ],
    },
    {
      name: 'a whole pte_fn_t callback that disables its caller\'s section instead of pausing',
      diff: fileDiff('mm/kasan/shadow.c', {
        oldStart: 300,
        lines: added([
          'static int kasan_populate_vmalloc_pte(pte_t *ptep, unsigned long addr, void *unused)',
          '{',
          '\tlazy_mmu_mode_disable();',
          '\tspin_lock(&init_mm.page_table_lock);',
          '\tif (likely(pte_none(ptep_get(ptep))))',
          '\t\tset_pte_at(&init_mm, addr, ptep, pte);',
          '\tspin_unlock(&init_mm.page_table_lock);',
          '\treturn 0;',
          '}',
        ]),
      }),
      errors: [
        {
          message:
            "caller's lazy MMU section closed: kasan_populate_vmalloc_pte() runs inside its caller's lazy MMU section (a pte_fn_t callback of apply_to_page_range()) and returns here with it closed",
          file: 'mm/kasan/shadow.c',
          line: 307,
          severity: 'error',
        },
      ],
    },
    {
      name: 'HAZARDS R01: return -EINVAL leaves the section open',
      diff: fileDiff('mm/vmalloc.c', {
        oldStart: 60,
        section: VMAP,
        lines: [
          ' \tpte = pte_offset_kernel(pmd, addr);',
          '+\tlazy_mmu_mode_enable();',
          '+\tfor (; addr < end; addr += PAGE_SIZE) {',
          '+\t\tif (!pte_present(ptep_get(pte)))',
          '+\t\t\treturn -EINVAL;',
          '+\t\tset_pte_at(&init_mm, addr, pte, entry);',
          '+\t}',
          '+\tlazy_mmu_mode_disable();',
          ' \treturn 0;',
        ],
      }),
      errors: [
        {
          message:
            'return inside a lazy MMU section: vmap_pte_range() returns here after lazy_mmu_mode_enable() without reaching the lazy_mmu_mode_disable() on line 67',
          file: 'mm/vmalloc.c',
          line: 64,
        },
      ],
    },
    {
      name: 'a return added inside a pause',
      diff: fileDiff('mm/kasan/shadow.c', {
        oldStart: 305,
        section: 'static int kasan_populate_vmalloc_pte(pte_t *ptep, unsigned long addr,',
        lines: [
          ' \tlazy_mmu_mode_pause();',
          ' \tspin_lock(&init_mm.page_table_lock);',
          '+\tif (likely(!pte_none(ptep_get(ptep)))) {',
          '+\t\tspin_unlock(&init_mm.page_table_lock);',
          '+\t\treturn 0;',
          '+\t}',
          ' \tspin_unlock(&init_mm.page_table_lock);',
          ' \tlazy_mmu_mode_resume();',
        ],
      }),
      errors: [
        {
          message:
            'return inside a lazy MMU section: kasan_populate_vmalloc_pte() returns here after lazy_mmu_mode_pause() without reaching the lazy_mmu_mode_resume() on line 312',
          file: 'mm/kasan/shadow.c',
          line: 309,
        },
      ],
    },
    {
      name: 'leave converted to enable (the fixtures/patch variant in small)',
      diff: fileDiff(
        'mm/vmalloc.c',
        { oldStart: 108, section: VMAP, lines: [' \t\treturn -ENOMEM;', '-\tarch_enter_lazy_mmu_mode();', '+\tlazy_mmu_mode_enable();', ' '] },
        { oldStart: 134, section: VMAP, lines: [' \t} while (pte++, addr != end);', '-\tarch_leave_lazy_mmu_mode();', '+\tlazy_mmu_mode_enable();', ' \treturn 0;'] },
      ),
      errors: [
        {
          message:
            'lazy MMU section left open: this patch leaves 2 lazy MMU enable(s) in vmap_pte_range() without a matching disable',
          file: 'mm/vmalloc.c',
          line: 135,
          function: 'vmap_pte_range',
          // Hunk fragments only: one severity lower than the rule's error.
          severity: 'warning',
        },
      ],
    },
    {
      name: 'the disable is removed',
      diff: fileDiff('mm/mprotect.c', {
        oldStart: 379,
        section: 'static long change_pte_range(struct mmu_gather *tlb,',
        lines: [' \t} while (pte += nr_ptes, addr != end);', '-\tarch_leave_lazy_mmu_mode();', ' \tpte_unmap_unlock(pte - 1, ptl);'],
      }),
      errors: [
        {
          message:
            'lazy MMU section left open: this patch leaves 1 lazy MMU enable(s) in change_pte_range() without a matching disable',
          file: 'mm/mprotect.c',
          line: 380,
        },
      ],
    },
    {
      name: 'a new section that is never closed',
      diff: fileDiff('mm/vmalloc.c', {
        oldStart: 50,
        section: VMAP,
        lines: [' \tpte = pte_offset_kernel(pmd, addr);', '+\tlazy_mmu_mode_enable();', '+\tset_pte_at(&init_mm, addr, pte, entry);', ' \treturn 0;'],
      }),
      errors: [
        {
          message:
            'lazy MMU section left open: this patch leaves 1 lazy MMU enable(s) in vmap_pte_range() without a matching disable',
          file: 'mm/vmalloc.c',
          line: 51,
        },
      ],
    },
    {
      name: 'a callback that disables the section its caller opened',
      diff: fileDiff('mm/kasan/shadow.c', {
        oldStart: 305,
        section: 'static int kasan_populate_vmalloc_pte(pte_t *ptep, unsigned long addr,',
        lines: [' \tint index;', ' ', '-\tlazy_mmu_mode_pause();', '+\tlazy_mmu_mode_disable();', ' '],
      }),
      errors: [
        {
          message:
            'lazy MMU section closed without being opened: this patch leaves 1 lazy MMU disable(s) in kasan_populate_vmalloc_pte() without a matching enable',
          file: 'mm/kasan/shadow.c',
          line: 307,
        },
        {
          message:
            'lazy MMU resume without pause: this patch leaves 1 lazy_mmu_mode_resume() call(s) in kasan_populate_vmalloc_pte() without a matching pause',
          file: 'mm/kasan/shadow.c',
          line: 307,
        },
      ],
    },
    {
      name: 'a pause whose resume became an enable',
      diff: fileDiff('mm/kasan/shadow.c', {
        oldStart: 471,
        section: 'static int kasan_depopulate_vmalloc_pte(pte_t *ptep, unsigned long addr,',
        lines: ['+\tlazy_mmu_mode_pause();', ' \tspin_lock(&init_mm.page_table_lock);', ' \tspin_unlock(&init_mm.page_table_lock);', '+\tlazy_mmu_mode_enable();', ' \treturn 0;'],
      }),
      errors: [
        {
          message:
            'lazy MMU section left open: this patch leaves 1 lazy MMU enable(s) in kasan_depopulate_vmalloc_pte() without a matching disable',
          file: 'mm/kasan/shadow.c',
          line: 474,
        },
        {
          message:
            'lazy MMU pause without resume: this patch leaves 1 lazy_mmu_mode_pause() call(s) in kasan_depopulate_vmalloc_pte() without a matching resume',
          file: 'mm/kasan/shadow.c',
          line: 471,
        },
      ],
    },
  ],
});
