// Statement CFG and paths: branches, loops, switch, goto, and cleanup guards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCfg, enumeratePaths, extractFragment } from '../../src/c/index.ts';
import type { Cfg, CCall } from '../../src/c/index.ts';
import { fixtureCfg, fragmentCfg, parseText } from './fixture.ts';

/** Synthetic guard calls on each entry-to-exit path, as `enter:class@line`/`exit:class@line`. */
function guardTrace(cfg: Cfg): string[] {
  return enumeratePaths(cfg).paths.map((p) =>
    p.steps
      .flatMap((s) => s.node.events)
      .flatMap((e) => (e.kind === 'call' && e.call.synthetic ? [`${e.call.synthetic === 'guard-enter' ? 'enter' : 'exit'}:${e.call.guardClass}@${e.call.line}`] : []))
      .join(' '),
  );
}

function callsOnPaths(cfg: Cfg, pick: (c: CCall) => boolean): string[] {
  return enumeratePaths(cfg).paths.map((p) =>
    p.steps.flatMap((s) => s.node.events).flatMap((e) => (e.kind === 'call' && pick(e.call) ? [`${e.call.callee}@${e.call.line}`] : [])).join(' '),
  );
}

test('guard(preempt)() is released when the function returns, on both if/else arms', async () => {
  const cfg = await fixtureCfg('x86-flush-tlb-kernel-range-guard.c', 'flush_tlb_kernel_range');
  assert.deepEqual(guardTrace(cfg), ['enter:preempt@12 exit:preempt@23', 'enter:preempt@12 exit:preempt@23']);
});

test('guard(spinlock)() is released on the early return and on the last one', async () => {
  const cfg = await fixtureCfg('kernel-macro-shapes.c', 'kasan_populate_vmalloc_pte_guard');
  assert.deepEqual(guardTrace(cfg).sort(), ['', 'enter:spinlock@57 exit:spinlock@60', 'enter:spinlock@57 exit:spinlock@63']);
});

test('scoped_guard() acquires at the block and releases at its closing brace', async () => {
  const cfg = await fixtureCfg('kernel-macro-shapes.c', 'kasan_populate_vmalloc_pte_scoped');
  const traces = new Set(guardTrace(cfg));
  assert.deepEqual([...traces].sort(), ['', 'enter:spinlock@29 exit:spinlock@34']);
});

test('scoped_cond_guard() has a fail edge that runs its `return 0`', async () => {
  const cfg = await fixtureCfg('kernel-macro-shapes.c', 'vmap_try_huge_pmd_tail');
  const returns = enumeratePaths(cfg).paths.map((p) => p.steps.filter((s) => s.node.kind === 'return').map((s) => s.node.text).join(' | '));
  assert.deepEqual(returns.sort(), ['return 0', 'return 0;', 'return pmd_set_huge(pmd, phys_addr, prot);']);
  // Only the paths past the trylock hold (and release) the lock.
  assert.deepEqual(guardTrace(cfg).sort(), ['', 'enter:mmap_read_lock_try@77 exit:mmap_read_lock_try@79', 'enter:mmap_read_lock_try@77 exit:mmap_read_lock_try@80']);
});

test('a guard in a fragment is released where the fragment ends, across an #ifdef', async () => {
  const cfg = await fragmentCfg('x86-mm-free-global-asid.hunk.c');
  // #ifdef CONFIG_BROADCAST_TLB_FLUSH is a branch: configured in, or out.
  assert.deepEqual(callsOnPaths(cfg, () => true).sort(), [
    'guard(raw_spinlock_irqsave)@9 __set_bit@13 guard(raw_spinlock_irqsave)@18',
    'guard(raw_spinlock_irqsave)@9 guard(raw_spinlock_irqsave)@18',
  ]);
});

