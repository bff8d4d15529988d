// Paired-call balance per path (P3), as valid/invalid cases on real kernel functions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyseHeldStates, buildCfg, checkBalance, extractFragment, inferCallerHeld } from '../../src/c/index.ts';
import type { BalanceIssue, BalanceOptions, Cfg } from '../../src/c/index.ts';
import { fixtureCfg, fragmentCfg, parseText } from './fixture.ts';

const brief = (issues: BalanceIssue[]): string[] => issues.map((i) => `${i.kind} ${i.resource} ${i.callee}@${i.line} exit@${i.exitLine}`);

interface Case {
  name: string;
  cfg: () => Promise<Cfg>;
  options?: BalanceOptions;
  issues: string[];
}

const valid: Case[] = [
  {
    name: 'hash_tlb flush_hash_table_pmd_range after Hugh: NULL map goes to out, which still leaves lazy MMU and restores IRQs',
    cfg: () => fixtureCfg('hash-tlb-flush-pmd-range.c', 'flush_hash_table_pmd_range_post'),
    issues: [],
  },
  {
    name: 'kasan depopulate callback: arch_leave/arch_enter around the body, inside its caller\'s lazy section',
    cfg: () => fixtureCfg('kasan-depopulate-lazy.c', 'kasan_depopulate_vmalloc_pte_leave_enter'),
    options: { entry: { 'lazy-mmu': 1 } },
    issues: [],
  },
  {
    name: 'kasan depopulate callback: lazy_mmu_mode_pause/resume',
    cfg: () => fixtureCfg('kasan-depopulate-lazy.c', 'kasan_depopulate_vmalloc_pte_pause'),
    options: { entry: { 'lazy-mmu': 1 } },
    issues: [],
  },
  {
    name: 'x86 __split_large_page: pgd_lock released on the early return, the default case, and the end',
    cfg: () => fixtureCfg('x86-split-large-page.c', '__split_large_page'),
    issues: [],
  },
  {
    name: 'guard(spinlock)() with two returns',
    cfg: () => fixtureCfg('kernel-macro-shapes.c', 'kasan_populate_vmalloc_pte_guard'),
    issues: [],
  },
  {
    name: 'scoped_cond_guard(mmap_read_lock_try, return 0, &init_mm): the fail edge holds nothing',
    cfg: () => fixtureCfg('kernel-macro-shapes.c', 'vmap_try_huge_pmd_tail'),
    issues: [],
  },
  {
    name: 'walk_pte_range after be872f83bf57: maps and unmaps under the same walk->mm test (correlated branches)',
    cfg: () => fragmentCfg('walk-pte-range.post.hunk.c'),
    issues: [],
  },
  {
    name: 'hpte_flush_range fragment: pte_offset_map_lock, NULL return, pte_unmap_unlock(pte - 1, ptl)',
    cfg: () => fragmentCfg('hpte-flush-range.hunk.c'),
    issues: [],
  },
];

const invalid: Case[] = [
  {
    name: 'hash_tlb flush_hash_table_pmd_range before Hugh: the mapping is never unmapped',
    cfg: () => fixtureCfg('hash-tlb-flush-pmd-range.c', 'flush_hash_table_pmd_range_pre'),
    issues: ['leak pte-map pte_offset_map@23 exit@32', 'leak rcu pte_offset_map@23 exit@32'],
  },
  {
    name: 'the leave/enter callback analysed as if it were not a callback: leave underflows, enter leaks',
    cfg: () => fixtureCfg('kasan-depopulate-lazy.c', 'kasan_depopulate_vmalloc_pte_leave_enter'),
    issues: ['underflow lazy-mmu arch_leave_lazy_mmu_mode@25 exit@25', 'leak lazy-mmu arch_enter_lazy_mmu_mode@37 exit@39'],
  },
  {
    name: 'the 2025 vmalloc purge hunk is cut before its spin_unlock (a fragment: the lock is still held at its end)',
    cfg: () => fragmentCfg('vmalloc-purge-vmap-area-lazy.hunk.c'),
    options: { resources: ['spinlock'] },
    issues: ['leak spinlock spin_lock@8 exit@26'],
  },
];

for (const c of valid) {
  test(`valid: ${c.name}`, async () => {
    assert.deepEqual(brief(checkBalance(await c.cfg(), c.options)), c.issues);
  });
}
for (const c of invalid) {
  test(`invalid: ${c.name}`, async () => {
    assert.deepEqual(brief(checkBalance(await c.cfg(), c.options)), c.issues);
  });
}

