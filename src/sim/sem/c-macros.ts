// The kernel primitives of C litmus tests, as herd reads them from
// tools/memory-model/linux-kernel.def (lkmmv2 tags), restated as data.

/** How an argument names its location: `*p` (an lvalue) or `p` (a pointer). */
export type AddrMode = 'lval' | 'ptr';

export type Op = '+' | '-' | '&' | '|' | '^' | '&~';

export type Macro =
  | { readonly kind: 'load'; readonly tag: string; readonly mode: AddrMode }
  | { readonly kind: 'store'; readonly tag: string; readonly mode: AddrMode; readonly fenceAfter?: string }
  | { readonly kind: 'fence'; readonly tag: string }
  | { readonly kind: 'xchg'; readonly tag: string }
  | { readonly kind: 'cmpxchg'; readonly tag: string }
  /** `returns`: 'none' (void op), 'new', 'old'; `test`: a comparison of the new value with 0. */
  | { readonly kind: 'atomic'; readonly tag: string; readonly op: Op; readonly operand: 'arg' | 1n;
      readonly returns: 'none' | 'new' | 'old'; readonly test?: 'eq0' | 'lt0' }
  | { readonly kind: 'add_unless'; readonly tag: string }
  | { readonly kind: 'lock' }
  | { readonly kind: 'unlock' }
  | { readonly kind: 'trylock' }
  | { readonly kind: 'islocked' }
  /** synchronize_srcu(s): a grace period of one srcu_struct (an event on its location). */
  | { readonly kind: 'sync-srcu' };

const table = new Map<string, Macro>([
  ['READ_ONCE', { kind: 'load', tag: 'ONCE', mode: 'lval' }],
  ['rcu_dereference', { kind: 'load', tag: 'ONCE', mode: 'lval' }],
  ['smp_load_acquire', { kind: 'load', tag: 'ACQUIRE', mode: 'ptr' }],
  ['atomic_read', { kind: 'load', tag: 'ONCE', mode: 'ptr' }],
  ['atomic_read_acquire', { kind: 'load', tag: 'ACQUIRE', mode: 'ptr' }],
  ['WRITE_ONCE', { kind: 'store', tag: 'ONCE', mode: 'lval' }],
  ['smp_store_release', { kind: 'store', tag: 'RELEASE', mode: 'ptr' }],
  ['rcu_assign_pointer', { kind: 'store', tag: 'RELEASE', mode: 'lval' }],
  ['atomic_set', { kind: 'store', tag: 'ONCE', mode: 'ptr' }],
  ['atomic_set_release', { kind: 'store', tag: 'RELEASE', mode: 'ptr' }],
  ['smp_store_mb', { kind: 'store', tag: 'ONCE', mode: 'lval', fenceAfter: 'MB' }],
  ['smp_mb', { kind: 'fence', tag: 'MB' }],
  ['smp_rmb', { kind: 'fence', tag: 'rmb' }],
  ['smp_wmb', { kind: 'fence', tag: 'wmb' }],
  ['smp_mb__before_atomic', { kind: 'fence', tag: 'before-atomic' }],
  ['smp_mb__after_atomic', { kind: 'fence', tag: 'after-atomic' }],
  ['smp_mb__after_spinlock', { kind: 'fence', tag: 'after-spinlock' }],
  ['smp_mb__after_unlock_lock', { kind: 'fence', tag: 'after-unlock-lock' }],
  ['smp_mb__after_srcu_read_unlock', { kind: 'fence', tag: 'after-srcu-read-unlock' }],
  ['barrier', { kind: 'fence', tag: 'barrier' }],
  ['rcu_read_lock', { kind: 'fence', tag: 'rcu-lock' }],
  ['rcu_read_unlock', { kind: 'fence', tag: 'rcu-unlock' }],
  ['synchronize_rcu', { kind: 'fence', tag: 'sync-rcu' }],
  ['synchronize_rcu_expedited', { kind: 'fence', tag: 'sync-rcu' }],
  ['spin_lock', { kind: 'lock' }],
  ['spin_unlock', { kind: 'unlock' }],
  ['spin_trylock', { kind: 'trylock' }],
  ['spin_is_locked', { kind: 'islocked' }],
  ['atomic_add_unless', { kind: 'add_unless', tag: 'MB' }],
  // SRCU, lkmmv2: the lock reads the srcu_struct, the unlock writes the index back.
  ['srcu_read_lock', { kind: 'load', tag: 'srcu-lock', mode: 'ptr' }],
  ['srcu_down_read', { kind: 'load', tag: 'srcu-lock', mode: 'ptr' }],
  ['srcu_read_unlock', { kind: 'store', tag: 'srcu-unlock', mode: 'ptr' }],
  ['srcu_up_read', { kind: 'store', tag: 'srcu-unlock', mode: 'ptr' }],
  ['synchronize_srcu', { kind: 'sync-srcu' }],
  ['synchronize_srcu_expedited', { kind: 'sync-srcu' }],
]);

