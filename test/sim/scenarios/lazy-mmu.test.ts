// Template (d): lazy MMU deferred PTE store vs. a concurrent locked populate
// of the same KASAN shadow PTE. The corpus LAZY-* tests are this template's
// outputs (assertSameTest) with herd7's numbers in expected.tsv.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type LazyMmuCpu, lazyMmuPopulate } from '../../../src/sim/scenarios/index.ts';
import { assertSameTest, decided, herdCorpus, verdict } from './helpers.ts';

const lazy: LazyMmuCpu = { inLazyMode: true, pausedAroundUpdate: false };
const paused: LazyMmuCpu = { inLazyMode: true, pausedAroundUpdate: true };
const eager: LazyMmuCpu = { inLazyMode: false, pausedAroundUpdate: false };

test('pause/resume around the update on every CPU: LAZY-immediate, Never (herd7)', () => {
  const c = lazyMmuPopulate.compile({ defersPteStore: true, cpus: [paused, paused] });
  assertSameTest(c, 'LAZY-immediate.litmus');
  assert.deepEqual(verdict(decided(c)), herdCorpus('LAZY-immediate.litmus'));
  assert.equal(herdCorpus('LAZY-immediate.litmus').observation, 'Never');
});

test('removing pause/resume on an architecture that defers the store: LAZY-deferred, Sometimes (herd7)', () => {
  const c = lazyMmuPopulate.compile({ defersPteStore: true, cpus: [lazy, lazy] });
  assertSameTest(c, 'LAZY-deferred.litmus');
  assert.deepEqual(verdict(decided(c)), herdCorpus('LAZY-deferred.litmus'));
  assert.equal(herdCorpus('LAZY-deferred.litmus').observation, 'Sometimes');
});

test('one CPU deferred is enough: LAZY-mixed, Sometimes (herd7)', () => {
  const c = lazyMmuPopulate.compile({ defersPteStore: true, cpus: [lazy, eager] });
  assertSameTest(c, 'LAZY-mixed.litmus');
  assert.deepEqual(verdict(decided(c)), herdCorpus('LAZY-mixed.litmus'));
});

test('three CPUs deferred: LAZY-deferred-3cpu, Sometimes (herd7)', () => {
  const c = lazyMmuPopulate.compile({ defersPteStore: true, cpus: [lazy, lazy, lazy] });
  assertSameTest(c, 'LAZY-deferred-3cpu.litmus');
  assert.deepEqual(verdict(decided(c)), herdCorpus('LAZY-deferred-3cpu.litmus'));
});

test('arm64 defers only barriers: without pause/resume the test is LAZY-immediate, Never (herd7)', () => {
  const c = lazyMmuPopulate.compile({ defersPteStore: false, cpus: [lazy, lazy] });
  assertSameTest(c, 'LAZY-immediate.litmus');
  assert.equal(decided(c).observation, 'Never');
});

test('a scenario needs two or three CPUs', () => {
  assert.throws(() => lazyMmuPopulate.compile({ defersPteStore: true, cpus: [lazy] }), RangeError);
});
