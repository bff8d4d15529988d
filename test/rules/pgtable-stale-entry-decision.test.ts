// Valid and invalid diffs for rules/pgtable-stale-entry-decision.ts (R10),
// on the shape of Jann Horn's mremap fix (move_normal_pmd() vs
// retract_page_tables(), fixes 1d65b771bc08), and on values derived from
// an entry before the lock: 3c5c3cfb9ef4's kasan_depopulate_vmalloc_pte()
// against Alexander Gordeev's fix, and on a table emptied under its PTL,
// the PTL dropped and re-taken before the table is removed: 1043173eb5eb's
// collapse_pte_mapped_thp() against Hugh Dickins' uffd fix (the real
// patches of the corpus and the thread's earlier versions).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import rule from '../../rules/pgtable-stale-entry-decision.ts';
import type { Finding } from '../../src/analysis/finding.ts';
import { fileDiff, findingsFor, ruleTester } from '../../src/analysis/rule-tester.ts';
import { patchMailFromFile } from '../analysis/mail-fixture.ts';

const plus = (lines: string[]): string[] => lines.map((l) => `+${l}`);

const moveNormalPmd = (recheck: string[]): string[] =>
  plus([
    'static bool move_normal_pmd(struct vm_area_struct *vma, unsigned long old_addr,',
    '\t\t  unsigned long new_addr, pmd_t *old_pmd, pmd_t *new_pmd)',
    '{',
    '\tstruct mm_struct *mm = vma->vm_mm;',
    '\tspinlock_t *old_ptl;',
    '\tpmd_t pmd = pmdp_get(old_pmd);',
    '',
    '\told_ptl = pmd_lock(mm, old_pmd);',
    ...recheck,
    '\tpmd_clear(old_pmd);',
    '\tpmd_populate(mm, new_pmd, pmd_pgtable(pmd));',
    '\tspin_unlock(old_ptl);',
    '\treturn true;',
    '}',
  ]);

const DERIVED = (act: string, value: string, readLine: number, lockLine: number): string =>
  `${act}() uses ${value}, derived on line ${readLine} from a page-table entry read before spin_lock() on line ${lockLine}; ` +
  'nothing under the lock derives it again from the entry, so a concurrent updater serialised by that lock may already ' +
  `have cleared the entry and freed or replaced what ${value} names (a double free, or a stale page installed; all architectures)`;

/** kasan_depopulate_vmalloc_pte() as 3c5c3cfb9ef4 added it, with `derive` and `underLock` varied. */
const depopulate = (derive: string[], underLock: string[]): string[] =>
  plus([
    'static int kasan_depopulate_vmalloc_pte(pte_t *ptep, unsigned long addr,',
    '					void *unused)',
    '{',
    '	unsigned long page;',
    '',
    ...derive,
    '',
    '	spin_lock(&init_mm.page_table_lock);',
    '',
    ...underLock,
    '	spin_unlock(&init_mm.page_table_lock);',
    '',
    '	return 0;',
    '}',
  ]);
const KASAN_DERIVE = ['	page = (unsigned long)__va(pte_pfn(ptep_get(ptep)) << PAGE_SHIFT);'];
const KASAN_FREE = ['	if (likely(!pte_none(ptep_get(ptep)))) {', '		pte_clear(&init_mm, addr, ptep);', '		free_page(page);', '	}'];

const RELOCKED = (clearLine: number, releaseLine: number, retakeLine: number): string =>
  `pmdp_collapse_flush() removes the page table whose entries were cleared under ptl on line ${clearLine}, but ptl was ` +
  `dropped on line ${releaseLine} and re-taken on line ${retakeLine} with no look at the entries since: anything that may ` +
  "install a PTE holding only the PTL in between (userfaultfd's mfill_atomic_pte() on a private VMA does, whatever page " +
  'locks are held) leaves a live entry in the table that is removed and freed (all architectures)';

/** Steps 2-4 of collapse_pte_mapped_thp() (1043173eb5eb), with the lock handling between clearing and removal varied. */
const collapse = (between: string[]): string[] =>
  plus([
    'static int collapse_pte_table(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long haddr, pmd_t *pmd)',
    '{',
    '	spinlock_t *pml, *ptl;',
    '	pte_t *start_pte, *pte;',
    '	pmd_t pgt_pmd;',
    '	unsigned long addr;',
    '	int i;',
    '',
    '	start_pte = pte_offset_map_lock(mm, pmd, haddr, &ptl);',
    '	if (!start_pte)',
    '		return SCAN_FAIL;',
    '	for (i = 0, addr = haddr, pte = start_pte; i < HPAGE_PMD_NR; i++, addr += PAGE_SIZE, pte++)',
    '		pte_clear(mm, addr, pte);',
    ...between,
    '	pgt_pmd = pmdp_collapse_flush(vma, haddr, pmd);',
    '	if (ptl != pml)',
    '		spin_unlock(ptl);',
    '	spin_unlock(pml);',
    '	pte_free_defer(mm, pmd_pgtable(pgt_pmd));',
    '	return SCAN_SUCCEED;',
    '}',
  ]);
