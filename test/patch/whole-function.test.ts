// Widening hunks to whole functions from the whole pre/post image: kernel
// shapes (a prototype spanning lines, a return type on its own line, two
// hunks in one function, a hunk that moved), checked line by line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyFileChange } from '../../src/patch/apply.ts';
import { parseUnifiedDiff } from '../../src/patch/diff.ts';
import { functionSpans, widenToFunctions } from '../../src/patch/whole-function.ts';

const BASE = [
  '// SPDX-License-Identifier: GPL-2.0',
  'static int vmap_pte_range(pmd_t *pmd, unsigned long addr,',
  '\t\tunsigned long end, phys_addr_t phys_addr, pgprot_t prot);',
  '',
  'static void __init',
  'early_fixmap_init_pte(pmd_t *pmdp, unsigned long addr)',
  '{',
  '\tpmd_t pmd = READ_ONCE(*pmdp);',
  '\tpte_t *ptep;',
  '',
  '\tif (pmd_none(pmd)) {',
  '\t\tptep = bm_pte_addr(addr);',
  '\t\t__pmd_populate(pmdp, __pa_symbol(ptep), PMD_TYPE_TABLE);',
  '\t}',
  '}',
  '',
  'int pmd_free_pte_page(pmd_t *pmdp, unsigned long addr)',
  '{',
  '\tpte_t *table;',
  '\tpmd_t pmd;',
  '',
  '\tpmd = READ_ONCE(*pmdp);',
  '',
  '\tif (!pmd_table(pmd)) {',
  '\t\tVM_WARN_ON(1);',
  '\t\treturn 1;',
  '\t}',
  '',
  '\ttable = pte_offset_kernel(pmdp, addr);',
  '\tpmd_clear(pmdp);',
  '\t__flush_tlb_kernel_pgtable(addr);',
  '\tpte_free_kernel(NULL, table);',
  '\treturn 1;',
  '}',
  '',
];
const base = BASE.join('\n') + '\n';

const DIFF = `diff --git a/arch/arm64/mm/mmu.c b/arch/arm64/mm/mmu.c
--- a/arch/arm64/mm/mmu.c
+++ b/arch/arm64/mm/mmu.c
@@ -27,7 +27,11 @@ int pmd_free_pte_page(pmd_t *pmdp, unsigned long addr)
 \t}
 
 \ttable = pte_offset_kernel(pmdp, addr);
+
+\t/* Synchronize against ptdump_walk_pgd() */
+\tmmap_read_lock(&init_mm);
 \tpmd_clear(pmdp);
+\tmmap_read_unlock(&init_mm);
 \t__flush_tlb_kernel_pgtable(addr);
 \tpte_free_kernel(NULL, table);
 \treturn 1;
`;

test('function spans: definitions in kernel style, not prototypes; the name line starts the span', () => {
  const spans = functionSpans(BASE);
  assert.deepEqual(spans.map((s) => [s.name, s.start + 1, s.end + 1]), [
    ['early_fixmap_init_pte', 6, 15],
    ['pmd_free_pte_page', 17, 34],
  ]);
});

test('function spans: one-line header bodies and a definition right after them', () => {
  const header = [
    'static inline int pte_batch_hint(pte_t *ptep, pte_t pte) { return 1; }',
    'static inline bool arch_has_hw_pte_young(void)',
    '{',
    '\treturn false;',
    '}',
  ];
  assert.deepEqual(functionSpans(header).map((s) => [s.name, s.start + 1, s.end + 1]), [
    ['pte_batch_hint', 1, 1],
    ['arch_has_hw_pte_young', 2, 5],
  ]);
});

test('a hunk inside a function is widened to its definition line and closing brace, numbers kept', () => {
  const [file] = parseUnifiedDiff(DIFF).files;
  assert.ok(file);
  const applied = applyFileChange(base, file);
  assert.ok(applied.ok);
  const { file: wide, renumbered } = widenToFunctions(file, base, applied.post, applied.offsets);
  assert.equal(renumbered, false);
  assert.equal(wide.hunks.length, 1);
  const h = wide.hunks[0]!;
  assert.equal(h.lines[0]!.text, 'int pmd_free_pte_page(pmd_t *pmdp, unsigned long addr)');
  assert.equal(h.lines[0]!.oldLine, 17);
  assert.equal(h.lines.at(-1)!.text, '}');
  assert.equal(h.lines.at(-1)!.oldLine, 34);
  assert.equal(h.lines.at(-1)!.newLine, 38);
  assert.equal(h.oldStart, 17);
  assert.equal(h.oldLines, 18);
  assert.equal(h.newLines, 22);
  assert.equal(h.sectionFunction, 'early_fixmap_init_pte');
  // The patch's own lines keep their numbers; the added ones are still added.
  const lock = h.lines.find((l) => l.text === '\tmmap_read_lock(&init_mm);');
  assert.deepEqual(lock && [lock.kind, lock.newLine], ['added', 32]);
  // Every line of both images is shown, in order, without a gap.
  const olds = h.lines.flatMap((l) => (l.oldLine === undefined ? [] : [l.oldLine]));
  assert.deepEqual(olds, Array.from({ length: 18 }, (_, i) => 17 + i));
});

