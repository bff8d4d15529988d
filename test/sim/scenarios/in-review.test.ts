// Scenarios inside the review (issue 10): the rules that recognise a race
// pattern attach the matching template's simulation to their findings, on
// real patches of the corpus; and the per-patch budget is one budget for all
// rules of a patch, after which the outcome is "not decided" with the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import gupfast from '../../../rules/gupfast-unsync-table-free.ts';
import lazyStale from '../../../rules/lazy-mmu-stale-visibility.ts';
import walkCache from '../../../rules/pgtable-free-before-walkcache-invalidate.ts';
import type { Finding } from '../../../src/analysis/finding.ts';
import { fileDiff, findingsFor } from '../../../src/analysis/rule-tester.ts';
import type { PatchUnderReview } from '../../../src/analysis/rule-api.ts';
import { simulateForPatch } from '../../../src/analysis/simulation.ts';
import { isDecided } from '../../../src/sim/scenarios/index.ts';
import { patchMailFromFile } from '../../analysis/mail-fixture.ts';

const diffOf = (path: string): string => patchMailFromFile(path).diff;
const verdicts = (fs: Finding[]): string[] =>
  fs.map((f) => `${f.line} ${f.simulation ? `${f.simulation.litmus.split('\n')[0]} ${f.simulation.model} ${f.simulation.observation}` : 'none'}`);

test('x86 pmd_free_pte_page()/pud_free_pmd_page() without the TLB purge (28ee90fe6048): the shootdown scenario with no flush, Sometimes', () => {
  const found = findingsFor(walkCache, diffOf('fixtures/lore/bugs/x86_free_pmd_pte_page_no_tlb_purge/introducing.patch'));
  assert.deepEqual(verdicts(found), ['728 C X86-shootdown+noflush lkmm Sometimes', '749 C X86-shootdown+noflush lkmm Sometimes']);
  assert.match(found[0]!.simulation?.scenario ?? '', /TLB shootdown IPI/);
  assert.match(found[0]!.simulation?.litmus ?? '', /IPI sent to the target: no \(no TLB flush before the free\)/);
  assert.deepEqual(findingsFor(walkCache, diffOf('fixtures/lore/bugs/x86_free_pmd_pte_page_no_tlb_purge/fix.patch')), []);
});

test('arm64 pud_free_pmd_page() with __flush_tlb_kernel_pgtable() removed: the abstract walk-cache model, Sometimes', () => {
  const found = findingsFor(walkCache, fileDiff('arch/arm64/mm/mmu.c', {
    oldStart: 1300,
    section: 'int pud_free_pmd_page(pud_t *pudp, unsigned long addr)',
    lines: [' \ttable = pmd_offset(pudp, addr);', ' \tpud_clear(pudp);', '-\t__flush_tlb_kernel_pgtable(addr);', ' \tpmd_free(NULL, table);'],
  }));
  assert.equal(found.length, 1);
  const s = found[0]!.simulation;
  assert.ok(s);
  assert.deepEqual([s.model, s.observation], ['abstract-tlb', 'Sometimes']);
  assert.match(s.litmus, /P0 \(freer\): clear; free/);
  assert.match(s.witness ?? '', /walk reads the table -- freed/);
});

test('generic code (mm/vmalloc.c): the finding stands, with no simulation, since the walk cache is the architecture\'s', () => {
  const found = findingsFor(walkCache, fileDiff('mm/vmalloc.c', {
    oldStart: 90,
    section: 'static void vunmap_pmd_range(pud_t *pud, unsigned long addr, unsigned long end,',
    lines: [' \tpmd_clear(pmd);', '+\tpte_free_kernel(&init_mm, table);', ' \tcontinue;'],
  }));
  assert.deepEqual(verdicts(found), ['91 none']);
});

test('collapse_pte_mapped_thp() freeing with a bare pte_free(): GUP-fast with IRQs off vs. an unsynchronised free, Sometimes', () => {
  const diff = diffOf('fixtures/lore/bugs/khugepaged_collapse_vs_uffd/introducing.patch');
  const bare = diff.replace('+\tpte_free_defer(mm, pmd_pgtable(pgt_pmd));', '+\tpte_free(mm, pmd_pgtable(pgt_pmd));');
  assert.notEqual(bare, diff);
  assert.deepEqual(verdicts(findingsFor(gupfast, bare)), ['1685 C PT+irqs-offwalker+none-free lkmm Sometimes']);
  assert.deepEqual(findingsFor(gupfast, diff), []);
});

test('KASAN shadow populate in lazy MMU mode (3c5c3cfb9ef4): two deferring CPUs, Sometimes; the fix is silent', () => {
  const found = findingsFor(lazyStale, diffOf('fixtures/lore/bugs/kasan_shadow_populate_race/introducing.patch'));
  assert.ok(found.length > 0);
  for (const line of verdicts(found)) assert.match(line, /^\d+ C LAZY-deferred lkmm Sometimes$/);
  assert.deepEqual(findingsFor(lazyStale, diffOf('fixtures/lore/bugs/kasan_shadow_populate_race/fix.patch')), []);
});

test('one budget per patch, across rules: once spent, the next scenario of that patch is not decided; another patch starts afresh', () => {
  const patch = (id: string): PatchUnderReview => ({ messageId: id, subject: 's', version: 1, seriesId: 's', files: [], simulation: { budget: { maxCandidates: 30 } } });
  const a = patch('a');
  const gup = { template: 'lockless-walk', facts: { walker: 'irqs-off', freer: 'none' } } as const;
  const lazy = { template: 'lazy-mmu-populate', facts: { defersPteStore: true, cpus: [{ inLazyMode: true, pausedAroundUpdate: false }, { inLazyMode: true, pausedAroundUpdate: false }] } } as const;
  const first = simulateForPatch(a, gup);
  assert.ok(first && isDecided(first), 'the GUP-fast test (27 candidates) fits');
  const second = simulateForPatch(a, lazy);
  assert.ok(second && !isDecided(second));
  assert.match(second.notDecided, /budget of 30 candidate executions|state budget|candidates/);
  assert.match(second.litmus, /^C LAZY-deferred/);
  assert.equal(simulateForPatch(a, gup), first, 'the same test again: the outcome already had, nothing spent');
  const other = simulateForPatch(patch('b'), lazy);
  assert.ok(other, 'a fresh budget for another patch');
  assert.equal(simulateForPatch({ ...patch('c'), simulation: { enabled: false } }, gup), undefined);
});