const RELOCK = ['	pte_unmap_unlock(start_pte, ptl);', '	pml = pmd_lock(mm, pmd);', '	if (ptl != pml)', '		spin_lock_nested(ptl, SINGLE_DEPTH_NESTING);'];

ruleTester(rule, {
  valid: [
    {
      name: 'the PTL held from the clearing to the removal (pmd_lock taken first, as the uffd fix does)',
      diff: fileDiff('mm/khugepaged.c', {
        oldStart: 1600,
        lines: collapse([]).map((l) => (l === '+\tstart_pte = pte_offset_map_lock(mm, pmd, haddr, &ptl);' ? '+\tpml = pmd_lock(mm, pmd);\n+\tstart_pte = pte_offset_map_lock(mm, pmd, haddr, &ptl);' : l)).flatMap((l) => l.split('\n')),
      }),
    },
    {
      name: 'the entries looked at again after re-taking the PTL',
      diff: fileDiff('mm/khugepaged.c', {
        oldStart: 1600,
        lines: collapse([...RELOCK, '\tfor (i = 0, pte = start_pte; i < HPAGE_PMD_NR; i++, pte++)', '\t\tif (!pte_none(ptep_get(pte)))', '\t\t\tgoto abort;']),
      }),
    },
    {
      name: 'the page derived from the read made under the lock',
      diff: fileDiff('mm/kasan/shadow.c', {
        oldStart: 455,
        lines: depopulate([], [
          '	if (likely(!pte_none(ptep_get(ptep)))) {',
          '		page = (unsigned long)__va(pte_pfn(ptep_get(ptep)) << PAGE_SHIFT);',
          '		pte_clear(&init_mm, addr, ptep);',
          '		free_page(page);',
          '	}',
        ]),
      }),
    },
    {
      name: 'the derived pfn compared with a fresh read under the lock',
      diff: fileDiff('mm/kasan/shadow.c', {
        oldStart: 455,
        lines: depopulate(KASAN_DERIVE, [
          '	if (likely(__va(pte_pfn(ptep_get(ptep)) << PAGE_SHIFT) == page)) {',
          '		pte_clear(&init_mm, addr, ptep);',
          '		free_page(page);',
          '	}',
        ]),
      }),
    },
    {
      name: 'a page that did not come from an entry (kasan_populate_vmalloc_pte() allocates it)',
      diff: fileDiff('mm/kasan/shadow.c', {
        oldStart: 300,
        lines: plus([
          'static int kasan_populate_vmalloc_pte(pte_t *ptep, unsigned long addr, void *unused)',
          '{',
          '	unsigned long page;',
          '	pte_t pte;',
          '',
          '	page = __get_free_page(GFP_KERNEL);',
          '	if (!page)',
          '		return -ENOMEM;',
          '	pte = pfn_pte(PFN_DOWN(__pa(page)), PAGE_KERNEL);',
          '	spin_lock(&init_mm.page_table_lock);',
          '	if (likely(pte_none(ptep_get(ptep)))) {',
          '		set_pte_at(&init_mm, addr, ptep, pte);',
          '		page = 0;',
          '	}',
          '	spin_unlock(&init_mm.page_table_lock);',
          '	if (page)',
          '		free_page(page);',
          '	return 0;',
          '}',
        ]),
      }),
    },
    {
      name: 'the entry re-read and compared under the lock (the fix)',
      diff: fileDiff('mm/mremap.c', {
        oldStart: 240,
        lines: moveNormalPmd(['\tif (unlikely(!pmd_same(pmd, pmdp_get(old_pmd)))) {', '\t\tspin_unlock(old_ptl);', '\t\treturn false;', '\t}']),
      }),
    },
    {
      name: 'the read made after the lock',
      diff: fileDiff('mm/mremap.c', {
        oldStart: 240,
        section: 'static bool move_normal_pmd(struct vm_area_struct *vma, unsigned long old_addr,',
        lines: ['+\told_ptl = pmd_lock(mm, old_pmd);', '+\tpmd = pmdp_get(old_pmd);', '+\tpmd_populate(mm, new_pmd, pmd_pgtable(pmd));'],
      }),
    },
  ],
  invalid: [
    {
      name: '1043173eb5eb shape: emptied under the PTL, PTL dropped, pmd_lock + PTL re-taken, table removed',
      diff: fileDiff('mm/khugepaged.c', { oldStart: 1600, lines: collapse(RELOCK) }),
      errors: [{ message: RELOCKED(1612, 1613, 1616), file: 'mm/khugepaged.c', line: 1617, severity: 'error' }],
    },
    {
      name: '3c5c3cfb9ef4 shape on a newer tree: the page derived before the lock, only pte_none() rechecked under it',
      diff: fileDiff('mm/kasan/shadow.c', { oldStart: 455, lines: depopulate(KASAN_DERIVE, KASAN_FREE) }),
      errors: [{ message: DERIVED('free_page', 'page', 460, 462), file: 'mm/kasan/shadow.c', line: 466, severity: 'error' }],
    },
    {
      name: 'a struct page taken from a pte read into a local before the lock, put after it',
      diff: fileDiff('mm/memory.c', {
        oldStart: 1200,
        section: 'static void zap_one_pte(struct mm_struct *mm, pte_t *ptep, unsigned long addr, spinlock_t *ptl)',
        lines: [
          '+	pte_t pte = ptep_get(ptep);',
          '+	struct page *page = pte_page(pte);',
          '+',
          '+	spin_lock(ptl);',
          '+	if (pte_present(ptep_get(ptep))) {',
          '+		pte_clear(mm, addr, ptep);',
          '+		put_page(page);',
          '+	}',
          '+	spin_unlock(ptl);',
        ],
      }),
      errors: [
        {
          message: DERIVED('put_page', 'page', 1201, 1203),
          file: 'mm/memory.c',
          line: 1206,
          severity: 'warning',
        },
      ],
    },
    {
      name: '1d65b771bc08 shape: the pmd read before pmd_lock() is moved without a recheck',
      diff: fileDiff('mm/mremap.c', { oldStart: 240, lines: moveNormalPmd([]) }),
      errors: [
        {
          message:
            'pmd_pgtable() acts on pmd, read on line 245 before pmd_lock() on line 247, with no re-read and compare after the lock: a concurrent retract_page_tables() may have removed that table in between',
          file: 'mm/mremap.c',
          line: 249,
          severity: 'error',
        },
      ],
    },
  ],
});

