// Path-sensitive "what has happened so far" over a function's CFG, for rules
// whose question is "on every path to this call, did X come first?" (a
// dominating check, HAZARDS P6) or "after this call, does every path reach
// Y?" (a post-dominating close). The rule gives a small state and how calls,
// branch conditions and branch outcomes change it; every call is then seen
// with each distinct state that reaches it.
import { propagate, type CCall, type Cfg } from '../c/index.ts';
import type { BranchFact, CfgNode } from '../c/index.ts';

export interface PathStateSpec<S> {
  initial: S;
  /** Identity of a state (states with one key are visited once per node). */
  key(state: S): string;
  /** A branch node's condition, before its calls are evaluated. */
  condition?(state: S, text: string, node: CfgNode): S;
  /** One call, in evaluation order. */
  call(state: S, call: CCall, node: CfgNode): S;
  /** What the outcome of a branch tells (`pte_valid(old)` was true). */
  outcome?(state: S, facts: BranchFact[]): S;
}

export interface CallInState<S> {
  call: CCall;
  /** The state just before the call. */
  before: S;
  node: CfgNode;
}

export interface PathStates<S> {
  /** Every call with every distinct state it is reached in. */
  calls: Array<CallInState<S>>;
  /** Distinct states at the function's exit. */
  exits: S[];
  truncated: boolean;
}

/** Runs `spec` over `cfg`; cheap enough for the few rules that need it per image. */
export function pathStates<S>(cfg: Cfg, spec: PathStateSpec<S>): PathStates<S> {
  const calls: Array<CallInState<S>> = [];
  const seen = new Set<string>();
  const result = propagate<S>(cfg, spec.initial, {
    key: spec.key,
    transfer: (node, state) => {
      let s = node.kind === 'branch' || node.kind === 'loop-head' ? (spec.condition?.(state, node.text, node) ?? state) : state;
      for (const e of node.events) {
        if (e.kind !== 'call') continue;
        const k = `${node.id}:${e.call.line}:${e.call.text}:${spec.key(s)}`;
        if (!seen.has(k)) {
          seen.add(k);
          calls.push({ call: e.call, before: s, node });
        }
        s = spec.call(s, e.call, node);
      }
      return s;
    },
    edge: (state, edge) => (spec.outcome && edge.facts.length > 0 ? spec.outcome(state, edge.facts) : state),
  });
  return { calls, exits: result.exitStates, truncated: result.truncated };
}

/** Does `text` mention `name` as a whole word? */
export function mentions(text: string, name: string): boolean {
  return name !== '' && new RegExp(`(^|[^\\w])${name.replace(/[$]/g, '\\$')}([^\\w]|$)`).test(text);
}
