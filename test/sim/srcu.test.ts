// SRCU (no corpus test has it, so no herd7 numbers): the guarantees
// tools/memory-model/Documentation/explanation.txt states, as verdicts only.
// A grace period of one srcu_struct waits for the read-side sections of that
// srcu_struct, not of another one; without it the walker may see the free.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLitmus } from '../../src/sim/parse/litmus.ts';
import { simulate } from '../../src/sim/run.ts';

const walker = (sync: string, writerStruct = 's'): string => `C SRCU-pt-free
{ pud=1; }
P0(int *pud, int *pmd, struct srcu_struct *s)
{
	int r0;
	int r1;
	int idx;

	idx = srcu_read_lock(s);
	r0 = READ_ONCE(*pud);
	if (r0)
		r1 = READ_ONCE(*pmd);
	srcu_read_unlock(s, idx);
}
P1(int *pud, int *pmd, struct srcu_struct *${writerStruct})
{
	WRITE_ONCE(*pud, 0);
	${sync};
	WRITE_ONCE(*pmd, 57005);
}
exists (0:r0=1 /\\ 0:r1=57005)
`;

function run(src: string) {
  return simulate(parseLitmus('srcu.litmus', src), { model: 'lkmm', variant: [], maxCandidates: 100000 });
}

test('synchronize_srcu() on the walker\'s srcu_struct forbids the use after free', () => {
  assert.equal(run(walker('synchronize_srcu(s)')).observation, 'Never');
});

test('a grace period of another srcu_struct does not', () => {
  assert.equal(run(walker('synchronize_srcu(t)', 't')).observation, 'Sometimes');
});

test('nor does smp_wmb()', () => {
  assert.equal(run(walker('smp_wmb()')).observation, 'Sometimes');
});

test('an srcu_read_lock() without its unlock is flagged', () => {
  const r = run(walker('synchronize_srcu(s)').replace('\tsrcu_read_unlock(s, idx);\n', ''));
  assert.ok(r.flags.includes('unmatched-srcu-lock'));
});
