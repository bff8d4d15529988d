// The rule-facing entry point, and the transitive sleeper index.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyseFunction, callsOf, extractFragment, extractFunctions, inferSleepers, isFlushPrimitive, TABLE_FREES, UPPER_ENTRY_CLEARS } from '../../src/c/index.ts';
import { fixtureFunction, parseFixture } from './fixture.ts';

test('a rule in a few lines: lazy MMU balance and the R11 order on one analysis', async () => {
  const fa = analyseFunction(await fixtureFunction('hash-tlb-flush-pmd-range.c', 'flush_hash_table_pmd_range_pre'));
  assert.equal(fa.complete, true);
  assert.deepEqual(fa.balance({ resources: ['lazy-mmu', 'irq'] }), []);
  assert.deepEqual(fa.balance({ resources: ['pte-map'] }).map((i) => `${i.kind}@${i.line}`), ['leak@23']);
  assert.deepEqual(fa.order({ first: (c) => UPPER_ENTRY_CLEARS.has(c.callee), between: (c) => isFlushPrimitive(c.callee), last: (c) => TABLE_FREES.has(c.callee) }), []);
  assert.equal(fa.regions.callInside({ callee: 'hpte_need_flush', line: 27 }, 'lazy-mmu-section'), true);
  assert.deepEqual(fa.provenance().map((p) => p.unmap.callee), []);
  assert.deepEqual(fa.uncheckedMapUses().map((u) => `${u.variable}@${u.line}`), ['start_pte@24']);
});

test('fragments and functions cut by the hunk are not complete', async () => {
  const parsed = await parseFixture('arm64-pmd-free-pte-page.hunk.c');
  const [whole, cut] = extractFunctions(parsed);
  const frag = extractFragment(parsed);
  assert.ok(whole && cut && frag);
  assert.deepEqual([analyseFunction(whole).complete, analyseFunction(cut).complete, analyseFunction(frag).complete], [true, false, false]);
});

test('a callback analysed in its caller\'s region through the same entry point', async () => {
  const fa = analyseFunction(await fixtureFunction('kasan-depopulate-lazy.c', 'kasan_depopulate_vmalloc_pte_leave_enter'), { entry: { 'lazy-mmu': 1 } });
  assert.deepEqual(fa.balance(), []);
  assert.equal(fa.regions.callInside({ callee: 'pte_clear', line: 31 }, 'lazy-mmu-section', 'some'), false);
});

test('inferSleepers: a function calling a sleeper in the same file sleeps too', async () => {
  const parsed = await parseFixture('x86-free-pmd-pte-page.c');
  const fns = extractFunctions(parsed).map((f) => ({ name: f.name, calls: callsOf(f) }));
  const caller = { name: 'vmap_try_huge_pud', calls: [{ callee: 'pud_free_pmd_page_fixed', args: ['pud', 'addr'], line: 1, endLine: 1, text: '' }] };
  const sleepers = inferSleepers([...fns, caller]);
  assert.deepEqual([...sleepers.keys()].sort(), ['pud_free_pmd_page_fixed', 'vmap_try_huge_pud']);
  assert.equal(sleepers.get('vmap_try_huge_pud'), 'pud_free_pmd_page_fixed() ← __get_free_page(GFP_KERNEL) may enter direct reclaim');
});

test('a function that is itself a paired call is measured by what it does for its callers', async () => {
  const { lockContract } = await import('../../src/c/index.ts');
  const enable = await fixtureFunction('pgtable-lazy-mmu-helpers.c', 'lazy_mmu_mode_enable');
  const disable = await fixtureFunction('pgtable-lazy-mmu-helpers.c', 'lazy_mmu_mode_disable');
  assert.deepEqual(lockContract(enable), { entry: {}, exitHeld: { 'lazy-mmu': 1 } });
  assert.deepEqual(lockContract(disable), { entry: { 'lazy-mmu': 1 }, exitHeld: { 'lazy-mmu': 0 } });
  assert.deepEqual([analyseFunction(enable).balance(), analyseFunction(disable).balance()], [[], []]);
});
