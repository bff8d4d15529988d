// Valid and invalid diffs for rules/mmu-gather-contract.ts (R20), on the
// shapes of mm/memory.c's zap_page_range_single() and zap_pte_range(),
// mm/mmap.c's exit_mmap(), mm/mprotect.c's change_protection_range() (when it
// raised the flush-pending count itself), the 4.14-4.19 force-flush path of
// arch_tlb_finish_mmu() and mm/mmu_gather.c's tlb_finish_mmu() after
// 7a30df49f63a; and the hugetlb PMD-unsharing series, which moves unsharing
// into the mmu_gather and must stay quiet.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import rule from '../../rules/mmu-gather-contract.ts';
import { fileDiff, findingsFor, ruleTester } from '../../src/analysis/rule-tester.ts';
import { patchMailFromFile } from '../analysis/mail-fixture.ts';
import { cleanAndBugPatches, threadMails, where } from './arch-rule-fixtures.ts';

const ARCHES = 'all architectures; x86 and arm64 flush only when asked';
const GATHER_LEAKED = (fn: string, exitLine: number, open: string, openLine: number): string =>
  `mmu_gather left open: ${fn}() can leave by line ${exitLine} without tlb_finish_mmu() for the gather ${open}() started on line ${openLine}: ` +
  `the TLB is never flushed, gathered pages are never freed and mm->tlb_flush_pending stays raised (${ARCHES})`;
const PENDING_LEAKED = (fn: string, exitLine: number, openLine: number): string =>
  `TLB flush pending left raised: ${fn}() can leave by line ${exitLine} without dec_tlb_flush_pending() after inc_tlb_flush_pending() on line ${openLine}: ` +
  `mm_tlb_flush_pending() stays true, and callers that wait on it (mm_tlb_flush_nested(), NUMA and THP migration checks) decide on a stale count (${ARCHES})`;
const RELEASED = (release: string, clear: string, clearLine: number): string =>
  `${release}() frees the page whose pte ${clear}() cleared on line ${clearLine} while the mmu_gather still owes the TLB flush: ` +
  `another CPU can write it through a stale TLB entry after it is freed (${ARCHES})`;
const RESET =
  '__tlb_reset_range() outside the mmu_gather implementation: a forced flush that resets the range (and cleared_* and freed_tables) ' +
  'flushes nothing for PTEs a concurrent zapper under the mmap read lock already cleared, so this thread returns to user space with ' +
  `stale TLB entries on other CPUs (${ARCHES}; 99baac21e458, 7a30df49f63a)`;

const ctx = (lines: string[]): string[] => lines.map((l) => ` ${l}`);

// mm/memory.c, zap_page_range_single() (v6.7), from its definition to the closing brace.
const ZAP_SINGLE_HEAD = [
  'void zap_page_range_single(struct vm_area_struct *vma, unsigned long address,',
  '\t\tunsigned long size, struct zap_details *details)',
  '{',
  '\tconst unsigned long end = address + size;',
  '\tstruct mmu_notifier_range range;',
  '\tstruct mmu_gather tlb;',
  '',
  '\tlru_add_drain();',
  '\tmmu_notifier_range_init(&range, MMU_NOTIFY_CLEAR, 0, vma->vm_mm,',
  '\t\t\t\taddress, end);',
];
const ZAP_SINGLE_BODY = [
  '\ttlb_gather_mmu(&tlb, vma->vm_mm);',
  '\tupdate_hiwater_rss(vma->vm_mm);',
  '\tmmu_notifier_invalidate_range_start(&range);',
  '\t/*',
  "\t * unmap 'address-end' not 'range.start-range.end' as range",
  '\t * could have been expanded for hugetlb pmd sharing.',
  '\t */',
  '\tunmap_single_vma(&tlb, vma, address, end, details, false);',
  '\tmmu_notifier_invalidate_range_end(&range);',
  '\ttlb_finish_mmu(&tlb);',
];

