// Valid and invalid diffs for rules/lazy-mmu-arch-percpu-state.ts (R05),
// from the arch bugs of the lore corpus: powerpc set_ptes() (9fee28baa601,
// fixed by "Avoid calling arch_enter/leave_lazy_mmu() in set_ptes"), arm64's
// non-nesting enter (5fdd05efa1cd, fixed by 1ef3095b1405), sparc's per-CPU
// batch (a1d416bf9faf).
import rule from '../../rules/lazy-mmu-arch-percpu-state.ts';
import { fileDiff, ruleTester } from '../../src/analysis/rule-tester.ts';

const plus = (lines: string[]): string[] => lines.map((l) => `+${l}`);

const setPtes = (withLazy: boolean): string[] =>
  plus([
    'void set_ptes(struct mm_struct *mm, unsigned long addr, pte_t *ptep,',
    '\t\tpte_t pte, unsigned int nr)',
    '{',
    '\tpte = set_pte_filter(pte);',
    ...(withLazy ? ['\tarch_enter_lazy_mmu_mode();'] : []),
    '\tfor (;;) {',
    '\t\t__set_pte_at(mm, addr, ptep, pte, 0);',
    '\t\tif (--nr == 0)',
    '\t\t\tbreak;',
    '\t\tptep++;',
    '\t\taddr += PAGE_SIZE;',
    '\t}',
    ...(withLazy ? ['\tarch_leave_lazy_mmu_mode();'] : []),
    '}',
  ]);

const arm64Enter = (body: string[]): string[] => plus(['static inline void arch_enter_lazy_mmu_mode(void)', '{', ...body, '}']);

ruleTester(rule, {
  valid: [
    {
      name: 'powerpc fix: set_ptes() without enter/leave',
      diff: fileDiff('arch/powerpc/mm/pgtable.c', { oldStart: 190, lines: setPtes(false) }),
    },
    {
      name: '1ef3095b1405: arm64 enter tolerates nesting',
      diff: fileDiff('arch/arm64/include/asm/pgtable.h', { oldStart: 83, lines: arm64Enter(['\tif (in_interrupt())', '\t\treturn;', '', '\tset_thread_flag(TIF_LAZY_MMU);']) }),
    },
    {
      name: 'a1d416bf9faf: sparc takes the per-CPU batch with preemption off',
      diff: fileDiff('arch/sparc/mm/tlb.c', {
        oldStart: 52,
        lines: plus(['void arch_enter_lazy_mmu_mode(void)', '{', '\tstruct tlb_batch *tb;', '', '\tpreempt_disable();', '\ttb = this_cpu_ptr(&tlb_batch);', '\ttb->active = 1;', '}']),
      }),
    },
  ],
  invalid: [
    {
      name: '9fee28baa601: powerpc set_ptes() enters and leaves lazy MMU mode itself',
      diff: fileDiff('arch/powerpc/mm/pgtable.c', { oldStart: 190, lines: setPtes(true) }),
      errors: [
        {
          message:
            "set_ptes() calls arch_enter_lazy_mmu_mode() itself: set_ptes()/set_pte_at() run inside callers' lazy MMU sections, so this nests a section and its leave ends the caller's batching early",
          file: 'arch/powerpc/mm/pgtable.c',
          line: 194,
          severity: 'error',
        },
        {
          message:
            "set_ptes() calls arch_leave_lazy_mmu_mode() itself: set_ptes()/set_pte_at() run inside callers' lazy MMU sections, so this nests a section and its leave ends the caller's batching early",
          file: 'arch/powerpc/mm/pgtable.c',
          line: 202,
          severity: 'error',
        },
      ],
    },
    {
      name: '5fdd05efa1cd: arm64 enter warns when nested (DEBUG_PAGEALLOC hit it)',
      diff: fileDiff('arch/arm64/include/asm/pgtable.h', {
        oldStart: 83,
        lines: arm64Enter(['\tif (in_interrupt())', '\t\treturn;', '', '\tVM_WARN_ON(test_thread_flag(TIF_LAZY_MMU));', '', '\tset_thread_flag(TIF_LAZY_MMU);']),
      }),
      errors: [
        {
          message:
            'arch_enter_lazy_mmu_mode() warns when already in lazy MMU mode (VM_WARN_ON), but sections nest in practice: with DEBUG_PAGEALLOC a page allocation inside zap_pte_range() re-enters through apply_to_page_range()',
          file: 'arch/arm64/include/asm/pgtable.h',
          line: 88,
          severity: 'error',
        },
      ],
    },
    {
      name: 'sparc before a1d416bf9faf: per-CPU batch with preemption enabled',
      diff: fileDiff('arch/sparc/mm/tlb.c', {
        oldStart: 52,
        lines: plus(['void arch_enter_lazy_mmu_mode(void)', '{', '\tstruct tlb_batch *tb = this_cpu_ptr(&tlb_batch);', '', '\ttb->active = 1;', '}']),
      }),
      errors: [
        {
          message:
            "arch_enter_lazy_mmu_mode() takes per-CPU state with this_cpu_ptr() without disabling preemption: no lock is held in a lazy MMU section, so the task can migrate and flush another CPU's batch",
          file: 'arch/sparc/mm/tlb.c',
          line: 54,
          severity: 'error',
        },
      ],
    },
  ],
});
