// R21: clearing, collapsing or moving user PTEs/PMDs must be bracketed by
// mmu_notifier_invalidate_range_start()/_end() (or call
// mmu_notifier_arch_invalidate_secondary_tlbs() next to the CPU flush), or
// secondary MMUs (KVM stage 2, IOMMU SVA) keep translating to pages the mm no
// longer maps. The C front end's held-state analysis says whether a range is
// open at the clear on every path ('mmu-notifier' resource).
//
// Many mm/ functions run inside their caller's range (the zap, mprotect,
// mremap and fork walkers). The rule therefore reports only where the patch
// makes the difference: a new function that clears without a range, a clear
// added to a function that had no unbracketed clear before, or a removed
// start/end. One caller level is checked: a caller shown in the patch that
// calls the function inside a range covers it.
import {
  defineRule,
  lineText,
  removedCalls,
  reportOn,
  type CCall,
  type ImageFunction,
  type RuleReport,
  type TouchedFunction,
} from '../src/analysis/rule-api.ts';
import { heldCount } from '../src/c/index.ts';

/** User PTE/PMD clears, collapses and moves (the A-events of R13/R18). */
const USER_CLEAR =
  /^(ptep_clear_flush|ptep_get_and_clear|ptep_get_and_clear_full|ptep_clear|pte_clear|clear_ptes|clear_full_ptes|get_and_clear_full_ptes|pmdp_collapse_flush|pmdp_huge_clear_flush|pmdp_huge_get_and_clear|pmdp_huge_get_and_clear_full|pmdp_invalidate|pmdp_invalidate_ad|pudp_huge_get_and_clear|pudp_huge_get_and_clear_full|pudp_huge_clear_flush|huge_ptep_clear_flush|huge_ptep_get_and_clear)$/;
const PMD_LEVEL = /^(pmdp_|pudp_)/;
const START = /^mmu_notifier_invalidate_range_start(_nonblock)?$/;
const END = /^mmu_notifier_invalidate_range_(only_)?end$/;
/** Notifying without a range: the arch hook next to the flush, and the old *_notify helpers. */
const NOTIFIES = /^(mmu_notifier_arch_invalidate_secondary_tlbs|mmu_notifier_invalidate_range|\w+_clear_flush_notify|\w+_clear_flush_young_notify|ptep_clear_young_notify)$/;
/**
 * Walkers and helpers whose callers hold the range: zap (unmap_vmas), mprotect
 * (change_protection), mremap (move_page_tables), fork (copy_page_range),
 * THP split (__split_huge_pmd), the mm_walk callbacks of madvise/clear_refs.
 */
const UNDER_CALLERS_RANGE =
  /_(pte|pmd|pud|p4d)_range$|_(pte|pmd|pud)_entry$|^(zap_\w+|change_huge_p[mu]d|move_\w+|copy_\w+|__split_huge_\w+|split_huge_pmd_locked|set_pmd_migration_entry|remove_migration_\w+|__unmap_hugepage_range\w*|unmap_hugepage_range|madvise_free_huge_pmd|exit_mmap|free_pgtables)$/;
/** Paths for the higher severity (HAZARDS R21). */
const ERROR_FILES = /^mm\/(khugepaged|mremap|hugetlb)\.c$/;

interface Unbracketed {
  call: CCall;
  /** 'no-start': some path reaches it with no range open; 'no-end': no _end follows in the function. */
  kind: 'no-start' | 'no-end';
}

const isKernelMm = (c: CCall): boolean => /&\s*init_mm\b/.test(c.args[0] ?? '');

function unbracketed(image: ImageFunction): Unbracketed[] {
  const { cfg, held } = image.analysis;
  if (image.analysis.calls.some((c) => NOTIFIES.test(c.callee))) return [];
  const entry = image.entry['mmu-notifier'] ?? 0;
  const ends = image.analysis.calls.filter((c) => END.test(c.callee));
  const out: Unbracketed[] = [];
  for (const node of cfg.nodes) {
    node.events.forEach((e, i) => {
      if (e.kind !== 'call' || !USER_CLEAR.test(e.call.callee) || isKernelMm(e.call)) return;
      const states = held.statesBefore(node.id, i);
      if (states.length === 0) return;
      if (states.some((s) => heldCount(s, 'mmu-notifier') <= entry)) out.push({ call: e.call, kind: 'no-start' });
      else if (image.confidence === 'whole-function' && !ends.some((c) => c.line > e.call.line)) out.push({ call: e.call, kind: 'no-end' });
    });
  }
  return out;
}

/** Functions that open a range around the helpers they call (rmap walkers, unmap, mprotect, mremap, fork, THP). */
const RANGE_HOLDERS =
  /^(try_to_unmap_one|try_to_migrate_one|page_vma_mkclean_one|page_mkclean_one|unmap_vmas|unmap_single_vma|zap_page_range_single\w*|zap_vma_range\w*|change_protection|move_page_tables|copy_page_range|__split_huge_pmd|__split_huge_pud|split_huge_pmd_address|wp_page_copy|collapse_huge_page|retract_page_tables|collapse_pte_mapped_thp|hugetlb_change_protection|__unmap_hugepage_range_final|hugetlb_unshare_pmds|madvise_free_single_vma|clear_refs_write|migrate_vma_collect|write_protect_page|replace_page|make_device_exclusive\w*|hugetlb_wp)$/;

/**
 * The callers in the patch (one level, then up through the patch's own
 * helpers): one that calls `name` inside a range (open on every path, or
 * started above the call in what the hunks show), or that is itself known to
 * hold or to run inside one.
 */
