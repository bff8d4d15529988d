// src/report/: text, JSON and SARIF from one analysis of real mail.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { analyzeSeriesWith, type AnalysisResult } from '../../src/analysis/analyze.ts';
import { loadRules } from '../../src/analysis/loader.ts';
import { renderJson, renderSarif, renderText } from '../../src/report/index.ts';
import { patchMailFromFile, patchMailFromText, seriesOf } from '../analysis/mail-fixture.ts';
import { options } from '../analysis/options.ts';
import { sarifProblems } from './sarif-check.ts';

let result: AnalysisResult;

const SUPPRESSED = `From: Dev <dev@example.org>
Subject: [PATCH] mm: free a boot-time table
Message-ID: <boot@example.org>

---
diff --git a/mm/vmalloc.c b/mm/vmalloc.c
--- a/mm/vmalloc.c
+++ b/mm/vmalloc.c
@@ -10,2 +10,4 @@ static void __init early_table_fixup(pmd_t *pmd)
 \tpmd_clear(pmd);
+\t/* ptbot: allow pgtable-free-before-walkcache-invalidate: never installed */
+\tpte_free_kernel(&init_mm, pte);
 \treturn;
`;

before(async () => {
  const rules = await loadRules();
  const series = [
    seriesOf([patchMailFromFile('fixtures/patch/lazy_mmu_generic_helpers_unbalanced.patch')], 'lazy'),
    seriesOf(
      [
        patchMailFromFile('fixtures/lore/bugs/x86_free_pmd_pte_page_no_tlb_purge/introducing.patch'),
        patchMailFromFile('fixtures/lore/clean/x86_drop_ptdump_export.patch'),
      ],
      'x86',
    ),
    seriesOf([patchMailFromText(SUPPRESSED, 'boot')], 'boot'),
  ];
  result = analyzeSeriesWith(rules, series, options());
});

test('text: compiler-style lines grouped per patch', () => {
  const text = renderText(result, { details: false });
  const ids = result.findings.map((f) => f.id);
  assert.equal(ids.length, 3);
  const lines = text.split('\n');
  const at = (s: string): number => lines.findIndex((l) => l.startsWith(s));
  assert.ok(at('[PATCH v6 07/14] mm: introduce generic lazy_mmu helpers <ptbot-fixture-unbalanced-') >= 0, text);
  assert.ok(
    lines.includes(
      `  mm/vmalloc.c:137: warning: lazy MMU section or pause not balanced [lazy-mmu-unbalanced] (${ids[0]})`,
    ),
    text,
  );
  const x86 = at('[PATCH v2 2/2] x86/mm: implement free pmd/pte page interfaces');
  assert.deepEqual(lines.slice(x86 + 1, x86 + 3), [
    `  arch/x86/mm/pgtable.c:728: error: page table freed before the walk cache is invalidated [pgtable-free-before-walkcache-invalidate] (${ids[1]})`,
    `  arch/x86/mm/pgtable.c:749: error: page table freed before the walk cache is invalidated [pgtable-free-before-walkcache-invalidate] (${ids[2]})`,
  ]);
  assert.ok(/suppressed: mm\/vmalloc\.c:12 \[pgtable-free-before-walkcache-invalidate\] \(F[0-9a-f]{7}\): never installed/.test(text), text);
  assert.ok(lines.includes('3 finding(s): 2 error(s), 1 warning(s), 0 info; 4 of 4 patch(es) analysed'), text);
});

test('text: details show the explanation and the evidence', () => {
  const text = renderText(result);
  assert.ok(text.includes('    | +\tpud_clear(pud);\n'), text);
  assert.ok(text.includes('free_page() frees a page table after pud_clear() on line 727 with no TLB invalidate in between'));
});

test('text: relevance reasons on request', () => {
  const text = renderText(result, { details: false, relevance: true });
  assert.ok(text.includes('  relevant: arch/x86/mm/pgtable.c: path arch/x86/mm/pgtable.c matches arch/*/mm/**; '), text);
  assert.ok(!renderText(result).includes('  relevant: '));
});