test("a hunk that moved keeps the patch's numbers when every hunk moved alike", () => {
  const moved = ['/* two lines', ' * landed above */', ...BASE].join('\n') + '\n';
  const [file] = parseUnifiedDiff(DIFF).files;
  const applied = applyFileChange(moved, file!);
  assert.ok(applied.ok);
  assert.deepEqual(applied.offsets, [2]);
  const { file: wide, renumbered } = widenToFunctions(file!, moved, applied.post, applied.offsets);
  assert.equal(renumbered, false);
  assert.equal(wide.hunks[0]!.lines[0]!.oldLine, 17);
  assert.equal(wide.hunks[0]!.lines[0]!.text, 'int pmd_free_pte_page(pmd_t *pmdp, unsigned long addr)');
});

test('two hunks in one function merge into one hunk; a hunk at file scope is not widened', () => {
  const diff = `diff --git a/arch/arm64/mm/mmu.c b/arch/arm64/mm/mmu.c
--- a/arch/arm64/mm/mmu.c
+++ b/arch/arm64/mm/mmu.c
@@ -1,3 +1,4 @@
 // SPDX-License-Identifier: GPL-2.0
+#include <linux/mmap_lock.h>
 static int vmap_pte_range(pmd_t *pmd, unsigned long addr,
 \t\tunsigned long end, phys_addr_t phys_addr, pgprot_t prot);
@@ -19,5 +20,5 @@ int pmd_free_pte_page(pmd_t *pmdp, unsigned long addr)
 \tpte_t *table;
 \tpmd_t pmd;
 
-\tpmd = READ_ONCE(*pmdp);
+\tpmd = pmdp_get(pmdp);
 
@@ -30,3 +31,3 @@ int pmd_free_pte_page(pmd_t *pmdp, unsigned long addr)
 \tpmd_clear(pmdp);
-\t__flush_tlb_kernel_pgtable(addr);
+\tflush_tlb_kernel_range(addr, addr + PAGE_SIZE);
 \tpte_free_kernel(NULL, table);
`;
  const [file] = parseUnifiedDiff(diff).files;
  const applied = applyFileChange(base, file!);
  assert.ok(applied.ok, applied.ok ? '' : applied.reason);
  const { file: wide } = widenToFunctions(file!, base, applied.post, applied.offsets);
  assert.equal(wide.hunks.length, 2);
  assert.deepEqual(wide.hunks[0]!.lines.map((l) => l.kind), ['context', 'added', 'context', 'context']);
  const fn = wide.hunks[1]!;
  assert.equal(fn.lines[0]!.text, 'int pmd_free_pte_page(pmd_t *pmdp, unsigned long addr)');
  assert.equal(fn.lines[0]!.newLine, 18);
  assert.equal(fn.lines.at(-1)!.text, '}');
  assert.equal(fn.lines.filter((l) => l.kind === 'removed').length, 2);
  const news = fn.lines.flatMap((l) => (l.newLine === undefined ? [] : [l.newLine]));
  assert.deepEqual(news, Array.from({ length: 18 }, (_, i) => 18 + i));
});

test("hunks that moved by different amounts are renumbered to the tree's lines, and say so", () => {
  const diff = `diff --git a/arch/arm64/mm/mmu.c b/arch/arm64/mm/mmu.c
--- a/arch/arm64/mm/mmu.c
+++ b/arch/arm64/mm/mmu.c
@@ -8,3 +8,3 @@ early_fixmap_init_pte(pmd_t *pmdp, unsigned long addr)
 \tpmd_t pmd = READ_ONCE(*pmdp);
-\tpte_t *ptep;
+\tpte_t *ptep = NULL;
 
@@ -30,3 +30,3 @@ int pmd_free_pte_page(pmd_t *pmdp, unsigned long addr)
 \tpmd_clear(pmdp);
-\t__flush_tlb_kernel_pgtable(addr);
+\tflush_tlb_kernel_range(addr, addr + PAGE_SIZE);
 \tpte_free_kernel(NULL, table);
`;
  // Three lines landed between the two functions since the patch was made.
  const shifted = [...BASE.slice(0, 16), '/* a', ' * new comment', ' */', ...BASE.slice(16)].join('\n') + '\n';
  const [file] = parseUnifiedDiff(diff).files;
  const applied = applyFileChange(shifted, file!);
  assert.ok(applied.ok);
  assert.deepEqual(applied.offsets, [0, 3]);
  const { file: wide, renumbered } = widenToFunctions(file!, shifted, applied.post, applied.offsets);
  assert.equal(renumbered, true);
  const flush = wide.hunks.flatMap((h) => h.lines).find((l) => l.kind === 'added' && /flush_tlb_kernel_range/.test(l.text));
  assert.equal(flush?.newLine, 34);
  assert.equal(shifted.split('\n')[33 - 1], '\tpmd_clear(pmdp);');
});
