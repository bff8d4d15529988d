// analyzeSeriesWith on real mail: the done-when cases, the bug pairs
// of the walk-cache rule, the clean patches, and the engine's contracts
// (config, suppressions, attribution, versions, fingerprints).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { before, test } from 'node:test';
import { analyzeSeriesWith, type AnalysisResult } from '../../src/analysis/analyze.ts';
import { loadRules } from '../../src/analysis/loader.ts';
import { defineRule, type Rule } from '../../src/analysis/rule-api.ts';
import type { Series } from '../../src/mail/types.ts';
import { patchMailFromFile, patchMailFromText, seriesOf } from './mail-fixture.ts';
import { options } from './options.ts';

const LAZY = 'fixtures/lore/threads/lazy_mmu_nesting';
const KEVIN_GENERIC_HELPERS = ['0090.eml', '0147.eml', '0218.eml', '0259.eml'].map((f) => `${LAZY}/${f}`);
const UNBALANCED = 'fixtures/patch/lazy_mmu_generic_helpers_unbalanced.patch';
const X86 = 'fixtures/lore/bugs/x86_free_pmd_pte_page_no_tlb_purge';

let rules: Rule[] = [];
before(async () => {
  rules = await loadRules();
});

const one = (path: string): Series[] => [seriesOf([patchMailFromFile(path)])];
const where = (r: AnalysisResult): string[] => r.findings.map((f) => `${f.file}:${f.line} ${f.ruleId}`);

test('the loader finds the first two rules among the others', () => {
  const ids = rules.map((r) => r.meta.id);
  for (const id of ['lazy-mmu-unbalanced', 'pgtable-free-before-walkcache-invalidate', 'pte-map-unbalanced']) assert.ok(ids.includes(id), id);
});

test('Kevin Brodsky\'s "mm: introduce generic lazy_mmu helpers" (v3..v6) is silent, and relevant', () => {
  for (const path of KEVIN_GENERIC_HELPERS) {
    const result = analyzeSeriesWith(rules, one(path), options());
    assert.deepEqual(where(result), [], path);
    const patch = result.series[0]!.versions[0]!.patches[0]!;
    assert.equal(patch.analysed, true, path);
    assert.ok(patch.relevance.files.find((f) => f.path === 'mm/vmalloc.c')?.relevant, path);
  }
});

test('the hand-made unbalanced variant reports the imbalance at the wrong enable', () => {
  const result = analyzeSeriesWith(rules, one(UNBALANCED), options());
  assert.deepEqual(where(result), ['mm/vmalloc.c:137 lazy-mmu-unbalanced']);
  const f = result.findings[0]!;
  assert.equal(f.function, 'vmap_pte_range');
  // Seen through hunks only: the rule's error, one severity lower (HAZARDS P1).
  assert.equal(f.severity, 'warning');
  assert.equal(f.hazardClass, 'lazy-mmu');
  assert.equal(f.confidence, 'fragment');
  assert.deepEqual(f.evidence, ['+\tlazy_mmu_mode_enable();']);
  assert.deepEqual(f.origin, {
    kind: 'mail',
    messageId: '<ptbot-fixture-unbalanced-20251215150323.2218608-8-kevin.brodsky@arm.com>',
    seriesId: 'test-series',
    version: 6,
  });
  assert.deepEqual(result.series[0]!.versions[0]!.patches[0]!.findings, [f.id]);
});

test('x86 28ee90fe6048 reports both clear-then-free pairs; its fix is silent', () => {
  assert.deepEqual(where(analyzeSeriesWith(rules, one(`${X86}/introducing.patch`), options())), [
    'arch/x86/mm/pgtable.c:728 pgtable-free-before-walkcache-invalidate',
    'arch/x86/mm/pgtable.c:749 pgtable-free-before-walkcache-invalidate',
  ]);
  assert.deepEqual(where(analyzeSeriesWith(rules, one(`${X86}/fix.patch`), options())), []);
});

