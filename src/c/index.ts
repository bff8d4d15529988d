// The C front end and the shared detection layer (HAZARDS.md P2-P7).
// Rules import from here only; the modules behind it may move.
export { loadCParser, cGrammarWasmPath } from './parser.ts';
export type { CParser, ParsedC, ParseOptions } from './parser.ts';
export { normaliseKernelC, isLoopMacroName } from './kernel-macros.ts';
export type { KernelMacroSite, KernelAttributeSite, NormalisedSource } from './kernel-macros.ts';
export { extractFunctions, extractFragment, callsOf } from './functions.ts';
export type { CFunction, CParam } from './functions.ts';
export type { CCall } from './calls.ts';
export { callsIn, statementEvents } from './events.ts';
export type { CEvent } from './events.ts';
export type { Atom, BranchFact, EdgeConstraint } from './conditions.ts';
export { buildCfg } from './cfg.ts';
export type { Cfg, CfgNode, CfgEdge, CfgNodeKind } from './cfg.ts';
export { enumeratePaths, describeCfg } from './paths.ts';
export type { CPath, CPathStep, PathOptions } from './paths.ts';
export { PAIRED_CALLS, GUARD_CLASSES, RESOURCES, effectsOfCall, isPtlExpression, ptlVariablesOf } from './resources.ts';
export type { Resource, KnownResource, PairedCallSpec, ResourceEffect, AcquireCondition } from './resources.ts';
export { analyseHeldStates, heldCount } from './held-states.ts';
export type { HeldState, Hold, HeldStateAnalysis, HeldStateOptions, Reacquisition, Underflow } from './held-states.ts';
export { checkBalance, inferCallerHeld } from './balance.ts';
export type { BalanceIssue, BalanceIssueKind, BalanceOptions } from './balance.ts';
export { computeRegions, REGIONS } from './regions.ts';
export type { Region, Quantifier, RegionMap, CallSite } from './regions.ts';
export { findOrderViolations } from './ordered-events.ts';
export type { OrderedEventSpec, OrderViolation } from './ordered-events.ts';
export { unmapProvenance, PTE_MAP_CALLS, PTE_UNMAP_CALLS } from './provenance.ts';
export type { UnmapProvenance, UnmapDerivation } from './provenance.ts';
export {
  sleepReason, mayCallSleep, isFlushPrimitive, isLocklessWalker, findCallbacks, SLEEPERS, ENTERS_LAZY_MMU,
  FLUSH_PRIMITIVES, LEAF_ONLY_FLUSHES, UPPER_ENTRY_CLEARS, PTE_CLEARS, TABLE_FREES, RCU_SAFE_TABLE_FREES, PAGE_RELEASES,
  CALLBACK_CALLS, CALLBACK_FIELDS, inferSleepers,
} from './callees.ts';
export type { Arch, CallbackSite } from './callees.ts';
export { probeApiGenerations, mergeApiGenerations } from './version-probes.ts';
export type { ApiGenerations, LazyMmuApi } from './version-probes.ts';
export { propagate, witnessLines } from './propagate.ts';
export type { Propagation, PropagationResult } from './propagate.ts';
export { analyseFunction } from './function-analysis.ts';
export type { FunctionAnalysis } from './function-analysis.ts';
export { uncheckedMapUses, NULLABLE_MAP_CALLS } from './null-checks.ts';
export type { UncheckedUse } from './null-checks.ts';
export { lockContract, resourcesOfLock } from './annotations.ts';
export type { LockContract } from './annotations.ts';
export { functionSpans, functionSpanAt, spanText } from './function-spans.ts';
export type { FunctionSpan } from './function-spans.ts';