/** A real function with one line changed, to show the check reacts to exactly that. */
async function mutated(from: string, to: string): Promise<Cfg> {
  const { readFileSync } = await import('node:fs');
  const { fixturePath } = await import('./fixture.ts');
  const text = readFileSync(fixturePath('hash-tlb-flush-pmd-range.c'), 'utf8');
  const start = text.indexOf('void flush_hash_table_pmd_range_post');
  const body = text.slice(start);
  assert.ok(body.includes(from));
  const parsed = await parseText(text.slice(0, start) + body.replace(from, to));
  const { extractFunctions } = await import('../../src/c/index.ts');
  const fn = extractFunctions(parsed).find((f) => f.name === 'flush_hash_table_pmd_range_post');
  assert.ok(fn);
  return buildCfg(fn);
}

test('invalid: goto out placed after the lazy MMU leave leaks the section on the NULL path', async () => {
  const cfg = await mutated('out:\n\tarch_leave_lazy_mmu_mode();\n', '\tarch_leave_lazy_mmu_mode();\nout:\n');
  assert.deepEqual(brief(checkBalance(cfg, { resources: ['lazy-mmu'] })), ['leak lazy-mmu arch_enter_lazy_mmu_mode@41 exit@55']);
});

test('invalid: unmapping on the NULL path (goto out before the unmap label) underflows', async () => {
  const cfg = await mutated('\tpte_unmap(start_pte);\nout:\n', 'out:\n\tpte_unmap(start_pte);\n');
  assert.deepEqual(brief(checkBalance(cfg, { resources: ['pte-map'] })), ['underflow pte-map pte_unmap@52 exit@52']);
});

test('invalid: a callback that leaves its caller\'s lazy section and returns early does not restore it', async () => {
  const cfg = await fixtureCfg('kasan-depopulate-lazy.c', 'kasan_depopulate_vmalloc_pte_leave_enter');
  const issues = checkBalance(cfg, { entry: { 'lazy-mmu': 1 } });
  assert.deepEqual(issues, []);
  const parsed = await parseText(
    'static int cb(pte_t *ptep, unsigned long addr, void *unused)\n{\n\tarch_leave_lazy_mmu_mode();\n\tif (pte_none(ptep_get(ptep)))\n\t\treturn 0;\n\tarch_enter_lazy_mmu_mode();\n\treturn 0;\n}\n',
  );
  const { extractFunctions } = await import('../../src/c/index.ts');
  const fn = extractFunctions(parsed)[0];
  assert.ok(fn);
  assert.deepEqual(brief(checkBalance(buildCfg(fn), { entry: { 'lazy-mmu': 1 } })), ['not-restored lazy-mmu <caller>@1 exit@5']);
});

test('pte_offset_map_lock hands out map, RCU and PTL; pte_unmap_unlock takes all three back', async () => {
  const parsed = await parseText(
    ['\tpte = pte_offset_map_lock(mm, pmd, addr, &ptl);', '\tif (!pte)', '\t\treturn 0;', '\tif (!pte_present(ptep_get(pte)))', '\t\treturn -EAGAIN;', '\tpte_unmap_unlock(pte, ptl);', '\treturn 0;', ''].join('\n'),
  );
  const frag = extractFragment(parsed);
  assert.ok(frag);
  // The HAZARDS R07 shape: the -EAGAIN return leaks the PTL and the RCU-held mapping.
  assert.deepEqual(brief(checkBalance(buildCfg(frag), { resources: ['pte-map', 'rcu', 'ptl'] })), [
    'leak pte-map pte_offset_map_lock@1 exit@5',
    'leak rcu pte_offset_map_lock@1 exit@5',
    'leak ptl pte_offset_map_lock@1 exit@5',
  ]);
});

test('split_large_page runs with cpa_lock held: inferred from the release before any acquire', async () => {
  const cfg = await fixtureCfg('x86-split-large-page.c', 'split_large_page');
  const alone = analyseHeldStates(cfg);
  assert.deepEqual(brief(checkBalance(cfg, {}, alone)), [
    'underflow spinlock spin_unlock@123 exit@123',
    'underflow preempt spin_unlock@123 exit@123',
    // Each return that leaves the lock held is reported.
    'leak spinlock spin_lock@126 exit@128',
    'leak preempt spin_lock@126 exit@128',
    'leak spinlock spin_lock@126 exit@133',
    'leak preempt spin_lock@126 exit@133',
  ]);
  const entry = inferCallerHeld(alone);
  assert.deepEqual(entry, { spinlock: 1, preempt: 1 });
  // Dropped and retaken under the same !debug_pagealloc_enabled() test: balanced for the caller.
  assert.deepEqual(checkBalance(cfg, { entry }), []);
});

test('a trylock counts only on the edge where it succeeded', async () => {
  const parsed = await parseText(['\tif (!mmap_read_trylock(&init_mm))', '\t\treturn 0;', '\tpmd_free_pte_page(pmd, addr);', '\tmmap_read_unlock(&init_mm);', '\treturn 1;', ''].join('\n'));
  const frag = extractFragment(parsed);
  assert.ok(frag);
  assert.deepEqual(checkBalance(buildCfg(frag)), []);
});