test('the clean patches are silent', () => {
  const dir = 'fixtures/lore/clean';
  const files = readdirSync(dir).filter((f) => f.endsWith('.patch'));
  assert.ok(files.length >= 5);
  for (const f of files) assert.deepEqual(where(analyzeSeriesWith(rules, one(`${dir}/${f}`), options())), [], f);
});

test('config: a disabled rule is not run, a severity is overridden, an unknown rule is noted', () => {
  const off = analyzeSeriesWith(rules, one(UNBALANCED), options({ rules: { 'lazy-mmu-unbalanced': { enabled: false } } }));
  assert.deepEqual(off.findings, []);
  assert.ok(!off.rules.some((m) => m.id === 'lazy-mmu-unbalanced'));
  const info = analyzeSeriesWith(
    rules,
    one(UNBALANCED),
    options({ rules: { 'lazy-mmu-unbalanced': { severity: 'info' }, 'no-such-rule': {} } }),
  );
  assert.equal(info.findings[0]!.severity, 'info');
  assert.deepEqual(info.notes, ["config names rule 'no-such-rule', which does not exist"]);
});

test('a patch with no relevant file is not analysed', () => {
  const result = analyzeSeriesWith(rules, one(UNBALANCED), options({ relevance: { paths: ['fs/ext4/**'], identifiers: [] } }));
  const patch = result.series[0]!.versions[0]!.patches[0]!;
  assert.equal(patch.analysed, false);
  assert.equal(patch.relevance.relevant, false);
  assert.deepEqual(result.findings, []);
});

// The synthetic patch below is also a kernel-table free without the init_mm
// lock (kernel-pgtable-free-vs-walker): these engine tests follow one rule.
const walkCacheRule = (): Rule[] => rules.filter((r) => r.meta.id === 'pgtable-free-before-walkcache-invalidate');

function mail(messageId: string, version: number, start: number, extra = ''): string {
  return `From: Dev <dev@example.org>
Subject: [PATCH v${version} 1/1] mm: free a table
Message-ID: <${messageId}>

Text.
---
diff --git a/mm/vmalloc.c b/mm/vmalloc.c
--- a/mm/vmalloc.c
+++ b/mm/vmalloc.c
@@ -${start},3 +${start},${extra ? 5 : 4} @@ static void vunmap_pmd_range(pud_t *pud)
 \tpte = pte_offset_kernel(pmd, addr);
 \tpmd_clear(pmd);
${extra}+\tpte_free_kernel(&init_mm, pte);
 \treturn;
`;
}

test('fingerprints survive a line shift and a new version; ids stay distinct', () => {
  const v1 = patchMailFromText(mail('a@x', 1, 100), 'v1');
  const v2 = patchMailFromText(mail('b@x', 2, 180), 'v2');
  const series = seriesOf([v1]);
  series.versions.push({ ...seriesOf([v2]).versions[0]! });
  const newest = analyzeSeriesWith(walkCacheRule(), [series], options());
  assert.deepEqual(newest.series[0]!.versions.map((v) => v.version), [2]);
  const all = analyzeSeriesWith(walkCacheRule(), [series], options({ versions: 'all' }));
  assert.deepEqual(all.findings.map((f) => [f.origin.kind === 'mail' && f.origin.version, f.line]), [
    [1, 102],
    [2, 182],
  ]);
  const [a, b] = all.findings;
  assert.equal(a!.fingerprint, b!.fingerprint);
  assert.notEqual(a!.id, b!.id);
  assert.match(a!.id, /^F[0-9a-f]{7}$/);
});

test('an inline suppression with a reason moves the finding to suppressed', () => {
  const text = mail('c@x', 1, 100, '+\t/* ptbot: allow pgtable-free-before-walkcache-invalidate: table was never live */\n');
  const result = analyzeSeriesWith(walkCacheRule(), [seriesOf([patchMailFromText(text, 'c')])], options());
  assert.deepEqual(result.findings, []);
  const patch = result.series[0]!.versions[0]!.patches[0]!;
  assert.equal(patch.suppressed.length, 1);
  assert.equal(patch.suppressed[0]!.reason, 'table was never live');
  assert.equal(patch.suppressed[0]!.line, 102);
});

