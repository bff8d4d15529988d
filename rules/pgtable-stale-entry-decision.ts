// R10: a pmd/pud value read without the lock that serialises table removal
// must be re-read and compared after that lock is taken, before it is acted
// on (moved, populated, freed). Jann Horn's move_normal_pmd() vs
// retract_page_tables() fix: mremap read the old pmd, took the rmap locks,
// then moved the value read earlier, a table khugepaged had retracted.
import {
  defineRule,
  introducedBy,
  lineText,
  reportOn,
  type CCall,
  type ImageFunction,
  type RuleReport,
  type TouchedFunction,
} from '../src/analysis/rule-api.ts';

const READS = /^(pmdp_get|pudp_get|pmdp_get_lockless|pudp_get_lockless|READ_ONCE)$/;
const LOCKS = /^(pmd_lock|pud_lock|spin_lock\w*|take_rmap_locks|i_mmap_lock_\w+|anon_vma_lock_\w+|mmap_write_lock|pte_lockptr)$/;
const ACTS = /^(pmd_populate\w*|pud_populate\w*|set_pmd\w*|set_pud\w*|pmd_pgtable|pte_free\w*|pmd_free\w*)$/;
const RECHECK = /\b(pmd_same|pud_same|pmdp_get|pudp_get|pmd_none|pmd_present)\s*\(/;

interface StaleUse {
  read: CCall;
  lock: CCall;
  act: CCall;
  value: string;
}

/** `v = pmdp_get(p)` … lock … `pmd_populate(…, v)` with no recheck of p or v after the lock (line order). */
function staleUses(image: ImageFunction): StaleUse[] {
  const calls = [...image.analysis.calls].sort((a, b) => a.line - b.line);
  const out: StaleUse[] = [];
  for (const read of calls.filter((c) => READS.test(c.callee) && c.assignedTo !== undefined)) {
    const value = read.assignedTo as string;
    const lock = calls.find((c) => c.line > read.line && LOCKS.test(c.callee));
    if (!lock) continue;
    for (const act of calls.filter((c) => c.line > lock.line && ACTS.test(c.callee) && c.args.some((a) => new RegExp(`\\b${value}\\b`).test(a)))) {
      const rechecked = image.lines.some((l) => {
        const n = l.newLine ?? l.oldLine ?? 0;
        return n > lock.line && n < act.line && RECHECK.test(l.text);
      });
      // One report per read: pmd_populate(…, pmd_pgtable(v)) is one decision.
      if (!rechecked) {
        out.push({ read, lock, act, value });
        break;
      }
    }
  }
  return out;
}

function reports(fn: TouchedFunction): RuleReport[] {
  return introducedBy(fn, staleUses, (u, image) => `${lineText(image, u.read.line)}|${lineText(image, u.act.line)}`).flatMap(({ item: u, image }) => {
    const r = reportOn(fn, image, {
      messageId: 'staleDecision',
      data: { act: u.act.callee, value: u.value, readLine: u.read.line, lock: u.lock.callee, lockLine: u.lock.line },
      line: u.act.line,
      lines: [u.read.line, u.lock.line],
      suggestion: `after ${u.lock.callee}(), re-read the entry and compare (pmd_same(${u.value}, pmdp_get(...))); fall back if it changed`,
    });
    return r ? [r] : [];
  });
}

export default defineRule({
  meta: {
    id: 'pgtable-stale-entry-decision',
    title: 'acting on a page-table entry read before the lock that excludes its removal',
    severity: 'error',
    hazardClass: 'ordering',
    contract:
      'A PMD/PUD value read without the lock that serialises table removal (retract_page_tables() under the i_mmap/rmap ' +
      'locks, THP collapse, free_pgtables()) is re-read and compared after that lock is taken, before it is acted on: ' +
      'moved, populated or freed.',
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
    ],
    docs: 'rules/pgtable-stale-entry-decision.md',
    messages: {
      staleDecision:
        '{{act}}() acts on {{value}}, read on line {{readLine}} before {{lock}}() on line {{lockLine}}, with no re-read and compare after the lock: a concurrent retract_page_tables() may have removed that table in between',
    },
  },
  check(context) {
    return context.functions().flatMap(reports);
  },
});
