// Template (e), arm64: clear -> TLBI -> DSB -> free under herd's vmsa
// variant. The complete protocol and the two mutants are the spec examples
// PT-free-tlbi, PT-free-notlbi and PT-free-tlbi-nodsb2 (assertSameTest);
// herd7's numbers come from their golden outputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARM64_FLUSH_PROTOCOL, tlbiFree } from '../../../src/sim/scenarios/index.ts';
import { assertSameTest, decided, herdGolden, verdict } from './helpers.ts';

test('STR invalid; DSB; TLBI VAAE1IS; DSB; reuse: Never (herd7, PT-free-tlbi)', () => {
  const c = tlbiFree.compile(ARM64_FLUSH_PROTOCOL);
  assert.deepEqual(c.variant, ['vmsa']);
  assertSameTest(c, 'spec-examples', 'PT-free-tlbi.litmus');
  assert.deepEqual(verdict(decided(c)), herdGolden('PT-free-tlbi'));
  assert.equal(herdGolden('PT-free-tlbi').observation, 'Never');
});

test('no TLBI: Sometimes (herd7, PT-free-notlbi)', () => {
  const c = tlbiFree.compile({ ...ARM64_FLUSH_PROTOCOL, tlbi: false });
  assertSameTest(c, 'spec-examples', 'PT-free-notlbi.litmus');
  assert.deepEqual(verdict(decided(c)), herdGolden('PT-free-notlbi'));
  assert.equal(herdGolden('PT-free-notlbi').observation, 'Sometimes');
});

test('no DSB after the TLBI: Sometimes (herd7, PT-free-tlbi-nodsb2)', () => {
  const c = tlbiFree.compile({ ...ARM64_FLUSH_PROTOCOL, dsbAfterTlbi: false });
  assertSameTest(c, 'spec-examples', 'PT-free-tlbi-nodsb2.litmus');
  assert.deepEqual(verdict(decided(c)), herdGolden('PT-free-tlbi-nodsb2'));
});

// By hand: without the first DSB the descriptor store need not be visible
// to the other CPU's translation when the TLBI completes, so P1 can walk
// the old descriptor after the invalidation (TLBI-ca needs the store
// ob-before the TLBI, and without a barrier a store and a later TLBI are not
// ordered) and then read the reused page.
test('no DSB between the descriptor store and the TLBI: Sometimes (derived by hand)', () => {
  assert.equal(decided(tlbiFree.compile({ ...ARM64_FLUSH_PROTOCOL, dsbBeforeTlbi: false })).observation, 'Sometimes');
});
