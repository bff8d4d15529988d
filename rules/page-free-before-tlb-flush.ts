// R13: a data page goes back to the allocator (or loses its rmap, or has its
// dirty bit transferred) while another CPU may still write it through a
// stale TLB entry. Three shapes, each on the C front end:
// - a PTE clear, then a put/free/rmap removal of the page it mapped, with
//   no flush on some path in between (ordered events, P6);
// - a flush that ran under the PTL now runs after the PTL is dropped, in
//   code that clears PTEs of pages it does not own (eb66ae030829, mremap);
// - memory made RO/ROX by set_memory_*() vfree()d with no reset and no
//   VM_FLUSH_RESET_PERMS: vfree() flushes lazily (868b104d7379).
import {
  defineRule,
  introducedBy,
  lineText,
  removedCalls,
  reportOn,
  sameHunk,
  withScenario,
  type CCall,
  type ImageFunction,
  type OrderedEventSpec,
  type PatchUnderReview,
  type RuleReport,
  type TouchedFunction,
  PAGE_RELEASES,
  PTE_CLEARS,
} from '../src/analysis/rule-api.ts';
import { introducedInFunction } from '../src/analysis/moved-code.ts';
import { argumentDerived, derivedVariables, identifiersOf } from '../src/analysis/value-derivation.ts';

// B: the TLB flush that makes the cleared entry unreachable everywhere
// (set_tlb_ubc_flush_pending(): reclaim's batch flushes before it frees).
const FLUSH =
  /^(__?flush_tlb\w*|local_flush_tlb\w*|flush_tlb_\w+|ptep_clear_flush\w*|huge_ptep_clear_flush|tlb_flush_mmu\w*|tlb_finish_mmu|vm_unmap_aliases|_vm_unmap_aliases|flush_tlb_batched_pending|set_tlb_ubc_flush_pending|try_to_unmap_flush\w*)$/;
// A (PTE_CLEARS) and C (PAGE_RELEASES: the page reaches the allocator, loses
// its rmap, or its dirty bit moves on) are the shared callee tables of src/c.
// The mmu_gather owns the page until its flush: releases through it are deferred.
const GATHER = /^(tlb_remove_page\w*|__tlb_remove_page\w*|tlb_remove_folio\w*|__tlb_remove_folio\w*|tlb_gather_mmu\w*)$/;

const usesGather = (image: ImageFunction): boolean => image.analysis.calls.some((c) => GATHER.test(c.callee));

/** The argument of a release that names the page (set_page_dirty(page), folio_put(folio), free_page(addr)). */
const RELEASED_ARG = 0;

/** Seeds of what a clear is about: the value it returns and the pte pointer it cleared. */
function seedsOf(clear: CCall): string[] {
  const ptep = clear.args.at(-1) ?? '';
  return [...(clear.assignedTo ? [clear.assignedTo] : []), ...identifiersOf(ptep).filter((v) => !/^(mm|vma|addr|address|tlb|full|nr)$/.test(v))];
}

function clearThenRelease(image: ImageFunction): OrderedEventSpec {
  const derived = new Map<CCall, Set<string>>();
  const of = (clear: CCall): Set<string> => {
    let d = derived.get(clear);
    if (!d) derived.set(clear, (d = derivedVariables(image.analysis, seedsOf(clear))));
    return d;
  };
  const assigned = new Set(
    image.analysis.cfg.nodes.flatMap((n) =>
      n.events.flatMap((e) => (e.kind === 'assign' ? [e.target] : e.kind === 'call' && e.call.assignedTo ? [e.call.assignedTo] : [])),
    ),
  );
  return {
    first: (c) => PTE_CLEARS.has(c.callee),
    between: (c) => FLUSH.test(c.callee),
    // Only the page the cleared pte mapped: one that cannot be traced (no
    // variable, or one set outside the hunks) is taken to be it.
    last: (c, clear) => {
      if (!PAGE_RELEASES.has(c.callee)) return false;
      const names = identifiersOf(c.args[RELEASED_ARG] ?? '');
      if (!names.some((v) => assigned.has(v))) return true;
      return argumentDerived(c, RELEASED_ARG, of(clear));
    },
  };
}

/**
 * The race as a litmus test (herd's vmsa model, arm64): the pte is cleared
 * and the page reused with no TLBI in between, while another CPU reads
 * through the old translation. The same test stands for a flush moved past
 * the unlock: the page's owner may reuse it before the TLBI.
 */
const withStaleTlbScenario = (r: RuleReport, patch: PatchUnderReview): RuleReport =>
  withScenario(r, patch, { template: 'tlbi-free', facts: { dsbBeforeTlbi: false, tlbi: false, dsbAfterTlbi: false } });

