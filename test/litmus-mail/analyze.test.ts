// The litmus answers inside the analysis: analyzeSeriesWith with the
// messages read, `ptbot analyze` on the ptdump thread, and the reply to v6,
// which carries the test and its verdict.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { analyzeSeriesWith, type AnalysisResult } from '../../src/analysis/analyze.ts';
import { LITMUS_IN_MAIL } from '../../src/analysis/litmus-mail/index.ts';
import type { Ingested } from '../../src/mail/ingest.ts';
import { planReplies } from '../../src/report/email/plan.ts';
import { options } from '../analysis/options.ts';
import { ptbot } from '../helpers/cli.ts';
import { threadDir } from '../helpers/fixtures.ts';
import { thread } from './helpers.ts';

const V6 = '<20250922064126.63016-1-dev.jain@arm.com>';

let mail: Ingested;
let result: AnalysisResult;
before(async () => {
  mail = await thread('arm64_vmalloc_huge_ptdump');
  result = analyzeSeriesWith([], mail.series, options({ messages: mail.messages }));
});

test('with the messages, the analysis answers every test of the thread once', () => {
  const litmus = result.findings.filter((f) => f.ruleId === LITMUS_IN_MAIL);
  assert.deepEqual(litmus.map((f) => [f.origin.kind === 'mail' && f.origin.messageId, f.simulation?.observation]), [
    ['<aIpPsg1Kij8Knnjl@arm.com>', 'Never'],
    ['<aMrXBArFNLTdwWs3@willie-the-truck>', 'Never'],
    [V6, 'Never'],
  ]);
  const v6 = result.series[0]!.versions.at(-1)!.patches[0]!;
  assert.deepEqual(v6.findings, [litmus[2]!.id], 'the v6 patch lists its own test');
  assert.equal(result.notes.filter((n) => n.includes('litmus test')).length, 2, 'the replies\' tests are in notes');
  assert.ok(result.rules.some((r) => r.id === LITMUS_IN_MAIL));
});

test('without the messages nothing changes', () => {
  const plain = analyzeSeriesWith([], mail.series, options());
  assert.deepEqual(plain.findings, []);
  assert.ok(!plain.rules.some((r) => r.id === LITMUS_IN_MAIL));
});

test('ptbot analyze reports the tests (JSON and text), exit 0 on Never', () => {
  const json = ptbot(['analyze', '--format', 'json', threadDir('arm64_vmalloc_huge_ptdump')]);
  assert.equal(json.code, 0, json.stderr);
  const doc = JSON.parse(json.stdout) as { findings: Array<{ ruleId: string; simulation?: { observation: string; model: string } }> };
  const litmus = doc.findings.filter((f) => f.ruleId === LITMUS_IN_MAIL);
  assert.deepEqual(litmus.map((f) => `${f.simulation?.model} ${f.simulation?.observation}`), ['lkmm Never', 'aarch64 Never', 'aarch64 Never']);
  const text = ptbot(['analyze', threadDir('arm64_vmalloc_huge_ptdump')]);
  assert.match(text.stdout, /mid:20250922064126\.63016-1-dev\.jain@arm\.com:26: info: litmus test ptdump: Never \[litmus-in-mail\]/);
  assert.match(text.stdout, /note: info: litmus test pte_free_ptdump: Never \(lkmm\) in <aIpPsg1Kij8Knnjl@arm\.com>, line 101/);
});

test('the reply to v6 carries the test and its verdict', () => {
  const series = mail.series[0]!;
  const version = series.versions.at(-1)!;
  const replies = planReplies(
    { series, version, revision: 0, findings: result.findings, previous: [], rules: result.rules, analysedAgainst: 'on fragments' },
    { minSeverity: 'info', onlyNewFindings: false, maxFindingsPerReply: 10 },
    {
      from: { name: 'pgtable-review-bot', address: 'bot@example.org' }, messageIdDomain: 'example.org', wrapColumn: 72,
      authorOnly: true, never: [], botVersion: 'test', docsBaseUrl: 'https://example.org/docs', date: new Date(0),
    },
  );
  assert.equal(replies.length, 1);
  assert.equal(replies[0]!.inReplyTo, V6);
  // Wrapped at 72 columns: compare with the line breaks taken out.
  assert.match(replies[0]!.body.replace(/\s+/g, ' '), /The race, as a litmus test \(aarch64, Ifetch\): Never \(positive 0, negative 9\)\./);
  assert.match(replies[0]!.body, /^ {4}AArch64 ptdump$/m);
});