test('goto out: the NULL path skips the loop and the unmap but still leaves lazy MMU', async () => {
  const cfg = await fixtureCfg('hash-tlb-flush-pmd-range.c', 'flush_hash_table_pmd_range_post');
  const interesting = new Set(['pte_offset_map', 'hpte_need_flush', 'pte_unmap', 'arch_leave_lazy_mmu_mode', 'local_irq_restore']);
  assert.deepEqual(callsOnPaths(cfg, (c) => interesting.has(c.callee)).sort(), [
    // loop run 0 times, run once with and without the flush
    'pte_offset_map@42 arch_leave_lazy_mmu_mode@53 local_irq_restore@54',
    'pte_offset_map@42 hpte_need_flush@48 pte_unmap@51 arch_leave_lazy_mmu_mode@53 local_irq_restore@54',
    'pte_offset_map@42 pte_unmap@51 arch_leave_lazy_mmu_mode@53 local_irq_restore@54',
    'pte_offset_map@42 pte_unmap@51 arch_leave_lazy_mmu_mode@53 local_irq_restore@54',
  ]);
});

test('switch: cases, a default that returns, and break', async () => {
  const cfg = await fixtureCfg('x86-split-large-page.c', '__split_large_page');
  const unlocks = callsOnPaths(cfg, (c) => c.callee === 'spin_unlock' || c.callee === 'flush_tlb_all');
  const distinct = [...new Set(unlocks)].sort();
  assert.deepEqual(distinct, ['flush_tlb_all@111 spin_unlock@112', 'spin_unlock@29', 'spin_unlock@64']);
  // The default case leaves the function; the two sized cases reach the flush.
  const defaultReturn = cfg.nodes.filter((n) => n.kind === 'return' && n.line === 65);
  assert.equal(defaultReturn.length, 1);
});

test('switch fallthrough reaches the next case body', async () => {
  const parsed = await parseText(
    ['\tswitch (level) {', '\tcase PG_LEVEL_1G:', '\t\tpud_clear(pud);', '\t\tfallthrough;', '\tcase PG_LEVEL_2M:', '\t\tpmd_clear(pmd);', '\t\tbreak;', '\tdefault:', '\t\tpte_clear(mm, addr, pte);', '\t}', ''].join('\n'),
  );
  const frag = extractFragment(parsed);
  assert.ok(frag);
  assert.deepEqual(callsOnPaths(buildCfg(frag), () => true).sort(), ['pmd_clear@6', 'pte_clear@9', 'pud_clear@3 pmd_clear@6']);
});

test('for (;;) is left only by its break; the loop body runs once per path', async () => {
  const cfg = await fixtureCfg('ppc-set-ptes.c', 'set_ptes_pre');
  // The break is the only way out, so the body runs once, or twice around the back edge.
  assert.deepEqual(callsOnPaths(cfg, (c) => /lazy|__set_pte_at/.test(c.callee)).sort(), [
    'arch_enter_lazy_mmu_mode@26 __set_pte_at@28 __set_pte_at@28 arch_leave_lazy_mmu_mode@35',
    'arch_enter_lazy_mmu_mode@26 __set_pte_at@28 arch_leave_lazy_mmu_mode@35',
  ]);
  const back = cfg.nodes.flatMap((n) => n.succ.filter((e) => e.back));
  assert.equal(back.length, 1);
});

test('list iterator macros become loops: braced with continue, and unbraced', async () => {
  const cfg = await fixtureCfg('kernel-macro-shapes.c', 'purge_vmap_area_walk');
  const heads = cfg.nodes.filter((n) => n.kind === 'loop-head').map((n) => n.text);
  assert.deepEqual(heads, ['(llist_for_each_entry_safe(va, n_va, valist, purge_list))', '(list_for_each_entry(va, &local_purge_list, list))']);
  // Zero iterations of both loops is a path.
  assert.ok(callsOnPaths(cfg, (c) => c.callee === 'spin_lock' || c.callee === 'spin_unlock' || c.callee === 'kasan_release_vmalloc').includes('spin_lock@93 spin_unlock@103'));
});

test('path enumeration stops at its limit and says so', async () => {
  const cfg = await fixtureCfg('x86-split-large-page.c', '__split_large_page');
  const all = enumeratePaths(cfg);
  assert.equal(all.truncated, false);
  const few = enumeratePaths(cfg, { maxPaths: 2 });
  assert.equal(few.paths.length, 2);
  assert.equal(few.truncated, true);
});
