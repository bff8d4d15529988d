// R03: generic code may not sleep while lazy MMU mode is active ("mm:
// clarify lazy_mmu sleeping constraints"): powerpc hash, sparc64 and Xen PV
// disable preemption in arch_enter_lazy_mmu_mode(). Every apply_to_page_range()
// callback runs in a section (38e0edb15bd0), which is how a GFP_KERNEL
// allocation in the KASAN populate callback slept in atomic context.
import {
  defineRule,
  introducedBy,
  lineText,
  reportOn,
  sleepReason,
  type CCall,
  type ImageFunction,
  type RuleReport,
  type TouchedFunction,
} from '../src/analysis/rule-api.ts';

/** Calls that may sleep, inside an unpaused lazy MMU section on some path. */
function sleepersInSection(image: ImageFunction): CCall[] {
  return image.analysis.regions.callsInside('lazy-mmu-section', 'some').filter((c) => sleepReason(c) !== undefined);
}

function reports(fn: TouchedFunction): RuleReport[] {
  return introducedBy(fn, sleepersInSection, (c, image) => lineText(image, c.line)).flatMap(({ item: c, image }) => {
    const callback = (image.entry['lazy-mmu'] ?? 0) > 0;
    const r = reportOn(fn, image, {
      messageId: callback ? 'sleepInCallback' : 'sleepInSection',
      data: { reason: sleepReason(c) ?? `${c.callee}() may sleep`, function: fn.name ?? 'file scope' },
      line: c.line,
      suggestion: callback
        ? 'allocate before the walk (bulk-allocate into an array passed through data, as b6ea95a34cbd does), or use GFP_ATOMIC/GFP_NOWAIT'
        : 'move the sleeping call before lazy_mmu_mode_enable() or after lazy_mmu_mode_disable(), or pause the section around it',
    });
    return r ? [r] : [];
  });
}

export default defineRule({
  meta: {
    id: 'lazy-mmu-sleep-in-section',
    title: 'possible sleep while lazy MMU mode is active',
    severity: 'error',
    hazardClass: 'lazy-mmu',
    contract:
      'Generic code may not sleep while lazy MMU mode is active: powerpc (hash), sparc64 and Xen PV disable preemption ' +
      'in arch_enter_lazy_mmu_mode(). This covers every apply_to_page_range()/apply_to_existing_page_range() callback, ' +
      'which runs inside a section. GFP_KERNEL allocations, mutexes, mmap locks, cond_resched(), static_branch_*() and ' +
      'the other sleepers of HAZARDS table F are out, unless the section is paused around them.',
    arches: ['powerpc (hash)', 'sparc64', 'x86 (Xen PV)', 's390'],
    references: [
      {
        title: 'Alexander Gordeev, kasan: avoid sleepable page allocation from atomic context (b6ea95a34cbd)',
        url: 'https://lore.kernel.org/all/c61d3560297c93ed044f0b1af085610353a06a58.1747316918.git.agordeev@linux.ibm.com/',
      },
      {
        title: 'Kevin Brodsky, Nesting support for lazy MMU mode, v5 ("mm: clarify lazy_mmu sleeping constraints")',
        url: 'https://lore.kernel.org/all/20251124132228.622678-1-kevin.brodsky@arm.com/',
      },
    ],
    docs: 'rules/lazy-mmu-sleep-in-section.md',
    messages: {
      sleepInCallback:
        '{{reason}} in {{function}}(), a pte_fn_t callback that apply_to_page_range() runs in lazy MMU mode, where preemption may be disabled (powerpc hash, sparc64, Xen PV)',
      sleepInSection: '{{reason}} inside a lazy MMU section in {{function}}(), where preemption may be disabled (powerpc hash, sparc64, Xen PV)',
    },
  },
  check(context) {
    return context.functions().flatMap(reports);
  },
});
