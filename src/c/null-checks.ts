// Uses of a mapped PTE pointer that no NULL test has guarded (R06): since
// 0d940a9b270b pte_offset_map*() may return NULL, so on every path from the
// map to a use of its result some branch must have tested the result.
import type { CCall } from './calls.ts';
import type { Cfg, CfgNode } from './cfg.ts';
import { propagate, witnessLines } from './propagate.ts';

/** Map calls whose result may be NULL (pte_offset_kernel on init_mm cannot fail). */
export const NULLABLE_MAP_CALLS: ReadonlySet<string> = new Set([
  'pte_offset_map', 'pte_offset_map_lock', 'pte_offset_map_nolock', 'pte_offset_map_ro_nolock',
  'pte_offset_map_rw_nolock', '__pte_offset_map', '___pte_offset_map', '__pte_offset_map_lock',
  'pte_alloc_map', 'pte_alloc_map_lock',
]);

export interface UncheckedUse {
  map: CCall;
  variable: string;
  /** The statement that uses the pointer before any NULL test. */
  line: number;
  text: string;
  /** Statement lines from the entry to the use. */
  path: number[];
}

type Unchecked = ReadonlyMap<string, CCall>;

const mentions = (text: string, v: string): boolean => new RegExp(`(^|[^\\w.>])${v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(text);

/** A branch whose own condition tests `v` (`if (!pte || pte_none(*pte))`) is the check, not a use. */
function testsVariable(node: CfgNode, v: string): boolean {
  return node.succ.some((e) => e.facts.some((f) => f.kind === 'null' && f.variable === v));
}

export function uncheckedMapUses(cfg: Cfg): UncheckedUse[] {
  const out: UncheckedUse[] = [];
  const seen = new Set<string>();
  propagate<Unchecked>(cfg, new Map(), {
    key: (s) => [...s.entries()].map(([v, c]) => `${v}@${c.line}`).sort().join(';'),
    transfer: (node, state, witness) => {
      const s = new Map(state);
      const mapHere = node.events.flatMap((e) => (e.kind === 'call' && NULLABLE_MAP_CALLS.has(e.call.callee) && e.call.assignedTo ? [e.call] : []));
      for (const [v, map] of s) {
        if (mapHere.some((m) => m.assignedTo === v) || testsVariable(node, v) || !mentions(node.text, v)) continue;
        const k = `${map.line}:${v}:${node.line}`;
        if (!seen.has(k)) {
          seen.add(k);
          out.push({ map, variable: v, line: node.line, text: node.text, path: witnessLines(cfg, witness()) });
        }
        // Report the first unguarded use on a path, not every later one.
        s.delete(v);
      }
      for (const m of mapHere) if (m.assignedTo) s.set(m.assignedTo, m);
      // `start_pte = pte`: the copy is as unchecked as the original.
      for (const e of node.events) {
        if (e.kind !== 'assign') continue;
        const src = /^([A-Za-z_]\w*)$/.exec(e.value)?.[1];
        const m = src ? s.get(src) : undefined;
        if (m) s.set(e.target, m);
      }
      return s;
    },
    edge: (state, e) => {
      const tested = e.facts.flatMap((f) => (f.kind === 'null' ? [f.variable] : []));
      if (!tested.some((v) => state.has(v))) return state;
      const s = new Map(state);
      for (const v of tested) {
        const m = s.get(v);
        // A test of one name checks every copy of the same mapping.
        for (const [w, c] of s) if (c === m) s.delete(w);
      }
      return s;
    },
  });
  return out.sort((a, b) => a.line - b.line);
}
