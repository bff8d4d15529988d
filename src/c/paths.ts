// Entry-to-exit paths through a CFG, for rules that want to look at whole
// paths and for evidence ("on the path through lines 12, 15, 18"). Each back
// edge is taken at most once per path, so a loop is run zero times or once:
// enough for balance, which is what kernel loops are checked for.
import type { Cfg, CfgEdge, CfgNode } from './cfg.ts';
import type { BranchFact } from './conditions.ts';

export interface CPathStep {
  node: CfgNode;
  /** Facts of the edge that led here (empty for the entry). */
  facts: BranchFact[];
}

export interface CPath {
  steps: CPathStep[];
  /** Lines of the statements on the path, in order (evidence). */
  lines: number[];
}

export interface PathOptions {
  /** Stop after this many paths (a function with 20 ifs has a million). */
  maxPaths?: number;
}

/** Paths from entry to exit; `truncated` says the limit was hit. */
export function enumeratePaths(cfg: Cfg, options: PathOptions = {}): { paths: CPath[]; truncated: boolean } {
  const max = options.maxPaths ?? 2000;
  const paths: CPath[] = [];
  const steps: CPathStep[] = [];
  const usedBack = new Set<string>();
  let truncated = false;
  const walk = (id: number, facts: BranchFact[]): void => {
    if (paths.length >= max) {
      truncated = true;
      return;
    }
    const node = cfg.nodes[id];
    if (!node) return;
    steps.push({ node, facts });
    if (id === cfg.exit) {
      paths.push({ steps: [...steps], lines: linesOf(steps) });
    } else {
      for (const e of node.succ) {
        // Re-entering a loop head once is one more iteration; twice is not needed.
        const key = String(e.to);
        if (e.back) {
          if (usedBack.has(key)) continue;
          usedBack.add(key);
          walk(e.to, e.facts);
          usedBack.delete(key);
        } else {
          walk(e.to, e.facts);
        }
      }
    }
    steps.pop();
  };
  walk(cfg.entry, []);
  return { paths, truncated };
}

function linesOf(steps: CPathStep[]): number[] {
  const out: number[] = [];
  for (const s of steps) {
    if (s.node.kind === 'entry' || s.node.kind === 'exit') continue;
    if (out[out.length - 1] !== s.node.line) out.push(s.node.line);
  }
  return out;
}

/** A readable dump of the graph, one node a line (for tests and debugging). */
export function describeCfg(cfg: Cfg): string {
  const edge = (e: CfgEdge): string => {
    const f = e.facts.map((x) => (x.kind === 'null' ? `${x.variable}${x.isNull ? '==NULL' : '!=NULL'}` : `${x.callee}${x.nonZero ? '' : '==0'}`));
    return `${e.back ? '^' : ''}${e.to}${f.length ? `[${f.join(',')}]` : ''}`;
  };
  return cfg.nodes
    .map((n) => {
      const ev = n.events.map((e) => (e.kind === 'call' ? `${e.call.synthetic ? `${e.call.synthetic}:` : ''}${e.call.callee}()` : e.kind === 'assign' ? `${e.target}=` : `${e.target}${e.op}`));
      return `${n.id} ${n.kind} L${n.line} ${ev.join(' ')} -> ${n.succ.map(edge).join(' ')}`;
    })
    .join('\n');
}
