// R10: a page-table entry read without the lock that serialises its
// removal must be re-read after that lock is taken, before it is acted on.
// Three shapes:
// - a pmd/pud value read before the lock and then moved, populated or freed
//   (Jann Horn's move_normal_pmd() vs retract_page_tables() fix: mremap read
//   the old pmd, took the rmap locks, then moved a table khugepaged had
//   retracted meanwhile);
// - a page, pfn or address DERIVED from a PTE/PMD read before the lock
//   (pte_pfn(), pte_page(), __va() of it) and freed or installed after it,
//   where what runs under the lock re-reads the entry but does not re-derive
//   the value (3c5c3cfb9ef4's kasan_depopulate_vmalloc_pte(): the page was
//   computed from *ptep before init_mm.page_table_lock, and a pte_none()
//   recheck under it let two depopulaters free the page once each);
// - a table emptied under its PTL, the PTL dropped and re-taken, and the
//   table removed as if still empty (1043173eb5eb's collapse_pte_mapped_thp():
//   "Huge page lock is still held, so page table must remain empty", but
//   userfaultfd's mfill_atomic_pte() inserts PTEs under the PTL alone).
import {
  defineRule,
  introducedBy,
  lineText,
  reportOn,
  sameHunk,
  type CCall,
  type ImageFunction,
  type RuleReport,
  type TouchedFunction,
} from '../src/analysis/rule-api.ts';