function releaseReports(fn: TouchedFunction, fns: readonly TouchedFunction[]): RuleReport[] {
  const found = introducedInFunction(
    fn,
    fns,
    (f, image) => (usesGather(image) ? [] : image.analysis.order(clearThenRelease(image)).filter((v) => sameHunk(f, image, v.first.line, v.last.line))),
    // Keyed by what was cleared, not by which clear helper: pte_clear() →
    // ptep_clear() (Hugh Dickins 2023) keeps an old, documented order the same.
    (v, image) => `${v.first.args.join(',')}\0${lineText(image, v.last.line)}`,
  );
  const removed = removedCalls(fn, FLUSH).map((s) => s.line);
  return found.flatMap(({ item: v, image }) => {
    const r = reportOn(fn, image, {
      messageId: 'releasedBeforeFlush',
      data: { release: v.last.callee, clear: v.first.callee, clearLine: v.first.line },
      line: v.last.line,
      lines: [v.first.line],
      extra: removed.filter((l) => l.anchorLine >= v.first.line && l.anchorLine <= v.last.line),
      suggestion: 'flush first (ptep_clear_flush(), or flush_tlb_range() before the unlock and the put), or hand the page to the mmu_gather with tlb_remove_folio()/tlb_remove_page() and let tlb_finish_mmu() flush',
    });
    return r ? [r] : [];
  });
}

// The PTL given back: after it, another thread may free the page the stale TLB entry still reaches.
const PTL_RELEASE = /^(pte_unmap_unlock|spin_unlock)$/;
const isPtlRelease = (c: CCall): boolean =>
  c.callee === 'pte_unmap_unlock' || (PTL_RELEASE.test(c.callee) && /ptl|page_table_lock/.test(c.args[0] ?? ''));
const FLUSH_AFTER_UNLOCK: OrderedEventSpec = {
  first: isPtlRelease,
  between: () => false,
  last: (c) => FLUSH.test(c.callee),
};

function movedFlushReports(fn: TouchedFunction): RuleReport[] {
  const post = fn.post;
  const pre = fn.pre;
  // Only code that clears PTEs of pages it does not own (no mmu_gather), and
  // only a flush the pre-image ran under the PTL.
  if (!post || !pre || usesGather(post) || !post.analysis.calls.some((c) => PTE_CLEARS.has(c.callee))) return [];
  const underPtl = new Set(
    pre.analysis.calls
      .filter((c) => FLUSH.test(c.callee) && pre.analysis.calls.some((u) => isPtlRelease(u) && u.line > c.line))
      .map((c) => c.text),
  );
  if (underPtl.size === 0) return [];
  const found = introducedBy(
    fn,
    (image) => image.analysis.order(FLUSH_AFTER_UNLOCK).filter((v) => underPtl.has(v.last.text) && sameHunk(fn, image, v.first.line, v.last.line)),
    (v, image) => lineText(image, v.last.line),
  );
  const out = removedFlushReports(fn, pre, post, underPtl);
  return out.concat(found.flatMap(({ item: v, image }) => {
    const r = reportOn(fn, image, {
      messageId: 'flushAfterUnlock',
      data: { flush: v.last.callee, unlock: v.first.callee, unlockLine: v.first.line },
      line: v.last.line,
      lines: [v.first.line],
      suggestion: 'keep the flush before the PTL is dropped: once it is, the page may be freed by its owner while this CPU or another still has the old translation',
    });
    return r ? [r] : [];
  }));
}

/** The flush under the PTL is gone altogether (left to a caller that runs after the unlock: the pre-5d1904204c99 mremap). */
function removedFlushReports(fn: TouchedFunction, pre: ImageFunction, post: ImageFunction, underPtl: ReadonlySet<string>): RuleReport[] {
  // A release of the page in the function is releasedBeforeFlush's to report, with the removed flush quoted.
  if (post.analysis.calls.some((c) => PAGE_RELEASES.has(c.callee))) return [];
  const kept = new Set(post.analysis.calls.filter((c) => FLUSH.test(c.callee)).map((c) => c.callee));
  return pre.analysis.calls
    .filter((c) => underPtl.has(c.text) && !kept.has(c.callee) && pre.lineAt(c.line)?.kind === 'removed')
    .flatMap((c) => {
      const r = reportOn(fn, pre, {
        messageId: 'flushRemoved',
        data: { flush: c.callee },
        line: c.line,
        suggestion: 'keep the flush before the PTL is dropped (eb66ae030829): a flush left to the caller runs after the unlock',
      });
      return r ? [r] : [];
    });
}

// set_memory_ro/rox/x make the memory special; vfree() would hand it back with stale RO/X aliases.
const PERMS_CHANGE = /^set_memory_(ro|rox|x)$/;
const PERMS_RESET = /^(set_memory_(rw|nx)|set_vm_flush_reset_perms|set_direct_map_default_noflush|vm_unmap_aliases|_vm_unmap_aliases|flush_tlb_kernel_range)$/;
const VFREE = /^(vfree|vfree_atomic|vunmap|module_memfree|execmem_free)$/;
const PERMS_THEN_VFREE: OrderedEventSpec = {
  first: (c) => PERMS_CHANGE.test(c.callee),
  between: (c) => PERMS_RESET.test(c.callee),
  last: (c, changed) => VFREE.test(c.callee) && sharesVariable(c, changed),
};

