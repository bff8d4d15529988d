// Template (c): a software walker vs. a table freer. Complete protocols and
// the missing grace period are corpus tests (assertSameTest, herd7's numbers
// from expected.tsv). IRQs-off walkers, pte_free_defer() and the IPI are
// modelled (lockless-walk.ts) by the same C as RCU, so those cases are the
// same corpus tests; the mismatched pairs are derived by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locklessWalk } from '../../../src/sim/scenarios/index.ts';
import { assertSameTest, decided, herdCorpus, verdict } from './helpers.ts';

const SYNC = 'PT+rcuwalker+syncrcu-free.litmus';
const NOSYNC = 'PT+rcuwalker+nosync-free.litmus';
const LOCKED = 'PT+lockedwalker+lockedclear-free.litmus';

test('RCU walker vs. synchronize_rcu() before the free: Never (herd7)', () => {
  const c = locklessWalk.compile({ walker: 'rcu', freer: 'synchronize_rcu' });
  assertSameTest(c, SYNC);
  assert.deepEqual(verdict(decided(c)), herdCorpus(SYNC));
  assert.equal(herdCorpus(SYNC).observation, 'Never');
});

test('removing the grace period flips it to Sometimes (herd7)', () => {
  const c = locklessWalk.compile({ walker: 'rcu', freer: 'none' });
  assertSameTest(c, NOSYNC);
  assert.deepEqual(verdict(decided(c)), herdCorpus(NOSYNC));
  assert.equal(herdCorpus(NOSYNC).observation, 'Sometimes');
});

test('walker and freer under the page-table lock: Never (herd7)', () => {
  const c = locklessWalk.compile({ walker: 'ptl', freer: 'ptl' });
  assertSameTest(c, LOCKED);
  assert.deepEqual(verdict(decided(c)), herdCorpus(LOCKED));
});

test('GUP-fast (IRQs off) vs. an IPI, and pte_free_defer(): the grace-period test, Never (herd7)', () => {
  for (const f of [{ walker: 'irqs-off', freer: 'ipi' }, { walker: 'irqs-off', freer: 'pte_free_defer' }, { walker: 'rcu', freer: 'pte_free_defer' }] as const) {
    const c = locklessWalk.compile(f);
    assertSameTest(c, SYNC);
    assert.equal(decided(c).observation, 'Never');
  }
});

test('an IPI does not wait for a preemptible RCU reader: the no-sync test, Sometimes (herd7)', () => {
  const c = locklessWalk.compile({ walker: 'rcu', freer: 'ipi' });
  assertSameTest(c, NOSYNC);
  assert.equal(decided(c).observation, 'Sometimes');
});

// By hand: in each mismatch the freer's wait does not wait for the walker's
// protection, so the bad outcome is reachable even by interleaving: walker
// reads the pud (the old entry), freer clears, waits (for nobody), frees,
// walker reads the freed pmd.
for (const f of [
  { walker: 'ptl', freer: 'synchronize_rcu' }, { walker: 'rcu', freer: 'ptl' }, { walker: 'none', freer: 'synchronize_rcu' },
  { walker: 'irqs-off', freer: 'none' }, { walker: 'none', freer: 'ptl' },
] as const) {
  test(`${f.walker} walker vs. ${f.freer} freer: Sometimes (derived by hand), the interleaving is the witness`, () => {
    const s = decided(locklessWalk.compile(f));
    assert.equal(s.observation, 'Sometimes');
    assert.match(s.witness ?? '', /even under sequential consistency/);
  });
}
