// Valid and invalid diffs for rules/gupfast-unsync-table-free.ts, then the
// real patches: Yang Shi's GUP-fast fix (70cbc3cc78a9) and Hugh Dickins'
// collapse_pte_mapped_thp() rework (1043173eb5eb) are silent; undoing the
// fix, or freeing the collapsed table with pte_free() instead of
// pte_free_defer(), is flagged. No introducing patch of 70cbc3cc78a9 was
// obtained (2667f50e8b81, 2014), so the fix reversed stands for it.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import rule from '../../rules/gupfast-unsync-table-free.ts';
import type { Finding } from '../../src/analysis/finding.ts';
import { fileDiff, findingsFor, ruleTester } from '../../src/analysis/rule-tester.ts';
import { patchMailFromFile } from '../analysis/mail-fixture.ts';

const RECHECK =
  'GUP-fast re-checks the pte but not the pmd after grabbing the folio: a THP collapse can clear the pmd and ' +
  'free this PTE table meanwhile (all architectures; arm64 and x86 INVLPGB send no IPI that IRQs-off would block)';
const FREED = (free: string, line: number): string =>
  `${free}() frees or reuses the page table unlinked by pmdp_collapse_flush() on line ${line} with no ` +
  'tlb_remove_table_sync_one() or RCU-deferred free in between: GUP-fast may still be walking it';

const COLLAPSE = 'static void collapse_and_free_pmd(struct mm_struct *mm, struct vm_area_struct *vma,';

ruleTester(rule, {
  valid: [
    {
      name: '70cbc3cc78a9: the pmd is re-checked beside the pte',
      diff: fileDiff('mm/gup.c', {
        oldStart: 2423,
        section: 'static int gup_pte_range(pmd_t pmd, pmd_t *pmdp, unsigned long addr,',
        lines: [
          '-\t\tif (unlikely(pte_val(pte) != pte_val(*ptep))) {',
          '+\t\tif (unlikely(pmd_val(pmd) != pmd_val(*pmdp)) ||',
          '+\t\t    unlikely(pte_val(pte) != pte_val(*ptep))) {',
          ' \t\t\tgup_put_folio(folio, 1, flags);',
        ],
      }),
    },
    {
      name: 'newer trees: pmd_same() with pmdp_get_lockless()',
      diff: fileDiff('mm/gup.c', {
        oldStart: 2800,
        section: 'static int gup_fast_pte_range(pmd_t pmd, pmd_t *pmdp, unsigned long addr,',
        lines: [
          '+\t\tif (unlikely(pmd_val(pmd) != pmd_val(*pmdp)) ||',
          '+\t\t    unlikely(!pte_same(pte, ptep_get(ptep)))) {',
          ' \t\t\tgup_put_folio(folio, 1, flags);',
        ],
      }),
    },
    {
      name: '2ba99c5e0881: tlb_remove_table_sync_one() before pte_free()',
      diff: fileDiff('mm/khugepaged.c', {
        oldStart: 1400,
        section: COLLAPSE,
        lines: [
          ' \tpmd = pmdp_collapse_flush(vma, addr, pmdp);',
          '+\ttlb_remove_table_sync_one();',
          ' \tmmu_notifier_invalidate_range_end(&range);',
          ' \tpte_free(mm, pmd_pgtable(pmd));',
        ],
      }),
    },
    {
      name: 'pte_free_defer() waits for an RCU grace period',
      diff: fileDiff('mm/khugepaged.c', {
        oldStart: 1600,
        section: 'int collapse_pte_mapped_thp(struct mm_struct *mm, unsigned long addr,',
        lines: ['+\tpgt_pmd = pmdp_collapse_flush(vma, haddr, pmd);', '+\tpte_free_defer(mm, pmd_pgtable(pgt_pmd));'],
      }),
    },
    {
      name: 'a pte re-check outside GUP-fast is not this rule',
      diff: fileDiff('mm/memory.c', {
        oldStart: 100,
        section: 'static vm_fault_t do_numa_page(struct vm_fault *vmf)',
        lines: ['+\tif (unlikely(pte_val(pte) != pte_val(*ptep)))', '+\t\treturn 0;'],
      }),
    },
  ],
  invalid: [
    {
      name: 'before 70cbc3cc78a9: a new GUP-fast re-check of the pte only',
      diff: fileDiff('mm/gup.c', {
        oldStart: 2423,
        section: 'static int gup_pte_range(pmd_t pmd, unsigned long addr, unsigned long end,',
        lines: [
          '-\t\tif (unlikely(!pte_same(pte, *ptep))) {',
          '+\t\tif (unlikely(pte_val(pte) != pte_val(*ptep))) {',
          ' \t\t\tgup_put_folio(folio, 1, flags);',
        ],
      }),
      errors: [{ message: RECHECK, file: 'mm/gup.c', line: 2423, function: 'gup_pte_range', severity: 'warning' }],
    },
    {
      name: 'a patch that drops the pmd re-check',
      diff: fileDiff('mm/gup.c', {
        oldStart: 2443,
        section: 'static int gup_fast_pte_range(pmd_t pmd, pmd_t *pmdp, unsigned long addr,',
        lines: [
          '-\t\tif (unlikely(pmd_val(pmd) != pmd_val(*pmdp)) ||',
          '-\t\t    unlikely(pte_val(pte) != pte_val(*ptep))) {',
          '+\t\tif (unlikely(pte_val(pte) != pte_val(*ptep))) {',
          ' \t\t\tgup_put_folio(folio, 1, flags);',
        ],
      }),
      errors: [{ message: RECHECK, file: 'mm/gup.c', line: 2443, function: 'gup_fast_pte_range' }],
    },
    {
      name: 'before 2ba99c5e0881: pte_free() right after the collapse flush',
      diff: fileDiff('mm/khugepaged.c', {
        oldStart: 1400,
        section: COLLAPSE,
        lines: [
          '+\tpmd = pmdp_collapse_flush(vma, addr, pmdp);',
          ' \tmmu_notifier_invalidate_range_end(&range);',
          '+\tpte_free(mm, pmd_pgtable(pmd));',
        ],
      }),
      errors: [{ message: FREED('pte_free', 1400), file: 'mm/khugepaged.c', line: 1402, function: 'collapse_and_free_pmd' }],
    },
    {
      name: 'a patch that removes tlb_remove_table_sync_one()',
      diff: fileDiff('mm/khugepaged.c', {
        oldStart: 1400,
        section: COLLAPSE,
        lines: [
          ' \tpmd = pmdp_collapse_flush(vma, addr, pmdp);',
          '-\ttlb_remove_table_sync_one();',
          ' \tmmu_notifier_invalidate_range_end(&range);',
          ' \tpte_free(mm, pmd_pgtable(pmd));',
        ],
      }),
      errors: [{ message: FREED('pte_free', 1400), file: 'mm/khugepaged.c', line: 1402 }],
    },
  ],
});

