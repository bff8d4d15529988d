// src/patch/diff.ts: file changes, hunk line numbers, sections, renames,
// new/deleted/binary files, and a mail signature after the last hunk.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { functionNameOf, parseUnifiedDiff } from '../../src/patch/diff.ts';

const MODIFIED = `diff --git a/arch/x86/mm/pgtable.c b/arch/x86/mm/pgtable.c
index fbd14e506758..e3deefb891da 100644
--- a/arch/x86/mm/pgtable.c
+++ b/arch/x86/mm/pgtable.c
@@ -785,6 +785,10 @@ int pmd_free_pte_page(pmd_t *pmd, unsigned long addr)
 
 	pte = (pte_t *)pmd_page_vaddr(*pmd);
 	pmd_clear(pmd);
+
+	/* INVLPG to clear all paging-structure caches */
+	flush_tlb_kernel_range(addr, addr + PAGE_SIZE-1);
+
 	free_page((unsigned long)pte);
 
 	return 1;
-- 
2.17.1
`;

test('a modified file: numbers, section, counts; the signature is not a line', () => {
  const { files, notes } = parseUnifiedDiff(MODIFIED);
  assert.deepEqual(notes, []);
  assert.equal(files.length, 1);
  const f = files[0]!;
  assert.equal(f.path, 'arch/x86/mm/pgtable.c');
  assert.equal(f.status, 'modified');
  assert.equal(f.additions, 4);
  assert.equal(f.deletions, 0);
  const h = f.hunks[0]!;
  assert.equal(h.section, 'int pmd_free_pte_page(pmd_t *pmd, unsigned long addr)');
  assert.equal(h.sectionFunction, 'pmd_free_pte_page');
  assert.equal(h.lines.length, 10);
  const flush = h.lines.find((l) => l.text.includes('flush_tlb_kernel_range'))!;
  assert.deepEqual(flush, {
    kind: 'added',
    text: '\tflush_tlb_kernel_range(addr, addr + PAGE_SIZE-1);',
    newLine: 790,
    anchorLine: 790,
  });
  const free = h.lines.find((l) => l.text.includes('free_page'))!;
  assert.equal(free.oldLine, 788);
  assert.equal(free.newLine, 792);
  assert.equal(h.lines.at(-1)!.text, '\treturn 1;');
});

test('a removed line is anchored at the new-file line that follows it', () => {
  const { files } = parseUnifiedDiff(`diff --git a/mm/a.c b/mm/a.c
--- a/mm/a.c
+++ b/mm/a.c
@@ -10,3 +10,2 @@ void f(void)
 	a();
-	b();
 	c();
`);
  const removed = files[0]!.hunks[0]!.lines[1]!;
  assert.deepEqual(removed, { kind: 'removed', text: '\tb();', oldLine: 11, anchorLine: 11 });
});

test('renames, new, deleted and binary files', () => {
  const { files, notes } = parseUnifiedDiff(`diff --git a/mm/old_name.c b/mm/new_name.c
similarity index 100%
rename from mm/old_name.c
rename to mm/new_name.c
diff --git a/mm/c.c b/mm/d.c
similarity index 90%
rename from mm/c.c
rename to mm/d.c
index 111..222 100644
--- a/mm/c.c
+++ b/mm/d.c
@@ -1,2 +1,2 @@
 a
-b
+c
\\ No newline at end of file
diff --git a/Documentation/x.png b/Documentation/x.png
new file mode 100644
index 0000000..1111111
Binary files /dev/null and b/Documentation/x.png differ
diff --git a/mm/new.c b/mm/new.c
new file mode 100644
index 0000000..1111111
--- /dev/null
+++ b/mm/new.c
@@ -0,0 +1,2 @@
+x
+y
diff --git a/mm/gone.c b/mm/gone.c
deleted file mode 100644
index 1111111..0000000
--- a/mm/gone.c
+++ /dev/null
@@ -1 +0,0 @@
-x
`);
  assert.deepEqual(
    files.map((f) => [f.status, f.oldPath, f.path, f.hunks.length, f.note]),
    [
      ['renamed', 'mm/old_name.c', 'mm/new_name.c', 0, 'pure rename'],
      ['renamed', 'mm/c.c', 'mm/d.c', 1, undefined],
      ['binary', 'Documentation/x.png', 'Documentation/x.png', 0, 'binary file skipped'],
      ['added', 'mm/new.c', 'mm/new.c', 1, undefined],
      ['deleted', 'mm/gone.c', 'mm/gone.c', 1, undefined],
    ],
  );
  assert.equal(files[0]!.similarity, 100);
  assert.deepEqual(files[1]!.hunks[0]!.lines.map((l) => l.kind), ['context', 'removed', 'added']);
  assert.deepEqual(files[3]!.hunks[0]!.lines.map((l) => l.newLine), [1, 2]);
  assert.deepEqual(files[4]!.hunks[0]!.lines.map((l) => l.oldLine), [1]);
  assert.deepEqual(notes, ['diff: Documentation/x.png: binary file skipped']);
});

test('GIT binary patch sections are skipped with a note naming the input', () => {
  const { files, notes } = parseUnifiedDiff(
    `diff --git a/fw.bin b/fw.bin
index 1111111..2222222 100644
GIT binary patch
literal 3
KcmZ?wKmY&$0RR91
`,
    'x.eml message 2',
  );
  assert.equal(files[0]!.status, 'binary');
  assert.deepEqual(notes, ['x.eml message 2: fw.bin: binary file skipped']);
});

test('section function names', () => {
  assert.equal(functionNameOf('static int vmap_pte_range(pmd_t *pmd, unsigned long addr,'), 'vmap_pte_range');
  assert.equal(functionNameOf('extern pmdval_t early_pmd_flags;'), undefined);
  assert.equal(functionNameOf(''), undefined);
  assert.equal(functionNameOf('if (x) {'), undefined);
});

test('an empty diff has no files', () => {
  assert.deepEqual(parseUnifiedDiff(''), { files: [], notes: [] });
});