function coveredByCaller(name: string, all: TouchedFunction[], seen: ReadonlySet<string> = new Set()): boolean {
  if (seen.size > 3) return false;
  const visited = new Set([...seen, name]);
  return all.some((f) => {
    const img = f.post;
    if (!img || f.name === undefined || visited.has(f.name)) return false;
    const calls = img.analysis.calls.filter((c) => c.callee === name);
    if (calls.length === 0) return false;
    if (RANGE_HOLDERS.test(f.name) || UNDER_CALLERS_RANGE.test(f.name)) return true;
    const starts = img.analysis.calls.filter((c) => START.test(c.callee)).map((c) => c.line);
    if (calls.every((c) => starts.some((l) => l < c.line))) return true;
    const held = img.analysis.cfg.nodes.some((node) =>
      node.events.some((e, i) => {
        if (e.kind !== 'call' || e.call.callee !== name) return false;
        const states = img.analysis.held.statesBefore(node.id, i);
        return states.length > 0 && states.every((st) => heldCount(st, 'mmu-notifier') > 0);
      }),
    );
    // A helper of a helper (__discard_anon_folio_pmd_locked() under unmap_huge_pmd_locked() under try_to_unmap_one()).
    return held || coveredByCaller(f.name, all, visited);
  });
}

function reports(fn: TouchedFunction, all: TouchedFunction[]): RuleReport[] {
  const post = fn.post;
  if (!post || !fn.file.startsWith('mm/') || fn.file.startsWith('mm/kasan/')) return [];
  if (fn.name !== undefined && UNDER_CALLERS_RANGE.test(fn.name)) return [];
  if (post.analysis.fn.params.some((p) => /\bmmu_notifier_range\b/.test(p.text))) return [];
  const removedBracket = removedCalls(fn, /mmu_notifier_invalidate_range_(start|end)(_nonblock)?/);
  // A fragment's paths enter at each hunk, so dominance means little there: only a
  // visibly dropped bracket, with no start left before the clear, is reported.
  const startLines = post.analysis.calls.filter((c) => START.test(c.callee)).map((c) => c.line);
  const found = unbracketed(post).filter(
    (u) => post.confidence === 'whole-function' || (removedBracket.length > 0 && u.kind === 'no-start' && !startLines.some((l) => l < u.call.line)),
  );
  if (found.length === 0) return [];
  const before = fn.pre ? unbracketed(fn.pre) : [];
  // The function already cleared outside any range of its own: it relies on its caller's.
  if (before.length > 0 && removedBracket.length === 0) return [];
  const seenBefore = new Set(before.map((u) => `${u.kind}|${lineText(fn.pre as ImageFunction, u.call.line)}`));
  if (fn.name !== undefined && coveredByCaller(fn.name, all)) return [];
  return found.flatMap((u) => {
    if (seenBefore.has(`${u.kind}|${lineText(post, u.call.line)}`)) return [];
    const r = reportOn(fn, post, {
      messageId: u.kind === 'no-start' ? 'noRange' : 'noEnd',
      data: { clear: u.call.callee },
      line: u.call.line,
      extra: removedBracket.map((s) => s.line),
      suggestion:
        'bracket the change: `mmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, 0, mm, start, end); ' +
        'mmu_notifier_invalidate_range_start(&range); ... mmu_notifier_invalidate_range_end(&range);`',
    });
    if (!r) return [];
    // A new function whose callers the patch does not show may be called inside their range: no error.
    const callerUnseen = fn.pre === undefined && !all.some((f) => f !== fn && f.post?.analysis.calls.some((c) => c.callee === fn.name));
    if ((ERROR_FILES.test(fn.file) || PMD_LEVEL.test(u.call.callee)) && !callerUnseen) r.severity = 'error';
    return [r];
  });
}

export default defineRule({
  meta: {
    id: 'secondary-tlb-notify-missing',
    title: 'user page-table change not propagated to secondary MMUs',
    severity: 'warning',
    hazardClass: 'tlb-invalidate',
    contract:
      'Clearing, collapsing or moving user PTEs/PMDs must be bracketed by mmu_notifier_invalidate_range_start() and ' +
      '_end() on a struct mmu_notifier_range covering the change (or call mmu_notifier_arch_invalidate_secondary_tlbs() ' +
      'next to the CPU flush where the arch requires it), so that secondary MMUs (KVM, IOMMU SVA) drop their ' +
      'translations before the pages or tables are reused.',
    arches: ['all'],
    references: [
      {
        title: 'Jann Horn, mm/khugepaged: invoke MMU notifiers in shmem/file collapse paths (f268f6cf875f)',
        url: 'https://lore.kernel.org/all/20221129154730.2274278-3-jannh@google.com/',
      },
      {
        title: 'Hugh Dickins, mm/khugepaged: collapse_pte_mapped_thp() with mmap_read_lock() (mmu_notifier calls brought back for the PMD)',
        url: 'https://lore.kernel.org/all/54cb04f-3762-987f-8294-91dafd8ebfb0@google.com/',
      },
    ],
    docs: 'rules/secondary-tlb-notify-missing.md',
    messages: {
      noRange:
        '{{clear}}() changes a user page table with no mmu_notifier_invalidate_range_start() before it on some path: ' +
        'secondary MMUs (KVM, IOMMU SVA; all architectures) keep the old translation',
      noEnd:
        '{{clear}}() runs inside an mmu_notifier range that is never ended after it in this function: secondary MMUs ' +
        '(KVM, IOMMU SVA; all architectures) stay blocked or miss the invalidation',
    },
  },
  check(context) {
    const all = context.functions();
    return all.flatMap((fn) => reports(fn, all));
  },
});
