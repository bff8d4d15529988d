// R19: since Hugh Dickins' 2023 series, pte_offset_map() readers may run
// with no mmap or rmap lock, under rcu_read_lock() only, and rely on a
// racily removed PTE table staying valid (empty, disconnected) until their
// pte_unmap(). A user PTE table taken from a pmd (pmd_pgtable(),
// pmd_page(), pmd_ptdesc()) must therefore be freed after a grace period:
// pte_free_defer(), or the mmu_gather's pte_free_tlb() with RCU table free,
// never a direct pte_free()/pagetable_free(). GUP-fast's side of the same
// free (no tlb_remove_table_sync_one() after a collapse) is R18's
// (gupfast-unsync-table-free): where R18 reports the free, this rule does not.
import {
  defineRule,
  lineText,
  reportOn,
  withScenario,
  type CCall,
  type ImageFunction,
  type OrderedEventSpec,
  type PatchUnderReview,
  type RuleReport,
  type TouchedFunction,
} from '../src/analysis/rule-api.ts';
import { introducedInFunction } from '../src/analysis/moved-code.ts';
import { heldFromUnseenCode, MMAP_WRITE_LOCK } from '../src/analysis/unseen-acquisition.ts';
import { argumentDerived, variablesFromCalls } from '../src/analysis/value-derivation.ts';

