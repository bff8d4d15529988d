// Regions (P4) and callee summaries (P7): "is X inside region R on every/some path".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCfg, callsOf, computeRegions, extractFunctions, findCallbacks, sleepReason } from '../../src/c/index.ts';
import { fixtureCfg, fragmentCfg, parseFixture } from './fixture.ts';

test('kasan v11 populate callback: GFP_KERNEL allocation inside the lazy MMU section its caller opens (R03)', async () => {
  const parsed = await parseFixture('kasan-vmalloc-shadow-v11.c');
  const fns = extractFunctions(parsed);
  // The callback is found from the apply_to_page_range() call in kasan_populate_vmalloc().
  const sites = findCallbacks(fns.flatMap(callsOf), parsed.source);
  assert.deepEqual(sites.map((s) => [s.callback, s.via, s.line]), [['kasan_populate_vmalloc_pte', 'apply_to_page_range', 49]]);
  const cb = fns.find((f) => f.name === sites[0]?.callback);
  assert.ok(cb && sites[0]);
  const regions = computeRegions(buildCfg(cb), { entry: sites[0].entry });
  const sleepers = regions.callsInside('lazy-mmu-section').filter((c) => sleepReason(c) !== undefined);
  assert.deepEqual(sleepers.map((c) => `${c.callee}@${c.line}: ${sleepReason(c) ?? ''}`), ['__get_free_page@20: __get_free_page(GFP_KERNEL) may enter direct reclaim']);
  // set_pte_at runs under init_mm.page_table_lock (a PTL) on every path that reaches it.
  assert.equal(regions.callInside({ callee: 'set_pte_at', line: 29 }, 'ptl-held', 'every'), true);
  assert.equal(regions.callInside({ callee: '__get_free_page', line: 20 }, 'atomic', 'some'), false);
});

test('analysed on its own, the same callback has no lazy section: the region comes from the caller', async () => {
  const cfg = await fixtureCfg('kasan-vmalloc-shadow-v11.c', 'kasan_populate_vmalloc_pte');
  assert.deepEqual(computeRegions(cfg).callsInside('lazy-mmu-section', 'some'), []);
});

test('pause/resume: the depopulate callback frees its page outside the lazy section (paused)', async () => {
  const cfg = await fixtureCfg('kasan-depopulate-lazy.c', 'kasan_depopulate_vmalloc_pte_pause');
  const regions = computeRegions(cfg, { entry: { 'lazy-mmu': 1 } });
  assert.equal(regions.callInside({ callee: '__free_page', line: 58 }, 'lazy-mmu-section', 'some'), false);
  assert.equal(regions.callInside({ callee: 'pte_clear', line: 54 }, 'ptl-held', 'every'), true);
  assert.equal(regions.callInside({ callee: '__free_page', line: 58 }, 'ptl-held', 'some'), false);
});

test('every vs some: a call reached with and without the lock', async () => {
  const cfg = await fixtureCfg('hash-tlb-flush-pmd-range.c', 'flush_hash_table_pmd_range_post');
  const regions = computeRegions(cfg);
  // After `out:` the mapping is held on the fall-through path but not on the NULL path.
  assert.equal(regions.callInside({ callee: 'arch_leave_lazy_mmu_mode', line: 53 }, 'pte-mapped', 'some'), false);
  assert.equal(regions.callInside({ callee: 'hpte_need_flush', line: 48 }, 'pte-mapped', 'every'), true);
  assert.equal(regions.callInside({ callee: 'hpte_need_flush', line: 48 }, 'rcu-read-side', 'every'), true);
  assert.equal(regions.callInside({ callee: 'hpte_need_flush', line: 48 }, 'irqs-off', 'every'), true);
  assert.equal(regions.callInside({ callee: 'hpte_need_flush', line: 48 }, 'lazy-mmu-section', 'every'), true);
  assert.equal(regions.lineInside(54, 'lazy-mmu-section', 'some'), false);
});

test('guard(preempt)(): everything after it until the return is preempt-off', async () => {
  const regions = computeRegions(await fixtureCfg('x86-flush-tlb-kernel-range-guard.c', 'flush_tlb_kernel_range'));
  assert.deepEqual(regions.callsInside('preempt-off').filter((c) => !c.synthetic).map((c) => `${c.callee}@${c.line}`), [
    'get_flush_tlb_info@14', 'on_each_cpu@18', 'on_each_cpu@20', 'put_flush_tlb_info@22',
  ]);
});

test('scoped_cond_guard(mmap_read_lock_try, …, &init_mm): the free and the install are inside init_mm\'s lock (R14)', async () => {
  const regions = computeRegions(await fixtureCfg('kernel-macro-shapes.c', 'vmap_try_huge_pmd_tail'));
  assert.equal(regions.callInside({ callee: 'pmd_free_pte_page', line: 78 }, 'init-mm-mmap-lock', 'every'), true);
  assert.equal(regions.callInside({ callee: 'pmd_set_huge', line: 80 }, 'init-mm-mmap-lock', 'every'), true);
});

test('arm64 static-key handshake: the table free is outside init_mm\'s lock (R14/R16 shape)', async () => {
  const regions = computeRegions(await fragmentCfg('arm64-pmd-free-pte-page.hunk.c'));
  assert.equal(regions.callInside({ callee: 'pte_free_kernel', line: 22 }, 'init-mm-mmap-lock', 'some'), false);
  assert.equal(regions.callInside({ callee: 'mmap_read_unlock', line: 19 }, 'init-mm-mmap-lock', 'every'), true);
});

test('sleep summaries: GFP flags decide, fixed sleepers always sleep', () => {
  const call = (callee: string, ...args: string[]) => ({ callee, args, line: 1, endLine: 1, text: '' });
  assert.equal(sleepReason(call('alloc_pages', 'GFP_ATOMIC', '0')), undefined);
  assert.equal(sleepReason(call('alloc_pages', 'GFP_NOWAIT | __GFP_ZERO', '0')), undefined);
  assert.match(sleepReason(call('kmalloc', 'sizeof(*p)', 'GFP_KERNEL')) ?? '', /direct reclaim/);
  assert.match(sleepReason(call('mutex_lock', '&m')) ?? '', /may sleep/);
  assert.equal(sleepReason(call('spin_lock', '&l')), undefined);
});
