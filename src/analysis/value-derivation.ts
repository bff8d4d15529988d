// Which variables of a function carry a value derived from some seed
// expressions: the page behind a cleared pte (`pte = ptep_get_and_clear()`
// → `page = vm_normal_page(vma, addr, pte)` → `folio = page_folio(page)`),
// the table behind a pmd (`pgtable = pmd_pgtable(pmdval)`). Flow-insensitive
// on purpose: a rule asks "is this the object the A-event was about", and
// kernel code names one object by one variable within a function.
import type { CCall, FunctionAnalysis } from '../c/index.ts';

const IDENT = /[A-Za-z_]\w*/g;

/** Identifiers written in an expression (`*ptep`, `ptep_get(ptep)`, `pte - 1`). */
export function identifiersOf(expr: string): string[] {
  return expr.match(IDENT) ?? [];
}

/** The variable an argument names, through `&`, `*`, casts and wrapper calls: `ptdesc_page(ptdesc)` → `ptdesc`. */
export function innermostVariable(expr: string): string | undefined {
  const ids = identifiersOf(expr.replace(/\(\s*(struct\s+)?\w+\s*\*?\s*\)/g, ' '));
  return ids.at(-1);
}

/**
 * The closure of `seeds` under the function's assignments and call results:
 * a variable is derived when the value stored into it mentions a derived one.
 */
export function derivedVariables(fa: FunctionAnalysis, seeds: Iterable<string>): Set<string> {
  const out = new Set(seeds);
  const flows: Array<{ target: string; sources: string[] }> = [];
  for (const n of fa.cfg.nodes) {
    for (const e of n.events) {
      if (e.kind === 'assign') flows.push({ target: e.target, sources: identifiersOf(e.value) });
      else if (e.kind === 'call' && e.call.assignedTo) flows.push({ target: e.call.assignedTo, sources: e.call.args.flatMap(identifiersOf) });
    }
  }
  let changed = true;
  while (changed) {
    changed = false;
    for (const f of flows) {
      if (!out.has(f.target) && f.sources.some((s) => out.has(s))) {
        out.add(f.target);
        changed = true;
      }
    }
  }
  return out;
}

/** Does argument `index` of `call` mention a derived variable? */
export function argumentDerived(call: CCall, index: number, derived: ReadonlySet<string>): boolean {
  return identifiersOf(call.args[index] ?? '').some((v) => derived.has(v));
}

/**
 * Variables the function stores a value of `producer(...)` into
 * (`pgtable = pmd_pgtable(*pmd)`), plus their derivations.
 */
export function variablesFromCalls(fa: FunctionAnalysis, producer: RegExp): Set<string> {
  const seeds: string[] = [];
  for (const c of fa.calls) if (producer.test(c.callee) && c.assignedTo) seeds.push(c.assignedTo);
  for (const n of fa.cfg.nodes) {
    for (const e of n.events) {
      if (e.kind === 'assign' && new RegExp(`\\b(?:${producer.source.replace(/^\^|\$$/g, '')})\\s*\\(`).test(e.value)) seeds.push(e.target);
    }
  }
  return derivedVariables(fa, seeds);
}
