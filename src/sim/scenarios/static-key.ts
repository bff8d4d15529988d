// Template (a), SEEDS.md §2 and SIMULATOR.md §8.7 "Two walkers and a key":
// kernel page-table walkers (ptdump_walk_pgd(), ptdump_check_wx()) turn the
// ptdump static key on, walk under mmap_write_lock(&init_mm), and turn it
// off; the freer (pmd_free_pte_page() / pud_free_pmd_page()) clears the
// entry, runs the flush's barriers, takes and drops mmap_read_lock() only
// if it sees the key, and frees the table. The key is a shared variable
// with smp_mb() around its toggles, as in Catalin Marinas's
// pte_free_ptdump test (lore <aIpPsg1Kij8Knnjl@arm.com>); the rwsem is a
// spinlock, which is enough since only one side is a writer.
import type { CompiledScenario } from './types.ts';
import { anyOf, cTest, cThread, scenarioName } from './c-text.ts';

export interface StaticKeyFacts {
  /** Walkers that may run at once (ptdump's debugfs file and the W^X check make two). */
  readonly walkers: 1 | 2;
  /** static_branch_enable()/disable() (v4, v5: not counted) or static_branch_inc()/dec() (v6). */
  readonly toggle: 'enable-disable' | 'inc-dec';
  /** The walker takes mmap_write_lock() around its walk. */
  readonly walkerLock: boolean;
  /** The freer's lock: behind the key (v4-v6), unconditional (v1), or none. */
  readonly freerLock: 'key-gated' | 'always' | 'none';
  /** A full barrier between the clear and the key test (the flush's DSB ISH). */
  readonly barrierAfterClear: boolean;
  /** A full barrier between the unlock and the free (not only the unlock's release). */
  readonly barrierBeforeFree: boolean;
  /** Which free function, for the names of the entry and the table. */
  readonly freer: 'pmd_free_pte_page' | 'pud_free_pmd_page';
}

/** The protocol of the merged v6: refcounted key, both barriers, key-gated lock. */
export const V6_PROTOCOL: StaticKeyFacts = {
  walkers: 2, toggle: 'inc-dec', walkerLock: true, freerLock: 'key-gated',
  barrierAfterClear: true, barrierBeforeFree: true, freer: 'pmd_free_pte_page',
};

function names(f: StaticKeyFacts): { entry: string; table: string; clear: string; free: string } {
  return f.freer === 'pmd_free_pte_page'
    ? { entry: 'pmd', table: 'pte_page', clear: 'pmd_clear()', free: 'pte_free_kernel()' }
    : { entry: 'pud', table: 'pmd_page', clear: 'pud_clear()', free: 'pmd_free()' };
}

/** The walkers' indices (threads 1 and 2). */
function walkerIndices(f: StaticKeyFacts): number[] {
  return f.walkers === 2 ? [1, 2] : [1];
}

/**
 * The key's shared variables. inc/dec is modelled as one reference flag per
 * walker (set by its inc, cleared by its dec) and the freer reads them all:
 * "the key is on while some walker holds a reference". This allows every
 * execution the counter allows (the counter adds the co order of the
 * atomic ops on top), so a Never here holds for the counter too; and the
 * counter itself makes the engine's candidate count explode (two walkers,
 * four RMWs: more than 10^6 candidates against ~10^4 here).
 */
function keyVars(f: StaticKeyFacts): string[] {
  return f.toggle === 'enable-disable' ? ['ptdump_lock_key'] : walkerIndices(f).map((w) => `ptdump_key_ref${w}`);
}

