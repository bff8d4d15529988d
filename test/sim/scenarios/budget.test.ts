// The per-patch budget: candidates shared by a patch's scenarios, an
// optional time bound through the caller's clock, "not decided" after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SimulationSummary } from '../../../src/analysis/finding.ts';
import {
  type LazyMmuFacts, PatchBudget, type ScenarioRequest, type StaticKeyFacts, V6_PROTOCOL, isDecided, lazyMmuPopulate,
  simulatePatchScenarios, staticKeyWalkers,
} from '../../../src/sim/scenarios/index.ts';

const v4Facts: StaticKeyFacts = { ...V6_PROTOCOL, toggle: 'enable-disable' };
const lazyFacts: LazyMmuFacts = {
  defersPteStore: true, cpus: [{ inLazyMode: true, pausedAroundUpdate: false }, { inLazyMode: true, pausedAroundUpdate: false }],
};
const v4: ScenarioRequest = { template: 'static-key-walkers', facts: v4Facts };
const lazy: ScenarioRequest = { template: 'lazy-mmu-populate', facts: lazyFacts };

test('a scenario larger than the budget is not decided, and still carries its litmus test', () => {
  const o = staticKeyWalkers.run(v4Facts, { maxCandidates: 50 });
  assert.ok(!isDecided(o));
  assert.match(o.notDecided, /budget exceeded after 50 candidates/);
  assert.match(o.litmus, /^C PTDUMP-2walkers\+enable-disable/);
  assert.equal(o.model, 'lkmm');
  assert.equal(o.variant, '-');
});

test('scenarios of one patch share its budget: once spent, the rest are not decided', () => {
  const runs = simulatePatchScenarios([lazy, v4, lazy], new PatchBudget({ maxCandidates: 1_000 }));
  assert.ok(isDecided(runs[0]!.outcome));
  assert.ok(!isDecided(runs[1]!.outcome), 'the two-walker scenario needs more than what is left');
  // The same test again is answered from the first run, not simulated twice.
  assert.equal(runs[2]!.outcome, runs[0]!.outcome);
  const fresh = simulatePatchScenarios([lazy, lazy, v4], new PatchBudget({ maxCandidates: 1_000 }));
  assert.ok(isDecided(fresh[1]!.outcome));
});

test('the time bound uses the caller\'s clock: past maxMillis, nothing more runs', () => {
  let t = 0;
  const budget = new PatchBudget({ maxCandidates: 1_000_000, maxMillis: 100, now: () => t });
  assert.ok(isDecided(lazyMmuPopulate.run(lazyFacts, budget)));
  t = 150;
  const o = lazyMmuPopulate.run(lazyFacts, budget);
  assert.ok(!isDecided(o));
  assert.match(o.notDecided, /simulation time of 100 ms is spent/);
});

test('a decided outcome is a finding\'s simulation (SimulationSummary)', () => {
  const o = simulatePatchScenarios([v4])[0]!.outcome;
  assert.ok(isDecided(o));
  const s: SimulationSummary = o;
  assert.equal(s.observation, 'Sometimes');
  assert.equal(s.model, 'lkmm');
  assert.ok(s.witness !== undefined && s.witness.length > 0);
});