function sharesVariable(free: CCall, changed: CCall): boolean {
  const addr = new Set(identifiersOf(changed.args[0] ?? '').filter((v) => !/^(unsigned|long|void|PAGE_SIZE)$/.test(v)));
  return identifiersOf(free.args[0] ?? '').some((v) => addr.has(v)) || addr.size === 0;
}

function permsReports(fn: TouchedFunction, fns: readonly TouchedFunction[]): RuleReport[] {
  const found = introducedInFunction(
    fn,
    fns,
    (f, image) =>
      image.lines.some((l) => /\bVM_FLUSH_RESET_PERMS\b/.test(l.text))
        ? []
        : image.analysis.order(PERMS_THEN_VFREE).filter((v) => sameHunk(f, image, v.first.line, v.last.line)),
    (v, image) => `${lineText(image, v.first.line)}\0${lineText(image, v.last.line)}`,
  );
  return found.flatMap(({ item: v, image }) => {
    const r = reportOn(fn, image, {
      messageId: 'specialPermsVfree',
      data: { free: v.last.callee, change: v.first.callee, changeLine: v.first.line },
      line: v.last.line,
      lines: [v.first.line],
      suggestion: 'allocate with VM_FLUSH_RESET_PERMS (or call set_vm_flush_reset_perms()) so vfree() resets the direct map and flushes before the pages are freed, or set_memory_rw()/nx() before the free',
    });
    return r ? [r] : [];
  });
}

export default defineRule({
  meta: {
    id: 'page-free-before-tlb-flush',
    title: 'data page freed, unmapped from rmap or made clean before the TLB flush',
    severity: 'error',
    hazardClass: 'tlb-invalidate',
    contract:
      'After a PTE is cleared, other CPUs may keep using the old translation until the TLB flush completes. The page ' +
      'must not reach the allocator, lose its rmap or have its dirty bit transferred before that flush: flush first ' +
      '(ptep_clear_flush(), flush_tlb_range() before dropping the PTL when the page is not owned, as in mremap), or ' +
      'give the page to the mmu_gather (tlb_remove_folio()/tlb_remove_page()) and let tlb_finish_mmu() flush. vfree() ' +
      'flushes lazily, so memory made RO/ROX with set_memory_ro()/rox() needs VM_FLUSH_RESET_PERMS or a reset before it.',
    arches: ['all', 'x86', 'arm64', 'powerpc', 'riscv', 's390'],
    references: [
      {
        title: 'Jann Horn, mremap: properly flush TLB before releasing the page (eb66ae030829, CVE-2018-18281)',
        url: 'https://git.kernel.org/torvalds/c/eb66ae030829',
      },
      {
        title: 'Linus Torvalds, mm: delay page_remove_rmap() until after the TLB has been flushed (5df397dec7c4)',
        url: 'https://git.kernel.org/torvalds/c/5df397dec7c4',
      },
      {
        title: 'Rick Edgecombe, mm/vmalloc: Add flag for freeing of special permsissions (868b104d7379)',
        url: 'https://git.kernel.org/torvalds/c/868b104d7379',
      },
    ],
    docs: 'rules/page-free-before-tlb-flush.md',
    allowlist: [
      {
        file: 'mm/kasan/*.c',
        function: 'kasan_depopulate_vmalloc_pte',
        reason: 'the shadow range is unused (free_vmap_area_lock); kasan_release_vmalloc() flushes after the walk',
      },
    ],
    messages: {
      releasedBeforeFlush:
        '{{release}}() runs on the page whose pte {{clear}}() cleared on line {{clearLine}} before any TLB flush: ' +
        'another CPU can still write it through a stale TLB entry after it is freed or reused (all architectures; ' +
        'x86 and arm64 flush only on request, CVE-2018-18281 shape)',
      flushAfterUnlock:
        '{{flush}}() now runs after {{unlock}}() on line {{unlockLine}} drops the page-table lock: until it runs, a stale ' +
        'TLB entry still reaches pages whose owner may free them meanwhile (eb66ae030829 mremap, 60bae7370896 migrate_device; all architectures)',
      flushRemoved:
        'the {{flush}}() that ran before the page-table lock was dropped is removed: PTEs of pages this code does not own ' +
        'are cleared, and until a later flush a stale TLB entry still reaches pages their owner may free (mremap, ' +
        'CVE-2018-18281; all architectures)',
      specialPermsVfree:
        '{{free}}() frees memory made read-only/executable by {{change}}() on line {{changeLine}} with no ' +
        'VM_FLUSH_RESET_PERMS and no reset: vfree() flushes lazily, so stale RO/X aliases outlive the free ' +
        '(x86, arm64, riscv, powerpc, s390 with set_memory)',
    },
  },
  check(context) {
    const fns = context.functions();
    return fns.flatMap((fn) => [
      ...[...releaseReports(fn, fns), ...movedFlushReports(fn)].map((r) => withStaleTlbScenario(r, context.patch)),
      ...permsReports(fn, fns),
    ]);
  },
});