function freerThread(f: StaticKeyFacts, params: readonly string[]): string {
  const n = names(f);
  const locked = ['spin_lock(init_mm);\t\t// mmap_read_lock()', 'spin_unlock(init_mm);\t\t// mmap_read_unlock()'];
  const keys = keyVars(f);
  const reads = keys.length === 1 ? [] : keys.map((k, i) => `key${i + 1} = READ_ONCE(*${k});`);
  const test = keys.length === 1 ? `READ_ONCE(*${keys[0]!})` : keys.map((_k, i) => `key${i + 1}`).join(' + ');
  const lock = f.freerLock === 'key-gated'
    ? [...reads, `if (${test}) {\t// static_branch_unlikely()`, ...locked.map((l) => `\t${l}`), '}']
    : f.freerLock === 'always' ? locked : [];
  const locals = f.freerLock === 'key-gated' && keys.length > 1 ? keys.map((_k, i) => `int key${i + 1}`) : [];
  return cThread(0, `${f.freer}()`, params, locals, [
    `WRITE_ONCE(*${n.entry}, 0);\t\t\t// ${n.clear}`,
    ...(f.barrierAfterClear ? ['smp_mb();'] : []),
    ...lock,
    ...(f.barrierBeforeFree ? ['smp_mb();'] : []),
    `WRITE_ONCE(*${n.table}, 0);\t\t// ${n.free}`,
  ]);
}

function walkerThread(f: StaticKeyFacts, index: number, params: readonly string[]): string {
  const n = names(f);
  const on = f.toggle === 'enable-disable'
    ? 'WRITE_ONCE(*ptdump_lock_key, 1);\t// static_branch_enable()'
    : `WRITE_ONCE(*ptdump_key_ref${index}, 1);\t// static_branch_inc()`;
  const off = f.toggle === 'enable-disable'
    ? 'WRITE_ONCE(*ptdump_lock_key, 0);\t// static_branch_disable()'
    : `WRITE_ONCE(*ptdump_key_ref${index}, 0);\t// static_branch_dec()`;
  const walk = [`val = READ_ONCE(*${n.entry});`, `page = READ_ONCE(*${n.table});\t\t// freed table?`];
  const body = f.walkerLock
    ? ['spin_lock(init_mm);\t\t\t// mmap_write_lock()', ...walk, 'spin_unlock(init_mm);\t\t\t// mmap_write_unlock()']
    : walk;
  return cThread(index, index === 1 ? 'ptdump_walk_pgd()' : 'ptdump_check_wx()', params, ['int val', 'int page'], [
    on, 'smp_mb();', ...body, 'smp_mb();', off,
  ]);
}

export function compileStaticKey(f: StaticKeyFacts): CompiledScenario {
  const n = names(f);
  const params = ['spinlock_t *init_mm', ...keyVars(f).map((k) => `int *${k}`), `int *${n.entry}`, `int *${n.table}`];
  const walkers = walkerIndices(f);
  const name = scenarioName(`PTDUMP-${f.walkers}walker${f.walkers === 2 ? 's' : ''}+${f.toggle}`, [
    !f.walkerLock && 'walker-no-lock',
    f.freerLock !== 'key-gated' && `freer-lock-${f.freerLock}`,
    !f.barrierAfterClear && 'no-mb-after-clear',
    !f.barrierBeforeFree && 'no-mb-before-free',
  ]);
  const litmus = cTest(name, [
    `${f.freer}() vs. ${f.walkers === 2 ? 'two ptdump walkers' : 'one ptdump walker'} toggling the static`,
    `key with static_branch_${f.toggle === 'enable-disable' ? 'enable()/disable()' : 'inc()/dec()'}. The key is a`,
    'variable with smp_mb() around each toggle, as in Catalin',
    'Marinas\'s pte_free_ptdump test.',
    ...(f.toggle === 'inc-dec' ? ['inc/dec: one reference flag per walker; the key is on while', 'any of them is set.'] : []),
    'exists: a walker saw the entry still valid and the table freed.',
    'Generated by pgtable-review-bot: src/sim/scenarios/static-key.ts',
  ], [
    `${n.entry} = 1;\t\t\t\t(* allocated entry *)`,
    `${n.table} = 1;\t\t\t(* the table the entry points to *)`,
  ], [freerThread(f, params), ...walkers.map((w) => walkerThread(f, w, params))],
  anyOf(walkers.map((w) => `${w}:val=1 /\\ ${w}:page=0`)));
  return { name, litmus, model: 'lkmm', variant: [] };
}
