// Ordered-event checks (P6): clear, then invalidate, then free, with no path skipping the middle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PAGE_RELEASES, PTE_CLEARS, TABLE_FREES, UPPER_ENTRY_CLEARS, findOrderViolations, isFlushPrimitive } from '../../src/c/index.ts';
import type { Arch, CCall, OrderViolation, OrderedEventSpec } from '../../src/c/index.ts';
import { fixtureCfg, fragmentCfg } from './fixture.ts';

/** R11: upper-level clear → walk-cache invalidation → table free. */
const clearFlushFree = (arch: Arch = 'generic'): OrderedEventSpec => ({
  first: (c: CCall) => UPPER_ENTRY_CLEARS.has(c.callee),
  between: (c: CCall) => isFlushPrimitive(c.callee, arch),
  last: (c: CCall) => TABLE_FREES.has(c.callee),
});
/** R13: PTE clear → TLB flush → page release. */
const pteClearFlushRelease: OrderedEventSpec = {
  first: (c) => PTE_CLEARS.has(c.callee),
  between: (c) => isFlushPrimitive(c.callee),
  last: (c) => PAGE_RELEASES.has(c.callee),
};

const brief = (v: OrderViolation[]): string[] => v.map((x) => `${x.first.callee}@${x.first.line} -> ${x.last.callee}@${x.last.line}`);

test('invalid: 28ee90fe6048 pmd_free_pte_page frees the PTE table right after pmd_clear (R11)', async () => {
  const v = findOrderViolations(await fixtureCfg('x86-free-pmd-pte-page.c', 'pmd_free_pte_page_introducing'), clearFlushFree('x86'));
  assert.deepEqual(brief(v), ['pmd_clear@45 -> free_page@46']);
  assert.deepEqual(v[0]?.path, [39, 41, 44, 45, 46]);
});

test('invalid: 28ee90fe6048 pud_free_pmd_page frees the PMD table right after pud_clear', async () => {
  const v = findOrderViolations(await fixtureCfg('x86-free-pmd-pte-page.c', 'pud_free_pmd_page_introducing'), clearFlushFree('x86'));
  assert.deepEqual(brief(v), ['pud_clear@31 -> free_page@32']);
});

test('valid: 5e0fb5df2ee8 puts flush_tlb_kernel_range() between the clears and the frees', async () => {
  for (const fn of ['pmd_free_pte_page_fixed', 'pud_free_pmd_page_fixed']) {
    assert.deepEqual(brief(findOrderViolations(await fixtureCfg('x86-free-pmd-pte-page.c', fn), clearFlushFree('x86'))), [], fn);
  }
});

test('the clear in a loop that runs zero times still opens no window before the flush', async () => {
  // pud_free_pmd_page_fixed clears pmd[i] inside a loop, then pud_clear, flush, frees:
  // the frees after the flush are fine on every path, loop or not.
  const v = findOrderViolations(await fixtureCfg('x86-free-pmd-pte-page.c', 'pud_free_pmd_page_fixed'), {
    ...clearFlushFree('x86'),
    between: () => false,
  });
  assert.deepEqual(brief(v), ['pud_clear@71 -> free_page@79', 'pud_clear@71 -> free_page@83', 'pud_clear@71 -> free_page@84']);
});

test('valid on arm64, from a hunk that starts inside an if: pmd_clear, __flush_tlb_kernel_pgtable, pte_free_kernel', async () => {
  const cfg = await fragmentCfg('arm64-pmd-free-pte-page.hunk.c');
  assert.deepEqual(brief(findOrderViolations(cfg, clearFlushFree('arm64'))), []);
  // Without the arm64 flush the same fragment is a violation: the check sees through the unmatched `}`.
  assert.deepEqual(brief(findOrderViolations(cfg, { ...clearFlushFree('arm64'), between: () => false })), ['pmd_clear@15 -> pte_free_kernel@22']);
});

test('invalid: kasan v11 depopulate clears the PTE and frees the page with no flush (R13 shape)', async () => {
  const v = findOrderViolations(await fixtureCfg('kasan-vmalloc-shadow-v11.c', 'kasan_depopulate_vmalloc_pte'), pteClearFlushRelease);
  assert.deepEqual(brief(v), ['pte_clear@107 -> free_page@108']);
});

test('the window follows correlated branches across the unlock (if (!none) clear … if (!none) free)', async () => {
  const v = findOrderViolations(await fixtureCfg('kasan-depopulate-lazy.c', 'kasan_depopulate_vmalloc_pte_pause'), pteClearFlushRelease);
  assert.deepEqual(brief(v), ['pte_clear@54 -> __free_page@58']);
});

test('C-events can be tied to the A-event: only the table read from the cleared entry counts', async () => {
  // pud_free_pmd_page_introducing: pud_clear(pud) then free_page(pmd), where
  // pmd = pud_page_vaddr(*pud). A rule that only knows the freed pointer's
  // name can still tell this free from an unrelated one.
  const cfg = await fixtureCfg('x86-free-pmd-pte-page.c', 'pud_free_pmd_page_introducing');
  const spec = (freed: string): OrderedEventSpec => ({
    ...clearFlushFree('x86'),
    last: (c, opened) => TABLE_FREES.has(c.callee) && opened.args[0] === 'pud' && (c.args[0] ?? '').includes(freed),
  });
  assert.deepEqual(brief(findOrderViolations(cfg, spec('pmd'))), ['pud_clear@31 -> free_page@32']);
  assert.deepEqual(brief(findOrderViolations(cfg, spec('pte'))), []);
});
