// R05: the architecture side of lazy MMU mode. No lock is held between
// enter and leave, so per-CPU batch state needs preemption off (sparc
// a1d416bf9faf, powerpc b9ef323ea168); set_ptes()/set_pte_at() must not
// enter or leave the mode themselves (sparc eb61ad14c459, powerpc's
// "Avoid calling arch_enter/leave_lazy_mmu() in set_ptes"); and sections do
// nest in practice (DEBUG_PAGEALLOC: apply_to_page_range() inside
// zap_pte_range()), so an enter that warns on nesting fires (1ef3095b1405).
import {
  defineRule,
  introducedBy,
  lineLocal,
  lineText,
  reportOn,
  type CCall,
  type ImageFunction,
  type RelatedLocation,
  type RuleReport,
  type TouchedFunction,
} from '../src/analysis/rule-api.ts';

const SET_PTES = /^(set_ptes|set_pte_at|__set_ptes|__set_pte_at)$/;
const HOOKS = /^arch_(enter|leave|flush)_lazy_mmu_mode$/;
const PERCPU = /^(this_cpu_ptr|get_cpu_var|__this_cpu_\w+|this_cpu_\w+|raw_cpu_ptr)$/;
const PREEMPT_OFF = /^(preempt_disable|get_cpu|get_cpu_var|local_irq_save|local_irq_disable)$/;
const ASSERTS = /^(VM_WARN_ON|VM_WARN_ON_ONCE|WARN_ON|WARN_ON_ONCE|BUG_ON|VM_BUG_ON)$/;

/**
 * Per-arch facts: hook implementations whose lazy state did not nest, where
 * a set_ptes() that enters the mode inside a caller's section bites. Each
 * is quoted from the upstream fix that made it nest (line numbers of the
 * tree that fix applies to); a generic set_ptes() names them all, an arch's
 * own set_ptes() only its arch's.
 */
interface NonNestingHook extends RelatedLocation {
  /** arch/<dir>/ of the implementation. */
  arch: string;
}
const NON_NESTING_HOOKS: readonly NonNestingHook[] = [
  {
    arch: 'sparc',
    file: 'arch/sparc/mm/tlb.c',
    line: 57,
    message:
      'sparc64: arch_enter_lazy_mmu_mode() sets tb->active = 1 and arch_leave_lazy_mmu_mode() flushes and clears it whatever the depth, ' +
      'so a nested leave ends the caller\'s batch (v6.6; a counter since "sparc: Allow nesting of lazy MMU mode", 2023)',
  },
  {
    arch: 'powerpc',
    file: 'arch/powerpc/include/asm/book3s/64/tlbflush-hash.h',
    line: 41,
    message:
      'powerpc book3s64 hash: arch_enter_lazy_mmu_mode() sets batch->active = 1 and arch_leave_lazy_mmu_mode() flushes and clears it ' +
      'whatever the depth, so a nested leave ends the caller\'s batch (v6.6; a counter since "powerpc: Allow nesting of lazy MMU mode", 2023)',
  },
  {
    arch: 'arm64',
    file: 'arch/arm64/include/asm/pgtable.h',
    line: 89,
    message:
      'arm64: arch_enter_lazy_mmu_mode() warns with VM_WARN_ON(test_thread_flag(TIF_LAZY_MMU)) when nested (from 5fdd05efa1cd until ' +
      '1ef3095b1405 "arm64/mm: Permit lazy_mmu_mode to be nested", 2025)',
  },
];

/** The non-nesting hooks a set_ptes() in `file` reaches: all from generic code, its own arch's from arch code. */
function hooksReached(file: string): RelatedLocation[] {
  const arch = /^arch\/(\w+)\//.exec(file)?.[1];
  return NON_NESTING_HOOKS.filter((h) => arch === undefined || h.arch === arch).map(({ file: f, line, message }) => ({ file: f, line, message }));
}

type Problem = { kind: 'enterInSetPtes' | 'percpuWithoutPreemptOff' | 'nestingAsserted'; call: CCall };

function problems(image: ImageFunction, name: string | undefined): Problem[] {
  const calls = image.analysis.calls;
  if (SET_PTES.test(name ?? '')) return calls.filter((c) => HOOKS.test(c.callee)).map((call) => ({ kind: 'enterInSetPtes', call }));
  if (name !== 'arch_enter_lazy_mmu_mode') return [];
  const out: Problem[] = [];
  const percpu = calls.find((c) => PERCPU.test(c.callee));
  // `VM_WARN_ON_ONCE(preemptible())`: the generic layer disabled preemption (Ryan Roberts' 2025 RFC).
  const assertsPreemptOff = calls.some((c) => ASSERTS.test(c.callee) && /preemptible\(\)/.test(c.args.join(',')) || c.callee === 'lockdep_assert_preemption_disabled');
  if (percpu && !assertsPreemptOff && !calls.some((c) => PREEMPT_OFF.test(c.callee))) out.push({ kind: 'percpuWithoutPreemptOff', call: percpu });
  // `VM_WARN_ON(test_thread_flag(TIF_LAZY_MMU))`, `BUG_ON(tb->active)`: the enter refuses to nest.
  for (const c of calls.filter((x) => ASSERTS.test(x.callee) && /LAZY_MMU|->active|lazy/i.test(x.args.join(',')))) out.push({ kind: 'nestingAsserted', call: c });
  return out;
}

