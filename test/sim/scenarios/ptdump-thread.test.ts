// The ptdump thread's patches (fixtures/lore/threads/arm64_vmalloc_huge_ptdump):
// facts read off each version's post-image, then the static-key scenario.
// Expected, from SEEDS.md §2 (the reviewers' conclusions, and herd7 on
// PTDUMP-2walkers+enable-disable for v4/v5): v1 and v2 have no key (no
// scenario), v4 and v5 toggle it with enable/disable (Sometimes), v6 with
// inc/dec (Never).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ptdumpStaticKeyFacts, staticKeyWalkers } from '../../../src/sim/scenarios/index.ts';
import { decided } from './helpers.ts';

const THREAD = join(import.meta.dirname, '../../../fixtures/lore/threads/arm64_vmalloc_huge_ptdump');

/** Context and added lines of the diff, without their markers. */
function postImage(eml: string): string[] {
  const lines = readFileSync(join(THREAD, eml), 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith('diff --git'));
  assert.ok(start >= 0, `${eml} has a diff`);
  return lines.slice(start).filter((l) => (l.startsWith('+') && !l.startsWith('+++')) || l.startsWith(' ')).map((l) => l.slice(1));
}

test('v1 and v2 (unconditional mmap_read_lock, no key): no static-key scenario', () => {
  assert.equal(ptdumpStaticKeyFacts(postImage('0001.eml')), null);
  assert.equal(ptdumpStaticKeyFacts(postImage('0003.eml')), null);
});

for (const [eml, version] of [['0004.eml', 'v4'], ['0006.eml', 'v5']] as const) {
  test(`${version}: static_branch_enable()/disable(), two walkers: Sometimes`, () => {
    const f = ptdumpStaticKeyFacts(postImage(eml));
    assert.ok(f);
    assert.equal(f.toggle, 'enable-disable');
    assert.equal(f.freerLock, 'key-gated');
    assert.equal(f.barrierAfterClear, true, '__flush_tlb_kernel_pgtable() before the key test');
    assert.equal(decided(staticKeyWalkers.compile(f)).observation, 'Sometimes');
  });
}

test('v6: static_branch_inc()/dec(): Never, no race to report', () => {
  const f = ptdumpStaticKeyFacts(postImage('0009.eml'));
  assert.ok(f);
  assert.equal(f.toggle, 'inc-dec');
  assert.equal(f.freerLock, 'key-gated');
  assert.equal(decided(staticKeyWalkers.compile(f)).observation, 'Never');
});

test('comments that mention the toggles are not toggles', () => {
  assert.equal(ptdumpStaticKeyFacts([' * Case 1: If ptdump does static_branch_enable(), ...', '\tmmap_read_lock(&init_mm);']), null);
});
