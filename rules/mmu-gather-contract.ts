// R20: the generic mmu_gather contract. Three shapes, each diff-aware:
// - a gather (tlb_gather_mmu*()) or a deferred-flush mark
//   (inc_tlb_flush_pending()) that some path leaves without its
//   tlb_finish_mmu()/dec_tlb_flush_pending() (P3 balance, C front end);
// - inside a function that gathers, a page behind a cleared pte freed with
//   put_page()/folio_put() instead of being handed to the gather, before
//   any flush (R13 skips functions that use the gather: this is their half);
// - __tlb_reset_range() called from new code outside the gather's own
//   implementation: a force flush that resets the range flushes nothing for
//   the concurrent zapper's PTEs (99baac21e458, 7a30df49f63a).
// An architecture's tlb_flush() ignoring freed_tables is
// mmu-gather-flush-ignores-freed-tables, not this rule.
import {
  codeLines,
  defineRule,
  introducedBalance,
  lineText,
  reportOn,
  sameHunk,
  type CCall,
  type FileChange,
  type ImageFunction,
  type FunctionAnalysis,
  type OrderedEventSpec,
  type RuleReport,
  type TouchedFunction,
} from '../src/analysis/rule-api.ts';
import { insideOwnGather, ownGatherCall, takesGather } from '../src/analysis/gather-region.ts';
import { introducedInFunction } from '../src/analysis/moved-code.ts';
import { argumentDerived, derivedVariables, identifiersOf } from '../src/analysis/value-derivation.ts';

/** The gather's own implementation and the flush-pending helpers open and close on purpose. */
const IMPLEMENTATION_FILES = /^(mm\/mmu_gather\.c|include\/asm-generic\/tlb\.h|include\/linux\/mm_types\.h)$/;
const IMPLEMENTS = /^(__)?(tlb_gather_mmu\w*|tlb_finish_mmu|inc_tlb_flush_pending|dec_tlb_flush_pending)$/;

const ARCHES = 'all architectures; x86 and arm64 flush only when asked';

// The same PTE clears, flushes and releases as R13, which leaves functions using the gather to this rule.
const PTE_CLEAR = /^(pte_clear|ptep_get_and_clear(_full)?|ptep_clear|clear_ptes|get_and_clear_full_ptes|huge_ptep_get_and_clear)$/;
const FLUSH =
  /^(__?flush_tlb\w*|local_flush_tlb\w*|flush_tlb_\w+|ptep_clear_flush\w*|huge_ptep_clear_flush|tlb_flush_mmu\w*|tlb_finish_mmu|flush_tlb_batched_pending)$/;
// Only what hands the page back to the allocator: rmap removal and dirty
// transfer are done immediately by zap_present_folio_ptes() on purpose.
const RELEASE = /^(folio_put|folio_put_refs|put_page|free_page|free_pages|__free_page|__free_pages|free_unref_page)$/;
// R13's test for "this function uses the mmu_gather": the same set, so the two rules never both report.
const GATHER = /^(tlb_remove_page\w*|__tlb_remove_page\w*|tlb_remove_folio\w*|__tlb_remove_folio\w*|tlb_gather_mmu\w*)$/;
/** A path from a PTE clear to a release (the C front end's ordered-event result). */
type OrderViolation = ReturnType<FunctionAnalysis['order']>[number];

const usesGather = (image: ImageFunction): boolean => image.analysis.calls.some((c) => GATHER.test(c.callee));

function fileOf(files: readonly FileChange[], fn: TouchedFunction): FileChange | undefined {
  return files.find((f) => f.path === fn.file);
}

/** Gathers and flush-pending marks that a path the patch adds leaves open (or closes unopened). */
function balanceReports(fn: TouchedFunction, file: FileChange | undefined): RuleReport[] {
  if (IMPLEMENTATION_FILES.test(fn.file) || IMPLEMENTS.test(fn.name ?? '') || !fn.post) return [];
  // A helper given the caller's gather is balanced by the caller (HAZARDS R20, false positives).
  const resources = takesGather(fn, fn.post, file) ? (['tlb-flush-pending'] as const) : (['mmu-gather', 'tlb-flush-pending'] as const);
  return introducedBalance(fn, resources).flatMap(({ item: i, image }) => {
    const gather = i.resource === 'mmu-gather';
    if (gather && !ownGatherCall(image, i.line, i.callee)) return [];
    const name = fn.name ?? 'file scope';
    const r =
      i.kind === 'leak'
        ? reportOn(fn, image, {
            messageId: gather ? 'gatherLeaked' : 'pendingLeaked',
            data: { function: name, open: i.callee, openLine: i.line, exitLine: i.exitLine, arches: ARCHES },
            line: image.lineAt(i.exitLine)?.kind === 'added' ? i.exitLine : i.line,
            lines: [i.line, i.exitLine],
            suggestion: gather
              ? 'leave through one exit that calls tlb_finish_mmu(&tlb): set the error and goto it'
              : 'call dec_tlb_flush_pending() on every path, after the flush it announces',
          })
        : reportOn(fn, image, {
            messageId: gather ? 'finishWithoutGather' : 'decWithoutInc',
            data: { function: name, close: i.callee, line: i.line },
            line: i.line,
          });
    return r ? [r] : [];
  });
}