function reports(fn: TouchedFunction): RuleReport[] {
  if (!fn.file.startsWith('arch/') && !SET_PTES.test(fn.name ?? '')) return [];
  return introducedBy(fn, (image) => problems(image, fn.name), (p, image) => `${p.kind}|${lineText(image, p.call.line)}`).flatMap(({ item: p, image }) => {
    const r = reportOn(fn, image, {
      messageId: p.kind,
      data: { call: p.call.callee, function: fn.name ?? 'file scope' },
      line: p.call.line,
      suggestion:
        p.kind === 'enterInSetPtes'
          ? 'drop the enter/leave: callers batch with lazy_mmu_mode_enable(), and set_ptes() is used on not-present entries'
          : p.kind === 'percpuWithoutPreemptOff'
            ? 'preempt_disable() before taking the per-CPU batch and preempt_enable() after the flush in leave, or keep the state per task'
            : 'tolerate nesting (count it, or let the first leave flush), as arm64 does since 1ef3095b1405 and the generic layer does with enable_count',
    });
    if (!r) return [];
    if (p.kind === 'enterInSetPtes') {
      const related = hooksReached(fn.file);
      if (related.length > 0) r.related = related;
    }
    // A hook call inside set_ptes() and an assert on the lazy state inside enter are wrong on their own line
    // (the function is named by the hunk): nothing unseen makes them right, so they keep their severity. The
    // per-CPU check is not: a preempt_disable() may sit in lines the hunks leave out.
    return [p.kind === 'percpuWithoutPreemptOff' ? r : lineLocal(r)];
  });
}

export default defineRule({
  meta: {
    id: 'lazy-mmu-arch-percpu-state',
    title: 'arch lazy MMU implementation unsafe against preemption, nesting or set_ptes()',
    severity: 'error',
    hazardClass: 'lazy-mmu',
    contract:
      'No lock is guaranteed between arch_enter_lazy_mmu_mode() and arch_leave_lazy_mmu_mode(), so an implementation ' +
      'tolerates preemption and migration (preemption off around per-CPU batch state, or per-task state); sections nest ' +
      'in practice (DEBUG_PAGEALLOC, KFENCE), so enter must not assert it is not nested; and set_ptes()/set_pte_at() do ' +
      'not enter or leave the mode themselves: nesting and flushing belong to the callers and the generic layer.',
    arches: ['powerpc', 'sparc64', 'arm64', 'x86 (Xen PV)'],
    references: [
      {
        title: 'Aneesh Kumar K.V, [PATCH v2] powerpc/mm: Avoid calling arch_enter/leave_lazy_mmu() in set_ptes',
        url: 'https://lore.kernel.org/all/20231024143604.16749-1-aneesh.kumar@linux.ibm.com/',
      },
      {
        title: 'Ryan Roberts, [PATCH] arm64/mm: Permit lazy_mmu_mode to be nested (1ef3095b1405)',
        url: 'https://lore.kernel.org/all/20250512150333.5589-1-ryan.roberts@arm.com/',
      },
      {
        title: 'Ryan Roberts, Fix lazy mmu mode (sparc/powerpc preemption, 2025)',
        url: 'https://lore.kernel.org/all/20250302145555.3236789-1-ryan.roberts@arm.com/',
      },
    ],
    docs: 'rules/lazy-mmu-arch-percpu-state.md',
    messages: {
      enterInSetPtes:
        '{{function}}() calls {{call}}() itself: set_ptes()/set_pte_at() run inside callers\' lazy MMU sections, so this nests a section and its leave ends the caller\'s batching early',
      percpuWithoutPreemptOff:
        'arch_enter_lazy_mmu_mode() takes per-CPU state with {{call}}() without disabling preemption: no lock is held in a lazy MMU section, so the task can migrate and flush another CPU\'s batch',
      nestingAsserted:
        'arch_enter_lazy_mmu_mode() warns when already in lazy MMU mode ({{call}}), but sections nest in practice: with DEBUG_PAGEALLOC a page allocation inside zap_pte_range() re-enters through apply_to_page_range()',
    },
  },
  check(context) {
    return context.functions().flatMap(reports);
  },
});