// mm/mprotect.c, change_protection_range() before the mmu_gather conversion (v5.10).
const CHANGE_PROT_HEAD = [
  'static unsigned long change_protection_range(struct vm_area_struct *vma,',
  '\t\tunsigned long addr, unsigned long end, pgprot_t newprot,',
  '\t\tunsigned long cp_flags)',
  '{',
  '\tstruct mm_struct *mm = vma->vm_mm;',
  '\tpgd_t *pgd;',
  '\tunsigned long next;',
  '\tunsigned long start = addr;',
  '\tunsigned long pages = 0;',
  '',
  '\tBUG_ON(addr >= end);',
  '\tpgd = pgd_offset(mm, addr);',
  '\tflush_cache_range(vma, addr, end);',
  '\tinc_tlb_flush_pending(mm);',
  '\tdo {',
  '\t\tnext = pgd_addr_end(addr, end);',
  '\t\tif (pgd_none_or_clear_bad(pgd))',
  '\t\t\tcontinue;',
];
const CHANGE_PROT_TAIL = [
  '\t\tpages += change_p4d_range(vma, pgd, addr, next, newprot,',
  '\t\t\t\t\t  cp_flags);',
  '\t} while (pgd++, addr = next, addr != end);',
  '',
  '\t/* Only flush the TLB if we actually modified any entries: */',
  '\tif (pages)',
  '\t\tflush_tlb_range(vma, start, end);',
  '\tdec_tlb_flush_pending(mm);',
  '',
  '\treturn pages;',
  '}',
];

// mm/memory.c, zap_pte_range() (v6.1): the present-pte branch and the device-private one after it.
const ZAP_PTE = 'static unsigned long zap_pte_range(struct mmu_gather *tlb,';
const ZAP_PTE_PRESENT = [
  '\t\tif (pte_present(ptent)) {',
  '\t\t\tstruct page *page;',
  '',
  '\t\t\tpage = vm_normal_page(vma, addr, ptent);',
  '\t\t\tif (unlikely(!should_zap_page(details, page)))',
  '\t\t\t\tcontinue;',
  '\t\t\tptent = ptep_get_and_clear_full(mm, addr, pte,',
  '\t\t\t\t\t\t\ttlb->fullmm);',
  '\t\t\ttlb_remove_tlb_entry(tlb, pte, addr);',
  '\t\t\tzap_install_uffd_wp_if_needed(vma, addr, pte, details,',
  '\t\t\t\t\t\t      ptent);',
  '\t\t\tif (unlikely(!page))',
  '\t\t\t\tcontinue;',
  '',
  '\t\t\tdelay_rmap = 0;',
];
const ZAP_PTE_REMOVE = [
  '\t\t\tif (unlikely(__tlb_remove_page(tlb, page, delay_rmap))) {',
  '\t\t\t\tforce_flush = 1;',
  '\t\t\t\taddr += PAGE_SIZE;',
  '\t\t\t\tbreak;',
  '\t\t\t}',
  '\t\t\tcontinue;',
  '\t\t}',
  '',
  '\t\tentry = pte_to_swp_entry(ptent);',
  '\t\tif (is_device_private_entry(entry) ||',
  '\t\t    is_device_exclusive_entry(entry)) {',
  '\t\t\tpage = pfn_swap_entry_to_page(entry);',
  '\t\t\tif (unlikely(!should_zap_page(details, page)))',
  '\t\t\t\tcontinue;',
  '\t\t\tWARN_ON_ONCE(!vma_is_anonymous(vma));',
  '\t\t\trss[mm_counter(page)]--;',
  '\t\t\tif (is_device_private_entry(entry))',
  '\t\t\t\tpage_remove_rmap(page, vma, false);',
];

// mm/mmap.c, exit_mmap() (v6.7), the lines around the full-mm gather.
const EXIT_MMAP = 'void exit_mmap(struct mm_struct *mm)';


