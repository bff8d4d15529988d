// One entry point for rules: a function (or fragment) with its CFG and every
// engine service computed on first use, sharing one held-state analysis.
// A rule then reads as intent: `fa.balance({ resources: ['lazy-mmu'] })`,
// `fa.regions.callsInside('lazy-mmu-section')`.
import { checkBalance } from './balance.ts';
import type { BalanceIssue } from './balance.ts';
import { buildCfg } from './cfg.ts';
import type { Cfg } from './cfg.ts';
import { callsOf } from './functions.ts';
import type { CFunction } from './functions.ts';
import type { CCall } from './calls.ts';
import { analyseHeldStates } from './held-states.ts';
import type { HeldStateAnalysis, HeldStateOptions } from './held-states.ts';
import { findOrderViolations } from './ordered-events.ts';
import type { OrderedEventSpec, OrderViolation } from './ordered-events.ts';
import { unmapProvenance } from './provenance.ts';
import type { UnmapProvenance } from './provenance.ts';
import { computeRegions } from './regions.ts';
import type { RegionMap } from './regions.ts';
import type { Resource } from './resources.ts';
import { lockContract } from './annotations.ts';
import { uncheckedMapUses } from './null-checks.ts';
import type { UncheckedUse } from './null-checks.ts';

export interface FunctionAnalysis {
  fn: CFunction;
  /** False for fragments and for functions tree-sitter had to repair (cut by the hunk). */
  complete: boolean;
  cfg: Cfg;
  calls: CCall[];
  held: HeldStateAnalysis;
  regions: RegionMap;
  balance(filter?: { resources?: readonly Resource[] }): BalanceIssue[];
  order(spec: OrderedEventSpec): OrderViolation[];
  provenance(): UnmapProvenance[];
  /** Uses of a pte_offset_map*() result before any NULL test (R06). */
  uncheckedMapUses(): UncheckedUse[];
}

/**
 * Analyses `fn`; pass `entry` for a callback that runs inside its caller's
 * region. Without `entry`, the function's own lock annotations
 * (`__must_hold`, `__releases`, `__acquires`) give its contract.
 */
export function analyseFunction(fn: CFunction, given: HeldStateOptions = {}): FunctionAnalysis {
  const contract = lockContract(fn);
  const options: HeldStateOptions = given.entry ? given : { ...given, entry: contract.entry };
  const exitHeld = given.entry ? {} : contract.exitHeld;
  const cfg = buildCfg(fn);
  let held: HeldStateAnalysis | undefined;
  let regions: RegionMap | undefined;
  let calls: CCall[] | undefined;
  let provenance: UnmapProvenance[] | undefined;
  let unchecked: UncheckedUse[] | undefined;
  const heldOnce = (): HeldStateAnalysis => (held ??= analyseHeldStates(cfg, options));
  return {
    fn,
    complete: !fn.isFragment && !fn.bodyNode.hasError,
    cfg,
    get calls() {
      return (calls ??= callsOf(fn));
    },
    get held() {
      return heldOnce();
    },
    get regions() {
      return (regions ??= computeRegions(cfg, options, heldOnce()));
    },
    balance: (filter = {}) => checkBalance(cfg, { ...options, exitHeld, ...filter }, heldOnce()),
    order: (spec) => findOrderViolations(cfg, spec),
    provenance: () => (provenance ??= unmapProvenance(cfg)),
    uncheckedMapUses: () => (unchecked ??= uncheckedMapUses(cfg)),
  };
}
