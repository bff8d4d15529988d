// pt-scenarios (SIMULATOR.md §8, §8.7): page-table scenario templates. Each
// template turns typed facts, which a rule reads off a patch's post-image,
// into a litmus test in herd7 syntax, and runs it within the patch's budget.
// A rule attaches the outcome to its finding as `simulation` when decided,
// or says "not decided" with the test so the author can run herd7 on it.
import { type BudgetLimits, PatchBudget, budgetOf } from './budget.ts';
import { type LazyMmuFacts, compileLazyMmu } from './lazy-mmu.ts';
import { type LocklessWalkFacts, compileLocklessWalk } from './lockless-walk.ts';
import { type PtdumpIfetchFacts, compilePtdumpIfetch } from './ptdump-ifetch.ts';
import { type StaticKeyFacts, compileStaticKey } from './static-key.ts';
import { type TlbiFreeFacts, compileTlbiFree } from './tlbi-free.ts';
import { type WalkCacheFacts, describeWalkCache, exploreWalkCache, walkCacheSimulation } from './walk-cache.ts';
import { type X86ShootdownFacts, compileX86Shootdown } from './x86-shootdown.ts';
import type { CompiledScenario, ScenarioOutcome } from './types.ts';

export { type BudgetLimits, DEFAULT_PATCH_BUDGET, PatchBudget } from './budget.ts';
export { type CompiledScenario, type NotDecided, type ScenarioOutcome, type ScenarioSimulation, isDecided } from './types.ts';
export { type StaticKeyFacts, V6_PROTOCOL } from './static-key.ts';
export { type PtdumpIfetchFacts, PTDUMP_COMMIT_PROTOCOL } from './ptdump-ifetch.ts';
export { type FreerSync, type LocklessWalkFacts, type WalkerProtection } from './lockless-walk.ts';
export { type LazyMmuCpu, type LazyMmuFacts, storeDeferred } from './lazy-mmu.ts';
export { ARM64_FLUSH_PROTOCOL, type TlbiFreeFacts } from './tlbi-free.ts';
export { KERNEL_PGTABLE_FLUSH, type WalkCacheFacts, type WalkCacheResult, exploreWalkCache } from './walk-cache.ts';
export { X86_SHOOTDOWN_PROTOCOL, type X86ShootdownFacts, ipiSent } from './x86-shootdown.ts';

/** The finding classes (DESIGN.md) a scenario's result belongs to. */
export type ScenarioHazardClass = 'static-key' | 'walker-sync' | 'table-free' | 'lazy-mmu' | 'tlb-invalidate';

export interface ScenarioTemplate<F> {
  readonly id: string;
  readonly hazardClass: ScenarioHazardClass;
  /** One line, for reports: what the scenario puts against what. */
  readonly title: string;
  compile(facts: F): CompiledScenario;
  /** Compile and simulate within `budget` (a patch's shared budget, or limits for this run alone). */
  run(facts: F, budget: PatchBudget | BudgetLimits): ScenarioOutcome;
}

function template<F>(id: string, hazardClass: ScenarioHazardClass, title: string, compile: (f: F) => CompiledScenario): ScenarioTemplate<F> {
  return { id, hazardClass, title, compile, run: (facts, budget) => budgetOf(budget).run(compile(facts)) };
}

/** (a) kernel walkers toggling the ptdump static key vs. the key-gated freer (C/LKMM). */
export const staticKeyWalkers = template<StaticKeyFacts>('static-key-walkers', 'static-key',
  'ptdump walkers toggling the static key vs. pmd_free_pte_page()/pud_free_pmd_page()', compileStaticKey);

/** (b) the ptdump walker patching the key vs. pud_free_pmd_page(), with instruction fetch (AArch64). */
export const ptdumpIfetch = template<PtdumpIfetchFacts>('ptdump-ifetch', 'static-key',
  'ptdump walker enabling the key (code patching) vs. pud_free_pmd_page() under ARMv8 with instruction fetch', compilePtdumpIfetch);

/** (c) a lockless or locked software walker vs. a table freer (C/LKMM). */
export const locklessWalk = template<LocklessWalkFacts>('lockless-walk', 'walker-sync',
  'software page-table walker vs. table clear and free', compileLocklessWalk);

/** (d) lazy MMU deferred PTE store vs. a concurrent locked populate of the same PTE (C/LKMM). */
export const lazyMmuPopulate = template<LazyMmuFacts>('lazy-mmu-populate', 'lazy-mmu',
  'KASAN shadow populate under the page-table lock in lazy MMU mode', compileLazyMmu);

/** (e) arm64 clear -> TLBI -> DSB -> free vs. an access through the old translation (AArch64 vmsa). */
export const tlbiFree = template<TlbiFreeFacts>('tlbi-free', 'tlb-invalidate',
  'pte clear, TLB invalidation and page reuse vs. an access through the old mapping (arm64)', compileTlbiFree);

/** (e) x86: clear -> IPI shootdown (waited for) -> free vs. a walk in flight on the target (C/LKMM). */
export const x86Shootdown = template<X86ShootdownFacts>('x86-shootdown', 'tlb-invalidate',
  'pmd clear, TLB shootdown IPI and table free vs. a walk in flight on another CPU (x86)', compileX86Shootdown);

