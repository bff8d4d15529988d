// Pointer provenance for map/unmap (HAZARDS.md P5): which map call the
// pointer given to pte_unmap()/pte_unmap_unlock() comes from, and whether it
// was advanced since (`pte++` in a `do { } while (pte++, ...)` walk leaves it
// one past the last entry, so the unmap must take `pte - 1` or the saved
// `start_pte`).
import type { CCall } from './calls.ts';
import type { Cfg } from './cfg.ts';
import { propagate } from './propagate.ts';

/** Calls that return a mapped PTE pointer (HAZARDS.md F). */
export const PTE_MAP_CALLS: ReadonlySet<string> = new Set([
  'pte_offset_map', 'pte_offset_map_lock', 'pte_offset_map_nolock', 'pte_offset_map_ro_nolock',
  'pte_offset_map_rw_nolock', '__pte_offset_map', '___pte_offset_map', '__pte_offset_map_lock',
  'pte_alloc_map', 'pte_alloc_map_lock',
]);
/** Calls that unmap; the pointer is their first argument. */
export const PTE_UNMAP_CALLS: ReadonlySet<string> = new Set(['pte_unmap', 'pte_unmap_unlock']);

/**
 * How an unmap argument relates to the mapped pointer on one path:
 * - start: the pointer the map returned (or a copy of it), not moved;
 * - advanced: moved forward since the map (possibly one past the table);
 * - advanced-minus-one: `pte - 1` after moving forward (the last entry used);
 * - start-minus-one: `pte - 1` without any move (before the table);
 * - unknown: not traced to a map call in this function.
 */
export type UnmapDerivation = 'start' | 'advanced' | 'advanced-minus-one' | 'start-minus-one' | 'unknown';

export interface UnmapProvenance {
  unmap: CCall;
  /** The unmap's pointer argument as written. */
  argument: string;
  /** Map calls the pointer may come from (by line), over all paths. */
  maps: CCall[];
  /** Every derivation seen on some path reaching the unmap. */
  derivations: UnmapDerivation[];
  /**
   * Map calls (by line) that were mapped after this one and are still mapped
   * at this unmap on some path: kmap_local is a stack, so the later mapping
   * must be unmapped first (R07, mremap's old/new pair).
   */
  unmappedBefore: CCall[];
}

interface Origin {
  map: CCall;
  advanced: boolean;
}
interface PointerState {
  vars: ReadonlyMap<string, Origin>;
  /** Live mappings, oldest first. */
  live: readonly CCall[];
}

function key(s: PointerState): string {
  const vars = [...s.vars.entries()].map(([v, o]) => `${v}=${o.map.line}${o.advanced ? '+' : ''}`).sort().join(';');
  return `${vars}|${s.live.map((c) => c.line).join(',')}`;
}

function derive(arg: string, s: ReadonlyMap<string, Origin>): { origin?: Origin; derivation: UnmapDerivation } {
  const m = /^\(?\s*([A-Za-z_]\w*)\s*(-\s*1)?\s*\)?$/.exec(arg.trim());
  const origin = m?.[1] ? s.get(m[1]) : undefined;
  if (!m || !origin) return { derivation: 'unknown' };
  if (m[2]) return { origin, derivation: origin.advanced ? 'advanced-minus-one' : 'start-minus-one' };
  return { origin, derivation: origin.advanced ? 'advanced' : 'start' };
}

/** Provenance of every unmap in the function. */
export function unmapProvenance(cfg: Cfg): UnmapProvenance[] {
  const found = new Map<string, UnmapProvenance>();
  propagate<PointerState>(cfg, { vars: new Map(), live: [] }, {
    key,
    transfer: (node, state) => {
      const s = new Map(state.vars);
      let live = state.live;
      for (const e of node.events) {
        if (e.kind === 'call' && PTE_UNMAP_CALLS.has(e.call.callee)) {
          const argument = e.call.args[0] ?? '';
          const { origin, derivation } = derive(argument, s);
          const k = `${e.call.line}:${e.call.callee}`;
          const p = found.get(k) ?? { unmap: e.call, argument, maps: [], derivations: [], unmappedBefore: [] };
          if (!p.derivations.includes(derivation)) p.derivations.push(derivation);
          if (origin && !p.maps.some((c) => c.line === origin.map.line)) p.maps.push(origin.map);
          if (origin) {
            const at = live.findIndex((c) => c.line === origin.map.line);
            for (const later of at >= 0 ? live.slice(at + 1) : []) if (!p.unmappedBefore.some((c) => c.line === later.line)) p.unmappedBefore.push(later);
            live = live.filter((c) => c.line !== origin.map.line);
          }
          found.set(k, p);
        } else if (e.kind === 'call' && PTE_MAP_CALLS.has(e.call.callee) && e.call.assignedTo) {
          s.set(e.call.assignedTo, { map: e.call, advanced: false });
          live = [...live.filter((c) => c.line !== e.call.line), e.call];
        } else if (e.kind === 'assign') {
          if (isMapAssignment(node.events, e.target, e.line)) continue;
          const src = /^([A-Za-z_]\w*)(?:\s*=.*)?$/.exec(e.value)?.[1];
          const o = src ? s.get(src) : undefined;
          if (o) s.set(e.target, o);
          else s.delete(e.target);
        } else if (e.kind === 'advance') {
          const o = s.get(e.target);
          if (o) s.set(e.target, { ...o, advanced: true });
        }
      }
      return { vars: s, live };
    },
    // A NULL map maps nothing: it is not live on the edge that tested it so.
    edge: (state, e) => {
      const nulls = e.facts.flatMap((f) => (f.kind === 'null' && f.isNull ? [f.variable] : []));
      if (nulls.length === 0) return state;
      const dead = new Set(nulls.flatMap((v) => { const o = state.vars.get(v); return o ? [o.map.line] : []; }));
      return dead.size ? { ...state, live: state.live.filter((c) => !dead.has(c.line)) } : state;
    },
  });
  return [...found.values()].sort((a, b) => a.unmap.line - b.unmap.line);
}

/** `pte = pte_offset_map(...)`: the assignment that the map call itself made. */
function isMapAssignment(events: Cfg['nodes'][number]['events'], target: string, line: number): boolean {
  return events.some((e) => e.kind === 'call' && PTE_MAP_CALLS.has(e.call.callee) && e.call.assignedTo === target && e.call.line <= line);
}
