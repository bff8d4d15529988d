// Ordered-event checks (HAZARDS.md P6): "A, then B, before C" fails when some
// path goes from an A-event to a C-event without a B-event in between, e.g.
// pmd_clear() → free_page() with no TLB/walk-cache invalidation (R11), or
// ptep_get_and_clear() → folio_put() before the flush (R13).
import type { CCall } from './calls.ts';
import type { Cfg } from './cfg.ts';
import { propagate, witnessLines } from './propagate.ts';

/**
 * The three event kinds. `between` and `last` also get the A-event that
 * opened the window, so a rule can tie them to it (the same table pointer,
 * the same address) when the arguments allow.
 */
export interface OrderedEventSpec {
  /** A: the event that opens the window (clear an entry). */
  first(call: CCall): boolean;
  /** B: the event that must happen inside the window (invalidate). */
  between(call: CCall, opened: CCall): boolean;
  /** C: the event that must not happen while the window is open (free). */
  last(call: CCall, opened: CCall): boolean;
}

export interface OrderViolation {
  first: CCall;
  last: CCall;
  /** Statement lines from the function's entry to the C-event. */
  path: number[];
}

/** Paths from an A-event to a C-event that skip every B-event. */
export function findOrderViolations(cfg: Cfg, spec: OrderedEventSpec): OrderViolation[] {
  const out: OrderViolation[] = [];
  const seen = new Set<string>();
  // State: the A-event that opened the window on this path, if any.
  // (null, not undefined: propagate() drops edges whose state is undefined.)
  propagate<CCall | null>(cfg, null, {
    key: (s) => (s ? `${s.line}:${s.callee}` : '-'),
    transfer: (node, state, witness) => {
      let open = state;
      for (const e of node.events) {
        if (e.kind !== 'call') continue;
        const call = e.call;
        if (open && spec.last(call, open)) {
          const k = `${open.line}:${open.callee}>${call.line}:${call.callee}`;
          if (!seen.has(k)) {
            seen.add(k);
            const path = witnessLines(cfg, witness());
            if (path[path.length - 1] !== call.line) path.push(call.line);
            out.push({ first: open, last: call, path });
          }
        }
        if (open && spec.between(call, open)) open = null;
        if (spec.first(call)) open = call;
      }
      return open;
    },
  });
  return out.sort((a, b) => a.first.line - b.first.line || a.last.line - b.last.line);
}
