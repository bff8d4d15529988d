// R15: a new walker of kernel page tables it does not own (a debug dump,
// an introspection file) must exclude the code that frees kernel tables
// (huge vmap, CPA collapse, hot-remove): mmap_write_lock(&init_mm) and
// get_online_mems(), which ptdump_walk_pgd()/walk_page_range_debug() take.
// An open-coded pgd_offset_k() walk down to the PTEs, or
// walk_kernel_page_table_range_lockless() over such a range, outside those
// regions reads tables that may be freed under it. Walk callbacks must also
// stop at leaf entries (ACTION_CONTINUE), or the walk treats a block mapping
// as a table pointer.
import {
  defineRule,
  lineText,
  reportOn,
  withScenario,
  type CCall,
  type ImageFunction,
  type PatchUnderReview,
  type RuleReport,
  type TouchedFunction,
} from '../src/analysis/rule-api.ts';
import { introducedInFunction } from '../src/analysis/moved-code.ts';
import { heldFromUnseenCode, KERNEL_WALKER_LOCKS } from '../src/analysis/unseen-acquisition.ts';

/** The top of a walk of kernel tables (init_mm, or an mm sharing its upper levels such as efi_mm). */
const KERNEL_PGD = (c: CCall): boolean =>
  c.callee === 'pgd_offset_k' || (c.callee === 'pgd_offset' && /^&\s*(init_mm|efi_mm)$/.test(c.args[0] ?? ''));
/** Reaching the PTE table: the level that huge vmap and CPA collapse free. */
const PTE_LEVEL = /^(pte_offset_kernel|pte_offset_map|pte_offset_map_lock|__pte_offset_map|pte_offset_map_ro_nolock)$/;
/** Walk helpers that take no lock themselves. */
const LOCKLESS_WALK = (c: CCall): boolean =>
  c.callee === 'walk_kernel_page_table_range_lockless' || (c.callee === 'walk_page_range_novma' && /^&\s*init_mm$/.test(c.args[0] ?? ''));

/**
 * Walkers of ranges they do not own: dumps and introspection, by file or
 * function name or a seq_file. Owners (vmalloc, set_memory/CPA, kasan,
 * apply_to_page_range users) walk their own ranges and are not this rule's.
 */
const INTROSPECTION_FILE = /(dump|ptdump|debug)[^/]*\.c$/;
const INTROSPECTION_NAME = /dump|ptdump|debugfs|^show_|_show$|check_wx|seq_|print/;
const isIntrospection = (fn: TouchedFunction, image: ImageFunction): boolean =>
  INTROSPECTION_FILE.test(fn.file) || INTROSPECTION_NAME.test(fn.name ?? '') || image.lines.some((l) => /\bstruct\s+seq_file\b/.test(l.text));

/** Is `call` inside mmap_write_lock(&init_mm) or get_online_mems() on every path reaching it? */
function synchronised(image: ImageFunction, call: CCall): boolean {
  const sites = image.analysis.regions.sites.filter((s) => s.call.line === call.line && s.call.callee === call.callee);
  return (
    sites.length > 0 &&
    sites.every(
      (s) =>
        s.states.length > 0 &&
        s.states.every((st) =>
          st.holds.some((h) => !h.pending && ((h.resource === 'init-mm-mmap-lock' && /write/.test(h.callee)) || h.resource === 'online-mems')),
        ),
    )
  );
}

/** The calls that start an unsynchronised walk in this image. */
function unsynchronisedWalks(fn: TouchedFunction, image: ImageFunction): CCall[] {
  if (!isIntrospection(fn, image)) return [];
  const calls = image.analysis.calls;
  const openCoded = calls.some((c) => PTE_LEVEL.test(c.callee)) ? calls.filter(KERNEL_PGD) : [];
  return [...openCoded, ...calls.filter(LOCKLESS_WALK)].filter((c) => !synchronised(image, c) && !heldFromUnseenCode(image, c, KERNEL_WALKER_LOCKS));
}