/** The diff undone: what a patch reintroducing the bug would look like. */
function reverse(diff: string): string {
  return diff
    .split('\n')
    .map((l) => {
      const h = /^@@ -(\d+(?:,\d+)?) \+(\d+(?:,\d+)?) @@(.*)$/.exec(l);
      if (h) return `@@ -${h[2]} +${h[1]} @@${h[3]}`;
      if (/^(---|\+\+\+) /.test(l)) return l;
      if (l.startsWith('+')) return `-${l.slice(1)}`;
      if (l.startsWith('-')) return `+${l.slice(1)}`;
      return l;
    })
    .join('\n');
}

const where = (fs: Finding[]): string[] => fs.map((f) => `${f.file}:${f.line} ${f.function ?? '-'} ${f.severity}`);
const diffOf = (path: string): string => patchMailFromFile(path).diff;
const GUP_FIX = 'fixtures/lore/bugs/gup_fast_vs_thp_collapse/fix.patch';
const UFFD_INTRO = 'fixtures/lore/bugs/khugepaged_collapse_vs_uffd/introducing.patch';

test('70cbc3cc78a9 (GUP-fast vs THP collapse) is silent; undone, its old pte-only re-check is flagged', () => {
  assert.deepEqual(where(findingsFor(rule, diffOf(GUP_FIX))), []);
  assert.deepEqual(where(findingsFor(rule, reverse(diffOf(GUP_FIX)))), ['mm/gup.c:2426 gup_pte_range warning']);
});

test("Hugh Dickins' collapse_pte_mapped_thp() frees with pte_free_defer() and is silent; pte_free() there is flagged", () => {
  const diff = diffOf(UFFD_INTRO);
  assert.deepEqual(where(findingsFor(rule, diff)), []);
  // Undone, the old collapse_and_free_pmd() comes back with its tlb_remove_table_sync_one(): silent too.
  assert.deepEqual(where(findingsFor(rule, reverse(diff))), []);
  const bare = diff.replace('+\tpte_free_defer(mm, pmd_pgtable(pgt_pmd));', '+\tpte_free(mm, pmd_pgtable(pgt_pmd));');
  assert.notEqual(bare, diff);
  assert.deepEqual(where(findingsFor(rule, bare)), ['mm/khugepaged.c:1685 collapse_pte_mapped_thp warning']);
});

test('the bug pairs, the clean patches and the threads are silent', () => {
  const dirs = ['fixtures/lore/clean', ...readdirSync('fixtures/lore/bugs', { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `fixtures/lore/bugs/${d.name}`)];
  const patches = dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.patch')).map((f) => `${d}/${f}`));
  const threads = readdirSync('fixtures/lore/threads').flatMap((t) =>
    readdirSync(`fixtures/lore/threads/${t}`).filter((f) => f.endsWith('.eml')).map((f) => `fixtures/lore/threads/${t}/${f}`),
  );
  assert.ok(patches.length >= 30 && threads.length >= 100);
  for (const p of [...patches, ...threads]) assert.deepEqual(where(findingsFor(rule, diffOf(p))), [], p);
});
