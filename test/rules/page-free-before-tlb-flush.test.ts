// Valid and invalid diffs for rules/page-free-before-tlb-flush.ts, on the
// kernel's own shapes: mremap's move_ptes() around eb66ae030829 (the flush
// moved back under the PTL is silent; moving it past the unlock again is
// flagged), a zap that puts the folio before flushing, the mmu_gather path,
// and set_memory_ro() memory vfree()d without VM_FLUSH_RESET_PERMS
// (868b104d7379). Then the corpus: the kasan depopulate callback is the
// allowlisted idiom, and every bug pair and clean patch is silent.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import rule from '../../rules/page-free-before-tlb-flush.ts';
import type { Finding } from '../../src/analysis/finding.ts';
import { parseUnifiedDiff } from '../../src/patch/diff.ts';
import { runRules } from '../../src/analysis/run.ts';
import { fileDiff, findingsFor, ruleTester } from '../../src/analysis/rule-tester.ts';
import { patchMailFromFile } from '../analysis/mail-fixture.ts';

const RELEASED = (release: string, clear: string, line: number): string =>
  `${release}() runs on the page whose pte ${clear}() cleared on line ${line} before any TLB flush: ` +
  'another CPU can still write it through a stale TLB entry after it is freed or reused (all architectures; ' +
  'x86 and arm64 flush only on request, CVE-2018-18281 shape)';
const MOVED = (unlock: string, line: number): string =>
  `flush_tlb_range() now runs after ${unlock}() on line ${line} drops the page-table lock: until it runs, a stale ` +
  'TLB entry still reaches pages whose owner may free them meanwhile (eb66ae030829 mremap, 60bae7370896 migrate_device; all architectures)';
const REMOVED =
  'the flush_tlb_range() that ran before the page-table lock was dropped is removed: PTEs of pages this code does not own ' +
  'are cleared, and until a later flush a stale TLB entry still reaches pages their owner may free (mremap, ' +
  'CVE-2018-18281; all architectures)';
const PERMS = (free: string, change: string, line: number): string =>
  `${free}() frees memory made read-only/executable by ${change}() on line ${line} with no ` +
  'VM_FLUSH_RESET_PERMS and no reset: vfree() flushes lazily, so stale RO/X aliases outlive the free ' +
  '(x86, arm64, riscv, powerpc, s390 with set_memory)';

const MOVE_PTES = 'static void move_ptes(struct vm_area_struct *vma, pmd_t *old_pmd,';

// The tail of move_ptes() after eb66ae030829: the flush runs before either PTL is dropped.
const FIXED_TAIL = [
  ' \t\tpte = ptep_get_and_clear(mm, old_addr, old_pte);',
  ' \t\tif (pte_present(pte))',
  ' \t\t\tforce_flush = true;',
  ' \t\tpte = move_pte(pte, new_vma->vm_page_prot, old_addr, new_addr);',
  ' \t\tpte = move_soft_dirty_pte(pte);',
  ' \t\tset_pte_at(mm, new_addr, new_pte, pte);',
  ' \t}',
  ' ',
  ' \tarch_leave_lazy_mmu_mode();',
];

// migrate_vma_collect_pmd() around 60bae7370896 ("mm/migrate_device.c: flush TLB while holding PTL").
const COLLECT = 'static int migrate_vma_collect_pmd(pmd_t *pmdp,';
const COLLECT_LOOP = [
  ' \t\t\tpte = ptep_get_and_clear(mm, addr, ptep);',
  ' \t\t\tset_pte_at(mm, addr, ptep, swp_pte);',
  ' \t\t\tunmapped++;',
  ' \t\t}',
  ' ',
  ' \t\tmigrate->dst[migrate->npages] = 0;',
  ' \t\tmigrate->src[migrate->npages++] = mpfn;',
  ' \t}',
  ' ',
];
const COLLECT_FLUSH = ['\t/* Only flush the TLB if we actually modified any entries */', '\tif (unmapped)', '\t\tflush_tlb_range(walk->vma, start, end);', ''];
const COLLECT_UNLOCK = [' \tarch_leave_lazy_mmu_mode();', ' \tpte_unmap_unlock(ptep - 1, ptl);', ' '];