function clearThenRelease(image: ImageFunction): OrderedEventSpec {
  const derived = new Map<CCall, Set<string>>();
  const of = (clear: CCall): Set<string> => {
    let d = derived.get(clear);
    if (!d) {
      const ptep = clear.args.at(-1) ?? '';
      const seeds = [...(clear.assignedTo ? [clear.assignedTo] : []), ...identifiersOf(ptep).filter((v) => !/^(mm|vma|addr|address|tlb|full|nr)$/.test(v))];
      derived.set(clear, (d = derivedVariables(image.analysis, seeds)));
    }
    return d;
  };
  return {
    first: (c) => PTE_CLEAR.test(c.callee),
    between: (c) => FLUSH.test(c.callee),
    // Unlike R13, a page that cannot be traced to the clear is not assumed to
    // be it: gathering functions also drop references they took themselves
    // (madvise_free_pte_range()'s folio_get()/split/folio_put()).
    last: (c, clear) => RELEASE.test(c.callee) && argumentDerived(c, 0, of(clear)),
  };
}

/** Violations in one image: releases inside the gather, textually after the clear (the same loop iteration). */
function releasesIn(f: TouchedFunction, image: ImageFunction, file: FileChange | undefined): OrderViolation[] {
  if (!usesGather(image)) return [];
  // A release above the clear is reached only round the loop, on the next
  // entry's page: zap_pte_range()'s device-private put_page() after an
  // earlier iteration's present-pte clear has no TLB entry to go stale.
  return image.analysis
    .order(clearThenRelease(image))
    .filter((v) => v.last.line > v.first.line && sameHunk(f, image, v.first.line, v.last.line))
    .filter((v) => takesGather(f, image, file) || insideOwnGather(image, v.last));
}

/** A release line with the call and its argument left out: put_page(page) -> folio_put(folio) is the same line. */
const releaseShape = (v: OrderViolation, image: ImageFunction): string =>
  `${v.first.args.join(',')}\0${lineText(image, v.last.line).replace(/\b\w+\s*\([^;]*\)/, 'RELEASE')}`;

/** A zapped page freed directly while the gather still owes the flush. */
function releaseReports(fn: TouchedFunction, fns: readonly TouchedFunction[], file: FileChange | undefined): RuleReport[] {
  if (!fn.post) return [];
  const post = fn.post;
  // Moved code (a function with no pre-image) is compared with the vanished one of its name.
  const candidates = fn.pre
    ? releasesIn(fn, post, file)
    : introducedInFunction(fn, fns, (f, image) => releasesIn(f, image, file), (v, image) => releaseShape(v, image)).map((x) => x.item);
  // A folio conversion rewrites a release the pre-image had: only a surplus
  // of releases of one shape is new, and the added lines are the new ones.
  const surplus = new Map<string, number>();
  for (const v of candidates) surplus.set(releaseShape(v, post), (surplus.get(releaseShape(v, post)) ?? 0) + 1);
  if (fn.pre) for (const v of releasesIn(fn, fn.pre, file)) surplus.set(releaseShape(v, fn.pre), (surplus.get(releaseShape(v, fn.pre)) ?? 0) - 1);
  const isAdded = (v: OrderViolation): number => Number(post.lineAt(v.last.line)?.kind === 'added');
  const found = [...candidates]
    .sort((x, y) => isAdded(y) - isAdded(x))
    .filter((v) => {
      const k = releaseShape(v, post);
      const left = surplus.get(k) ?? 0;
      surplus.set(k, left - 1);
      return left > 0;
    })
    .sort((x, y) => x.last.line - y.last.line)
    .map((item) => ({ item, image: post }));
  return found.flatMap(({ item: v, image }) => {
    const r = reportOn(fn, image, {
      messageId: 'releasedInGather',
      data: { release: v.last.callee, clear: v.first.callee, clearLine: v.first.line, arches: ARCHES },
      line: v.last.line,
      lines: [v.first.line],
      suggestion: 'hand the page to the gather (tlb_remove_folio(), tlb_remove_page(), or the delayed-rmap __tlb_remove_folio_pages()) so it is freed after tlb_finish_mmu() flushes',
    });
    return r ? [r] : [];
  });
}