test('helpers that return with the PTE mapped hand it to the caller: "returned", not "leak"', async () => {
  for (const [fn, map, ret] of [['pte_offset_map_readonly_nolock', 17, 20], ['pte_offset_map_maywrite_nolock', 30, 35]] as const) {
    const cfg = await fixtureCfg('pgtable-generic-nolock.hunk.c', fn);
    assert.deepEqual(brief(checkBalance(cfg)), [`returned pte-map __pte_offset_map@${map} exit@${ret}`, `returned rcu __pte_offset_map@${map} exit@${ret}`], fn);
  }
});

test('releases match the lock they name: spin_unlock(pml) drops pmd_lock, not the nested PTL', async () => {
  // Step 4 of collapse_pte_mapped_thp() as "mm/khugepaged: fix
  // collapse_pte_mapped_thp() versus uffd" leaves it
  // (fixtures/lore/bugs/khugepaged_collapse_vs_uffd/fix.patch), with the
  // `if (ptl != pml) spin_unlock(ptl);` before spin_unlock(pml) left out.
  const frag = extractFragment(
    await parseText(['\tpml = pmd_lock(mm, pmd);', '\tif (ptl != pml)', '\t\tspin_lock_nested(ptl, SINGLE_DEPTH_NESTING);', '\tpgt_pmd = pmdp_collapse_flush(vma, haddr, pmd);', '\tpmdp_get_lockless_sync();', '\tspin_unlock(pml);', ''].join('\n')),
  );
  assert.ok(frag);
  assert.deepEqual(brief(checkBalance(buildCfg(frag), { resources: ['ptl'] })), ['leak ptl spin_lock_nested@3 exit@6']);
});

test('a trylock behind && is not held on the edge where the condition failed', async () => {
  // The vmscan walk_pte_range() shape of "[PATCH 12/14] mm: multi-gen LRU:
  // walk_pte_range() use pte_offset_map_maywrite_nolock()" with its two tests
  // folded into one condition (adapted).
  const frag = extractFragment(
    await parseText(['\tif (pte && spin_trylock(ptl)) {', '\t\twalk_ptes(pte);', '\t\tspin_unlock(ptl);', '\t}', '\treturn false;', ''].join('\n')),
  );
  assert.ok(frag);
  assert.deepEqual(brief(checkBalance(buildCfg(frag), { resources: ['ptl'] })), []);
});

test('sparse annotations are the contract: __releases(ptlp) enters holding the PTL', async () => {
  const { fixtureFunction } = await import('./fixture.ts');
  const { analyseFunction, lockContract } = await import('../../src/c/index.ts');
  const unlock = await fixtureFunction('pte-stability-annotations.c', 'pte_stability_unlock_nested');
  assert.deepEqual(lockContract(unlock), { entry: { ptl: 1, preempt: 1 }, exitHeld: { ptl: 0, preempt: 0 } });
  assert.deepEqual(analyseFunction(unlock).balance(), []);
  // Without its annotation the same body is a release of nothing.
  assert.deepEqual(brief(checkBalance(buildCfg(unlock))), ['underflow ptl spin_unlock@31 exit@31', 'underflow preempt spin_unlock@31 exit@31']);
});

test('__acquires(ptlp): a wrapper whose callee takes the lock is not reported either way', async () => {
  const { fixtureFunction } = await import('./fixture.ts');
  const { analyseFunction } = await import('../../src/c/index.ts');
  assert.deepEqual(analyseFunction(await fixtureFunction('pte-stability-annotations.c', 'pte_stability_lock')).balance(), []);
});

test('R17: the arm64 handshake run under vmap\'s init_mm guard takes the read lock twice', async () => {
  // The hunk's __pmd_free_pte_page() tail, analysed as if its caller held
  // mmap_read_lock(&init_mm) (the 2026 scoped_cond_guard in vmap_try_huge_pmd).
  const cfg = await fragmentCfg('arm64-pmd-free-pte-page.hunk.c');
  assert.deepEqual(brief(checkBalance(cfg, { resources: ['init-mm-mmap-lock'] })), []);
  assert.deepEqual(brief(checkBalance(cfg, { entry: { 'init-mm-mmap-lock': 1 }, resources: ['init-mm-mmap-lock'] })), ['reacquired init-mm-mmap-lock mmap_read_lock@18 exit@18']);
});

test('a trylock of a lock already held is not a re-acquisition', async () => {
  const frag = extractFragment(await parseText(['\tif (!mmap_read_trylock(&init_mm))', '\t\treturn 0;', '\tmmap_read_unlock(&init_mm);', '\treturn 1;', ''].join('\n')));
  assert.ok(frag);
  assert.deepEqual(brief(checkBalance(buildCfg(frag), { entry: { 'init-mm-mmap-lock': 1 } })), []);
});