// A whole new helper that gathers for one pte (shape of zap_page_range_single() plus zap_present_ptes()).
const ZAP_ONE = (release: string[], after: string[] = []): string[] =>
  [
    'static void zap_one_present_pte(struct vm_area_struct *vma, unsigned long addr, pte_t *ptep)',
    '{',
    '\tstruct mmu_gather tlb;',
    '\tstruct page *page;',
    '\tpte_t ptent;',
    '',
    '\ttlb_gather_mmu(&tlb, vma->vm_mm);',
    '\tptent = ptep_get_and_clear(vma->vm_mm, addr, ptep);',
    '\ttlb_remove_tlb_entry(&tlb, ptep, addr);',
    '\tpage = vm_normal_page(vma, addr, ptent);',
    '\tif (page) {',
    '\t\tpage_remove_rmap(page, vma, false);',
    ...release,
    '\t}',
    '\ttlb_finish_mmu(&tlb);',
    ...after,
    '}',
  ].map((l) => `+${l}`);

ruleTester(rule, {
  valid: [
    {
      name: 'hugetlb_zap_begin()/hugetlb_zap_end() added around the balanced gather of zap_page_range_single() (v6.7 shape)',
      diff: fileDiff('mm/memory.c', {
        oldStart: 1880,
        lines: [
          ...ctx(ZAP_SINGLE_HEAD),
          '+\thugetlb_zap_begin(vma, &range.start, &range.end);',
          ...ctx(ZAP_SINGLE_BODY),
          '+\thugetlb_zap_end(vma, details);',
          ' }',
        ],
      }),
    },
    {
      name: 'an error path that goes to the common tlb_finish_mmu() exit',
      diff: fileDiff('mm/memory.c', {
        oldStart: 1880,
        lines: [
          ...ctx(ZAP_SINGLE_HEAD),
          ...ctx(ZAP_SINGLE_BODY.slice(0, 3)),
          '+\tif (unlikely(vma->vm_flags & VM_PFNMAP))',
          '+\t\tgoto out;',
          ...ctx(ZAP_SINGLE_BODY.slice(3, 8)),
          '+out:',
          ...ctx(ZAP_SINGLE_BODY.slice(8)),
          ' }',
        ],
      }),
    },
    {
      name: 'a helper given the caller\'s gather returns early (unmap_single_vma() is balanced by its caller)',
      diff: fileDiff('mm/memory.c', {
        oldStart: 1780,
        lines: [
          ' static void unmap_single_vma(struct mmu_gather *tlb,',
          ' \t\tstruct vm_area_struct *vma, unsigned long start_addr,',
          ' \t\tunsigned long end_addr,',
          ' \t\tstruct zap_details *details, bool mm_wr_locked)',
          ' {',
          ' \tunsigned long start = max(vma->vm_start, start_addr);',
          ' \tunsigned long end;',
          ' ',
          ' \tif (start >= vma->vm_end)',
          ' \t\treturn;',
          ' \tend = min(vma->vm_end, end_addr);',
          ' \tif (end <= vma->vm_start)',
          ' \t\treturn;',
          '+\tif (unlikely(vma->vm_flags & VM_PFNMAP) && !vma->vm_file)',
          '+\t\treturn;',
          ' \tunmap_page_range(tlb, vma, start, end, details);',
          '+\ttlb_flush_mmu(tlb);',
          ' }',
        ],
      }),
    },
    {
      name: 'madvise_init_tlb()/madvise_finish_tlb() (2025): the caller\'s gather started and finished in separate helpers',
      diff: fileDiff('mm/madvise.c', {
        oldStart: 1640,
        lines: [
          '+static void madvise_init_tlb(struct madvise_behavior *madv_behavior,',
          '+\t\tstruct mm_struct *mm)',
          '+{',
          '+\tif (!madvise_batch_tlb_flush(madv_behavior->behavior))',
          '+\t\treturn;',
          '+\ttlb_gather_mmu(madv_behavior->tlb, mm);',
          '+}',
          '+',
          '+static void madvise_finish_tlb(struct madvise_behavior *madv_behavior)',
          '+{',
          '+\tif (!madvise_batch_tlb_flush(madv_behavior->behavior))',
          '+\t\treturn;',
          '+\ttlb_finish_mmu(madv_behavior->tlb);',
          '+}',
        ],
      }),
    },
    {
      name: 'change_protection_range(): a skipped pgd continues inside the flush-pending window',
      diff: fileDiff('mm/mprotect.c', {
        oldStart: 330,
        lines: [...ctx(CHANGE_PROT_HEAD), '+\t\tcond_resched();', ...ctx(CHANGE_PROT_TAIL)],
      }),
    },
    {
      name: 'zap_pte_range() folio conversion of the device-private put_page() (no TLB entry: the pte was not present)',
      diff: fileDiff('mm/memory.c', {
        oldStart: 1400,
        section: ZAP_PTE,
        lines: [...ctx(ZAP_PTE_PRESENT), ...ctx(ZAP_PTE_REMOVE), '-\t\t\tput_page(page);', '+\t\t\tfolio_put(page_folio(page));', ' \t\t} else if (is_swap_pte(ptent)) {'],
      }),
    },
    {
      name: '7a30df49f63a: mm/mmu_gather.c keeps __tlb_reset_range() for the nested full flush',
      diff: fileDiff('mm/mmu_gather.c', {
        oldStart: 280,
        section: 'void tlb_finish_mmu(struct mmu_gather *tlb,',
        lines: [
          ' \tif (mm_tlb_flush_nested(tlb->mm)) {',
          '-\t\t__tlb_reset_range(tlb);',
          '-\t\t__tlb_adjust_range(tlb, start, end - start);',
          '+\t\ttlb->fullmm = 1;',
          '+\t\t__tlb_reset_range(tlb);',
          '+\t\ttlb->freed_tables = 1;',
          ' \t}',
          ' ',
          ' \ttlb_flush_mmu(tlb);',
        ],
      }),
    },
    {
      name: 'a force-flush block only re-indented: the reset is moved, not added',
      diff: fileDiff('mm/memory.c', {
        oldStart: 420,
        section: 'void arch_tlb_finish_mmu(struct mmu_gather *tlb,',
        lines: [
          '-\tif (force) {',
          '-\t\t__tlb_reset_range(tlb);',
          '+\tif (force && !tlb->fullmm) {',
          '+\t\t__tlb_reset_range(tlb);',
          ' \t\t__tlb_adjust_range(tlb, start, end - start);',
          ' \t}',
        ],
      }),
    },
    {
      name: 'a new gathering helper hands the zapped page to the gather',
      diff: fileDiff('mm/memory.c', { oldStart: 1700, lines: ZAP_ONE(['\t\ttlb_remove_page(&tlb, page);']) }),
    },
    {
      name: 'a comment that mentions __tlb_reset_range() is no call',
      diff: fileDiff('mm/madvise.c', {
        oldStart: 820,
        section: 'static int madvise_free_single_vma(struct vm_area_struct *vma,',
        lines: [' \ttlb_gather_mmu(&tlb, mm);', '+\t/* the gather is flushed whole on nesting: never __tlb_reset_range() here */', ' \tupdate_hiwater_rss(mm);'],
      }),
    },
  ],
  invalid: [
    {
      name: 'zap_page_range_single(): an early return after tlb_gather_mmu() skips tlb_finish_mmu()',
      diff: fileDiff('mm/memory.c', {
        oldStart: 1880,
        lines: [
          ...ctx(ZAP_SINGLE_HEAD),
          ...ctx(ZAP_SINGLE_BODY.slice(0, 2)),
          '+\tif (unlikely(vma->vm_flags & VM_PFNMAP))',
          '+\t\treturn;',
          ...ctx(ZAP_SINGLE_BODY.slice(2)),
          ' }',
        ],
      }),
      errors: [{ message: GATHER_LEAKED('zap_page_range_single', 1893, 'tlb_gather_mmu', 1890), file: 'mm/memory.c', line: 1893, severity: 'error' }],
    },
    {
      name: 'exit_mmap() fragment: a return in the hunk of tlb_gather_mmu_fullmm() (warning on a fragment)',
      diff: fileDiff('mm/mmap.c', {
        oldStart: 3270,
        section: EXIT_MMAP,
        lines: [
          ' \tflush_cache_mm(mm);',
          ' \ttlb_gather_mmu_fullmm(&tlb, mm);',
          '+\tif (unlikely(!vma->vm_mm))',
          '+\t\treturn;',
          ' \t/* update_hiwater_rss(mm) here? but nobody should be looking */',
          ' \t/* Use ULONG_MAX here to ensure all VMAs in the mm are unmapped */',
          ' \tunmap_vmas(&tlb, &vmi.mas, vma, 0, ULONG_MAX, ULONG_MAX, false);',
        ],
      }),
      errors: [{ message: GATHER_LEAKED('exit_mmap', 3273, 'tlb_gather_mmu_fullmm', 3271), file: 'mm/mmap.c', line: 3273, severity: 'warning' }],
    },
    {
      name: 'change_protection_range(): a fatal-signal return inside the inc/dec_tlb_flush_pending() window',
      diff: fileDiff('mm/mprotect.c', {
        oldStart: 330,
        lines: [...ctx(CHANGE_PROT_HEAD), '+\t\tif (fatal_signal_pending(current))', '+\t\t\treturn pages;', ...ctx(CHANGE_PROT_TAIL)],
      }),
      errors: [{ message: PENDING_LEAKED('change_protection_range', 349, 343), file: 'mm/mprotect.c', line: 349, severity: 'error' }],
    },
    {
      name: 'zap_pte_range(): an exclusive anon page freed with put_page() instead of through the gather',
      diff: fileDiff('mm/memory.c', {
        oldStart: 1400,
        section: ZAP_PTE,
        lines: [
          ...ctx(ZAP_PTE_PRESENT),
          '+\t\t\tif (PageAnon(page) && page_count(page) == 1) {',
          '+\t\t\t\tpage_remove_rmap(page, vma, false);',
          '+\t\t\t\tput_page(page);',
          '+\t\t\t\tcontinue;',
          '+\t\t\t}',
          ...ctx(ZAP_PTE_REMOVE),
          ' \t\t\tput_page(page);',
        ],
      }),
      errors: [{ message: RELEASED('put_page', 'ptep_get_and_clear_full', 1406), file: 'mm/memory.c', line: 1417, severity: 'warning' }],
    },
    {
      name: 'a new gathering helper put_page()s the zapped page inside its own gather (whole function: error)',
      diff: fileDiff('mm/memory.c', { oldStart: 1700, lines: ZAP_ONE(['\t\tput_page(page);']) }),
      errors: [{ message: RELEASED('put_page', 'ptep_get_and_clear', 1707), file: 'mm/memory.c', line: 1712, severity: 'error' }],
    },
    {
      name: 'the force-flush range reset of 4.14-4.19 mm/memory.c arch_tlb_finish_mmu() (removed by 7a30df49f63a)',
      diff: fileDiff('mm/memory.c', {
        oldStart: 420,
        section: 'void arch_tlb_finish_mmu(struct mmu_gather *tlb,',
        lines: [
          ' \tstruct mmu_gather_batch *batch, *next;',
          ' ',
          '-\tif (force)',
          '+\tif (force) {',
          '+\t\t__tlb_reset_range(tlb);',
          ' \t\t__tlb_adjust_range(tlb, start, end - start);',
          '+\t}',
          ' ',
          ' \ttlb_flush_mmu(tlb);',
        ],
      }),
      errors: [{ message: RESET, file: 'mm/memory.c', line: 423, severity: 'error' }],
    },
  ],
});

test('the hugetlb PMD-unsharing mmu_gather series and every other thread patch are silent', () => {
  for (const p of threadMails()) assert.deepEqual(where(findingsFor(rule, patchMailFromFile(p).diff)), [], p);
});

test('clean patches and bug fixes are silent', () => {
  for (const p of cleanAndBugPatches()) assert.deepEqual(where(findingsFor(rule, patchMailFromFile(p).diff)), [], p);
});