const RESET = /\b__tlb_reset_range\s*\(/;

/** __tlb_reset_range() on lines the patch adds outside the gather's implementation. */
function resetReports(files: readonly FileChange[]): RuleReport[] {
  return files
    .filter((f) => !IMPLEMENTATION_FILES.test(f.path))
    .flatMap((f) => {
      // A call the patch only moves (removed and added with the same text) is not new.
      const removed = new Set(f.hunks.flatMap((h) => h.lines.filter((l) => l.kind === 'removed').map((l) => l.text.trim())));
      return f.hunks.flatMap((h) => {
        const code = codeLines(h.lines);
        return h.lines.flatMap((l, i) => {
          if (l.kind !== 'added' || !RESET.test(code[i] ?? '') || removed.has(l.text.trim())) return [];
          const r: RuleReport = {
            messageId: 'rangeReset',
            data: { arches: ARCHES },
            file: f.path,
            at: l,
            evidence: [l],
            suggestion: 'do not reset the gather: on a nested flush (mm_tlb_flush_nested()) flush the whole mm as tlb_finish_mmu() does',
            confidence: 'line',
          };
          if (h.sectionFunction !== undefined) r.function = h.sectionFunction;
          return [r];
        });
      });
    });
}

export default defineRule({
  meta: {
    id: 'mmu-gather-contract',
    title: 'mmu_gather misuse: gather left open, zapped page freed behind its back, or its range reset',
    severity: 'error',
    hazardClass: 'mmu-gather',
    contract:
      'tlb_gather_mmu()/tlb_gather_mmu_fullmm() is followed by tlb_finish_mmu() on every path, and ' +
      'inc_tlb_flush_pending() by dec_tlb_flush_pending(); functions given a struct mmu_gather * are balanced by ' +
      'their caller. While gathering, a page whose pte was cleared goes to the gather (tlb_remove_page*()/' +
      'tlb_remove_folio*()), never to put_page()/folio_put() before the flush. Only the gather itself resets its ' +
      'range: a zapper that finds the PTEs already cleared by a concurrent one (mmap read lock: MADV_DONTNEED/FREE, ' +
      'munmap after downgrade) must still flush, so a force flush must not call __tlb_reset_range().',
    arches: ['all', 'x86', 'arm64', 'powerpc', 'riscv', 's390'],
    references: [
      {
        title: 'Minchan Kim, mm: fix MADV_[FREE|DONTNEED] TLB flush miss problem (99baac21e458)',
        url: 'https://lore.kernel.org/all/1501566977-20293-4-git-send-email-minchan@kernel.org/',
      },
      {
        title: 'Yang Shi, mm: mmu_gather: remove __tlb_reset_range() for force flush (7a30df49f63a)',
        url: 'https://lore.kernel.org/all/1558322252-113575-1-git-send-email-yang.shi@linux.alibaba.com/',
      },
      {
        title: 'Yang Shi, mm: mmap: zap pages with read mmap_sem in munmap (dd2283f2605e)',
        url: 'https://git.kernel.org/torvalds/c/dd2283f2605e',
      },
      {
        title: 'Linus Torvalds, mm: delay page_remove_rmap() until after the TLB has been flushed (5df397dec7c4)',
        url: 'https://git.kernel.org/torvalds/c/5df397dec7c4',
      },
    ],
    docs: 'rules/mmu-gather-contract.md',
    messages: {
      gatherLeaked:
        'mmu_gather left open: {{function}}() can leave by line {{exitLine}} without tlb_finish_mmu() for the gather ' +
        '{{open}}() started on line {{openLine}}: the TLB is never flushed, gathered pages are never freed and ' +
        'mm->tlb_flush_pending stays raised ({{arches}})',
      pendingLeaked:
        'TLB flush pending left raised: {{function}}() can leave by line {{exitLine}} without dec_tlb_flush_pending() ' +
        'after {{open}}() on line {{openLine}}: mm_tlb_flush_pending() stays true, and callers that wait on it ' +
        '(mm_tlb_flush_nested(), NUMA and THP migration checks) decide on a stale count ({{arches}})',
      finishWithoutGather:
        '{{close}}() on line {{line}} is reached in {{function}}() on a path that started no gather',
      decWithoutInc:
        '{{close}}() on line {{line}} is reached in {{function}}() on a path that raised no flush-pending count: ' +
        'it lowers a count a concurrent flusher raised',
      releasedInGather:
        '{{release}}() frees the page whose pte {{clear}}() cleared on line {{clearLine}} while the mmu_gather still ' +
        'owes the TLB flush: another CPU can write it through a stale TLB entry after it is freed ({{arches}})',
      rangeReset:
        '__tlb_reset_range() outside the mmu_gather implementation: a forced flush that resets the range (and ' +
        'cleared_* and freed_tables) flushes nothing for PTEs a concurrent zapper under the mmap read lock already ' +
        'cleared, so this thread returns to user space with stale TLB entries on other CPUs ({{arches}}; 99baac21e458, 7a30df49f63a)',
    },
  },
  check(context) {
    const fns = context.functions();
    const files = context.patch.files;
    return [
      ...fns.flatMap((fn) => [...balanceReports(fn, fileOf(files, fn)), ...releaseReports(fn, fns, fileOf(files, fn))]),
      ...resetReports(files),
    ];
  },
});