function walkerReports(fn: TouchedFunction, fns: readonly TouchedFunction[], patch: PatchUnderReview): RuleReport[] {
  const found = introducedInFunction(fn, fns, unsynchronisedWalks, (c) => c.callee);
  const removedLock = fn.region.fragments
    .flat()
    .filter((l) => l.kind === 'removed' && (/\bmmap_write_lock\s*\(\s*&\s*init_mm\b/.test(l.text) || /\bget_online_mems\s*\(/.test(l.text)));
  return found.flatMap(({ item: c, image }) => {
    const r = reportOn(fn, image, {
      messageId: LOCKLESS_WALK(c) ? 'locklessWalk' : 'openCodedWalk',
      data: { walk: c.callee },
      line: c.line,
      extra: removedLock,
      suggestion:
        'implement struct ptdump_state callbacks and call ptdump_walk_pgd() (or walk_page_range_debug()), which take ' +
        'get_online_mems() and mmap_write_lock(&init_mm); or take both around the walk',
    });
    // The race as a litmus test: the freer holds the lock (mmap_read_lock(&init_mm) as the template's lock), the walker none.
    return r ? [withScenario(r, patch, { template: 'lockless-walk', facts: { walker: 'none', freer: 'ptl' } })] : [];
  });
}

/** mm_walk_ops level callbacks: `static int ptdump_pmd_entry(pmd_t *pmd, unsigned long addr, unsigned long next, struct mm_walk *walk)`. */
const LEVEL_CALLBACK = /_(pgd|p4d|pud|pmd)_entry$/;
const LEAF_TEST = /\b(pgd|p4d|pud|pmd)_(leaf|large|huge|sect)\s*\(/;

interface LeafDescent {
  /** The branch that recognises the leaf. */
  line: number;
}

function leafDescents(fn: TouchedFunction, image: ImageFunction): LeafDescent[] {
  if (!LEVEL_CALLBACK.test(fn.name ?? '') || !image.lines.some((l) => /\bstruct\s+mm_walk\b/.test(l.text) || /\bwalk->/.test(l.text))) return [];
  const nodes = image.analysis.cfg.nodes;
  const stops = nodes.some((n) => n.events.some((e) => e.kind === 'assign' && e.value === 'ACTION_CONTINUE'));
  if (stops) return [];
  const leaf = nodes.find((n) => n.kind === 'branch' && LEAF_TEST.test(n.text));
  return leaf ? [{ line: leaf.line }] : [];
}

function callbackReports(fn: TouchedFunction, fns: readonly TouchedFunction[]): RuleReport[] {
  const found = introducedInFunction(fn, fns, leafDescents, (d, image) => lineText(image, d.line));
  const removed = fn.region.fragments.flat().filter((l) => l.kind === 'removed' && /\bACTION_CONTINUE\b/.test(l.text));
  return found.flatMap(({ item: d, image }) => {
    const r = reportOn(fn, image, {
      messageId: 'descendsIntoLeaf',
      data: { callback: fn.name ?? 'callback' },
      line: d.line,
      extra: removed,
      suggestion: 'set walk->action = ACTION_CONTINUE once the leaf is noted, so the walk does not descend into it',
    });
    if (!r) return [];
    r.severity = 'warning';
    return [r];
  });
}

export default defineRule({
  meta: {
    id: 'kernel-walker-unsynchronized',
    title: 'kernel page-table walker of ranges it does not own, without the walker-side locks',
    severity: 'error',
    hazardClass: 'walker-sync',
    contract:
      'A debug or introspection walker over init_mm (or an mm sharing its kernel upper levels, such as efi_mm) must go ' +
      'through ptdump_walk_pgd()/walk_page_range_debug(), which take get_online_mems() and mmap_write_lock(&init_mm), ' +
      'or take them itself: huge vmap, CPA collapse and hot-remove free kernel tables under the read side. It must not ' +
      'be an open-coded pgd_offset_k() walk to the PTEs or walk_kernel_page_table_range_lockless() over ranges it does ' +
      'not own, and its callbacks must stop at leaf entries (walk->action = ACTION_CONTINUE).',
    arches: ['all', 'x86', 'arm64', 'powerpc', 'riscv', 's390'],
    references: [
      {
        title: 'Lorenzo Stoakes, mm/ptdump: always stabilise against page table freeing using init_mm',
        url: 'https://lore.kernel.org/all/20260710-b4-fix-non-init_mm-ptdump-v1-1-2d40982c98ec@kernel.org/',
      },
      {
        title: 'Lorenzo Stoakes, vmap/ptdump race fix series v3',
        url: 'https://lore.kernel.org/all/20260714-series-vmap-race-fix-v3-0-b812eccfa0f9@kernel.org/',
      },
    ],
    docs: 'rules/kernel-walker-unsynchronized.md',
    allowlist: [
      { file: 'arch/x86/mm/fault.c', function: 'dump_pagetable', reason: 'oops-time dump: cannot take locks while the kernel is dying' },
      { file: 'arch/arm64/mm/fault.c', function: 'show_pte', reason: 'oops-time dump: cannot take locks while the kernel is dying' },
    ],
    messages: {
      openCodedWalk:
        '{{walk}}() starts an open-coded walk of kernel page tables down to the PTEs with neither ' +
        'mmap_write_lock(&init_mm) nor get_online_mems() held: huge vmap, CPA collapse or hot-remove can free a table ' +
        'under it (use-after-free; x86, arm64, powerpc, riscv)',
      locklessWalk:
        '{{walk}}() walks kernel page tables this code does not own with neither mmap_write_lock(&init_mm) nor ' +
        'get_online_mems() held: tables freed by huge vmap, CPA collapse or hot-remove may be read after free ' +
        '(x86, arm64, powerpc, riscv)',
      descendsIntoLeaf:
        '{{callback}}() recognises a leaf entry but never sets walk->action = ACTION_CONTINUE: the walk goes on to ' +
        'treat the block mapping as a table pointer and reads memory that is no page table (all architectures)',
    },
  },
  check(context) {
    const fns = context.functions();
    return fns.flatMap((fn) => [...walkerReports(fn, fns, context.patch), ...callbackReports(fn, fns)]);
  },
});
