import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ptbot } from '../helpers/cli.ts';
import { threadDir } from '../helpers/fixtures.ts';

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