/**
 * (e, arm64 intermediate levels) clear -> DSB ISHST -> TLBI -> DSB ISH -> free
 * of a table vs. an MMU walk that may hold the table descriptor in its walk
 * cache: the abstract model of walk-cache.ts, not a litmus test (herd's
 * vmsa models only the last level). Its `litmus` is the scenario as text.
 */
export const walkCacheFree = {
  id: 'walk-cache-free',
  hazardClass: 'tlb-invalidate' as ScenarioHazardClass,
  title: 'table clear, TLBI and table free vs. an MMU walk through the walk cache (arm64, abstract model)',
  describe: describeWalkCache,
  run(facts: WalkCacheFacts, budget: PatchBudget | BudgetLimits): ScenarioOutcome {
    const b = budgetOf(budget);
    const text = describeWalkCache(facts);
    const undecided = (why: string): ScenarioOutcome => ({ notDecided: why, litmus: text, model: 'abstract-tlb', variant: '-' });
    const why = b.exhausted();
    if (why !== null) return undecided(why);
    const r = exploreWalkCache(facts, b.remainingCandidates);
    b.charge(r.explored);
    return r.budgetExceeded ? undecided(`state budget exceeded after ${r.explored} states`) : walkCacheSimulation(facts, r);
  },
};

/** One scenario a rule asks for: a template and its facts. */
export type ScenarioRequest =
  | { readonly template: 'static-key-walkers'; readonly facts: StaticKeyFacts }
  | { readonly template: 'ptdump-ifetch'; readonly facts: PtdumpIfetchFacts }
  | { readonly template: 'lockless-walk'; readonly facts: LocklessWalkFacts }
  | { readonly template: 'lazy-mmu-populate'; readonly facts: LazyMmuFacts }
  | { readonly template: 'tlbi-free'; readonly facts: TlbiFreeFacts }
  | { readonly template: 'x86-shootdown'; readonly facts: X86ShootdownFacts };

export function compileScenario(r: ScenarioRequest): CompiledScenario {
  switch (r.template) {
    case 'static-key-walkers': return staticKeyWalkers.compile(r.facts);
    case 'ptdump-ifetch': return ptdumpIfetch.compile(r.facts);
    case 'lockless-walk': return locklessWalk.compile(r.facts);
    case 'lazy-mmu-populate': return lazyMmuPopulate.compile(r.facts);
    case 'tlbi-free': return tlbiFree.compile(r.facts);
    case 'x86-shootdown': return x86Shootdown.compile(r.facts);
  }
}

export interface ScenarioRun {
  readonly request: ScenarioRequest;
  readonly compiled: CompiledScenario;
  readonly outcome: ScenarioOutcome;
}

/**
 * All scenarios of one patch within one budget, in order: once the budget
 * is spent the rest are "not decided". The same test asked twice (two rules,
 * or two functions with the same facts) is simulated once.
 */
export function simulatePatchScenarios(requests: readonly ScenarioRequest[], budget: PatchBudget | BudgetLimits = new PatchBudget()): ScenarioRun[] {
  const b = budgetOf(budget);
  const done = new Map<string, ScenarioOutcome>();
  return requests.map((request) => {
    const compiled = compileScenario(request);
    const key = `${compiled.model}|${compiled.variant.join(',')}|${compiled.litmus}`;
    const outcome = done.get(key) ?? b.run(compiled);
    done.set(key, outcome);
    return { request, compiled, outcome };
  });
}

/**
 * The abstract walk-cache model's request. Kept apart from ScenarioRequest
 * since it compiles to no litmus test (compileScenario has nothing to give).
 */
export interface WalkCacheRequest {
  readonly template: 'walk-cache-free';
  readonly facts: WalkCacheFacts;
}

/** Any scenario a rule may ask for inside a review. */
export type AnyScenarioRequest = ScenarioRequest | WalkCacheRequest;

const TEMPLATES = {
  'static-key-walkers': staticKeyWalkers, 'ptdump-ifetch': ptdumpIfetch, 'lockless-walk': locklessWalk,
  'lazy-mmu-populate': lazyMmuPopulate, 'tlbi-free': tlbiFree, 'x86-shootdown': x86Shootdown, 'walk-cache-free': walkCacheFree,
} as const satisfies Record<AnyScenarioRequest['template'], { readonly title: string; readonly hazardClass: ScenarioHazardClass }>;

/** The template's one-line title, for reports. */
export function scenarioTitle(r: AnyScenarioRequest): string {
  return TEMPLATES[r.template].title;
}

/** What makes two requests the same run: the model and the test's text. */
export function scenarioKey(r: AnyScenarioRequest): string {
  if (r.template === 'walk-cache-free') return `abstract-tlb|-|${describeWalkCache(r.facts)}`;
  const c = compileScenario(r);
  return `${c.model}|${c.variant.join(',')}|${c.litmus}`;
}

/** Run one request of either kind within `budget`. */
export function runScenario(r: AnyScenarioRequest, budget: PatchBudget | BudgetLimits): ScenarioOutcome {
  return r.template === 'walk-cache-free' ? walkCacheFree.run(r.facts, budget) : budgetOf(budget).run(compileScenario(r));
}