test('a suppression without a reason does not count', () => {
  const text = mail('d@x', 1, 100, '+\t/* ptbot: allow pgtable-free-before-walkcache-invalidate: */\n');
  const result = analyzeSeriesWith(walkCacheRule(), [seriesOf([patchMailFromText(text, 'd')])], options());
  assert.equal(result.findings.length, 1);
});

test('the engine drops reports that rest only on unchanged lines, and survives a throwing rule', () => {
  const onContext = defineRule({
    meta: { ...rules[0]!.meta, id: 'on-context', messages: { m: 'context' } },
    check: (ctx) =>
      ctx.regions().flatMap((r) =>
        r.fragments.flat().filter((l) => l.kind === 'context').slice(0, 1)
          .map((l) => ({ messageId: 'm', file: r.file, at: l, evidence: [l], confidence: 'fragment' as const })),
      ),
  });
  const throwing = defineRule({
    meta: { ...rules[0]!.meta, id: 'throwing' },
    check: () => {
      throw new Error('boom');
    },
  });
  const result = analyzeSeriesWith([onContext, throwing], one(UNBALANCED), options());
  assert.deepEqual(result.findings, []);
  const notes = result.series[0]!.versions[0]!.patches[0]!.notes;
  assert.ok(notes.some((n) => /^rule on-context: \d+ report\(s\) on unchanged code not shown$/.test(n)), notes.join('\n'));
  assert.ok(notes.includes('rule throwing failed on <ptbot-fixture-unbalanced-20251215150323.2218608-8-kevin.brodsky@arm.com>: boom'));
});

test('a finding in a rule\'s allowlisted file is listed as suppressed with the allowlist reason', () => {
  const text = `From: Dev <dev@example.org>
Subject: [PATCH] x86/xen: leave lazy mode on switch
Message-ID: <xen@example.org>

---
diff --git a/arch/x86/xen/mmu_pv.c b/arch/x86/xen/mmu_pv.c
--- a/arch/x86/xen/mmu_pv.c
+++ b/arch/x86/xen/mmu_pv.c
@@ -10,2 +10,3 @@ static void xen_start_context_switch(struct task_struct *prev)
 \tif (this_cpu_read(xen_lazy_mode) == XEN_LAZY_MMU) {
+\t\tarch_leave_lazy_mmu_mode();
 \t}
`;
  const result = analyzeSeriesWith(rules, [seriesOf([patchMailFromText(text, 'xen')])], options());
  assert.deepEqual(result.findings, []);
  const suppressed = result.series[0]!.versions[0]!.patches[0]!.suppressed;
  assert.equal(suppressed.length, 1);
  assert.match(suppressed[0]!.reason, /^allowlist: Xen PV context switch/);
});

test('a rule can attach a simulation to its finding (the scenario layer\'s verdict)', () => {
  const simulation = { litmus: 'C t\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (x=2)', model: 'lkmm', variant: '-', observation: 'Never' as const, positive: 0, negative: 1 };
  const withSim = defineRule({
    meta: { ...rules[0]!.meta, id: 'with-simulation', messages: { m: 'simulated' } },
    check: (ctx) =>
      ctx.regions().flatMap((r) =>
        r.fragments.flat().filter((l) => l.kind === 'added').slice(0, 1)
          .map((l) => ({ messageId: 'm', file: r.file, at: l, evidence: [l], confidence: 'fragment' as const, simulation })),
      ),
  });
  const result = analyzeSeriesWith([withSim], one(UNBALANCED), options());
  assert.ok(result.findings.length >= 1);
  assert.deepEqual(result.findings[0]!.simulation, simulation);
});
