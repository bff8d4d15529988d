// Paired-call balance per path (HAZARDS.md P3): every acquisition made in
// the function is released on every path to its exit, nothing is released
// that was not held, and what the caller handed in is still held at exit.
import type { Cfg, CfgNode } from './cfg.ts';
import { analyseHeldStates, heldCount } from './held-states.ts';
import type { HeldStateAnalysis, HeldStateOptions, Hold } from './held-states.ts';
import type { Resource } from './resources.ts';

export type BalanceIssueKind =
  /** Acquired in the function and still held when a path leaves it. */
  | 'leak'
  /**
   * Still held at a `return pte;` that hands the mapping to the caller (the
   * `__pte_offset_map()` wrappers): not a leak, but the caller must unmap.
   */
  | 'returned'
  /** Released with nothing held on some path. */
  | 'underflow'
  /** A resource the caller held (options.entry) is no longer held at exit. */
  | 'not-restored'
  /** The same lock taken again while held on some path (spinlocks and rwsems do not nest; R17). */
  | 'reacquired';

export interface BalanceIssue {
  kind: BalanceIssueKind;
  resource: Resource;
  /** The acquiring call (leak), the releasing call (underflow), or `<caller>`. */
  callee: string;
  /** Line of that call. */
  line: number;
  /** Where the path leaves the function: its return statement, or the closing brace. */
  exitLine: number;
  /** Statement lines of one such path, entry to exit (evidence). */
  path: number[];
}

export interface BalanceOptions extends HeldStateOptions {
  /** Only these resources (default: all). */
  resources?: readonly Resource[];
  /**
   * What must be held at return, where it differs from `entry` (`__acquires`:
   * 1, `__releases`: 0). See lockContract().
   */
  exitHeld?: Readonly<Partial<Record<Resource, number>>>;
}

function pathLines(cfg: Cfg, witness: number[]): number[] {
  const out: number[] = [];
  for (const id of witness) {
    const n = cfg.nodes[id];
    if (!n || n.kind === 'entry' || n.kind === 'exit') continue;
    if (out[out.length - 1] !== n.line) out.push(n.line);
  }
  return out;
}

/** The return statement a witness path leaves by, if it leaves by one. */
function returnOf(cfg: Cfg, witness: number[]): CfgNode | undefined {
  for (let i = witness.length - 1; i >= 0; i--) {
    const n = cfg.nodes[witness[i] ?? -1];
    if (n?.kind === 'return') return n;
  }
  return undefined;
}

/** Does this return hand `h` to the caller: `return pte;`, or `return __pte_offset_map(...);`? */
function returnsHold(ret: CfgNode | undefined, h: Hold): boolean {
  if (!ret) return false;
  const v = /^return\s*\(?\s*([A-Za-z_]\w*)\s*\)?\s*;?$/.exec(ret.text)?.[1];
  if (v !== undefined && h.owners.includes(v)) return true;
  return h.line === ret.line && ret.events.some((e) => e.kind === 'call' && e.call.callee === h.callee);
}

function expectedAtExit(options: BalanceOptions, resource: Resource): number {
  return options.exitHeld?.[resource] ?? options.entry?.[resource] ?? 0;
}

/** Balance issues of a function, from a fresh analysis or one already made. */
export function checkBalance(cfg: Cfg, options: BalanceOptions = {}, analysis?: HeldStateAnalysis): BalanceIssue[] {
  const a = analysis ?? analyseHeldStates(cfg, options);
  const wanted = (r: Resource): boolean => !options.resources || options.resources.includes(r);
  const issues: BalanceIssue[] = [];
  const seen = new Set<string>();
  const push = (i: BalanceIssue): void => {
    const k = `${i.kind}:${i.resource}:${i.line}:${i.exitLine}`;
    if (seen.has(k)) return;
    seen.add(k);
    issues.push(i);
  };
  for (const { state, witness } of a.exitStates) {
    const ret = returnOf(cfg, witness);
    const exitLine = ret?.line ?? cfg.nodes[cfg.exit]?.line ?? 0;
    // A leak is what is held beyond what the caller handed in: a callback that
    // leaves its caller's section and re-enters it holds its own acquisition.
    const resources = new Set(state.holds.map((h) => h.resource));
    for (const resource of resources) {
      if (!wanted(resource)) continue;
      const held = state.holds.filter((h) => h.resource === resource && !h.pending);
      const own = held.filter((h) => h.callee !== '<caller>');
      const excess = held.length - expectedAtExit(options, resource);
      for (const h of own.slice(Math.max(0, own.length - excess))) {
        if (excess <= 0) break;
        push({ kind: returnsHold(ret, h) ? 'returned' : 'leak', resource: h.resource, callee: h.callee, line: h.line, exitLine, path: pathLines(cfg, witness) });
      }
    }
    for (const resource of new Set([...Object.keys(options.entry ?? {}), ...Object.keys(options.exitHeld ?? {})])) {
      const n = expectedAtExit(options, resource);
      // Only what the caller handed in is checked for: an `__acquires` lock
      // may be taken by a callee we cannot see.
      if (!wanted(resource) || !n || n > (options.entry?.[resource] ?? 0) || heldCount(state, resource) >= n) continue;
      if (state.deficits[resource]) continue; // already an underflow
      push({ kind: 'not-restored', resource, callee: '<caller>', line: cfg.fn.startLine, exitLine, path: pathLines(cfg, witness) });
    }
  }
  for (const r of a.reacquisitions) {
    if (!wanted(r.resource)) continue;
    push({ kind: 'reacquired', resource: r.resource, callee: r.call.callee, line: r.call.line, exitLine: r.call.line, path: pathLines(cfg, r.witness) });
  }
  for (const u of a.underflows) {
    if (!wanted(u.resource)) continue;
    push({ kind: 'underflow', resource: u.resource, callee: u.call.callee, line: u.call.line, exitLine: u.call.line, path: pathLines(cfg, u.witness) });
  }
  return issues.sort((x, y) => x.line - y.line || x.exitLine - y.exitLine);
}

/**
 * Resources a function releases before it acquired them: it runs with them
 * held by its caller (split_large_page() drops and retakes cpa_lock, an
 * apply_to_page_range() callback leaves and re-enters lazy MMU). Pass the
 * result as `entry` to check the function against that contract.
 */
export function inferCallerHeld(analysis: HeldStateAnalysis): Partial<Record<Resource, number>> {
  const out: Partial<Record<Resource, number>> = {};
  for (const u of analysis.underflows) out[u.resource] = 1;
  return out;
}
