// Template (e), x86: clear -> IPI shootdown -> free. No corpus test models
// this; the verdicts are derived by hand from the LKMM, as below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X86_SHOOTDOWN_PROTOCOL, type X86ShootdownFacts, ipiSent, x86Shootdown } from '../../../src/sim/scenarios/index.ts';
import { decided } from './helpers.ts';

const facts = (o: Partial<X86ShootdownFacts>): X86ShootdownFacts => ({ ...X86_SHOOTDOWN_PROTOCOL, ...o });

// By hand: for the bad outcome the target's read of the pte table reads the
// free (rfe to P1), is po-before the handler's smp_mb() and the ack store,
// which the initiator's wait reads (rfe to P0), and the free is
// control-dependent on that read: a load-buffering cycle with a full
// barrier on one side and a control dependency on the other, which the
// LKMM forbids (LB+fencembonceonce+ctrlonceonce is Never). Hence Never.
test('IPI sent (freed_tables reaches a lazy-TLB CPU), waited for, handler serialising: Never', () => {
  const c = x86Shootdown.compile(X86_SHOOTDOWN_PROTOCOL);
  assert.match(c.litmus, /WRITE_ONCE\(\*ack, 1\)/);
  const s = decided(c);
  assert.equal(s.observation, 'Never');
  assert.equal(s.positive, 0);
});

test('not waiting for the acknowledgement: Sometimes (already under SC: walk the entry, clear, free, read the table)', () => {
  const s = decided(x86Shootdown.compile(facts({ waitForAck: false })));
  assert.equal(s.observation, 'Sometimes');
  assert.match(s.witness ?? '', /even under sequential consistency/);
});

test('a handler without the barrier: Sometimes (load buffering with nothing ordering the target\'s read before its ack)', () => {
  assert.equal(decided(x86Shootdown.compile(facts({ handlerBarrier: false }))).observation, 'Sometimes');
});

test('a lazy-TLB CPU without freed_tables gets no IPI: Sometimes, as with no wait', () => {
  const f = facts({ freedTables: false });
  assert.equal(ipiSent(f), false);
  const c = x86Shootdown.compile(f);
  assert.doesNotMatch(c.litmus, /ack, 1/);
  assert.equal(decided(c).observation, 'Sometimes');
});

test('a CPU not in lazy-TLB mode gets the IPI without freed_tables: Never, as the complete protocol', () => {
  const f = facts({ freedTables: false, targetLazyTlb: false });
  assert.equal(ipiSent(f), true);
  assert.equal(decided(x86Shootdown.compile(f)).observation, 'Never');
});

test('no flush at all between clear and free (R11 on x86): no IPI, nothing to wait for: Sometimes', () => {
  const f = facts({ flushed: false, targetLazyTlb: false });
  assert.equal(ipiSent(f), false);
  const c = x86Shootdown.compile(f);
  assert.equal(c.name, 'X86-shootdown+noflush');
  assert.doesNotMatch(c.litmus, /ack, 1|smp_mb/);
  assert.equal(decided(c).observation, 'Sometimes');
});
