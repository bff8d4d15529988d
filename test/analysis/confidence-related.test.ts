// Report-level confidence and related locations, end to end: the engine
// accepts 'line' only for reports resting on added or removed lines, keeps
// their severity, and every report format carries a finding's related
// locations (R05 naming the non-nesting arch hooks a default set_ptes()
// reaches, on bcc6cc832573).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import archRule from '../../rules/lazy-mmu-arch-percpu-state.ts';
import { analyzeSeriesWith } from '../../src/analysis/analyze.ts';
import { defineRule, type RuleReport } from '../../src/analysis/rule-api.ts';
import { fileDiff, findingsFor } from '../../src/analysis/rule-tester.ts';
import { acceptedConfidence, severityOf } from '../../src/analysis/run.ts';
import { jsonReport, renderSarif, renderText } from '../../src/report/index.ts';
import { sarifProblems } from '../report/sarif-check.ts';
import { patchMailFromFile, seriesOf } from './mail-fixture.ts';
import { options } from './options.ts';

/** A rule that reports every added line with the confidence it is given, quoting the next hunk line too. */
const claims = (confidence: RuleReport['confidence']) =>
  defineRule({
    meta: {
      id: 'claims',
      title: 'claims',
      severity: 'error',
      hazardClass: 'lazy-mmu',
      contract: 'test rule',
      arches: ['all'],
      references: [],
      docs: 'rules/claims.md',
      messages: { m: 'claim' },
    },
    check(context) {
      return context.regions().flatMap((r) =>
        r.fragments.flatMap((f) =>
          f.flatMap((l, i) => {
            const next = f[i + 1];
            return l.kind === 'added' ? [{ messageId: 'm', file: r.file, at: l, evidence: next ? [l, next] : [l], confidence }] : [];
          }),
        ),
      );
    },
  });

const DIFF = fileDiff('mm/kasan/shadow.c', {
  oldStart: 305,
  section: 'static int kasan_populate_vmalloc_pte(pte_t *ptep, unsigned long addr,',
  lines: ['+\tarch_leave_lazy_mmu_mode();', '+\tspin_lock(&init_mm.page_table_lock);', ' \tspin_unlock(&init_mm.page_table_lock);'],
});

test("'line' keeps the severity when all evidence is added; a context line in it makes the report a fragment", () => {
  const found = findingsFor(claims('line'), DIFF).map((f) => [f.line, f.severity, f.confidence]);
  // Line 305 quotes line 306 (added): line-local. Line 306 quotes the context line 307: lowered.
  assert.deepEqual(found, [[305, 'error', 'line'], [306, 'warning', 'fragment']]);
  assert.deepEqual(findingsFor(claims('fragment'), DIFF).map((f) => f.severity), ['warning', 'warning']);
  assert.equal(severityOf('error', 'line'), 'error');
  assert.equal(severityOf('warning', 'fragment'), 'info');
});

test('acceptedConfidence leaves whole-function and fragment reports as they are', () => {
  const at = { kind: 'context' as const, text: 'x', anchorLine: 1, oldLine: 1, newLine: 1 };
  assert.equal(acceptedConfidence({ messageId: 'm', file: 'f', at, evidence: [at], confidence: 'whole-function' }), 'whole-function');
  assert.equal(acceptedConfidence({ messageId: 'm', file: 'f', at, evidence: [at], confidence: 'line' }), 'fragment');
});

const SPARC = 'arch/sparc/mm/tlb.c';
const PPC_HASH = 'arch/powerpc/include/asm/book3s/64/tlbflush-hash.h';
const ARM64 = 'arch/arm64/include/asm/pgtable.h';

test("bcc6cc832573's default set_ptes(): related locations are the non-nesting hooks of sparc64, powerpc hash and arm64", () => {
  const found = findingsFor(archRule, patchMailFromFile('fixtures/lore/bugs/sparc_lazy_mmu_nesting/introducing.patch').diff);
  assert.deepEqual(found.map((f) => [f.file, f.line, f.severity]), [['include/linux/pgtable.h', 227, 'error'], ['include/linux/pgtable.h', 235, 'error']]);
  for (const f of found) assert.deepEqual(f.related?.map((r) => [r.file, r.line]), [[SPARC, 57], [PPC_HASH, 41], [ARM64, 89]]);
  assert.match(found[0]?.related?.[0]?.message ?? '', /^sparc64: arch_enter_lazy_mmu_mode\(\) sets tb->active = 1 /);
});

test("powerpc's own set_ptes() (9fee28baa601) reaches only powerpc's hash hooks; the fixes stay silent", () => {
  const found = findingsFor(archRule, patchMailFromFile('fixtures/lore/bugs/ppc_set_ptes_lazy_mmu/introducing.patch').diff);
  // The hook calls are added lines of set_ptes(), shown in part: line-local, so errors, not lowered.
  assert.deepEqual(found.map((f) => [f.line, f.severity, f.confidence]), [[206, 'error', 'line'], [215, 'error', 'line']]);
  for (const f of found) assert.deepEqual(f.related?.map((r) => r.file), [PPC_HASH]);
  for (const fix of ['sparc_lazy_mmu_nesting/fix.patch', 'sparc_lazy_mmu_nesting/fix_sibling.patch', 'ppc_set_ptes_lazy_mmu/fix.patch']) {
    assert.deepEqual(findingsFor(archRule, patchMailFromFile(`fixtures/lore/bugs/${fix}`).diff), [], fix);
  }
});

test('text, JSON and SARIF carry the related locations', () => {
  const series = [seriesOf([patchMailFromFile('fixtures/lore/bugs/sparc_lazy_mmu_nesting/introducing.patch')], 'sparc')];
  const result = analyzeSeriesWith([archRule], series, options());
  assert.equal(result.findings.length, 2);
  const text = renderText(result);
  assert.ok(text.includes(`    related: ${SPARC}:57: sparc64: arch_enter_lazy_mmu_mode() sets tb->active = 1`), text);
  assert.deepEqual(jsonReport(result).findings[0]?.related?.map((r) => r.file), [SPARC, PPC_HASH, ARM64]);
  const sarif: unknown = JSON.parse(renderSarif(result));
  assert.deepEqual(sarifProblems(sarif), []);
  const log = sarif as { runs: Array<{ results: Array<{ relatedLocations?: Array<{ id: number; physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } }; message: { text: string } }> }> }> };
  const related = log.runs[0]?.results[0]?.relatedLocations ?? [];
  assert.deepEqual(related.map((r) => [r.id, r.physicalLocation.artifactLocation.uri, r.physicalLocation.region?.startLine]), [[0, SPARC, 57], [1, PPC_HASH, 41], [2, ARM64, 89]]);
});
