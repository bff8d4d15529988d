// Valid and invalid diffs for rules/set-ptes-range-contract.ts (R25), on the
// shapes of mm/memory.c (do_anonymous_page() with mTHP, finish_fault(),
// copy_present_ptes()) and Ryan Roberts's contpte series.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import rule from '../../rules/set-ptes-range-contract.ts';
import { fileDiff, findingsFor, ruleTester } from '../../src/analysis/rule-tester.ts';
import { patchMailFromFile } from '../analysis/mail-fixture.ts';
import { cleanAndBugPatches, threadMails, where } from './arch-rule-fixtures.ts';

const UNCLAMPED = (helper: string, nr: string, source: string): string =>
  `${helper}() takes nr = ${nr} from ${source} with no clamp to pmd_addr_end()/end and no folio_pte_batch(): ` +
  'the batch may run past the PTE table (all architectures; arm64 contpte fold/unfold, powerpc/sparc/s390 lazy-MMU batches)';

const ANON = 'static vm_fault_t do_anonymous_page(struct vm_fault *vmf)';

ruleTester(rule, {
  valid: [
    {
      name: 'mTHP do_anonymous_page(): addr aligned down to the folio',
      diff: fileDiff('mm/memory.c', {
        oldStart: 4400,
        section: ANON,
        lines: [
          ' \tnr_pages = folio_nr_pages(folio);',
          '+\taddr = ALIGN_DOWN(vmf->address, nr_pages * PAGE_SIZE);',
          ' \t/*',
          ' \t * The memory barrier inside __folio_mark_uptodate makes sure that',
          ' \t * preceding stores to the page contents become visible before',
          ' \t * the set_pte_at() write.',
          ' \t */',
          ' \t__folio_mark_uptodate(folio);',
          '-\tset_pte_at(vma->vm_mm, vmf->address, vmf->pte, entry);',
          '+\tset_ptes(vma->vm_mm, addr, vmf->pte, entry, nr_pages);',
        ],
      }),
    },
    {
      name: 'copy_present_ptes(): nr from folio_pte_batch() bounded by end',
      diff: fileDiff('mm/memory.c', {
        oldStart: 980,
        section: 'copy_present_ptes(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma,',
        lines: [
          ' \t\tnr = folio_pte_batch(folio, addr, src_pte, pte, max_nr, flags,',
          ' \t\t\t\t     &any_writable, NULL, NULL);',
          '+\t\tif (pte_write(pte))',
          '+\t\t\twrprotect_ptes(src_mm, addr, src_pte, nr);',
        ],
      }),
    },
    {
      name: 'finish_fault(): per-page fallback when the folio crosses the PTE table',
      diff: fileDiff('mm/memory.c', {
        oldStart: 5100,
        section: 'vm_fault_t finish_fault(struct vm_fault *vmf)',
        lines: [
          ' \tnr_pages = folio_nr_pages(folio);',
          ' \t\tif (unlikely(vma_off < idx ||',
          ' \t\t\t    vma_off + (nr_pages - idx) > vma_pages(vma) ||',
          ' \t\t\t    pte_off < idx ||',
          ' \t\t\t    pte_off + (nr_pages - idx)  > PTRS_PER_PTE)) {',
          ' \t\t\tnr_pages = 1;',
          ' \t\t}',
          '+\tset_pte_range(vmf, folio, page, nr_pages, addr);',
        ],
      }),
    },
    {
      name: 'set_pte_range(): nr is the caller\'s',
      diff: fileDiff('mm/memory.c', {
        oldStart: 4700,
        lines: [
          ' void set_pte_range(struct vm_fault *vmf, struct folio *folio,',
          ' \t\tstruct page *page, unsigned int nr, unsigned long addr)',
          ' {',
          ' \tstruct vm_area_struct *vma = vmf->vma;',
          ' \tpte_t entry = mk_pte(page, vma->vm_page_prot);',
          ' ',
          '-\tset_pte_at(vma->vm_mm, addr, vmf->pte, entry);',
          '+\tset_ptes(vma->vm_mm, addr, vmf->pte, entry, nr);',
          ' }',
        ],
      }),
    },
    {
      name: 'a whole-table batch under an aligned huge PMD (HPAGE_PMD_NR)',
      diff: fileDiff('mm/huge_memory.c', {
        oldStart: 2100,
        section: 'static void __split_huge_zero_page_pmd(struct vm_area_struct *vma,',
        lines: ['+\tset_ptes(mm, haddr, pte, entry, HPAGE_PMD_NR);'],
      }),
    },
  ],
  invalid: [
    {
      name: 'mTHP do_anonymous_page() without the ALIGN_DOWN(): the folio may straddle two PTE tables',
      diff: fileDiff('mm/memory.c', {
        oldStart: 4400,
        section: ANON,
        lines: [
          ' \tnr_pages = folio_nr_pages(folio);',
          '-\taddr = ALIGN_DOWN(vmf->address, nr_pages * PAGE_SIZE);',
          ' \t__folio_mark_uptodate(folio);',
          ' \tset_ptes(vma->vm_mm, addr, vmf->pte, entry, nr_pages);',
        ],
      }),
      errors: [{ message: UNCLAMPED('set_ptes', 'nr_pages', 'folio_nr_pages(folio)'), file: 'mm/memory.c', line: 4402, severity: 'info' }],
    },
    {
      name: 'a new whole helper maps the whole folio at the fault address',
      diff: fileDiff('mm/memory.c', {
        oldStart: 4800,
        lines: [
          '+static vm_fault_t map_folio_range(struct vm_fault *vmf, struct folio *folio)',
          '+{',
          '+\tstruct vm_area_struct *vma = vmf->vma;',
          '+\tunsigned long addr = vmf->address;',
          '+\tunsigned int nr = folio_nr_pages(folio);',
          '+\tpte_t entry = mk_pte(&folio->page, vma->vm_page_prot);',
          '+',
          '+\tset_ptes(vma->vm_mm, addr, vmf->pte, entry, nr);',
          '+\tupdate_mmu_cache_range(vmf, vma, addr, vmf->pte, nr);',
          '+\treturn 0;',
          '+}',
        ],
      }),
      errors: [
        { message: UNCLAMPED('set_ptes', 'nr', 'folio_nr_pages(folio)'), file: 'mm/memory.c', line: 4807, function: 'map_folio_range', severity: 'warning' },
      ],
    },
    {
      name: 'clear_full_ptes() over the whole folio from its order',
      diff: fileDiff('mm/madvise.c', {
        oldStart: 700,
        section: 'static int madvise_free_pte_range(pmd_t *pmd, unsigned long addr,',
        lines: ['+\t\t\tclear_full_ptes(mm, addr, pte, 1 << folio_order(folio), false);'],
      }),
      errors: [{ message: UNCLAMPED('clear_full_ptes', '1 << folio_order(folio)', '1 << folio_order(folio)'), file: 'mm/madvise.c', line: 700 }],
    },
  ],
});

test('the contpte series (set_ptes() batching, collapse with HPAGE_PMD_NR) and every thread patch are silent', () => {
  for (const p of threadMails()) assert.deepEqual(where(findingsFor(rule, patchMailFromFile(p).diff)), [], p);
});

test('clean patches and bug fixes are silent', () => {
  for (const p of cleanAndBugPatches()) assert.deepEqual(where(findingsFor(rule, patchMailFromFile(p).diff)), [], p);
});
