// Valid and invalid diffs for rules/mmu-gather-flush-ignores-freed-tables.ts,
// then the real bug pairs: riscv c5e9b2c2ae82 and arm64 c4ab2cbc1d87 are
// flagged, their fixes (which test tlb->freed_tables) and the clean patches are not.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import rule from '../../rules/mmu-gather-flush-ignores-freed-tables.ts';
import { analyzeSeriesWith, type AnalysisResult } from '../../src/analysis/analyze.ts';
import { fileDiff, ruleTester } from '../../src/analysis/rule-tester.ts';
import { patchMailFromFile, seriesOf } from '../analysis/mail-fixture.ts';
import { options } from '../analysis/options.ts';

const MESSAGE = (arch: string, member: string): string =>
  `${arch}: the mmu_gather flush is narrowed by ${member} without testing tlb->freed_tables; ` +
  'page tables the gather freed stay reachable through the walk cache';

const RISCV_TLB_FLUSH = [
  ' static inline void tlb_flush(struct mmu_gather *tlb)',
  ' {',
  '-\tflush_tlb_mm(tlb->mm);',
  '+\tif (tlb->fullmm || tlb->need_flush_all)',
  '+\t\tflush_tlb_mm(tlb->mm);',
  '+\telse',
  '+\t\tflush_tlb_mm_range(tlb->mm, tlb->start, tlb->end,',
  '+\t\t\t\t   tlb_get_unmap_size(tlb));',
  ' }',
];

ruleTester(rule, {
  valid: [
    {
      name: 'riscv fix: freed_tables forces the whole-mm flush',
      diff: fileDiff('arch/riscv/include/asm/tlb.h', {
        oldStart: 16,
        section: 'static void tlb_flush(struct mmu_gather *tlb);',
        lines: [
          ' static inline void tlb_flush(struct mmu_gather *tlb)',
          ' {',
          '-\tif (tlb->fullmm || tlb->need_flush_all)',
          '+\tif (tlb->fullmm || tlb->need_flush_all || tlb->freed_tables)',
          ' \t\tflush_tlb_mm(tlb->mm);',
          ' \telse',
          ' \t\tflush_tlb_mm_range(tlb->mm, tlb->start, tlb->end,',
        ],
      }),
    },
    {
      name: 'arm64 fix: tlb_get_level() returns 0 when tables were freed',
      diff: fileDiff('arch/arm64/include/asm/tlb.h', {
        oldStart: 29,
        section: 'static void tlb_flush(struct mmu_gather *tlb);',
        lines: [
          ' static inline int tlb_get_level(struct mmu_gather *tlb)',
          ' {',
          '+\t/* The TTL field is only valid for the leaf entry. */',
          '+\tif (tlb->freed_tables)',
          '+\t\treturn 0;',
          '+',
          ' \tif (tlb->cleared_ptes && !(tlb->cleared_pmds ||',
        ],
      }),
    },
    {
      name: 'a whole-mm flush does not narrow',
      diff: fileDiff('arch/riscv/include/asm/tlb.h', {
        oldStart: 16,
        lines: [' static inline void tlb_flush(struct mmu_gather *tlb)', ' {', '+\tflush_tlb_mm(tlb->mm);', ' }'],
      }),
    },
    {
      name: 'generic mmu_gather code is not an arch tlb_flush()',
      diff: fileDiff('include/asm-generic/tlb.h', {
        oldStart: 600,
        lines: [
          ' static inline unsigned long tlb_get_unmap_shift(struct mmu_gather *tlb)',
          ' {',
          '+\tif (tlb->cleared_ptes)',
          '+\t\treturn PAGE_SHIFT;',
          ' }',
        ],
      }),
    },
    {
      name: 'an unchanged narrowing next to an unrelated change',
      diff: fileDiff('arch/riscv/include/asm/tlb.h', {
        oldStart: 16,
        lines: [
          ' static inline void tlb_flush(struct mmu_gather *tlb)',
          ' {',
          ' \tflush_tlb_mm_range(tlb->mm, tlb->start, tlb->end, PAGE_SIZE);',
          '-\t/* old */',
          '+\t/* new */',
          ' }',
        ],
      }),
    },
  ],
  invalid: [
    {
      name: 'riscv c5e9b2c2ae82: range flush over tlb->start..end, freed tables not tested',
      diff: fileDiff('arch/riscv/include/asm/tlb.h', {
        oldStart: 16,
        section: 'static void tlb_flush(struct mmu_gather *tlb);',
        lines: RISCV_TLB_FLUSH,
      }),
      errors: [{ message: MESSAGE('riscv', 'tlb->start'), file: 'arch/riscv/include/asm/tlb.h', line: 21, function: 'tlb_flush' }],
    },
    {
      name: 'arm64 c4ab2cbc1d87: TTL level from tlb->cleared_* with tables freed',
      diff: fileDiff('arch/arm64/include/asm/tlb.h', {
        oldStart: 23,
        lines: [
          '+static inline int tlb_get_level(struct mmu_gather *tlb)',
          '+{',
          '+\tif (tlb->cleared_ptes && !(tlb->cleared_pmds ||',
          '+\t\t\t\t   tlb->cleared_puds))',
          '+\t\treturn 3;',
          '+\treturn 0;',
          '+}',
        ],
      }),
      errors: [
        {
          message: MESSAGE('arm64', 'tlb->cleared_ptes'),
          file: 'arch/arm64/include/asm/tlb.h',
          line: 25,
          function: 'tlb_get_level',
          severity: 'error',
        },
      ],
    },
    {
      name: 'a patch that drops the freed_tables test from a narrowing flush',
      diff: fileDiff('arch/riscv/include/asm/tlb.h', {
        oldStart: 16,
        lines: [
          ' static inline void tlb_flush(struct mmu_gather *tlb)',
          ' {',
          '-\tif (tlb->fullmm || tlb->need_flush_all || tlb->freed_tables)',
          '+\tif (tlb->fullmm || tlb->need_flush_all)',
          ' \t\tflush_tlb_mm(tlb->mm);',
          ' \telse',
          ' \t\tflush_tlb_mm_range(tlb->mm, tlb->start, tlb->end, PAGE_SIZE);',
          ' }',
        ],
      }),
      errors: [{ message: MESSAGE('riscv', 'tlb->start'), file: 'arch/riscv/include/asm/tlb.h', line: 21 }],
    },
  ],
});

