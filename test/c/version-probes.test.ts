// Version probes: which API generation a text uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mergeApiGenerations, probeApiGenerations } from '../../src/c/index.ts';
import { fixturePath } from './fixture.ts';

const read = (name: string): string => readFileSync(fixturePath(name), 'utf8');

test('arch_enter_lazy_mmu_mode only: the old lazy MMU API', () => {
  const g = probeApiGenerations(read('hash-tlb-flush-pmd-range.c'));
  assert.equal(g.lazyMmu, 'arch');
  assert.equal(g.lazyMmuMixed, false);
});

test('lazy_mmu_mode_enable/pause: the generic API; pause without pause_count is not yet counted (v5)', () => {
  const hunk = probeApiGenerations(read('hpte-flush-range.hunk.c'));
  assert.equal(hunk.lazyMmu, 'generic');
  const both = probeApiGenerations(read('kasan-depopulate-lazy.c'));
  assert.equal(both.lazyMmu, 'generic');
  assert.equal(both.lazyMmuMixed, true);
  assert.equal(both.lazyMmuCountedPause, false);
});

test('the other probes, and merging several files of a tree', () => {
  const arm64 = probeApiGenerations(read('arm64-pmd-free-pte-page.hunk.c'));
  assert.equal(arm64.arm64PtdumpStaticKey, true);
  assert.equal(arm64.initMmMmapLockGuard, false);
  const shapes = probeApiGenerations(read('kernel-macro-shapes.c'));
  assert.equal(shapes.initMmMmapLockGuard, true);
  assert.equal(shapes.lazyMmu, 'none');
  const merged = mergeApiGenerations([arm64, shapes, probeApiGenerations(read('hash-tlb-flush-pmd-range.c'))]);
  assert.deepEqual(
    { lazyMmu: merged.lazyMmu, key: merged.arm64PtdumpStaticKey, guard: merged.initMmMmapLockGuard, rw: merged.pteMapRwRoNolock },
    { lazyMmu: 'arch', key: true, guard: true, rw: false },
  );
  assert.equal(probeApiGenerations('pte = pte_offset_map_rw_nolock(mm, pmd, addr, &pmdval, &ptl);').pteMapRwRoNolock, true);
});
