// src/patch/context.ts: function regions from hunks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { definedFunction, functionRegions, imageOf } from '../../src/patch/context.ts';
import { parseUnifiedDiff } from '../../src/patch/diff.ts';

test('definition lines', () => {
  assert.equal(definedFunction('static inline void lazy_mmu_mode_enable(void)'), 'lazy_mmu_mode_enable');
  assert.equal(definedFunction('copy_pte_range(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma,'), 'copy_pte_range');
  assert.equal(definedFunction('int pud_free_pmd_page(pud_t *pud, unsigned long addr)'), 'pud_free_pmd_page');
  assert.equal(definedFunction('void arch_enter_lazy_mmu_mode(void);'), undefined, 'a prototype');
  assert.equal(definedFunction('\tfoo(bar);'), undefined, 'a statement');
  assert.equal(definedFunction('EXPORT_SYMBOL(foo);'), undefined);
  assert.equal(definedFunction('#define foo(x) bar(x)'), undefined);
});

test('a hunk crossing from one function to the next makes two regions; hunks of one function merge', () => {
  const { files } = parseUnifiedDiff(`diff --git a/arch/x86/mm/pgtable.c b/arch/x86/mm/pgtable.c
--- a/arch/x86/mm/pgtable.c
+++ b/arch/x86/mm/pgtable.c
@@ -712,6 +712,6 @@ int pmd_clear_huge(pmd_t *pmd)
 	return 0;
 }
 
 int pud_free_pmd_page(pud_t *pud)
 {
-	return pud_none(*pud);
+	return 1;
@@ -730,2 +730,3 @@ int pud_free_pmd_page(pud_t *pud)
 	x();
+	y();
 	z();
`);
  const regions = functionRegions(files[0]!);
  assert.deepEqual(
    regions.map((r) => [r.name, r.fragments.map((f) => f.length)]),
    [
      ['pmd_clear_huge', [2]],
      [undefined, [1]],
      ['pud_free_pmd_page', [4, 3]],
    ],
  );
  const pud = regions[2]!;
  assert.deepEqual(imageOf(pud.fragments[0]!, 'post').map((l) => l.text), ['int pud_free_pmd_page(pud_t *pud)', '{', '\treturn 1;']);
  assert.deepEqual(imageOf(pud.fragments[0]!, 'pre').map((l) => l.text), ['int pud_free_pmd_page(pud_t *pud)', '{', '\treturn pud_none(*pud);']);
  assert.equal(pud.confidence, 'fragment');
});
