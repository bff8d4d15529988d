// Sparse's lock annotations as a function's lock contract: `__must_hold(l)`
// (held on entry and on return), `__releases(l)` (held on entry, dropped
// before return), `__acquires(l)` (taken, and still held on return). The
// balance check then measures the function against what it declares.
import type { CFunction } from './functions.ts';
import { isPtlExpression, PAIRED_CALLS } from './resources.ts';
import type { Resource } from './resources.ts';

export interface LockContract {
  /** Held when the function is entered. */
  entry: Partial<Record<Resource, number>>;
  /** Held when it returns; a resource not named here is expected as on entry. */
  exitHeld: Partial<Record<Resource, number>>;
}

/** The resources a lock expression stands for (a spinlock also disables preemption). */
export function resourcesOfLock(expr: string): Resource[] {
  const e = expr.replace(/^&\s*/, '');
  if (/\brcu\b/i.test(e)) return ['rcu'];
  if (/mmap_lock|mmap_sem/.test(e)) return [/\binit_mm\b/.test(e) ? 'init-mm-mmap-lock' : 'mmap-lock'];
  if (/mutex/.test(e)) return ['mutex'];
  return [isPtlExpression(e, new Set()) ? 'ptl' : 'spinlock', 'preempt'];
}

function add(to: Partial<Record<Resource, number>>, rs: Resource[]): void {
  for (const r of rs) to[r] = (to[r] ?? 0) + 1;
}

/**
 * The contract a function declares: its sparse annotations, or, for a
 * function that is itself in the paired-call table (lazy_mmu_mode_enable()
 * takes lazy MMU for its caller, lazy_mmu_mode_disable() drops it), what it
 * does for its callers. Empty when neither applies.
 */
export function lockContract(fn: CFunction): LockContract {
  const contract: LockContract = { entry: {}, exitHeld: {} };
  const pair = PAIRED_CALLS[fn.name];
  for (const r of pair?.releases ?? []) {
    contract.entry[r] = 1;
    contract.exitHeld[r] = 0;
  }
  for (const r of pair?.acquires ?? []) contract.exitHeld[r] = (contract.exitHeld[r] ?? 0) + 1;
  for (const a of fn.attributes) {
    const m = /^(__must_hold|__releases|__acquires)\((.*)\)$/.exec(a);
    if (!m?.[1] || m[2] === undefined) continue;
    const rs = resourcesOfLock(m[2]);
    if (m[1] === '__must_hold' || m[1] === '__releases') add(contract.entry, rs);
    if (m[1] === '__must_hold' || m[1] === '__acquires') add(contract.exitHeld, rs);
    else for (const r of rs) contract.exitHeld[r] ??= 0;
  }
  return contract;
}
