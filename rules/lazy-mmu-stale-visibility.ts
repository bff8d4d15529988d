// R04: inside a lazy MMU section an architecture may defer the PTE store
// itself (s390's lazy MMU, Xen PV's hypercall batch), so a store made under
// a spinlock may still be pending when the lock is dropped: the next CPU to
// take the lock reads the stale empty entry and maps a second page (the KASAN
// shadow populate/depopulate callbacks, which share shadow PTEs between
// vmalloc areas). The patch must not add such a locked read-modify-write in
// a section, nor remove the pause/resume that kept it out of one.
import {
  defineRule,
  introducedBy,
  lineText,
  removedCalls,
  reportOn,
  withScenario,
  type CCall,
  type ImageFunction,
  type PatchUnderReview,
  type RuleReport,
  type TouchedFunction,
} from '../src/analysis/rule-api.ts';

/**
 * Two CPUs running the same locked populate in lazy MMU mode on an
 * architecture that defers the store (s390, Xen PV): the race the
 * finding describes, as the lazy-MMU template's test.
 */
const LAZY_CPU = { inLazyMode: true, pausedAroundUpdate: false } as const;

/** PTE stores whose effect another CPU reads back under the same lock. */
const PTE_WRITES = /^(set_pte_at|set_pte|set_ptes|__set_pte_at|pte_clear|ptep_get_and_clear|ptep_clear|set_huge_pte_at)$/;

/** The PTE writes of an image made in a lazy MMU section while a spinlock is held. */
function lockedWritesInSection(image: ImageFunction): CCall[] {
  const { regions } = image.analysis;
  return regions.sites
    .map((s) => s.call)
    .filter((c) => PTE_WRITES.test(c.callee))
    .filter((c) => regions.callInside(c, 'lazy-mmu-section', 'some'))
    .filter((c) => holdsSpinlock(image, c));
}

/** A spinlock (the PTL, init_mm.page_table_lock, or another) held at the write. */
function holdsSpinlock(image: ImageFunction, call: CCall): boolean {
  const site = image.analysis.regions.sites.find((s) => s.call === call);
  return site !== undefined && site.states.some((st) => st.holds.some((h) => (h.resource === 'ptl' || h.resource === 'spinlock') && h.callee.startsWith('spin_')));
}

/** Kasan, vmalloc and set_memory paths share kernel PTEs between concurrent users: an error there (HAZARDS R04). */
const SHARED_KERNEL_PTES = /^(mm\/kasan\/|mm\/vmalloc\.c$|arch\/[^/]+\/mm\/(pageattr|pat\/set_memory)\.c$)/;

function reports(fn: TouchedFunction, patch: PatchUnderReview): RuleReport[] {
  const found = introducedBy(fn, lockedWritesInSection, (c, image) => lineText(image, c.line));
  const removed = removedCalls(fn, ['lazy_mmu_mode_pause', 'lazy_mmu_mode_resume', 'arch_leave_lazy_mmu_mode', 'arch_enter_lazy_mmu_mode', 'arch_flush_lazy_mmu_mode']).map((s) => s.line);
  return found.flatMap(({ item: c, image }) => {
    const callback = (image.entry['lazy-mmu'] ?? 0) > 0;
    const r = reportOn(fn, image, {
      messageId: removed.length > 0 ? 'pauseRemoved' : callback ? 'lockedWriteInCallback' : 'lockedWriteInSection',
      data: { write: c.callee, function: fn.name ?? 'file scope' },
      line: c.line,
      extra: removed,
      suggestion: 'lazy_mmu_mode_pause() before taking the lock and lazy_mmu_mode_resume() after dropping it (formerly arch_leave/arch_enter_lazy_mmu_mode())',
    });
    if (!r) return [];
    if (!SHARED_KERNEL_PTES.test(fn.file)) r.severity = 'warning';
    return [withScenario(r, patch, { template: 'lazy-mmu-populate', facts: { defersPteStore: true, cpus: [LAZY_CPU, LAZY_CPU] } })];
  });
}

export default defineRule({
  meta: {
    id: 'lazy-mmu-stale-visibility',
    title: 'PTE store under a lock inside a lazy MMU section may be invisible at unlock',
    severity: 'error',
    hazardClass: 'lazy-mmu',
    contract:
      'While lazy MMU mode is active PTE updates may be deferred until the mode is left or flushed (s390 lazy MMU, Xen PV ' +
      'hypercall batching; arm64 defers only its barriers). Another CPU synchronising through a spinlock taken around the ' +
      'store does not see it at spin_unlock() unless the section is paused or flushed: a locked read-modify-write of a ' +
      'shared PTE inside a section (an apply_to_page_range() callback runs in one) must be wrapped in ' +
      'lazy_mmu_mode_pause()/lazy_mmu_mode_resume().',
    arches: ['s390', 'x86 (Xen PV)', 'powerpc (hash)', 'sparc64'],
    references: [
      {
        title: 'Alexander Gordeev, [PATCH 2/2] mm/kasan: avoid lazy MMU mode hazards',
        url: 'https://lore.kernel.org/all/0d2efb7ddddbff6b288fbffeeb10166e90771718.1755528662.git.agordeev@linux.ibm.com/',
      },
      {
        title: 'Alexander Gordeev, mm/kasan: fix vmalloc shadow memory (de-)population races (cover letter)',
        url: 'https://lore.kernel.org/all/cover.1755528662.git.agordeev@linux.ibm.com/',
      },
      {
        title: 'Kevin Brodsky, Nesting support for lazy MMU mode, v5 (pause/resume)',
        url: 'https://lore.kernel.org/all/20251124132228.622678-1-kevin.brodsky@arm.com/',
      },
    ],
    docs: 'rules/lazy-mmu-stale-visibility.md',
    messages: {
      lockedWriteInCallback:
        '{{write}}() under a spinlock in {{function}}(), a pte_fn_t callback that apply_to_page_range() runs in lazy MMU mode: the store may still be deferred when the lock is dropped, so the next CPU to take it can read the entry as empty',
      lockedWriteInSection:
        '{{write}}() under a spinlock inside a lazy MMU section in {{function}}(): the store may still be deferred when the lock is dropped, so the next CPU to take it can read the entry as empty',
      pauseRemoved:
        'this patch removes the lazy MMU pause around a locked {{write}}() in {{function}}(): on architectures that defer PTE stores in lazy mode the store may be invisible at unlock, and a concurrent populater maps the entry again',
    },
  },
  check(context) {
    return context.functions().flatMap((fn) => reports(fn, context.patch));
  },
});
