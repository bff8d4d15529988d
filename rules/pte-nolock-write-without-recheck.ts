// R08: pte_offset_map_ro_nolock() is for reading only: no write even after
// taking the PTL, since the table may already be detached and about to be
// freed. pte_offset_map_rw_nolock() allows writes only after spin_lock(ptl)
// and a stability check (pmd_same(pmdval, pmdp_get_lockless(pmd)), or a
// pte_same() on an entry whose change would show a detach). Qi Zheng 2024;
// the comment above __pte_offset_map_lock in mm/pgtable-generic.c.
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

const NOLOCK_MAPS = /^(pte_offset_map_ro_nolock|pte_offset_map_rw_nolock|pte_offset_map_nolock)$/;
const PTE_WRITES = /^(set_pte_at|set_pte|set_ptes|pte_clear|ptep_get_and_clear\w*|ptep_clear\w*|ptep_set_\w+|ptep_modify_prot_\w+|ptep_test_and_clear_young)$/;
const RECHECK = /\b(pmd_same|pte_same)\s*\(/;

interface Unchecked {
  map: CCall;
  write: CCall;
  kind: 'readOnly' | 'noRecheck';
}

/**
 * Writes after a nolock map that no recheck precedes, in line order after
 * the lock (the front end has no dominance query yet: a recheck on the
 * lines between the lock and the write counts).
 */
function uncheckedWrites(image: ImageFunction): Unchecked[] {
  const calls = [...image.analysis.calls].sort((a, b) => a.line - b.line);
  const out: Unchecked[] = [];
  for (const map of calls.filter((c) => NOLOCK_MAPS.test(c.callee))) {
    const ptl = (map.args[map.callee === 'pte_offset_map_rw_nolock' ? 4 : 3] ?? '').replace(/^&\s*/, '');
    const lock = calls.find((c) => c.line >= map.line && /^spin_lock/.test(c.callee) && c.args[0]?.replace(/^&\s*/, '') === ptl);
    for (const write of calls.filter((c) => c.line > map.line && PTE_WRITES.test(c.callee))) {
      if (map.callee === 'pte_offset_map_ro_nolock') {
        out.push({ map, write, kind: 'readOnly' });
        continue;
      }
      const from = lock?.line ?? map.line;
      const rechecked = image.lines.some((l) => {
        const n = l.newLine ?? l.oldLine ?? 0;
        return n > from && n <= write.line && RECHECK.test(l.text);
      });
      if (!lock || lock.line > write.line || !rechecked) out.push({ map, write, kind: 'noRecheck' });
    }
  }
  return out;
}

function reports(fn: TouchedFunction): RuleReport[] {
  return introducedBy(fn, uncheckedWrites, (u, image) => `${u.kind}|${lineText(image, u.map.line)}|${lineText(image, u.write.line)}`).flatMap(({ item: u, image }) => {
    const r = reportOn(fn, image, {
      messageId: u.kind,
      data: { map: u.map.callee, mapLine: u.map.line, write: u.write.callee },
      line: u.write.line,
      lines: [u.map.line],
      suggestion:
        u.kind === 'readOnly'
          ? 'map with pte_offset_map_rw_nolock() (and recheck under the lock) or pte_offset_map_lock() to write'
          : 'after spin_lock(ptl): if (!pmd_same(pmdval, pmdp_get_lockless(pmd))) { pte_unmap_unlock(pte, ptl); goto again; }',
    });
    return r ? [r] : [];
  });
}

export default defineRule({
  meta: {
    id: 'pte-nolock-write-without-recheck',
    title: 'PTE written through a *_nolock mapping without revalidating the pmd',
    severity: 'error',
    hazardClass: 'pte-map',
    contract:
      'pte_offset_map_ro_nolock() maps for reading only: no write even after taking the PTL, since the table may already ' +
      'be detached (retract_page_tables) and about to be freed. pte_offset_map_rw_nolock(mm, pmd, addr, &pmdval, &ptl) ' +
      'allows writes only after spin_lock(ptl) and a check that the pmd still points to the same table ' +
      '(pmd_same(pmdval, pmdp_get_lockless(pmd))), or a pte_same() whose change would show a detach.',
    arches: ['all'],
    references: [
      {
        title: 'Qi Zheng, [PATCH v5 00/13] introduce pte_offset_map_{ro|rw}_nolock()',
        url: 'https://lore.kernel.org/all/cover.1727332572.git.zhengqi.arch@bytedance.com/',
      },
      {
        title: 'Qi Zheng, introduce pte_offset_map_{readonly|maywrite}_nolock() (v1)',
        url: 'https://lore.kernel.org/all/20240904084022.32728-1-zhengqi.arch@bytedance.com/',
      },
    ],
    docs: 'rules/pte-nolock-write-without-recheck.md',
    messages: {
      readOnly: '{{write}}() writes through the table {{map}}() mapped on line {{mapLine}}: a read-only mapping, the table may already be detached and about to be freed',
      noRecheck:
        '{{write}}() writes through the table {{map}}() mapped on line {{mapLine}} with no pmd_same()/pte_same() recheck after taking the PTL: the table may have been retracted in between',
    },
  },
  check(context) {
    return context.functions().flatMap(reports);
  },
});
