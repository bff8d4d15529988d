// A small worklist over the CFG for analyses whose state is a plain value
// (ordered events, provenance): each distinct state is visited once per
// node, and the first path that produced it is kept as a witness.
import type { Cfg, CfgEdge, CfgNode } from './cfg.ts';

export interface Propagation<S> {
  /** Visits a node in a state; returns the state after its events. */
  transfer(node: CfgNode, state: S, witness: () => number[]): S;
  /** Optional edge filter/transform; undefined drops the edge. */
  edge?(state: S, edge: CfgEdge): S | undefined;
  key(state: S): string;
}

export interface PropagationResult<S> {
  /** Distinct states reaching the exit. */
  exitStates: S[];
  truncated: boolean;
}

export function propagate<S>(cfg: Cfg, initial: S, p: Propagation<S>, maxSteps = 100_000): PropagationResult<S> {
  const seen = new Map<number, Map<string, { state: S; parent: { node: number; key: string } | undefined }>>();
  const work: Array<{ node: number; key: string }> = [];
  const add = (node: number, state: S, parent: { node: number; key: string } | undefined): void => {
    let m = seen.get(node);
    if (!m) seen.set(node, (m = new Map()));
    const key = p.key(state);
    if (m.has(key)) return;
    m.set(key, { state, parent });
    work.push({ node, key });
  };
  const witnessOf = (node: number, key: string): number[] => {
    const out: number[] = [];
    let cur: { node: number; key: string } | undefined = { node, key };
    while (cur) {
      out.push(cur.node);
      cur = seen.get(cur.node)?.get(cur.key)?.parent;
    }
    return out.reverse();
  };
  add(cfg.entry, initial, undefined);
  let steps = 0;
  let truncated = false;
  while (work.length) {
    if (++steps > maxSteps) {
      truncated = true;
      break;
    }
    const item = work.pop();
    const node = item ? cfg.nodes[item.node] : undefined;
    const visit = item ? seen.get(item.node)?.get(item.key) : undefined;
    if (!item || !node || !visit) continue;
    const after = p.transfer(node, visit.state, () => witnessOf(item.node, item.key));
    for (const e of node.succ) {
      const next = p.edge ? p.edge(after, e) : after;
      if (next !== undefined) add(e.to, next, item);
    }
  }
  return { exitStates: [...(seen.get(cfg.exit)?.values() ?? [])].map((v) => v.state), truncated };
}

/** Statement lines of a witness (node ids), for evidence. */
export function witnessLines(cfg: Cfg, witness: number[]): number[] {
  const out: number[] = [];
  for (const id of witness) {
    const n = cfg.nodes[id];
    if (!n || n.kind === 'entry' || n.kind === 'exit') continue;
    if (out[out.length - 1] !== n.line) out.push(n.line);
  }
  return out;
}
