// Template (b): the ptdump walker patching the key vs. pud_free_pmd_page()
// under ARMv8 with instruction fetch. The complete protocol is the arm64
// commit's test (corpus ptdump.litmus) and every left-out instruction is one
// of its corpus mutants: each generated test is the corpus test
// (assertSameTest) and must get herd7's numbers from expected.tsv.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PTDUMP_COMMIT_PROTOCOL, type PtdumpIfetchFacts, ptdumpIfetch } from '../../../src/sim/scenarios/index.ts';
import { assertSameTest, decided, herdCorpus, verdict } from './helpers.ts';

const cases: readonly { readonly corpus: string; readonly change: Partial<PtdumpIfetchFacts>; readonly herd: string }[] = [
  { corpus: 'ptdump.litmus', change: {}, herd: 'Never' },
  { corpus: 'ptdump+P0-no-cmo.litmus', change: { cacheMaintenance: false }, herd: 'Sometimes' },
  { corpus: 'ptdump+P0-no-dsbs.litmus', change: { patcherDsb: false }, herd: 'Sometimes' },
  { corpus: 'ptdump+P0-no-isb.litmus', change: { patcherIsb: false }, herd: 'Never' },
  { corpus: 'ptdump+P0-no-lock.litmus', change: { walkerLock: false }, herd: 'Sometimes' },
  { corpus: 'ptdump+P1-no-dsb.litmus', change: { freerDsb: false }, herd: 'Sometimes' },
  { corpus: 'ptdump+P1-str-unlock.litmus', change: { freerUnlockRelease: false }, herd: 'Never' },
  { corpus: 'ptdump+P1-swp-no-acq.litmus', change: { freerLockAcquire: false }, herd: 'Never' },
];

for (const k of cases) {
  test(`${k.corpus}: ${JSON.stringify(k.change)} gives herd7's ${k.herd}`, () => {
    const c = ptdumpIfetch.compile({ ...PTDUMP_COMMIT_PROTOCOL, ...k.change });
    assert.equal(c.model, 'aarch64');
    assert.deepEqual(c.variant, ['ifetch']);
    assertSameTest(c, k.corpus);
    const herd = herdCorpus(k.corpus);
    assert.equal(herd.observation, k.herd);
    assert.deepEqual(verdict(decided(c)), herd);
  });
}
