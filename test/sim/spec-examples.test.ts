// The LKMM examples of SIMULATOR.md: our output equals herd7's golden
// output line by line once Time and Hash are dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseLitmus } from '../../src/sim/parse/litmus.ts';
import { printHerd } from '../../src/sim/output/herd.ts';
import { simulate } from '../../src/sim/run.ts';
import { CORPUS, normalise, readCorpus } from './corpus-helpers.ts';

const files = readdirSync(join(CORPUS, 'spec-examples', 'c')).filter((f) => f.endsWith('.litmus')).sort();

test('there are LKMM spec examples', () => {
  assert.ok(files.length >= 10);
});

for (const f of files) {
  test(`golden ${f}`, () => {
    const t = parseLitmus(f, readCorpus('spec-examples', 'c', f));
    const r = simulate(t, { model: 'lkmm', variant: [], maxCandidates: 2_000_000 });
    const golden = readCorpus('spec-examples', 'golden', f.replace(/\.litmus$/, '.herd758.out'));
    assert.deepEqual(normalise(printHerd(r, 0)).split('\n'), normalise(golden).split('\n'));
  });
}

// AArch64 examples, instruction fetch and translation tables (vmsa)
// included. The goldens come from herd build 61e77efd, whose shareability
// flag differs from the corpus build's, hence herdBuild.
const a64 = readdirSync(join(CORPUS, 'spec-examples')).filter((f) => f.endsWith('.litmus')).sort();

test('there are AArch64 spec examples', () => {
  assert.equal(a64.length, 11);
});

for (const f of a64) {
  test(`golden ${f}`, () => {
    const t = parseLitmus(f, readCorpus('spec-examples', f));
    const variant = (t.info.get('Variant') ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');
    const r = simulate(t, { model: 'aarch64', variant, maxCandidates: 2_000_000, herdBuild: '61e77efd' });
    const golden = readCorpus('spec-examples', 'golden', f.replace(/\.litmus$/, '.herd758.out'));
    assert.deepEqual(normalise(printHerd(r, 0)).split('\n'), normalise(golden).split('\n'));
  });
}
