// Spacing, backoff and Retry-After, in virtual time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestSpacer, backoffDelay, parseRetryAfter } from '../../src/sources/lore-http/politeness.ts';
import { VirtualClock } from './lore-fixtures.ts';

test('backoff doubles from the base, is capped, and jitters between 0.5x and 1.5x', () => {
  const policy = { baseMs: 1000, maxMs: 10_000 };
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, () => 0.5)), [1000, 2000, 4000, 8000, 10_000, 10_000]);
  assert.equal(backoffDelay(3, policy, () => 0), 2000);
  assert.equal(backoffDelay(3, policy, () => 0.999), 5996);
});

test('Retry-After in seconds or as an HTTP date; nonsense is ignored', () => {
  const now = Date.parse('2026-12-01T10:00:00Z');
  assert.equal(parseRetryAfter('120', now), 120_000);
  assert.equal(parseRetryAfter('Tue, 01 Dec 2026 10:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('Tue, 01 Dec 2026 09:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(null, now), undefined);
});

test('requests start at least the interval apart, also when asked for at once', async () => {
  const clock = new VirtualClock(1_000_000);
  const spacer = new RequestSpacer(clock, 2000);
  const starts: number[] = [];
  await Promise.all([1, 2, 3].map(async () => { await spacer.wait(); starts.push(clock.now()); }));
  assert.deepEqual(starts, [1_000_000, 1_002_000, 1_004_000]);
  clock.advance(10_000);
  await spacer.wait();
  assert.equal(clock.now(), 1_014_000, 'no wait after a long pause');
});