/** Where a user PTE table comes from: the pmd that pointed to it. */
const FROM_PMD = /^(pmd_pgtable|pmd_page|pmd_ptdesc|pmd_pgtable_page)$/;
const FROM_PMD_TEXT = /\b(pmd_pgtable|pmd_page|pmd_ptdesc|pmd_pgtable_page)\s*\(/;
/** Direct frees, and the argument that names the table. */
const DIRECT_FREE: Readonly<Record<string, number>> = { pte_free: 1, pagetable_free: 0, pagetable_dtor_free: 0, __pte_free: 0 };
/** Open-coded RCU on the table's page: wrong for fragment tables (powerpc, s390), use pte_free_defer(). */
const OPEN_CODED_RCU = /^(call_rcu|kfree_rcu)$/;

/** Teardown with no walker left (the VMA is detached, mm_users is 0): HAZARDS' allowlist. */
const TEARDOWN = /^(free_pgtables|exit_mmap|free_pte_range|free_pmd_range|__mmdrop|mmput)$/;

// R18's events, to leave its findings to it.
const R18_UNLINK = /^(pmdp_collapse_flush|huge_pmd_unshare)$/;
const R18_SYNC = /^(tlb_remove_table_sync_one|tlb_remove_table|tlb_remove_ptdesc|pte_free_defer|(pte|pmd|pud|p4d)_free_tlb)$/;
const GUP_FAST_UNSYNCED: OrderedEventSpec = {
  first: (c) => R18_UNLINK.test(c.callee),
  between: (c) => R18_SYNC.test(c.callee),
  last: (c) => c.callee in DIRECT_FREE,
};

interface UnsafeFree {
  call: CCall;
  kind: 'direct' | 'rcu';
  /** tlb_remove_table_sync_one() ran before the free: an IPI, which RCU readers do not hold off. */
  ipi: boolean;
}

/** Does the function hold or assert the mmap write lock, excluding every pte_offset_map() reader that takes mmap_lock? */
function mmapWriteLocked(image: ImageFunction, call: CCall): boolean {
  if (image.lines.some((l) => /\bmmap_assert_write_locked\s*\(/.test(l.text)) || heldFromUnseenCode(image, call, MMAP_WRITE_LOCK)) return true;
  const sites = image.analysis.regions.sites.filter((s) => s.call.line === call.line && s.call.callee === call.callee);
  return sites.length > 0 && sites.every((s) => s.states.length > 0 && s.states.every((st) => st.holds.some((h) => h.resource === 'mmap-lock' && /write/.test(h.callee) && !h.pending)));
}

function unsafeFrees(fn: TouchedFunction, image: ImageFunction): UnsafeFree[] {
  if (!fn.file.startsWith('mm/') || TEARDOWN.test(fn.name ?? '')) return [];
  // An RCU callback runs after the grace period; an exit path with mm_users at 0 has no readers.
  if (image.lines.some((l) => /\bstruct\s+rcu_head\s*\*/.test(l.text) && fn.name !== undefined && l.text.includes(`${fn.name}(`))) return [];
  if (image.lines.some((l) => /mm_users\)?\s*==\s*0|!\s*atomic_read\(\s*&\s*\w+->mm_users\s*\)/.test(l.text))) return [];
  const fa = image.analysis;
  const tables = variablesFromCalls(fa, FROM_PMD);
  const fromPmd = (c: CCall, i: number): boolean => FROM_PMD_TEXT.test(c.args[i] ?? '') || argumentDerived(c, i, tables);
  const leftToR18 = new Set(fa.order(GUP_FAST_UNSYNCED).map((v) => `${v.last.line}:${v.last.callee}`));
  const out: UnsafeFree[] = [];
  for (const c of fa.calls) {
    const arg = DIRECT_FREE[c.callee];
    const ipi = fa.calls.some((s) => s.callee === 'tlb_remove_table_sync_one' && s.line <= c.line);
    if (arg !== undefined && fromPmd(c, arg) && !leftToR18.has(`${c.line}:${c.callee}`) && !mmapWriteLocked(image, c)) out.push({ call: c, kind: 'direct', ipi });
    else if (OPEN_CODED_RCU.test(c.callee) && fromPmd(c, 0)) out.push({ call: c, kind: 'rcu', ipi });
  }
  return out;
}

function reports(fn: TouchedFunction, fns: readonly TouchedFunction[], patch: PatchUnderReview): RuleReport[] {
  const found = introducedInFunction(fn, fns, unsafeFrees, (u, image) => `${u.kind}|${lineText(image, u.call.line)}`);
  const removedDefer = fn.region.fragments.flat().filter((l) => l.kind === 'removed' && /\b(pte_free_defer|pte_free_tlb)\s*\(/.test(l.text));
  return found.flatMap(({ item: u, image }) => {
    const r = reportOn(fn, image, {
      messageId: u.kind === 'direct' ? 'freedWithoutGracePeriod' : 'openCodedRcu',
      data: { free: u.call.callee },
      line: u.call.line,
      extra: removedDefer,
      suggestion: 'free it with pte_free_defer(mm, pgtable), or through the mmu_gather with pte_free_tlb()',
    });
    if (!r) return [];
    if (u.kind === 'rcu') {
      r.severity = 'warning';
      return [r];
    }
    // The race as a litmus test: a pte_offset_map() reader under RCU against the free (an IPI does not wait for it).
    return [withScenario(r, patch, { template: 'lockless-walk', facts: { walker: 'rcu', freer: u.ipi ? 'ipi' : 'none' } })];
  });
}

export default defineRule({
  meta: {
    id: 'user-pte-table-free-not-rcu',
    title: 'user PTE table freed without the RCU delay that pte_offset_map() readers rely on',
    severity: 'error',
    hazardClass: 'rcu',
    contract:
      'pte_offset_map() readers hold only rcu_read_lock() and rely on a racily removed PTE table staying valid (empty ' +
      'and disconnected) until pte_unmap(). An empty user PTE table may be unlinked under the mmap or rmap read lock ' +
      'plus the PMD and PTE locks, but must then be freed with pte_free_defer() or the mmu_gather pte_free_tlb() path ' +
      'with RCU table freeing, never with pte_free() directly; generic code must not open-code call_rcu() on the ' +
      "table's page, since powerpc and s390 PTE tables are fragments with their own pte_free_defer().",
    arches: ['all', 'powerpc', 's390', 'sparc'],
    references: [
      {
        title: 'Hugh Dickins, [PATCH v2 00/12] mm: free retracted page table by RCU',
        url: 'https://lore.kernel.org/all/54cb04f-3762-987f-8294-91dafd8ebfb0@google.com/',
      },
      {
        title: 'Hugh Dickins, [PATCH v2 08/12] mm/pgtable: add pte_free_defer() for pgtable as page',
        url: 'https://lore.kernel.org/all/3e5961a2-26e5-d1ab-5c4c-527e273e3cc5@google.com/',
      },
      {
        title: 'Documentation/mm/process_addrs.rst: page table locking and freeing',
        url: 'https://docs.kernel.org/mm/process_addrs.html',
      },
    ],
    docs: 'rules/user-pte-table-free-not-rcu.md',
    messages: {
      freedWithoutGracePeriod:
        '{{free}}() frees a user PTE table taken from its pmd with no RCU grace period: a pte_offset_map() reader ' +
        'under rcu_read_lock() may still be reading it (use pte_free_defer(); all architectures, with arch versions ' +
        'for powerpc/s390/sparc fragment tables)',
      openCodedRcu:
        '{{free}}() open-codes an RCU free of a user PTE table in generic code: powerpc and s390 tables are fragments ' +
        'sharing a page, so only the arch pte_free_defer() frees them correctly',
    },
  },
  check(context) {
    const fns = context.functions();
    return fns.flatMap((fn) => reports(fn, fns, context.patch));
  },
});
