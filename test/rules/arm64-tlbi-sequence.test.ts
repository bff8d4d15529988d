// Valid and invalid diffs for rules/arm64-tlbi-sequence.ts, then the real
// arm64 patches: Ryan Roberts' "Split __flush_tlb_range() to elide trailing
// DSB" (contpte v5 18/25, v6 11/18) moves the dsb(ish) to the caller and
// renames the TLBI half *_nosync: silent; the same removal without the
// rename is flagged. The other arm64 bug pairs, threads and the clean
// patches are silent. No fixture holds an introducing patch of this class
// (51696d346c49 fixed 05f2d2f83b5a, which is not in fixtures/lore), so the
// invalid cases are the sequences that commit and HAZARDS R23 describe.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import rule from '../../rules/arm64-tlbi-sequence.ts';
import type { Finding } from '../../src/analysis/finding.ts';
import { fileDiff, findingsFor, ruleTester } from '../../src/analysis/rule-tester.ts';
import { patchMailFromFile } from '../analysis/mail-fixture.ts';

const TLBFLUSH = 'arch/arm64/include/asm/tlbflush.h';
const PGTABLE_FLUSH = (body: string[]): string[] => [
  '+static inline void __flush_tlb_kernel_pgtable(unsigned long kaddr)',
  '+{',
  '+\tunsigned long addr = __TLBI_VADDR(kaddr, 0);',
  '+',
  ...body.map((l) => `+\t${l}`),
  '+}',
];

ruleTester(rule, {
  valid: [
    {
      name: '51696d346c49: dsb(ishst), tlbi vaae1is, dsb(ish), isb()',
      diff: fileDiff(TLBFLUSH, { oldStart: 240, lines: PGTABLE_FLUSH(['dsb(ishst);', '__tlbi(vaae1is, addr);', 'dsb(ish);', 'isb();']) }),
    },
    {
      name: 'newer trees complete with __tlbi_sync_s1ish()',
      diff: fileDiff(TLBFLUSH, {
        oldStart: 240,
        lines: PGTABLE_FLUSH(['dsb(ishst);', '__tlbi(vaae1is, addr);', '__tlbi_sync_s1ish();', 'isb();']),
      }),
    },
    {
      name: 'a *_nosync helper leaves the dsb(ish) to its caller',
      diff: fileDiff(TLBFLUSH, {
        oldStart: 300,
        lines: [
          '+static inline void flush_tlb_page_nosync(struct vm_area_struct *vma, unsigned long uaddr)',
          '+{',
          '+\tunsigned long addr = __TLBI_VADDR(uaddr, ASID(vma->vm_mm));',
          '+',
          '+\tdsb(ishst);',
          '+\t__tlbi(vale1is, addr);',
          '+\t__tlbi_user(vale1is, addr);',
          '+}',
        ],
      }),
    },
    {
      name: 'local invalidation: dsb(nshst), tlbi vmalle1, dsb(nsh), isb()',
      diff: fileDiff(TLBFLUSH, {
        oldStart: 150,
        lines: [
          '+static inline void local_flush_tlb_all(void)',
          '+{',
          '+\tdsb(nshst);',
          '+\t__tlbi(vmalle1);',
          '+\tdsb(nsh);',
          '+\tisb();',
          '+}',
        ],
      }),
    },
    {
      name: 'a fragment whose barriers may sit in lines the hunk does not show',
      diff: fileDiff(TLBFLUSH, {
        oldStart: 238,
        section: 'static inline void __flush_tlb_range(struct vm_area_struct *vma,',
        lines: ['-\t\t__tlbi(vae1is, addr);', '+\t\t__tlbi_level(vae1is, addr, tlb_level);'],
      }),
    },
    {
      name: 'a TLBI op passed in as a parameter is not judged for shareability',
      diff: fileDiff(TLBFLUSH, {
        oldStart: 400,
        lines: [
          '+static __always_inline void __tlbi_level_asid(const enum tlbi_op op, u64 addr, u32 level)',
          '+{',
          '+\tdsb(ishst);',
          '+\t__tlbi(op, addr);',
          '+\tdsb(ish);',
          '+}',
        ],
      }),
    },
    {
      name: 'not arm64',
      diff: fileDiff('arch/riscv/mm/tlbflush.c', {
        oldStart: 10,
        lines: ['+static void flush_tlb_kernel_pgtable(unsigned long addr)', '+{', '+\t__tlbi(vaae1is, addr);', '+}'],
      }),
    },
  ],
  invalid: [
    {
      name: 'before 51696d346c49: walk-cache invalidation with no isb()',
      diff: fileDiff(TLBFLUSH, { oldStart: 240, lines: PGTABLE_FLUSH(['dsb(ishst);', '__tlbi(vaae1is, addr);', 'dsb(ish);']) }),
      errors: [
        {
          message:
            'arm64: no isb() after the dsb() that completes __tlbi(vaae1is) in __flush_tlb_kernel_pgtable(): kernel and ' +
            'walk-cache invalidation need the context synchronisation before the table is reused',
          file: TLBFLUSH,
          line: 246,
          function: '__flush_tlb_kernel_pgtable',
          severity: 'error',
        },
      ],
    },
    {
      name: 'a patch that removes the isb() from __flush_tlb_kernel_pgtable()',
      diff: fileDiff(TLBFLUSH, {
        oldStart: 240,
        lines: [
          ' static inline void __flush_tlb_kernel_pgtable(unsigned long kaddr)',
          ' {',
          ' \tunsigned long addr = __TLBI_VADDR(kaddr, 0);',
          ' ',
          ' \tdsb(ishst);',
          ' \t__tlbi(vaae1is, addr);',
          ' \tdsb(ish);',
          '-\tisb();',
          ' }',
        ],
      }),
      errors: [
        {
          message:
            'arm64: no isb() after the dsb() that completes __tlbi(vaae1is) in __flush_tlb_kernel_pgtable(): kernel and ' +
            'walk-cache invalidation need the context synchronisation before the table is reused',
          file: TLBFLUSH,
          line: 246,
        },
      ],
    },
    {
      name: 'no dsb(ishst) before the TLBI, no dsb(ish) after it',
      diff: fileDiff(TLBFLUSH, {
        oldStart: 200,
        lines: [
          '+static inline void flush_tlb_mm(struct mm_struct *mm)',
          '+{',
          '+\tunsigned long asid = __TLBI_VADDR(0, ASID(mm));',
          '+',
          '+\t__tlbi(aside1is, asid);',
          '+\t__tlbi_user(aside1is, asid);',
          '+}',
        ],
      }),
      errors: [
        {
          message:
            "arm64: __tlbi(aside1is) is not preceded by dsb(ishst): the page-table store may not be visible to other CPUs' " +
            'walkers before the invalidation',
          file: TLBFLUSH,
          line: 204,
        },
        {
          message:
            'arm64: no dsb(ish) after __tlbi_user(aside1is) in flush_tlb_mm(): the invalidation is not complete on other ' +
            'CPUs when it returns',
          file: TLBFLUSH,
          line: 205,
        },
      ],
    },
    {
      name: 'leaf-only vaale1is after pud_clear(), and a non-shareable op',
      diff: fileDiff('arch/arm64/mm/mmu.c', {
        oldStart: 1300,
        lines: [
          '+static void free_kernel_pmd_table(pud_t *pudp, unsigned long addr)',
          '+{',
          '+\tpud_clear(pudp);',
          '+\tdsb(ishst);',
          '+\t__tlbi(vaale1is, addr >> 12);',
          '+\t__tlbi(vae1, addr >> 12);',
          '+\tdsb(ish);',
          '+\tisb();',
          '+}',
        ],
      }),
      errors: [
        {
          message: 'arm64: leaf-only __tlbi(vaale1is) after pud_clear() on line 1302: the walk cache keeps the cleared table entry',
          file: 'arch/arm64/mm/mmu.c',
          line: 1304,
          severity: 'error',
        },
        {
          message: 'arm64: __tlbi(vae1) is not inner-shareable: other CPUs keep their TLB entries',
          file: 'arch/arm64/mm/mmu.c',
          line: 1305,
          severity: 'warning',
        },
      ],
    },
  ],
});

