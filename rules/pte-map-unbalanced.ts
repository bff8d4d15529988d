// R07: since Hugh Dickins' 2023 series a pte_offset_map*() holds the RCU read
// side (and kmap_local with HIGHPTE) until pte_unmap(), and
// pte_offset_map_lock() the PTL as well until pte_unmap_unlock(). A path that
// returns with either still held, an unmap given a pointer the walk moved
// past the table, or nested maps unmapped oldest first are what the patch
// must not introduce. Balance and provenance are the C front end's (P3, P5).
import {
  defineRule,
  introducedBalance,
  introducedBy,
  lineText,
  removedCalls,
  reportOn,
  sameHunk,
  type BalanceIssue,
  type RuleReport,
  type TouchedFunction,
  type UnmapProvenance,
} from '../src/analysis/rule-api.ts';

const RELEASES = ['pte_unmap', 'pte_unmap_unlock', 'spin_unlock'];

function leakReports(fn: TouchedFunction): RuleReport[] {
  const issues = introducedBalance(fn, ['pte-map', 'ptl']);
  const removed = removedCalls(fn, RELEASES).map((s) => s.line);
  // One report per acquisition and exit: the map and its PTL leak together.
  const byPlace = new Map<string, { issues: BalanceIssue[]; image: (typeof issues)[number]['image'] }>();
  for (const { item, image } of issues) {
    const k = `${item.kind}:${item.line}:${item.exitLine}`;
    const entry = byPlace.get(k) ?? { issues: [], image };
    entry.issues.push(item);
    byPlace.set(k, entry);
  }
  return [...byPlace.values()].flatMap(({ issues: group, image }) => {
    const first = group[0] as BalanceIssue;
    const name = fn.name ?? 'file scope';
    const mapped = group.some((i) => i.resource === 'pte-map');
    const locked = group.some((i) => i.resource === 'ptl');
    const r =
      first.kind === 'leak'
        ? reportOn(fn, image, {
            messageId: mapped ? 'mapLeaked' : 'ptlLeaked',
            data: {
              function: name,
              map: first.callee,
              mapLine: first.line,
              exitLine: first.exitLine,
              held: mapped && locked ? 'mapped and its PTL held' : 'mapped',
            },
            line: image.lineAt(first.exitLine)?.kind === 'added' ? first.exitLine : first.line,
            lines: [first.line, first.exitLine],
            extra: removed,
            suggestion: mapped
              ? `goto a label that calls ${locked ? 'pte_unmap_unlock(pte, ptl)' : 'pte_unmap(pte)'} on every exit`
              : 'spin_unlock(ptl) on every exit',
          })
        : reportOn(fn, image, {
            messageId: 'releasedNotHeld',
            data: { function: name, unmap: first.callee, line: first.line },
            line: first.line,
          });
    return r ? [r] : [];
  });
}

/** An unmap of a pointer moved past the table, or nested maps unmapped in the wrong order. */
function provenanceReports(fn: TouchedFunction): RuleReport[] {
  const wrong = (p: UnmapProvenance): string | undefined =>
    p.derivations.includes('advanced')
      ? 'advanced'
      : // `pte - 1` on a path that broke out before the first advance is the
        // kernel's own idiom (the pointer stays in the table's page): only an
        // unmap that is never advanced is wrong.
        p.derivations.every((d) => d === 'start-minus-one')
        ? 'before'
        : p.unmappedBefore.length > 0
          ? 'order'
          : undefined;
  const found = introducedBy(
    fn,
    (image) =>
      image.analysis.provenance().filter((p) => wrong(p) !== undefined && p.maps.every((m) => sameHunk(fn, image, m.line, p.unmap.line))),
    (p, image) => `${wrong(p)}|${lineText(image, p.unmap.line)}|${p.maps.map((m) => lineText(image, m.line)).join(',')}`,
  );
  return found.flatMap(({ item: p, image }) => {
    const kind = wrong(p);
    const map = p.maps[0];
    const later = p.unmappedBefore[0];
    const r = reportOn(fn, image, {
      messageId: kind === 'order' ? 'unmapOrder' : kind === 'before' ? 'unmapBeforeTable' : 'unmapAdvanced',
      data: {
        unmap: p.unmap.callee,
        arg: p.argument,
        mapLine: map?.line ?? 0,
        laterLine: later?.line ?? 0,
      },
      line: p.unmap.line,
      lines: [map?.line ?? p.unmap.line],
      suggestion: kind === 'order' ? 'unmap the later mapping first (kmap_local is a stack)' : `unmap the saved start pointer, or ${p.argument} - 1 after the loop`,
    });
    return r ? [r] : [];
  });
}

export default defineRule({
  meta: {
    id: 'pte-map-unbalanced',
    title: 'pte map/unmap or PTL lock/unlock not balanced',
    severity: 'error',
    hazardClass: 'pte-map',
    contract:
      'A successful pte_offset_map*() holds rcu_read_lock() (and kmap_local with CONFIG_HIGHPTE) until pte_unmap(); ' +
      'pte_offset_map_lock() also holds the PTL until pte_unmap_unlock(). Every path releases what it mapped, the unmap ' +
      'is given a pointer into the same table (the saved start, or pte - 1 after a do/while walk), and nested maps are ' +
      'unmapped newest first.',
    arches: ['all'],
    references: [
      {
        title: 'Hugh Dickins, [PATCH v2 00/32] mm: allow pte_offset_map[_lock]() to fail (RCU conversion "might now reveal missed imbalances")',
        url: 'https://lore.kernel.org/all/54cb04f-3762-987f-8294-91dafd8ebfb0@google.com/',
      },
      {
        title: 'Qi Zheng, mm/memory_failure: Fix the missing pte_unmap() call',
        url: 'https://lore.kernel.org/all/20210923122642.4999-1-zhengqi.arch@bytedance.com/',
      },
      {
        title: "Roel Kluin, pagewalk: don't pte_unmap(NULL) in walk_pte_range()",
        url: 'https://lore.kernel.org/all/47FC95AD.1070907@tiscali.nl/',
      },
    ],
    docs: 'rules/pte-map-unbalanced.md',
    messages: {
      mapLeaked:
        'PTE table left mapped: {{function}}() can return on line {{exitLine}} with the table {{map}}() returned on line {{mapLine}} still {{held}} (a pte mapping holds rcu_read_lock() until pte_unmap())',
      ptlLeaked: 'PTL left held: {{function}}() can return on line {{exitLine}} with the lock {{map}}() took on line {{mapLine}} still held',
      releasedNotHeld: 'released without being held: {{unmap}}() on line {{line}} is reached in {{function}}() on a path that mapped nothing',
      unmapAdvanced:
        '{{unmap}}({{arg}}) is given a pointer the walk moved past the entries mapped on line {{mapLine}}: it may point one past the table',
      unmapBeforeTable: '{{unmap}}({{arg}}) points before the table mapped on line {{mapLine}}: the pointer was not advanced',
      unmapOrder:
        '{{unmap}}({{arg}}) unmaps the table mapped on line {{mapLine}} while the one mapped later on line {{laterLine}} is still mapped: kmap_local mappings are a stack',
    },
  },
  check(context) {
    return context.functions().flatMap((fn) => [...leakReports(fn), ...provenanceReports(fn)]);
  },
});
