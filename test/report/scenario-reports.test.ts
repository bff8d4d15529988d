// Issue 10: the reports show a rule's simulated scenario. Text and email
// print the verdict and the generated test (email within 72 columns, and
// still the same test once pasted for herd7); JSON carries the finding's
// simulation as it is; SARIF puts the verdict into the message and the
// test into the result's properties. A spent budget shows as "not decided",
// with the test. On the real ptdump v5 mail (static_branch_enable/disable).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { analyzeSeries, type AnalysisResult } from '../../src/analysis/analyze.ts';
import type { Finding } from '../../src/analysis/finding.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { Ingested } from '../../src/mail/ingest.ts';
import { ingest } from '../../src/mail/ingest.ts';
import { planReplies } from '../../src/report/email/plan.ts';
import { litmusBlock } from '../../src/report/email/litmus-block.ts';
import { renderJson, renderSarif, renderText } from '../../src/report/index.ts';
import { parseLitmus } from '../../src/sim/parse/litmus.ts';
import { type ScenarioRequest, compileScenario } from '../../src/sim/scenarios/index.ts';
import { readLocalInputs } from '../../src/sources/local-files.ts';
import { essence } from '../sim/scenarios/helpers.ts';
import { sarifProblems } from './sarif-check.ts';

const V5 = join(import.meta.dirname, '../../fixtures/lore/threads/arm64_vmalloc_huge_ptdump/0006.eml');
const config = loadConfig();
let mail: Ingested;
let decided: AnalysisResult;
let undecided: AnalysisResult;

before(async () => {
  assert.ok(config.ok);
  mail = await ingest(readLocalInputs([V5]));
  const options = { relevance: config.config.relevance, rules: {}, versions: 'all' as const };
  decided = await analyzeSeries(mail.series, options);
  undecided = await analyzeSeries(mail.series, { ...options, simulation: { budget: { maxCandidates: 5 } } });
});

const keyFinding = (r: AnalysisResult): Finding => {
  const f = r.findings.find((x) => x.ruleId === 'static-key-gated-locking');
  assert.ok(f, 'the v5 static-key finding');
  return f;
};

function replyBody(r: AnalysisResult): string {
  const series = mail.series[0]!;
  const replies = planReplies(
    { series, version: series.versions.at(-1)!, revision: 0, findings: [keyFinding(r)], previous: [], rules: r.rules, analysedAgainst: 'on fragments' },
    { minSeverity: 'info', onlyNewFindings: false, maxFindingsPerReply: 10 },
    {
      from: { name: 'pgtable-review-bot', address: 'bot@example.org' }, messageIdDomain: 'example.org', wrapColumn: 72,
      authorOnly: true, never: [], botVersion: 'test', docsBaseUrl: 'https://example.org/docs', date: new Date(0),
    },
  );
  assert.equal(replies.length, 1);
  return replies[0]!.body;
}

/** The reply's lines from the simulation paragraph to the Source line. */
function simulationPart(body: string): string[] {
  const lines = body.split('\n');
  const from = lines.findIndex((l) => l.startsWith('Simulated: '));
  const to = lines.findIndex((l, i) => i > from && l.startsWith('Source: '));
  assert.ok(from >= 0 && to > from, body);
  return lines.slice(from, to);
}

/** The indented test block of the reply, as the author would save it. */
function pastedTest(part: string[]): string {
  const start = part.findIndex((l) => /^ {4}C PTDUMP-/.test(l));
  const end = part.findIndex((l, i) => i > start && /^ {4}exists /.test(l));
  assert.ok(start >= 0 && end > start);
  return part.slice(start, end + 1).map((l) => l.slice(4)).join('\n') + '\n';
}

test('email: verdict, herd7 command and the generated test, all within 72 columns; the pasted block is the same test', () => {
  const f = keyFinding(decided);
  const part = simulationPart(replyBody(decided));
  const prose = part.join('\n').replace(/\s+/g, ' ');
  assert.match(prose, /Simulated: ptdump walkers toggling the static key vs\. pmd_free_pte_page\(\)\/pud_free_pmd_page\(\) \(lkmm\)\. Sometimes: 4 of 276 final states reach the race \(positive 4, negative 272\)\./);
  assert.match(prose, /save it as PTDUMP-2walkers\+enable-disable\.litmus and run herd7 -conf linux-kernel\.cfg PTDUMP-2walkers\+enable-disable\.litmus \(in tools\/memory-model\)/);
  assert.deepEqual(part.filter((l) => l.length > 72), []);
  const pasted = parseLitmus('pasted.litmus', pastedTest(part));
  assert.deepEqual(essence(pasted), essence(parseLitmus('original.litmus', f.simulation!.litmus)));
  assert.ok(part.some((l) => /^ {6}P0: WRITE_ONCE\(\*pmd, 0\)/.test(l)), 'the interleaving follows');
});