const where = (fs: Finding[]): string[] => fs.map((f) => `${f.file}:${f.line} ${f.function ?? '-'} ${f.severity}`);
const diffOf = (path: string): string => patchMailFromFile(path).diff;
const CONTPTE = 'fixtures/lore/threads/arm64_contpte_user_mappings_2024';

test('"Split __flush_tlb_range() to elide trailing DSB" is silent; without the _nosync rename it is flagged', () => {
  for (const mail of ['0019.eml', '0085.eml']) {
    const diff = diffOf(`${CONTPTE}/${mail}`);
    assert.deepEqual(where(findingsFor(rule, diff)), [], mail);
    // The same dsb(ish) removal, the TLBI half keeping its name and no new wrapper.
    const kept = diff
      .replace(/^-static inline void __flush_tlb_range\(struct vm_area_struct \*vma,\n\+static inline void __flush_tlb_range_nosync\(/m, ' static inline void __flush_tlb_range(')
      .replace(/^\+static inline void __flush_tlb_range\(struct vm_area_struct \*vma,\n(\+.*\n)*?\+}\n\+\n/m, '');
    assert.notEqual(kept, diff);
    const got = where(findingsFor(rule, kept));
    assert.equal(got.length, 1, `${mail}: ${got.join(', ')}`);
    assert.match(got[0] ?? '', /^arch\/arm64\/include\/asm\/tlbflush\.h:\d+ __flush_tlb_range warning$/);
  }
});

test('the bug pairs, the clean patches and the threads are silent', () => {
  const dirs = ['fixtures/lore/clean', ...readdirSync('fixtures/lore/bugs', { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `fixtures/lore/bugs/${d.name}`)];
  const patches = dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.patch')).map((f) => `${d}/${f}`));
  const threads = readdirSync('fixtures/lore/threads').flatMap((t) =>
    readdirSync(`fixtures/lore/threads/${t}`).filter((f) => f.endsWith('.eml')).map((f) => `fixtures/lore/threads/${t}/${f}`),
  );
  assert.ok(patches.some((p) => p.includes('arm64_tlb_ttl_level')) && threads.some((t) => t.includes('arm64_elide_tlb_flush_pte_prot')));
  for (const p of [...patches, ...threads]) assert.deepEqual(where(findingsFor(rule, diffOf(p))), [], p);
});