const READS = /^(pmdp_get|pudp_get|pmdp_get_lockless|pudp_get_lockless|READ_ONCE)$/;
const LOCKS = /^(pmd_lock|pud_lock|spin_lock\w*|take_rmap_locks|i_mmap_lock_\w+|anon_vma_lock_\w+|mmap_write_lock|pte_lockptr)$/;
const ACTS = /^(pmd_populate\w*|pud_populate\w*|set_pmd\w*|set_pud\w*|pmd_pgtable|pte_free\w*|pmd_free\w*)$/;
const RECHECK = /\b(pmd_same|pud_same|pmdp_get|pudp_get|pmd_none|pmd_present)\s*\(/;

/** What turns an entry into the page, pfn or table it points to. */
const DERIVES = /\b(pte_pfn|pte_page|pmd_pfn|pmd_page|pmd_page_vaddr|pmd_pgtable|pud_pfn|pud_page|pud_pgtable|pte_folio)\s*\(/;
/** A read of an entry in the text: an accessor or a plain dereference. */
const ENTRY_READ = /\b(ptep_get|ptep_get_lockless|pmdp_get|pmdp_get_lockless|pudp_get|pudp_get_lockless|READ_ONCE)\s*\(|(?:^|[(,!])\s*\*\s*[a-z_]\w*/;
/** Freeing or installing what a derived value names. */
const DERIVED_ACTS = /^(free_page|free_pages|__free_page|__free_pages|put_page|folio_put|pte_free\w*|pmd_free\w*|pud_free\w*|set_pte\w*|set_ptes|set_pmd\w*|set_pud\w*|pmd_populate\w*|pud_populate\w*)$/;

interface StaleUse {
  read: CCall;
  lock: CCall;
  act: CCall;
  value: string;
  derived: boolean;
}

const mentions = (text: string, value: string): boolean => new RegExp(`\\b${value}\\b`).test(text);
const imageLine = (l: { newLine?: number; oldLine?: number }): number => l.newLine ?? l.oldLine ?? 0;

/** `v = pmdp_get(p)` … lock … `pmd_populate(…, v)` with no recheck of p or v after the lock (line order). */
function staleEntries(image: ImageFunction, calls: CCall[]): StaleUse[] {
  const out: StaleUse[] = [];
  for (const read of calls.filter((c) => READS.test(c.callee) && c.assignedTo !== undefined)) {
    const value = read.assignedTo as string;
    const lock = calls.find((c) => c.line > read.line && LOCKS.test(c.callee));
    if (!lock) continue;
    for (const act of calls.filter((c) => c.line > lock.line && ACTS.test(c.callee) && c.args.some((a) => mentions(a, value)))) {
      const rechecked = image.lines.some((l) => imageLine(l) > lock.line && imageLine(l) < act.line && RECHECK.test(l.text));
      // One report per read: pmd_populate(…, pmd_pgtable(v)) is one decision.
      if (!rechecked) {
        out.push({ read, lock, act, value, derived: false });
        break;
      }
    }
  }
  return out;
}

/**
 * `page = __va(pte_pfn(*ptep) << PAGE_SHIFT)` … lock … `free_page(page)`:
 * the value derived before the lock is used after it. Under the lock a
 * re-read of the entry alone (pte_none(*ptep)) does not count; only a line
 * that assigns the value again, or compares it with a fresh read, does.
 */
function staleDerived(image: ImageFunction, calls: CCall[]): StaleUse[] {
  const out: StaleUse[] = [];
  // Entry values read into a variable (`pte = ptep_get(ptep)`), so that
  // `page = pte_page(pte)` counts as derived from an entry read.
  const entryVars = new Map<string, number>();
  for (const c of calls) if (c.assignedTo !== undefined && /^(ptep_get\w*|pmdp_get\w*|pudp_get\w*|READ_ONCE)$/.test(c.callee)) entryVars.set(c.assignedTo, c.line);
  const fromEntry = (c: CCall): boolean =>
    DERIVES.test(c.text) && (ENTRY_READ.test(c.text.replace(/^\w+\s*\(/, '')) || [...entryVars].some(([v, line]) => line <= c.line && mentions(c.text, v)));
  // The outermost call of a line carries the assignment: `__va(pte_pfn(*ptep) << PAGE_SHIFT)`.
  for (const read of calls.filter((c) => c.assignedTo !== undefined && !READS.test(c.callee) && fromEntry(c))) {
    const value = read.assignedTo as string;
    const lock = calls.find((c) => c.line > read.line && LOCKS.test(c.callee));
    if (!lock) continue;
    const act = calls.find((c) => c.line > lock.line && DERIVED_ACTS.test(c.callee) && c.args.some((a) => mentions(a, value)));
    if (!act) continue;
    const between = (n: number): boolean => n > lock.line && n < act.line;
    const reassigned = calls.some((c) => between(c.line) && c.assignedTo === value) ||
      image.lines.some((l) => between(imageLine(l)) && new RegExp(`\\b${value}\\s*=[^=]`).test(l.text));
    const compared = image.lines.some((l) => between(imageLine(l)) && mentions(l.text, value) && ENTRY_READ.test(l.text.replace(new RegExp(`\\b${value}\\b`, 'g'), '')) && /[!=]=|_same\s*\(/.test(l.text));
    if (!reassigned && !compared) out.push({ read, lock, act, value, derived: true });
  }
  return out;
}

function staleUses(image: ImageFunction): StaleUse[] {
  const calls = [...image.analysis.calls].sort((a, b) => a.line - b.line);
  return [...staleEntries(image, calls), ...staleDerived(image, calls)];
}

/** A table emptied under a lock, the lock dropped and re-taken, the table then removed with no look at its entries. */
interface Relocked {
  lock: string;
  clear: number;
  release: number;
  retake: number;
  act: number;
  actName: string;
}

const ACQUIRE = [/\bpte_offset_map_lock\s*\([^;]*&\s*(\w+)\s*\)/, /\bspin_lock(?:_nested|_irq|_bh|_irqsave)?\s*\(\s*&?\s*([\w.>-]+)/, /\b(\w+)\s*=\s*p[mu]d_lock\s*\(/];
const RELEASE = [/\bpte_unmap_unlock\s*\([^,]+,\s*([\w.>-]+)\s*\)/, /\bspin_unlock(?:_irq|_bh|_irqrestore)?\s*\(\s*&?\s*([\w.>-]+)/];
const CLEARS = /\b(pte_clear|ptep_clear|ptep_get_and_clear\w*|ptep_clear_flush\w*|pte_clear_not_present_full|clear_not_present_full_ptes|clear_full_ptes|get_and_clear_full_ptes)\s*\(/;
const REMOVES = /\b(pmdp_collapse_flush|pmdp_huge_get_and_clear\w*|pmdp_get_and_clear|pmd_clear)\s*\(/;
const LOOKS = /\b(ptep_get\w*|pte_none|pte_present|pte_offset_map\w*)\s*\(/;
const COMMENT = /^\s*(\*|\/\*|\/\/)/;

const namesIn = (res: RegExp[], text: string): string[] => res.flatMap((re) => { const m = re.exec(text); return m?.[1] ? [m[1]] : []; });

/**
 * Line order over the image's code lines (the calls of a fragment may miss a
 * statement tree-sitter could not place): per lock name, a PTE clear while
 * it is held, its release, its re-acquisition, then a removal of the table
 * while it is held again, with no read of an entry after the re-acquisition.
 */
function relockedRetracts(image: ImageFunction): Relocked[] {
  const lines = image.lines.map((l) => ({ n: imageLine(l), text: l.text })).filter((l) => !COMMENT.test(l.text)).sort((a, b) => a.n - b.n);
  interface State { held: boolean; clear?: number; release?: number; retake?: number }
  const locks = new Map<string, State>();
  const out: Relocked[] = [];
  for (const { n, text } of lines) {
    for (const name of namesIn(ACQUIRE, text)) {
      const st = locks.get(name) ?? { held: false };
      if (st.release !== undefined && st.retake === undefined) st.retake = n;
      st.held = true;
      locks.set(name, st);
    }
    for (const [name, st] of locks) {
      if (!st.held) continue;
      if (CLEARS.test(text) && st.release === undefined) st.clear = n;
      if (st.retake !== undefined && st.retake < n && LOOKS.test(text)) Object.assign(st, { clear: undefined, release: undefined, retake: undefined });
      const act = REMOVES.exec(text);
      if (act?.[1] && st.clear !== undefined && st.release !== undefined && st.retake !== undefined) {
        out.push({ lock: name, clear: st.clear, release: st.release, retake: st.retake, act: n, actName: act[1] });
        Object.assign(st, { clear: undefined, release: undefined, retake: undefined });
      }
    }
    for (const name of namesIn(RELEASE, text)) {
      const st = locks.get(name);
      if (!st) continue;
      st.held = false;
      if (st.clear !== undefined && st.release === undefined) st.release = n;
    }
  }
  return out;
}

function relockedReports(fn: TouchedFunction): RuleReport[] {
  // Keyed by the lock and the removal: a patch that narrows an existing window (holding the lock throughout on
  // one path) introduces none.
  return introducedBy(fn, relockedRetracts, (u, image) => `${u.lock}|${lineText(image, u.act)}`).flatMap(({ item: u, image }) => {
    if (!sameHunk(fn, image, u.clear, u.act)) return [];
    const r = reportOn(fn, image, {
      messageId: 'relockedRetract',
      data: { act: u.actName, lock: u.lock, clearLine: u.clear, releaseLine: u.release, retakeLine: u.retake },
      line: u.act,
      lines: [u.clear, u.release, u.retake],
      suggestion: `keep ${u.lock} held from the clearing to the removal, or re-check under it that every entry is still pte_none() and back off if not`,
    });
    return r ? [r] : [];
  });
}

function reports(fn: TouchedFunction): RuleReport[] {
  return [...staleReports(fn), ...relockedReports(fn)];
}

function staleReports(fn: TouchedFunction): RuleReport[] {
  return introducedBy(fn, staleUses, (u, image) => `${lineText(image, u.read.line)}|${lineText(image, u.act.line)}`).flatMap(({ item: u, image }) => {
    const r = reportOn(fn, image, {
      messageId: u.derived ? 'staleDerived' : 'staleDecision',
      data: { act: u.act.callee, value: u.value, readLine: u.read.line, lock: u.lock.callee, lockLine: u.lock.line },
      line: u.act.line,
      lines: [u.read.line, u.lock.line],
      suggestion: u.derived
        ? `read the entry under ${u.lock.callee}() and derive ${u.value} from that read (pte = ptep_get(ptep) after the lock), or re-derive it there`
        : `after ${u.lock.callee}(), re-read the entry and compare (pmd_same(${u.value}, pmdp_get(...))); fall back if it changed`,
    });
    return r ? [r] : [];
  });
}

export default defineRule({
  meta: {
    id: 'pgtable-stale-entry-decision',
    title: 'acting on page-table state read or established before the lock that protects it was (re)taken',
    severity: 'error',
    hazardClass: 'ordering',
    contract:
      'A page-table entry read without the lock that serialises its removal or replacement (retract_page_tables() under ' +
      'the i_mmap/rmap locks, THP collapse, free_pgtables(), another (de)populater under init_mm.page_table_lock) is re-read ' +
      'after that lock is taken, before it is acted on: a PMD/PUD value is compared again before it is moved, populated ' +
      'or freed, and a page or pfn derived from an entry is derived again from the read under the lock before it is freed ' +
      'or installed; a table emptied under its PTL is removed only if the PTL was held from the emptying to the removal, ' +
      'or its entries are looked at again after re-taking it.',
    arches: ['all'],
    references: [
      {
        title: 'Jann Horn, [PATCH] mm/mremap: Fix move_normal_pmd/retract_page_tables race',
        url: 'https://lore.kernel.org/all/20241007-move_normal_pmd-vs-collapse-fix-2-v1-1-5ead9631f2ea@google.com/',
      },
      {
        title: 'Hugh Dickins, mm: free retracted page table by RCU (repeat checks under ptl)',
        url: 'https://lore.kernel.org/all/54cb04f-3762-987f-8294-91dafd8ebfb0@google.com/',
      },
      {
        title: 'Hugh Dickins, [PATCH mm-unstable] mm/khugepaged: fix collapse_pte_mapped_thp() versus uffd',
        url: 'https://lore.kernel.org/all/4d31abf5-56c0-9f3d-d12f-c9317936691@google.com/',
      },
      {
        title: 'Alexander Gordeev, [PATCH 1/2] mm/kasan: fix vmalloc shadow memory (de-)population races',
        url: 'https://lore.kernel.org/all/adb258634194593db294c0d1fb35646e894d6ead.1755528662.git.agordeev@linux.ibm.com/',
      },
    ],
    docs: 'rules/pgtable-stale-entry-decision.md',
    messages: {
      staleDecision:
        '{{act}}() acts on {{value}}, read on line {{readLine}} before {{lock}}() on line {{lockLine}}, with no re-read and compare after the lock: a concurrent retract_page_tables() may have removed that table in between',
      relockedRetract:
        '{{act}}() removes the page table whose entries were cleared under {{lock}} on line {{clearLine}}, but {{lock}} was dropped on line {{releaseLine}} and re-taken on line {{retakeLine}} with no look at the entries since: anything that may install a PTE holding only the PTL in between (userfaultfd\'s mfill_atomic_pte() on a private VMA does, whatever page locks are held) leaves a live entry in the table that is removed and freed (all architectures)',
      staleDerived:
        '{{act}}() uses {{value}}, derived on line {{readLine}} from a page-table entry read before {{lock}}() on line {{lockLine}}; nothing under the lock derives it again from the entry, so a concurrent updater serialised by that lock may already have cleared the entry and freed or replaced what {{value}} names (a double free, or a stale page installed; all architectures)',
    },
  },
  check(context) {
    return context.functions().flatMap(reports);
  },
});
