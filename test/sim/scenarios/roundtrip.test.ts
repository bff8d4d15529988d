// Every template's text is herd7 syntax our parser reads back: the name is
// the first line's, the condition prints and parses to itself, and compiling
// the same facts twice gives the same text. And the structural comparison the
// other tests rely on does tell different tests apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLitmus } from '../../../src/sim/parse/litmus.ts';
import { printProp } from '../../../src/sim/output/herd.ts';
import {
  ARM64_FLUSH_PROTOCOL, PTDUMP_COMMIT_PROTOCOL, type ScenarioRequest, V6_PROTOCOL, compileScenario,
} from '../../../src/sim/scenarios/index.ts';
import { assertSameTest } from './helpers.ts';

const requests: readonly ScenarioRequest[] = [
  { template: 'static-key-walkers', facts: V6_PROTOCOL },
  { template: 'static-key-walkers', facts: { ...V6_PROTOCOL, walkers: 1, toggle: 'enable-disable', freer: 'pud_free_pmd_page' } },
  { template: 'ptdump-ifetch', facts: PTDUMP_COMMIT_PROTOCOL },
  { template: 'ptdump-ifetch', facts: { ...PTDUMP_COMMIT_PROTOCOL, walkerLock: false, freerDsb: false } },
  { template: 'lockless-walk', facts: { walker: 'irqs-off', freer: 'ipi' } },
  { template: 'lockless-walk', facts: { walker: 'ptl', freer: 'ptl' } },
  { template: 'lazy-mmu-populate', facts: { defersPteStore: true, cpus: [{ inLazyMode: true, pausedAroundUpdate: false }, { inLazyMode: false, pausedAroundUpdate: false }, { inLazyMode: true, pausedAroundUpdate: true }] } },
  { template: 'tlbi-free', facts: { ...ARM64_FLUSH_PROTOCOL, tlbi: false } },
];

for (const r of requests) {
  const c = compileScenario(r);
  test(`${c.name} parses and round-trips`, () => {
    const t = parseLitmus(`${c.name}.litmus`, c.litmus);
    assert.equal(t.name, c.name);
    assert.equal(t.arch, c.model === 'lkmm' ? 'C' : 'AArch64');
    assert.ok(t.cThreads.length + t.a64Threads.length >= 2);
    const cond = printProp(t.prop);
    const head = c.litmus.slice(0, c.litmus.lastIndexOf('\nexists'));
    const again = parseLitmus(`${c.name}.litmus`, `${head}\nexists (${cond})\n`);
    assert.deepEqual(again.prop, t.prop);
    assert.equal(printProp(again.prop), cond);
    assert.equal(compileScenario(r).litmus, c.litmus);
  });
}

test('the structural comparison fails on a test that differs in one barrier', () => {
  const c = compileScenario({ template: 'static-key-walkers', facts: { ...V6_PROTOCOL, walkers: 1, toggle: 'enable-disable' } });
  assertSameTest(c, 'pte_free_ptdump.litmus');
  assert.throws(() => assertSameTest(c, 'pte_free_ptdump+no-mb-before-free.litmus'), assert.AssertionError);
});
