// src/patch/relevance.ts: which files are relevant, and the recorded reasons.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseUnifiedDiff } from '../../src/patch/diff.ts';
import { describeReason, patchRelevance } from '../../src/patch/relevance.ts';

const CONFIG = {
  paths: ['mm/vmalloc.c', 'arch/*/mm/**', 'include/linux/pgtable.h'],
  identifiers: ['lazy_mmu_mode_*', 'flush_tlb_*', 'p?d_free_*'],
};

const DIFF = `diff --git a/mm/vmalloc.c b/mm/vmalloc.c
--- a/mm/vmalloc.c
+++ b/mm/vmalloc.c
@@ -1,2 +1,2 @@ static int vmap_pte_range(pmd_t *pmd)
 	x();
-	y();
+	z();
diff --git a/fs/proc/task_mmu.c b/fs/proc/task_mmu.c
--- a/fs/proc/task_mmu.c
+++ b/fs/proc/task_mmu.c
@@ -2739,3 +2739,3 @@ static int pagemap_scan_pmd_entry(pmd_t *pmd, unsigned long start,
 	}
-	arch_enter_lazy_mmu_mode();
+	lazy_mmu_mode_enable();
 	flush_tlb_range(vma, start, addr);
diff --git a/Documentation/mm/x.rst b/Documentation/mm/x.rst
--- a/Documentation/mm/x.rst
+++ b/Documentation/mm/x.rst
@@ -1 +1 @@
-old
+new
`;

test('paths and identifiers make files relevant, with reasons', () => {
  const rel = patchRelevance(parseUnifiedDiff(DIFF).files, CONFIG);
  assert.equal(rel.relevant, true);
  assert.deepEqual(
    rel.files.map((f) => [f.path, f.relevant, f.reasons.map(describeReason)]),
    [
      ['mm/vmalloc.c', true, ['path mm/vmalloc.c matches mm/vmalloc.c']],
      [
        'fs/proc/task_mmu.c',
        true,
        [
          'added line 2740 names lazy_mmu_mode_enable (matches lazy_mmu_mode_*)',
          'context line 2741 names flush_tlb_range (matches flush_tlb_*)',
        ],
      ],
      ['Documentation/mm/x.rst', false, []],
    ],
  );
});

test('a rename is relevant by its old path too', () => {
  const rel = patchRelevance(
    parseUnifiedDiff(`diff --git a/arch/x86/mm/pat.c b/arch/x86/lib/pat.c
similarity index 100%
rename from arch/x86/mm/pat.c
rename to arch/x86/lib/pat.c
`).files,
    CONFIG,
  );
  assert.deepEqual(rel.files[0]!.reasons, [{ kind: 'path', glob: 'arch/*/mm/**', path: 'arch/x86/mm/pat.c' }]);
});

test('nothing matches: the patch is not relevant', () => {
  const rel = patchRelevance(parseUnifiedDiff(DIFF).files.slice(2), CONFIG);
  assert.equal(rel.relevant, false);
});
