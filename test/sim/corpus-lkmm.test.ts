// Every C/LKMM test of the corpus against herd7's numbers (expected.tsv)
// and its full output (herd7-out/), Time and Hash lines dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLitmus } from '../../src/sim/parse/litmus.ts';
import { printHerd } from '../../src/sim/output/herd.ts';
import { simulate } from '../../src/sim/run.ts';
import { expectedRows, normalise, readCorpus } from './corpus-helpers.ts';

const rows = expectedRows().filter((r) => r.model === 'lkmm');

test('the corpus has its 69 C/LKMM tests', () => {
  assert.equal(rows.length, 69);
});

for (const row of rows) {
  test(`lkmm ${row.file}`, () => {
    const t = parseLitmus(row.file, readCorpus(row.file));
    const r = simulate(t, { model: 'lkmm', variant: row.variant === '-' ? [] : row.variant.split(','), maxCandidates: 2_000_000 });
    assert.equal(r.budgetExceeded, null);
    // expected.tsv has herd's literal Positive/Negative line, swapped for ~exists.
    const [pos, neg] = t.quantifier === '~exists' ? [r.negative, r.positive] : [r.positive, r.negative];
    assert.deepEqual(
      { observation: r.observation, states: r.states.length, positive: pos, negative: neg },
      { observation: row.expected, states: row.states, positive: row.positive, negative: row.negative },
    );
    const herd = readCorpus('herd7-out', row.file.replace(/\.litmus$/, '.out'));
    assert.equal(normalise(printHerd(r, 0)), normalise(herd));
  });
}