const where = (fs: Finding[]): string[] => fs.map((f) => `${f.file}:${f.line} ${f.function ?? '-'} ${f.severity}`);
const diffOf = (path: string): string => patchMailFromFile(path).diff;

test('3c5c3cfb9ef4 (kasan vmalloc shadow): the depopulate callback frees a page derived before the lock', () => {
  const found = findingsFor(rule, diffOf('fixtures/lore/bugs/kasan_shadow_populate_race/introducing.patch'));
  assert.deepEqual(where(found), ['mm/kasan/common.c:860 kasan_depopulate_vmalloc_pte error']);
  assert.equal(found[0]?.explanation, DERIVED('free_page', 'page', 854, 856));
  assert.deepEqual(found[0]?.evidence, [
    '+\t\tfree_page(page);',
    '+\tpage = (unsigned long)__va(pte_pfn(*ptep) << PAGE_SHIFT);',
    '+\tspin_lock(&init_mm.page_table_lock);',
  ]);
});

test("Gordeev's fix (read under the lock, free after it from that read) and c519c3c0a113 are silent", () => {
  assert.deepEqual(where(findingsFor(rule, diffOf('fixtures/lore/bugs/kasan_shadow_populate_race/fix.patch'))), []);
  assert.deepEqual(where(findingsFor(rule, diffOf('fixtures/lore/bugs/kasan_lazy_mmu_hazards/fix.patch'))), []);
});

test("1043173eb5eb (collapse_pte_mapped_thp() under mmap_read_lock) is flagged; Hugh Dickins' uffd fix is silent", () => {
  const found = findingsFor(rule, diffOf('fixtures/lore/bugs/khugepaged_collapse_vs_uffd/introducing.patch'));
  assert.deepEqual(where(found), ['mm/khugepaged.c:1675 collapse_pte_mapped_thp warning']);
  assert.equal(found[0]?.explanation, RELOCKED(1656, 1661, 1674));
  assert.deepEqual(found[0]?.evidence, [
    '+\tpgt_pmd = pmdp_collapse_flush(vma, haddr, pmd);',
    '+\t\tpte_clear(mm, addr, pte);',
    ' \tpte_unmap_unlock(start_pte, ptl);',
    '+\t\tspin_lock_nested(ptl, SINGLE_DEPTH_NESTING);',
  ]);
  // The fix holds pml (and so the PTL) throughout on the uffd path and narrows the window it kept: nothing new.
  assert.deepEqual(where(findingsFor(rule, diffOf('fixtures/lore/bugs/khugepaged_collapse_vs_uffd/fix.patch'))), []);
});

test("the thread's v1 and v2 of the same patch are flagged too", () => {
  for (const v of ['0011', '0066']) {
    const found = findingsFor(rule, diffOf(`fixtures/lore/threads/hugh_free_retracted_pgtable_rcu/${v}.eml`));
    assert.deepEqual(found.map((f) => [f.function, f.severity, f.explanation.slice(0, 60)]), [['collapse_pte_mapped_thp', 'warning', RELOCKED(0, 0, 0).slice(0, 60)]], v);
  }
});
