// Issue 10's done-when on the real thread "arm64: Enable vmalloc-huge with
// ptdump" (fixtures/lore/threads/arm64_vmalloc_huge_ptdump), through
// analyzeSeries: the static-key rule reads the scenario's facts off each
// version's post-image with the C front end and attaches the simulation.
// Expected, from SEEDS.md §2 and herd7 (fixtures/litmus/expected.tsv has
// PTDUMP-2walkers+enable-disable): v4 and v5 toggle the key with
// enable/disable, two walkers, Sometimes; v6 uses inc/dec and gets no
// static-key finding; v1 and v2 have no key, only the design finding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { analyzeSeries, type AnalysisOptions, type AnalysisResult } from '../../../src/analysis/analyze.ts';
import type { Finding } from '../../../src/analysis/finding.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { ingest } from '../../../src/mail/ingest.ts';
import { readLocalInputs } from '../../../src/sources/local-files.ts';
import { PatchBudget, runScenario } from '../../../src/sim/scenarios/index.ts';
import { herdCorpus } from './helpers.ts';

const THREAD = join(import.meta.dirname, '../../../fixtures/lore/threads/arm64_vmalloc_huge_ptdump');
const config = loadConfig();

async function analyse(eml: string, extra: Partial<AnalysisOptions> = {}): Promise<AnalysisResult> {
  assert.ok(config.ok, 'the default configuration loads');
  const mail = await ingest(readLocalInputs([join(THREAD, eml)]));
  return analyzeSeries(mail.series, { relevance: config.config.relevance, rules: {}, versions: 'all', ...extra });
}

const staticKey = (r: AnalysisResult): Finding[] => r.findings.filter((f) => f.ruleId === 'static-key-gated-locking');

const HERD = herdCorpus('PTDUMP-2walkers+enable-disable.litmus');

for (const [eml, version, lines] of [['0004.eml', 'v4', [313, 357]], ['0006.eml', 'v5', [289]]] as const) {
  test(`${version}: static_branch_enable()/disable() finding backed by the two-walker scenario, Sometimes as herd7 says`, async () => {
    const found = staticKey(await analyse(eml));
    assert.deepEqual(found.map((f) => f.line), [...lines]);
    for (const f of found) {
      const s = f.simulation;
      assert.ok(s, `${f.id} carries a simulation`);
      assert.equal(f.simulationNotDecided, undefined);
      assert.equal(s.litmus.split('\n')[0], 'C PTDUMP-2walkers+enable-disable', 'two walkers, enable/disable, every barrier and lock found');
      assert.equal(s.model, 'lkmm');
      assert.deepEqual([s.observation, s.positive, s.negative], [HERD.observation, HERD.positive, HERD.negative]);
      assert.match(s.scenario ?? '', /ptdump walkers toggling the static key/);
      assert.ok(s.witness, 'a Sometimes carries its interleaving');
      // The freer of the scenario is the gated function the rule quotes.
      assert.match(s.litmus, /static_branch_enable\(\)\/disable\(\)/);
    }
  });
}

test('v6: static_branch_inc()/dec(): no static-key finding, no simulation', async () => {
  const r = await analyse('0009.eml');
  assert.deepEqual(staticKey(r), []);
  assert.deepEqual(r.findings.filter((f) => f.hazardClass === 'static-key' || f.simulation || f.simulationNotDecided), []);
});

for (const [eml, version] of [['0001.eml', 'v1'], ['0003.eml', 'v2']] as const) {
  test(`${version}: unconditional mmap_read_lock(): only the design finding, no race, no simulation`, async () => {
    const r = await analyse(eml);
    assert.ok(r.findings.some((f) => f.ruleId === 'core-path-debug-lock' && f.hazardClass === 'design'));
    assert.deepEqual(r.findings.filter((f) => f.hazardClass === 'static-key' || f.simulation || f.simulationNotDecided), []);
  });
}

test('a tiny per-patch budget: the v5 finding says "not decided" and still carries the test for herd7', async () => {
  const [f, ...rest] = staticKey(await analyse('0006.eml', { simulation: { budget: { maxCandidates: 10 } } }));
  assert.ok(f);
  assert.deepEqual(rest, []);
  assert.equal(f.simulation, undefined);
  const u = f.simulationNotDecided;
  assert.ok(u, 'not decided');
  assert.match(u.notDecided, /candidate/);
  assert.equal(u.litmus.split('\n')[0], 'C PTDUMP-2walkers+enable-disable');
  assert.equal(u.model, 'lkmm');
});

test('v4: both findings need the same test; one budget that fits one run decides both (simulated once per patch)', async () => {
  const full = staticKey(await analyse('0004.eml'));
  assert.equal(full.length, 2);
  // A budget of exactly what one run of the test spends (measured, not pinned).
  const probe = new PatchBudget({ maxCandidates: 1_000_000 });
  const facts = { walkers: 2, toggle: 'enable-disable', walkerLock: true, freerLock: 'key-gated', barrierAfterClear: true, barrierBeforeFree: true, freer: 'pmd_free_pte_page' } as const;
  runScenario({ template: 'static-key-walkers', facts }, probe);
  const oneRun = 1_000_000 - probe.remainingCandidates;
  const tight = staticKey(await analyse('0004.eml', { simulation: { budget: { maxCandidates: oneRun } } }));
  assert.deepEqual(tight.map((f) => f.simulation?.observation), ['Sometimes', 'Sometimes']);
});

test('simulation off: the findings stay, with neither verdict nor note', async () => {
  const found = staticKey(await analyse('0006.eml', { simulation: { enabled: false } }));
  assert.equal(found.length, 1);
  assert.equal(found[0]!.simulation, undefined);
  assert.equal(found[0]!.simulationNotDecided, undefined);
});
