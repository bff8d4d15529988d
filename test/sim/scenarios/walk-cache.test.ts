// The abstract walk-cache model (SIMULATOR.md §8.3): herd cannot model a
// cached table descriptor, so every verdict here is derived by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KERNEL_PGTABLE_FLUSH, type WalkCacheFacts, isDecided, walkCacheFree } from '../../../src/sim/scenarios/index.ts';

const facts = (o: Partial<WalkCacheFacts>): WalkCacheFacts => ({ ...KERNEL_PGTABLE_FLUSH, ...o });

function verdictOf(f: WalkCacheFacts): { observation: string; witness: string } {
  const o = walkCacheFree.run(f, { maxCandidates: 10_000 });
  assert.ok(isDecided(o));
  assert.equal(o.model, 'abstract-tlb');
  return { observation: o.observation, witness: o.witness ?? '' };
}

// By hand: DSB ISHST makes the clear visible before the TLBI; the
// all-levels TLBI then drops any cached pud, and no walk can refill it (the
// pud is clear in memory); a walk that had the table before completes before
// the TLBI does, and DSB ISH waits for that before the free. So a walk
// either faults or reads the table before it is freed: Never.
test('__flush_tlb_kernel_pgtable() (DSB ISHST; TLBI VAAE1IS; DSB ISH) before the free: Never', () => {
  const v = verdictOf(KERNEL_PGTABLE_FLUSH);
  assert.equal(v.observation, 'Never');
  assert.equal(v.witness, '');
});

test('a last-level TLBI (VALE1IS) keeps the cached table descriptor: Sometimes, through the walk cache', () => {
  const v = verdictOf(facts({ tlbi: 'last-level' }));
  assert.equal(v.observation, 'Sometimes');
  assert.match(v.witness, /VALE1IS[\s\S]*walk takes the pud from the walk cache[\s\S]*freed/);
});

test('no TLBI: Sometimes (a walk that read the pud before the clear reads the table after the free)', () => {
  assert.equal(verdictOf(facts({ tlbi: 'none' })).observation, 'Sometimes');
});

test('no DSB ISHST: Sometimes (the walk refills its cache from the old pud after the TLBI)', () => {
  const v = verdictOf(facts({ dsbBeforeTlbi: false }));
  assert.equal(v.observation, 'Sometimes');
  assert.match(v.witness, /TLBI completes[\s\S]*reads the pud from memory[\s\S]*pud clear becomes visible/);
});

test('no DSB ISH after the TLBI: Sometimes (the free is visible before the invalidation completes)', () => {
  assert.equal(verdictOf(facts({ dsbAfterTlbi: false })).observation, 'Sometimes');
});

test('the model spends its states from the patch budget', () => {
  const o = walkCacheFree.run(KERNEL_PGTABLE_FLUSH, { maxCandidates: 5 });
  assert.ok(!isDecided(o));
  assert.match(o.notDecided, /state budget exceeded/);
  assert.match(o.litmus, /not a herd7 test/);
});