const ORDERINGS: readonly (readonly [string, string])[] = [['', 'MB'], ['_relaxed', 'ONCE'], ['_acquire', 'ACQUIRE'], ['_release', 'RELEASE']];

for (const [suffix, tag] of ORDERINGS) {
  for (const prefix of ['', 'atomic_']) {
    table.set(`${prefix}xchg${suffix}`, { kind: 'xchg', tag });
    table.set(`${prefix}cmpxchg${suffix}`, { kind: 'cmpxchg', tag });
  }
  for (const [name, op] of [['add', '+'], ['sub', '-']] as const) {
    table.set(`atomic_${name}_return${suffix}`, { kind: 'atomic', tag, op, operand: 'arg', returns: 'new' });
  }
  for (const [name, op] of [['inc', '+'], ['dec', '-']] as const) {
    table.set(`atomic_${name}_return${suffix}`, { kind: 'atomic', tag, op, operand: 1n, returns: 'new' });
    table.set(`atomic_fetch_${name}${suffix}`, { kind: 'atomic', tag, op, operand: 1n, returns: 'old' });
  }
  for (const [name, op] of [['add', '+'], ['sub', '-'], ['and', '&'], ['or', '|'], ['xor', '^'], ['andnot', '&~']] as const) {
    table.set(`atomic_fetch_${name}${suffix}`, { kind: 'atomic', tag, op, operand: 'arg', returns: 'old' });
  }
  table.set(`atomic_add_negative${suffix}`, { kind: 'atomic', tag, op: '+', operand: 'arg', returns: 'new', test: 'lt0' });
}
for (const [name, op] of [['add', '+'], ['sub', '-'], ['and', '&'], ['or', '|'], ['xor', '^'], ['andnot', '&~']] as const) {
  table.set(`atomic_${name}`, { kind: 'atomic', tag: 'NORETURN', op, operand: 'arg', returns: 'none' });
}
table.set('atomic_inc', { kind: 'atomic', tag: 'NORETURN', op: '+', operand: 1n, returns: 'none' });
table.set('atomic_dec', { kind: 'atomic', tag: 'NORETURN', op: '-', operand: 1n, returns: 'none' });
table.set('atomic_sub_and_test', { kind: 'atomic', tag: 'MB', op: '-', operand: 'arg', returns: 'new', test: 'eq0' });
table.set('atomic_dec_and_test', { kind: 'atomic', tag: 'MB', op: '-', operand: 1n, returns: 'new', test: 'eq0' });
table.set('atomic_inc_and_test', { kind: 'atomic', tag: 'MB', op: '+', operand: 1n, returns: 'new', test: 'eq0' });

export function lookupMacro(name: string): Macro | undefined {
  return table.get(name);
}

/** Number of arguments each kind takes (the atomic ops depend on `operand`). */
export function arity(m: Macro): number {
  switch (m.kind) {
    case 'load': case 'lock': case 'unlock': case 'trylock': case 'islocked': case 'sync-srcu': return 1;
    case 'store': case 'xchg': return 2;
    case 'fence': return 0;
    case 'cmpxchg': case 'add_unless': return 3;
    case 'atomic': return m.operand === 'arg' ? 2 : 1;
  }
}