ruleTester(rule, {
  valid: [
    {
      name: '60bae7370896: migrate_vma_collect_pmd() flushes while holding the PTL',
      diff: fileDiff('mm/migrate_device.c', {
        oldStart: 230,
        section: COLLECT,
        lines: [...COLLECT_LOOP, ...COLLECT_FLUSH.map((l) => `+${l}`), ...COLLECT_UNLOCK, ...COLLECT_FLUSH.map((l) => `-${l}`), ' \treturn 0;'],
      }),
    },
    {
      name: 'eb66ae030829: the flush moves before the PTLs are dropped',
      diff: fileDiff('mm/mremap.c', {
        oldStart: 160,
        section: MOVE_PTES,
        lines: [
          ...FIXED_TAIL,
          '+\tif (force_flush)',
          '+\t\tflush_tlb_range(vma, old_end - len, old_end);',
          ' \tif (new_ptl != old_ptl)',
          ' \t\tspin_unlock(new_ptl);',
          ' \tpte_unmap(new_pte - 1);',
          '-\tif (force_flush)',
          '-\t\tflush_tlb_range(vma, old_end - len, old_end);',
          '-\telse',
          '-\t\t*need_flush = true;',
          ' \tpte_unmap_unlock(old_pte - 1, old_ptl);',
        ],
      }),
    },
    {
      name: 'ptep_clear_flush() before the folio is put',
      diff: fileDiff('mm/memory.c', {
        oldStart: 3300,
        section: 'static vm_fault_t wp_page_copy(struct vm_fault *vmf)',
        lines: [
          '+\t\tptep_clear_flush(vma, vmf->address, vmf->pte);',
          '+\t\tfolio_add_new_anon_rmap(new_folio, vma, vmf->address, RMAP_EXCLUSIVE);',
          ' \t\tset_pte_at(mm, vmf->address, vmf->pte, entry);',
          ' \t\tupdate_mmu_cache_range(vmf, vma, vmf->address, vmf->pte, 1);',
          '+\t\tfolio_remove_rmap_pte(old_folio, &old_folio->page, vma);',
        ],
      }),
    },
    {
      name: 'the zap hands the folio to the mmu_gather, which flushes before freeing',
      diff: fileDiff('mm/memory.c', {
        oldStart: 1500,
        section: 'static inline void zap_present_folio_ptes(struct mmu_gather *tlb,',
        lines: [
          ' \tptent = get_and_clear_full_ptes(mm, addr, pte, nr, tlb->fullmm);',
          ' \ttlb_remove_tlb_entries(tlb, pte, nr, addr);',
          '+\tif (unlikely(folio_mapcount(folio) < 0))',
          '+\t\tprint_bad_pte(vma, addr, ptent, page);',
          ' \tif (unlikely(__tlb_remove_folio_pages(tlb, page, nr, delay_rmap))) {',
          ' \t\t*force_flush = true;',
          ' \t\t*force_break = true;',
          ' \t}',
        ],
      }),
    },
    {
      name: 'the flush comes first, then the put',
      diff: fileDiff('mm/madvise.c', {
        oldStart: 700,
        section: 'static int madvise_drop_pte(struct vm_area_struct *vma, pte_t *pte,',
        lines: [
          '+\tptent = ptep_get_and_clear(mm, addr, pte);',
          '+\tfolio = vm_normal_folio(vma, addr, ptent);',
          '+\tflush_tlb_range(vma, addr, addr + PAGE_SIZE);',
          '+\tpte_unmap_unlock(pte, ptl);',
          '+\tfolio_put(folio);',
        ],
      }),
    },
    {
      name: '868b104d7379: set_vm_flush_reset_perms() before making the page RO+X',
      diff: fileDiff('arch/x86/kernel/kprobes/core.c', {
        oldStart: 420,
        section: 'void *alloc_insn_page(void)',
        lines: [
          ' \tpage = module_alloc(PAGE_SIZE);',
          ' \tif (!page)',
          ' \t\treturn NULL;',
          '+\tset_vm_flush_reset_perms(page);',
          ' \tset_memory_ro((unsigned long)page, 1);',
          ' \tset_memory_x((unsigned long)page, 1);',
          ' \treturn page;',
        ],
      }),
    },
    {
      name: 'the permissions are reset before the free',
      diff: fileDiff('kernel/bpf/core.c', {
        oldStart: 900,
        section: 'static void bpf_prog_pack_free_page(void *ptr)',
        lines: [
          '+\tset_memory_ro((unsigned long)ptr, 1);',
          '+\tdo_work(ptr);',
          '+\tset_memory_rw((unsigned long)ptr, 1);',
          '+\tvfree(ptr);',
        ],
      }),
    },
  ],
  invalid: [
    {
      name: 'before eb66ae030829 undone: the flush moved back after spin_unlock(new_ptl)',
      diff: fileDiff('mm/mremap.c', {
        oldStart: 160,
        section: MOVE_PTES,
        lines: [
          ...FIXED_TAIL,
          '-\tif (force_flush)',
          '-\t\tflush_tlb_range(vma, old_end - len, old_end);',
          ' \tif (new_ptl != old_ptl)',
          ' \t\tspin_unlock(new_ptl);',
          ' \tpte_unmap(new_pte - 1);',
          '+\tif (force_flush)',
          '+\t\tflush_tlb_range(vma, old_end - len, old_end);',
          ' \tpte_unmap_unlock(old_pte - 1, old_ptl);',
        ],
      }),
      errors: [{ message: MOVED('spin_unlock', 170), file: 'mm/mremap.c', line: 173, function: 'move_ptes', severity: 'warning' }],
    },
    {
      name: '60bae7370896 undone: the flush moved back after pte_unmap_unlock()',
      diff: fileDiff('mm/migrate_device.c', {
        oldStart: 230,
        section: COLLECT,
        lines: [...COLLECT_LOOP, ...COLLECT_FLUSH.map((l) => `-${l}`), ...COLLECT_UNLOCK, ...COLLECT_FLUSH.map((l) => `+${l}`), ' \treturn 0;'],
      }),
      errors: [{ message: MOVED('pte_unmap_unlock', 240), file: 'mm/migrate_device.c', line: 244, function: 'migrate_vma_collect_pmd' }],
    },
    {
      name: 'a flush moved past pte_unmap_unlock()',
      diff: fileDiff('mm/mremap.c', {
        oldStart: 160,
        section: MOVE_PTES,
        lines: [
          ...FIXED_TAIL,
          '-\tif (force_flush)',
          '-\t\tflush_tlb_range(vma, old_end - len, old_end);',
          ' \tpte_unmap_unlock(old_pte - 1, old_ptl);',
          '+\tif (force_flush)',
          '+\t\tflush_tlb_range(vma, old_end - len, old_end);',
        ],
      }),
      errors: [{ message: MOVED('pte_unmap_unlock', 169), file: 'mm/mremap.c', line: 171 }],
    },
    {
      name: 'the flush under the PTL left to the caller again (before 5d1904204c99 and eb66ae030829)',
      diff: fileDiff('mm/mremap.c', {
        oldStart: 160,
        section: MOVE_PTES,
        lines: [
          ...FIXED_TAIL,
          '-\tif (force_flush)',
          '-\t\tflush_tlb_range(vma, old_end - len, old_end);',
          '+\t*need_flush = true;',
          ' \tif (new_ptl != old_ptl)',
          ' \t\tspin_unlock(new_ptl);',
          ' \tpte_unmap(new_pte - 1);',
          ' \tpte_unmap_unlock(old_pte - 1, old_ptl);',
        ],
      }),
      errors: [{ message: REMOVED, file: 'mm/mremap.c', line: 169, function: 'move_ptes', severity: 'warning' }],
    },
    {
      name: 'HAZARDS R13: the folio is put after the unlock and before the flush',
      diff: fileDiff('mm/madvise.c', {
        oldStart: 700,
        section: 'static int madvise_drop_pte(struct vm_area_struct *vma, pte_t *pte,',
        lines: [
          '+\tptent = ptep_get_and_clear(mm, addr, pte);',
          '+\tfolio = vm_normal_folio(vma, addr, ptent);',
          '+\tpte_unmap_unlock(pte, ptl);',
          '+\tfolio_put(folio);',
          '+\tflush_tlb_range(vma, addr, addr + PAGE_SIZE);',
        ],
      }),
      errors: [{ message: RELEASED('folio_put', 'ptep_get_and_clear', 700), file: 'mm/madvise.c', line: 703, severity: 'warning' }],
    },
    {
      name: 'a removed flush leaves the put with no flush before it',
      diff: fileDiff('mm/madvise.c', {
        oldStart: 700,
        section: 'static int madvise_drop_pte(struct vm_area_struct *vma, pte_t *pte,',
        lines: [
          ' \tptent = ptep_get_and_clear(mm, addr, pte);',
          ' \tpage = vm_normal_page(vma, addr, ptent);',
          '-\tflush_tlb_page(vma, addr);',
          ' \tpte_unmap_unlock(pte, ptl);',
          ' \tput_page(page);',
        ],
      }),
      errors: [{ message: RELEASED('put_page', 'ptep_get_and_clear', 700), file: 'mm/madvise.c', line: 703 }],
    },
    {
      name: 'before 868b104d7379: set_memory_ro() memory vfree()d with no reset',
      diff: fileDiff('kernel/bpf/core.c', {
        oldStart: 900,
        section: 'static void bpf_prog_pack_free_page(void *ptr)',
        lines: ['+\tset_memory_ro((unsigned long)ptr, 1);', '+\tdo_work(ptr);', '+\tvfree(ptr);'],
      }),
      errors: [{ message: PERMS('vfree', 'set_memory_ro', 900), file: 'kernel/bpf/core.c', line: 902 }],
    },
  ],
});

