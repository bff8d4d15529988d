// The done-when cases through the real mail front end (src/mail, src/sources),
// as `ptbot analyze` will run them: files in, series, analysis.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeSeries } from '../../src/analysis/analyze.ts';
import { ingest } from '../../src/mail/ingest.ts';
import { readLocalInputs } from '../../src/sources/local-files.ts';
import { options } from './options.ts';

async function findingsOf(paths: string[]): Promise<string[]> {
  const { series } = await ingest(readLocalInputs(paths));
  assert.ok(series.length > 0, `no series assembled from ${paths.join(' ')}`);
  const result = await analyzeSeries(series, options());
  return result.findings.map((f) => `${f.file}:${f.line} ${f.ruleId}`);
}

test('the whole lazy_mmu_nesting thread (every version) is silent', async () => {
  const { series } = await ingest(readLocalInputs(['fixtures/lore/threads/lazy_mmu_nesting']));
  const result = await analyzeSeries(series, options({ versions: 'all' }));
  const analysed = result.series.flatMap((s) => s.versions.flatMap((v) => v.patches)).filter((p) => p.analysed);
  assert.ok(analysed.length >= 20, `only ${analysed.length} patches analysed`);
  assert.deepEqual(result.findings.map((f) => `${f.origin.kind === 'mail' ? f.origin.messageId : ''} ${f.file}:${f.line}`), []);
});

test('the unbalanced variant, parsed as mail, reports mm/vmalloc.c:137', async () => {
  assert.deepEqual(await findingsOf(['fixtures/patch/lazy_mmu_generic_helpers_unbalanced.patch']), [
    'mm/vmalloc.c:137 lazy-mmu-unbalanced',
  ]);
});

test('the x86 free_pmd_pte_page bug pair, parsed as mail: introducing reports, the fix is silent', async () => {
  const dir = 'fixtures/lore/bugs/x86_free_pmd_pte_page_no_tlb_purge';
  assert.deepEqual(await findingsOf([`${dir}/introducing.patch`]), [
    'arch/x86/mm/pgtable.c:728 pgtable-free-before-walkcache-invalidate',
    'arch/x86/mm/pgtable.c:749 pgtable-free-before-walkcache-invalidate',
  ]);
  assert.deepEqual(await findingsOf([`${dir}/fix.patch`]), []);
});
