// Template (a): walkers toggling the ptdump static key vs. the key-gated
// freer. Where a generated test is a corpus test (same init, threads and
// condition: assertSameTest), herd7's numbers from expected.tsv are the
// expectation; the inc/dec cases have no corpus test and are derived by hand
// below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type StaticKeyFacts, V6_PROTOCOL, staticKeyWalkers } from '../../../src/sim/scenarios/index.ts';
import { assertSameTest, decided, herdCorpus, verdict } from './helpers.ts';

const facts = (o: Partial<StaticKeyFacts>): StaticKeyFacts => ({ ...V6_PROTOCOL, ...o });
const catalin = facts({ walkers: 1, toggle: 'enable-disable' });

test('one walker, enable/disable, both barriers: Catalin Marinas\'s pte_free_ptdump, Never as herd7 says', () => {
  const c = staticKeyWalkers.compile(catalin);
  assertSameTest(c, 'pte_free_ptdump.litmus');
  assert.deepEqual(verdict(decided(c)), herdCorpus('pte_free_ptdump.litmus'));
});

test('dropping the barrier after the clear flips it to Sometimes (corpus variant, herd7)', () => {
  const c = staticKeyWalkers.compile({ ...catalin, barrierAfterClear: false });
  assertSameTest(c, 'pte_free_ptdump+no-mb-after-clear.litmus');
  assert.deepEqual(verdict(decided(c)), herdCorpus('pte_free_ptdump+no-mb-after-clear.litmus'));
  assert.equal(herdCorpus('pte_free_ptdump+no-mb-after-clear.litmus').observation, 'Sometimes');
});

test('dropping the barrier before the free flips it to Sometimes (corpus variant, herd7)', () => {
  const c = staticKeyWalkers.compile({ ...catalin, barrierBeforeFree: false });
  assertSameTest(c, 'pte_free_ptdump+no-mb-before-free.litmus');
  assert.deepEqual(verdict(decided(c)), herdCorpus('pte_free_ptdump+no-mb-before-free.litmus'));
});

test('v4/v5: two walkers with enable/disable is Sometimes (PTDUMP-2walkers+enable-disable, herd7)', () => {
  const c = staticKeyWalkers.compile(facts({ toggle: 'enable-disable' }));
  assertSameTest(c, 'PTDUMP-2walkers+enable-disable.litmus');
  const s = decided(c);
  assert.deepEqual(verdict(s), herdCorpus('PTDUMP-2walkers+enable-disable.litmus'));
  assert.equal(s.observation, 'Sometimes');
  assert.ok(s.witness !== undefined && s.witness.includes('P2'), 'the witness shows the second walker');
});

// By hand, for every walker W with its own reference flag (the counter's
// property: W's inc/dec moves only W's share of the count):
// - the freer reads W's flag as 1: it takes the lock; either its lock comes
//   after W's unlock (W's reads happen before the free: the free cannot be
//   what W read) or before W's lock (W's lock acquires after the freer's
//   unlock, and the clear is before it: W reads the entry as 0);
// - the freer reads 0 from before W's inc: clear; mb; R flag against
//   W flag=1; mb; R entry, store buffering with full barriers on both sides,
//   which the LKMM forbids, so W reads the entry as 0;
// - the freer reads 0 from W's dec: W's R table; mb; W flag=0 -rf-> R flag;
//   mb; free, load buffering with full barriers: W cannot read the free.
// No case lets W read the entry valid and the table freed: Never. With
// enable/disable the other walker's disable stores the 0 the freer reads,
// which is none of the three cases: Sometimes above.
test('v6: two walkers with inc/dec is Never (derived by hand)', () => {
  const s = decided(staticKeyWalkers.compile(V6_PROTOCOL));
  assert.equal(s.observation, 'Never');
  assert.equal(s.positive, 0);
  assert.equal(s.witness, undefined);
});

// The flips below break one step of the argument above.
test('inc/dec without the barrier after the clear: Sometimes (store buffering with one fence is allowed)', () => {
  assert.equal(decided(staticKeyWalkers.compile(facts({ barrierAfterClear: false }))).observation, 'Sometimes');
});

test('inc/dec without the barrier before the free: Sometimes (load buffering, the free is not ordered after the key read)', () => {
  // As herd7 says for the one-walker corpus variant: the same reason.
  assert.equal(decided(staticKeyWalkers.compile(facts({ barrierBeforeFree: false }))).observation, 'Sometimes');
});

test('inc/dec with a freer that never locks: Sometimes (already under SC: walker reads the entry, freer clears and frees, walker reads the table)', () => {
  assert.equal(decided(staticKeyWalkers.compile(facts({ freerLock: 'none' }))).observation, 'Sometimes');
});

test('inc/dec with a walker that does not lock: Sometimes (under SC: the freer\'s lock/unlock waits for nobody)', () => {
  assert.equal(decided(staticKeyWalkers.compile(facts({ walkerLock: false }))).observation, 'Sometimes');
});

test('v1: the freer locks unconditionally: Never even with enable/disable (lock handshake, first two cases above)', () => {
  assert.equal(decided(staticKeyWalkers.compile(facts({ toggle: 'enable-disable', freerLock: 'always' }))).observation, 'Never');
});

test('pud_free_pmd_page() names the pud and the pmd table, same verdicts', () => {
  const c = staticKeyWalkers.compile(facts({ freer: 'pud_free_pmd_page', toggle: 'enable-disable' }));
  assert.match(c.litmus, /WRITE_ONCE\(\*pud, 0\);\s+\/\/ pud_clear\(\)/);
  assert.equal(decided(c).observation, 'Sometimes');
});