test('json: findings listed once, referred to by id from the series', () => {
  const doc = JSON.parse(renderJson(result)) as ReturnType<typeof JSON.parse>;
  assert.equal(doc.format, 'ptbot-analysis');
  const ids: string[] = doc.findings.map((f: { id: string }) => f.id);
  assert.equal(new Set(ids).size, ids.length);
  const referred: string[] = doc.series.flatMap((s: { versions: Array<{ patches: Array<{ findings: string[] }> }> }) =>
    s.versions.flatMap((v) => v.patches.flatMap((p) => p.findings)),
  );
  assert.deepEqual([...referred].sort(), [...ids].sort());
  assert.equal(doc.suppressed.length, 1);
  assert.equal(doc.suppressed[0].reason, 'never installed');
  // Every rule that ran is listed (rules/ grows; these two made the findings).
  assert.deepEqual(doc.rules.map((r: { id: string }) => r.id), result.rules.map((r) => r.id));
  for (const id of ['lazy-mmu-unbalanced', 'pgtable-free-before-walkcache-invalidate']) assert.ok(doc.rules.some((r: { id: string }) => r.id === id), id);
});

test('sarif: required fields of SARIF 2.1.0 are present and well-typed', () => {
  const log: unknown = JSON.parse(renderSarif(result, { docsBaseUrl: 'https://example.org/ptbot/' }));
  assert.deepEqual(sarifProblems(log), []);
});

test('sarif: rules, results at file and line, fingerprints, suppressions', () => {
  const log = JSON.parse(renderSarif(result)) as {
    runs: Array<{
      tool: { driver: { rules: Array<{ id: string; defaultConfiguration: { level: string } }> } };
      results: Array<{
        ruleId: string;
        ruleIndex: number;
        level: string;
        locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }>;
        partialFingerprints: Record<string, string>;
        suppressions?: Array<{ kind: string; justification: string }>;
      }>;
    }>;
  };
  const run = log.runs[0]!;
  assert.deepEqual(run.tool.driver.rules.map((r) => [r.id, r.defaultConfiguration.level]), result.rules.map((r) => [r.id, r.severity]));
  const index = (id: string): number => run.tool.driver.rules.findIndex((r) => r.id === id);
  assert.deepEqual(
    run.results.map((r) => [
      r.ruleIndex,
      r.level,
      r.locations[0]!.physicalLocation.artifactLocation.uri,
      r.locations[0]!.physicalLocation.region.startLine,
      r.suppressions?.[0]?.justification,
    ]),
    [
      [index('lazy-mmu-unbalanced'), 'warning', 'mm/vmalloc.c', 137, undefined],
      [index('pgtable-free-before-walkcache-invalidate'), 'error', 'arch/x86/mm/pgtable.c', 728, undefined],
      [index('pgtable-free-before-walkcache-invalidate'), 'error', 'arch/x86/mm/pgtable.c', 749, undefined],
      [index('pgtable-free-before-walkcache-invalidate'), 'warning', 'mm/vmalloc.c', 12, 'never installed'],
    ],
  );
  assert.equal(run.results[0]!.partialFingerprints['ptbotFingerprint/v1'], result.findings[0]!.fingerprint);
});

test('sarif check catches a broken log (the checker can fail)', () => {
  const problems = sarifProblems({ version: '2.0', runs: [{ tool: {}, results: [{ message: {}, locations: [{ physicalLocation: { region: { startLine: 0 } } }] }] }] });
  assert.deepEqual(problems, [
    "version must be '2.1.0'",
    'runs[0].tool.driver: required',
    'runs[0].results[0].message: needs text or id',
    'runs[0].results[0].locations[0].physicalLocation: needs artifactLocation or address',
    'runs[0].results[0].locations[0].physicalLocation.region.startLine: integer >= 1',
  ]);
});