test('email: budget spent: "not decided" with the reason, and the test all the same', () => {
  const part = simulationPart(replyBody(undecided));
  const prose = part.join('\n').replace(/\s+/g, ' ');
  assert.match(prose, /\(lkmm\)\. not decided: .*candidate/);
  assert.doesNotMatch(prose, /Sometimes|Never/);
  assert.ok(part.some((l) => l === '    C PTDUMP-2walkers+enable-disable'));
});

test('text: the verdict line, the herd7 command and the test indented under the finding', () => {
  const text = renderText(decided);
  assert.match(text, /^ {6}simulation: ptdump walkers toggling the static key .* \(lkmm\): Sometimes: 4 of 276 final states reach the race \(positive 4, negative 272\)$/m);
  assert.match(text, /^ {6}litmus test, for herd7 -conf linux-kernel\.cfg PTDUMP-2walkers\+enable-disable\.litmus \(in tools\/memory-model\):$/m);
  assert.match(text, /^ {8}C PTDUMP-2walkers\+enable-disable$/m);
  assert.match(text, /^ {8}exists \(\(1:val=1 \/\\ 1:page=0\) \\\/ \(2:val=1 \/\\ 2:page=0\)\)$/m);
  assert.match(renderText(undecided), /^ {6}simulation: .*\(lkmm\): not decided, .*candidate.*$/m);
});

test('json: the finding carries its simulation, or the not-decided note with the test', () => {
  const doc = JSON.parse(renderJson(decided)) as { findings: Finding[] };
  const f = doc.findings.find((x) => x.ruleId === 'static-key-gated-locking');
  assert.equal(f?.simulation?.observation, 'Sometimes');
  assert.match(f?.simulation?.litmus ?? '', /^C PTDUMP-2walkers\+enable-disable\n/);
  const u = (JSON.parse(renderJson(undecided)) as { findings: Finding[] }).findings.find((x) => x.ruleId === 'static-key-gated-locking');
  assert.equal(u?.simulation, undefined);
  assert.match(u?.simulationNotDecided?.litmus ?? '', /^C PTDUMP-2walkers\+enable-disable\n/);
});

test('sarif: verdict in the message, the test and the herd7 command in properties; still valid SARIF', () => {
  for (const [r, verdict] of [[decided, /Simulated \(lkmm\): Sometimes: 4 of 276/], [undecided, /Simulated \(lkmm\): not decided, /]] as const) {
    const log = JSON.parse(renderSarif(r)) as { runs: Array<{ results: Array<{ ruleId: string; message: { text: string }; properties: { simulation?: { litmus: string; herd7?: string; decided: boolean } } }> }> };
    assert.deepEqual(sarifProblems(log), []);
    const res = log.runs[0]!.results.find((x) => x.ruleId === 'static-key-gated-locking');
    assert.match(res?.message.text ?? '', verdict);
    assert.match(res?.properties.simulation?.litmus ?? '', /^C PTDUMP-2walkers\+enable-disable\n/);
    assert.equal(res?.properties.simulation?.herd7, 'herd7 -conf linux-kernel.cfg PTDUMP-2walkers+enable-disable.litmus (in tools/memory-model)');
    assert.equal(res?.properties.simulation?.decided, r === decided);
  }
});

// Every scenario a rule asks for today, laid out for mail: within 72
// columns (C tests; AArch64 rows cannot be broken) and the same test.
const lazy = { inLazyMode: true, pausedAroundUpdate: false } as const;
const requests: ScenarioRequest[] = [
  { template: 'static-key-walkers', facts: { walkers: 2, toggle: 'enable-disable', walkerLock: true, freerLock: 'key-gated', barrierAfterClear: true, barrierBeforeFree: true, freer: 'pud_free_pmd_page' } },
  { template: 'static-key-walkers', facts: { walkers: 2, toggle: 'inc-dec', walkerLock: false, freerLock: 'key-gated', barrierAfterClear: false, barrierBeforeFree: true, freer: 'pmd_free_pte_page' } },
  { template: 'lockless-walk', facts: { walker: 'irqs-off', freer: 'none' } },
  { template: 'lazy-mmu-populate', facts: { defersPteStore: true, cpus: [lazy, lazy] } },
  { template: 'x86-shootdown', facts: { flushed: false, waitForAck: true, handlerBarrier: true, targetLazyTlb: false, freedTables: true } },
];
for (const r of requests) {
  const c = compileScenario(r);
  test(`email layout of ${c.name}: within 72 columns, same test`, () => {
    const block = litmusBlock(c.litmus, 72);
    assert.deepEqual(block.filter((l) => l.length > 72), []);
    const pasted = block.map((l) => l.slice(4)).join('\n') + '\n';
    assert.deepEqual(essence(parseLitmus('pasted.litmus', pasted)), essence(parseLitmus('original.litmus', c.litmus)));
  });
}