const where = (fs: Finding[]): string[] => fs.map((f) => `${f.file}:${f.line} ${f.function ?? '-'} ${f.severity}`);
const diffOf = (path: string): string => patchMailFromFile(path).diff;

test('the kasan depopulate callback frees shadow pages before the flush: the allowlisted idiom', () => {
  const diff = diffOf('fixtures/lore/bugs/kasan_lazy_mmu_hazards/introducing.patch');
  const { files } = parseUnifiedDiff(diff, 'kasan');
  const run = runRules([rule], { messageId: 'm', subject: 's', version: 1, seriesId: 's', files }, {});
  assert.deepEqual(where(run.findings), []);
  assert.deepEqual(
    run.suppressed.map((s) => `${s.finding.function ?? '-'} ${s.via}`),
    ['kasan_depopulate_vmalloc_pte allowlist'],
  );
});

test('a page released before the flush carries the stale-TLB scenario (arm64 vmsa): the reuse is observed', () => {
  const diff = fileDiff('mm/madvise.c', {
    oldStart: 700,
    section: 'static int madvise_drop_pte(struct vm_area_struct *vma, pte_t *pte,',
    lines: ['+\tptent = ptep_get_and_clear(mm, addr, pte);', '+\tfolio = vm_normal_folio(vma, addr, ptent);', '+\tpte_unmap_unlock(pte, ptl);', '+\tfolio_put(folio);'],
  });
  const [f] = findingsFor(rule, diff);
  assert.equal(f?.simulation?.observation, 'Sometimes');
  assert.match(f?.simulation?.litmus ?? '', /^AArch64 PT-free\+nodsb1\+notlbi\+nodsb2/);
});

test('the bug pairs and the clean patches are silent', () => {
  const dirs = ['fixtures/lore/clean', ...readdirSync('fixtures/lore/bugs', { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `fixtures/lore/bugs/${d.name}`)];
  const patches = dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.patch')).map((f) => `${d}/${f}`));
  assert.ok(patches.length >= 30);
  for (const p of patches) assert.deepEqual(where(findingsFor(rule, diffOf(p))), [], p);
});
