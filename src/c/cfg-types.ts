// The CFG's data. Nodes and edges are plain objects (texts, lines, events);
// only `Cfg.fn` still points into the syntax tree.
import type { BranchFact, EdgeConstraint } from './conditions.ts';
import type { CEvent } from './events.ts';
import type { CFunction } from './functions.ts';

export type CfgNodeKind = 'entry' | 'exit' | 'statement' | 'branch' | 'loop-head' | 'label' | 'return' | 'guard-exit';

export interface CfgNode {
  id: number;
  kind: CfgNodeKind;
  line: number;
  /** Statement or condition text, whitespace collapsed, for evidence. */
  text: string;
  events: CEvent[];
  succ: CfgEdge[];
}

export interface CfgEdge {
  to: number;
  /** What is known on this edge (NULL tests, trylock results). */
  facts: BranchFact[];
  /** A loop's back edge: path enumeration takes each at most once. */
  back: boolean;
  /** The if-condition as atoms, for keeping correlated branches consistent. */
  constraint?: EdgeConstraint;
}

export interface Cfg {
  fn: CFunction;
  nodes: CfgNode[];
  entry: number;
  exit: number;
}
