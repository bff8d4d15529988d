// The strongest check for the generated tests that are corpus tests: our
// output for the generated test is herd7's output for the corpus test
// (fixtures/litmus/herd7-out), line by line, states included, once the test
// name is the corpus one and Time/Hash are dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { printHerd } from '../../../src/sim/output/herd.ts';
import { parseLitmus } from '../../../src/sim/parse/litmus.ts';
import { simulate } from '../../../src/sim/run.ts';
import {
  PTDUMP_COMMIT_PROTOCOL, type ScenarioRequest, V6_PROTOCOL, compileScenario,
} from '../../../src/sim/scenarios/index.ts';
import { normalise, readCorpus } from '../corpus-helpers.ts';

const lazy = { inLazyMode: true, pausedAroundUpdate: false };
const eager = { inLazyMode: false, pausedAroundUpdate: false };
const catalin = { ...V6_PROTOCOL, walkers: 1, toggle: 'enable-disable' } as const;

const cases: readonly (readonly [string, ScenarioRequest])[] = [
  ['pte_free_ptdump', { template: 'static-key-walkers', facts: catalin }],
  ['pte_free_ptdump+no-mb-after-clear', { template: 'static-key-walkers', facts: { ...catalin, barrierAfterClear: false } }],
  ['PTDUMP-2walkers+enable-disable', { template: 'static-key-walkers', facts: { ...V6_PROTOCOL, toggle: 'enable-disable' } }],
  ['ptdump', { template: 'ptdump-ifetch', facts: PTDUMP_COMMIT_PROTOCOL }],
  ['ptdump+P1-no-dsb', { template: 'ptdump-ifetch', facts: { ...PTDUMP_COMMIT_PROTOCOL, freerDsb: false } }],
  ['PT+rcuwalker+syncrcu-free', { template: 'lockless-walk', facts: { walker: 'rcu', freer: 'synchronize_rcu' } }],
  ['PT+lockedwalker+lockedclear-free', { template: 'lockless-walk', facts: { walker: 'ptl', freer: 'ptl' } }],
  ['LAZY-mixed', { template: 'lazy-mmu-populate', facts: { defersPteStore: true, cpus: [lazy, eager] } }],
  ['LAZY-deferred-3cpu', { template: 'lazy-mmu-populate', facts: { defersPteStore: true, cpus: [lazy, lazy, lazy] } }],
];

for (const [corpus, request] of cases) {
  test(`generated ${request.template} prints herd7's output for ${corpus}`, () => {
    const c = compileScenario(request);
    const r = simulate(parseLitmus(`${c.name}.litmus`, c.litmus), { model: c.model, variant: c.variant, maxCandidates: 200_000 });
    // The name appears on the Test, Observation and Time lines only.
    const ours = printHerd(r, 0).split(c.name).join(corpus);
    assert.equal(normalise(ours), normalise(readCorpus('herd7-out', `${corpus}.out`)));
  });
}