const where = (r: AnalysisResult): string[] => r.findings.map((f) => `${f.file}:${f.line} ${f.function ?? '-'} ${f.severity}`);
const run = (path: string): string[] => where(analyzeSeriesWith([rule], [seriesOf([patchMailFromFile(path)])], options()));
const BUGS = 'fixtures/lore/bugs';

test('riscv c5e9b2c2ae82 "riscv: Improve tlb_flush()" is flagged at its range flush; the fix is silent', () => {
  assert.deepEqual(run(`${BUGS}/riscv_pgdir_free_no_tlb_flush/introducing.patch`), [
    'arch/riscv/include/asm/tlb.h:22 tlb_flush error',
  ]);
  assert.deepEqual(run(`${BUGS}/riscv_pgdir_free_no_tlb_flush/fix.patch`), []);
});

test('arm64 c4ab2cbc1d87 "Set the TTL field in flush_tlb_range" is flagged in tlb_get_level(); the fix is silent', () => {
  assert.deepEqual(run(`${BUGS}/arm64_tlb_ttl_level/introducing.patch`), ['arch/arm64/include/asm/tlb.h:31 tlb_get_level error']);
  assert.deepEqual(run(`${BUGS}/arm64_tlb_ttl_level/fix.patch`), []);
});

test('the other bug pairs and the clean patches are silent', () => {
  const flagged = new Set(['riscv_pgdir_free_no_tlb_flush', 'arm64_tlb_ttl_level']);
  const paths = [
    ...readdirSync(BUGS, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !flagged.has(d.name))
      .flatMap((d) => readdirSync(`${BUGS}/${d.name}`).filter((f) => f.endsWith('.patch')).map((f) => `${BUGS}/${d.name}/${f}`)),
    ...readdirSync('fixtures/lore/clean').filter((f) => f.endsWith('.patch')).map((f) => `fixtures/lore/clean/${f}`),
  ];
  assert.ok(paths.length >= 20);
  for (const p of paths) assert.deepEqual(run(p), [], p);
});
