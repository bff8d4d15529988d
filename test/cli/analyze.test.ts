import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ptbot } from '../helpers/cli.ts';
import { fixture, threadDir } from '../helpers/fixtures.ts';

interface Json {
  series: Array<{ id: string; subject: string; versions: Array<{ version: number; messageIds: string[]; patches: Array<{ messageId: string; subject: string; index: number; total: number; files: string[] }> }> }>;
  findings: unknown[];
  errors: Array<{ input: string; where: string; message: string }>;
}

test('analyze --format json: the documented shape on the ptdump threads', () => {
  const run = ptbot(['analyze', '--format', 'json', threadDir('arm64_vmalloc_huge_ptdump')]);
  assert.equal(run.code, 0, run.stderr);
  const doc = JSON.parse(run.stdout) as Json;
  assert.equal(doc.series.length, 1);
  const s = doc.series[0];
  assert.ok(s);
  assert.deepEqual(s.versions.map((v) => v.version), [1, 2, 4, 5, 6]);
  const v6 = s.versions[4];
  assert.deepEqual(v6?.messageIds, ['<20250922064126.63016-1-dev.jain@arm.com>']);
  assert.deepEqual(Object.keys(v6?.patches[0] ?? {}).slice(0, 5), ['messageId', 'subject', 'index', 'total', 'files']);
  assert.ok(v6?.patches[0]?.files.includes('arch/arm64/mm/mmu.c'));
  assert.ok(Array.isArray(doc.findings));
  assert.deepEqual(doc.errors, []);
});

test('analyze reads an mbox from stdin', () => {
  const input = readFileSync(`${threadDir('arm64_elide_tlb_flush_pte_prot')}/0002.eml`);
  const run = ptbot(['analyze', '-'], { input });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /series [0-9a-f]{12}: arm64\/mm: Elide TLB flush in certain pte protection transitions\n/);
  assert.match(run.stdout, / {2}v2 \(RESEND\): 1 patch/);
});

test('unreadable input: exit 2 naming it, and the other inputs still analysed', () => {
  const run = ptbot(['analyze', '/nonexistent/x.mbox', threadDir('arm64_vmalloc_huge_ptdump')]);
  assert.equal(run.code, 2);
  assert.match(run.stdout, /\/nonexistent\/x\.mbox: open: no such file or directory/);
  assert.match(run.stdout, /arm64: Enable vmalloc-huge with ptdump/);
});

test('bad usage: unknown format and no arguments exit 2', () => {
  assert.equal(ptbot(['analyze', '--format', 'xml', 'x']).code, 2);
  assert.equal(ptbot(['analyze']).code, 2);
});

test('analyze reports findings: the x86 free_pmd_page bug gives errors (exit 1), in JSON and SARIF', () => {
  const bug = fixture('lore', 'bugs', 'x86_free_pmd_pte_page_no_tlb_purge', 'introducing.patch');
  const json = ptbot(['analyze', '--format', 'json', bug]);
  assert.equal(json.code, 1, json.stderr);
  const doc = JSON.parse(json.stdout) as Omit<Json, "findings"> & { findings: Array<{ id: string; ruleId: string; file: string; line: number; severity: string }> };
  assert.ok(doc.findings.length >= 1);
  const f = doc.findings[0];
  assert.equal(f?.file, 'arch/x86/mm/pgtable.c');
  assert.ok(doc.findings.every((x) => x.file === 'arch/x86/mm/pgtable.c'));
  // pud_clear()+free_page() and pmd_clear()+free_page() with no INVLPG; a
  // finding made on a function the hunk shows only in part is one severity
  // lower, so at least one is an error and none is below a warning.
  assert.ok(doc.findings.some((x) => x.severity === 'error'));
  assert.ok(doc.findings.every((x) => x.severity === 'error' || x.severity === 'warning'));
  const patch = doc.series[0]?.versions[0]?.patches[0] as unknown as { findings: string[] };
  assert.deepEqual(patch.findings, doc.findings.map((x) => x.id), 'the series refers to findings by id');
  const sarif = ptbot(['analyze', '--format', 'sarif', bug]);
  assert.equal(sarif.code, 1);
  const log = JSON.parse(sarif.stdout) as { version: string; runs: Array<{ results: Array<{ ruleId: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }> }> }> };
  assert.equal(log.version, '2.1.0');
  assert.equal(log.runs[0]?.results[0]?.locations[0]?.physicalLocation.artifactLocation.uri, 'arch/x86/mm/pgtable.c');
  assert.equal(log.runs[0]?.results[0]?.locations[0]?.physicalLocation.region.startLine, f?.line);
});
