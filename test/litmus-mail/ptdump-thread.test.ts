// Issue 9's done-when on the real thread "arm64: Enable vmalloc-huge with
// ptdump": Will Deacon's AArch64 test (0008) and the same test in v6's commit
// message (0009) are run and reported Never; Catalin Marinas's C test in his
// reply to RESEND v5 (0007) gives herd7's verdict; a quoted copy in a reply
// is recognised as the same test. Expected verdicts come from herd7
// (fixtures/litmus/expected.tsv), whose corpus holds both tests verbatim.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { analyzeMailLitmus, type MailLitmusResult } from '../../src/analysis/litmus-mail/index.ts';
import { extractLitmus, litmusKey } from '../../src/analysis/litmus-mail/extract.ts';
import { mailLines } from '../../src/analysis/litmus-mail/mail-lines.ts';
import type { Ingested } from '../../src/mail/ingest.ts';
import type { Finding } from '../../src/analysis/finding.ts';
import { corpusTest, herdExpected, message, quote, thread } from './helpers.ts';

const CATALIN = '<aIpPsg1Kij8Knnjl@arm.com>';
const WILL = '<aMrXBArFNLTdwWs3@willie-the-truck>';
const V6 = '<20250922064126.63016-1-dev.jain@arm.com>';

let mail: Ingested;
let result: MailLitmusResult;
before(async () => {
  mail = await thread('arm64_vmalloc_huge_ptdump');
  result = analyzeMailLitmus(mail.series, mail.messages);
});

const findingOf = (messageId: string): Finding => {
  const found = result.findings.filter((f) => f.origin.kind === 'mail' && f.origin.messageId === messageId);
  assert.equal(found.length, 1, `one finding for ${messageId}, got ${found.length}`);
  return found[0]!;
};

/** The herd7 facts the finding must carry: observation and the Observation line's counts. */
function assertHerdVerdict(f: Finding, corpusFile: string): void {
  const herd = herdExpected(corpusFile);
  assert.ok(f.simulation, `${f.id} has a simulation`);
  assert.equal(f.simulation.observation, herd.observation);
  assert.equal(f.simulation.positive, herd.positive);
  assert.equal(f.simulation.negative, herd.negative);
  assert.match(f.explanation, new RegExp(`\\(${herd.states} final states\\)`));
}

test('the thread holds exactly the three tests posted in it, at their lines', () => {
  const where = result.occurrences.map((o) => `${o.messageId}:${o.line} ${o.name} depth ${o.depth}`);
  assert.deepEqual(where, [
    `${CATALIN}:101 pte_free_ptdump depth 0`,
    `${WILL}:10 ptdump depth 0`,
    `${V6}:26 ptdump depth 0`,
  ]);
});

test("Will Deacon's AArch64 test (0008) is run with Variant=Ifetch and reported Never", () => {
  const f = findingOf(WILL);
  assert.equal(f.simulation?.model, 'aarch64');
  assert.equal(f.simulation?.variant, 'Ifetch');
  assertHerdVerdict(f, 'ptdump.litmus');
  assert.equal(f.simulation?.observation, 'Never');
  // No claim is made next to it ("Does it make sense to you?"): information.
  assert.equal(f.severity, 'info');
  assert.equal(f.file, 'mid:aMrXBArFNLTdwWs3@willie-the-truck');
  assert.equal(f.line, 10);
  assert.equal(f.origin.kind === 'mail' && f.origin.version, 5);
});

test("v6's commit message test (0009) is run and reported Never, attributed to v6", () => {
  const f = findingOf(V6);
  assertHerdVerdict(f, 'ptdump.litmus');
  assert.equal(f.simulation?.observation, 'Never');
  assert.deepEqual(f.origin, { kind: 'mail', messageId: V6, seriesId: mail.series[0]!.id, version: 6 });
  // The same test as in 0008: the same fingerprint, so versions can be compared.
  assert.equal(f.fingerprint, findingOf(WILL).fingerprint);
  assert.notEqual(f.id, findingOf(WILL).id);
});

test("Catalin Marinas's C test (0007) gives herd7's verdict under lkmm", () => {
  const f = findingOf(CATALIN);
  assert.equal(f.simulation?.model, 'lkmm');
  assert.equal(f.simulation?.variant, '-');
  assertHerdVerdict(f, 'pte_free_ptdump.litmus');
  assert.equal(f.severity, 'info');
  assert.equal(f.hazardClass, 'table-free');
  // Placed in the series by its subject: it replies to a RESEND we never saw.
  assert.deepEqual(f.origin, { kind: 'mail', messageId: CATALIN, seriesId: mail.series[0]!.id, version: 5 });
});

test('the tests taken from the mail are the corpus tests herd7 was run on', () => {
  const fromMail = (id: string) => extractLitmus(mailLines(mail.messages.find((m) => m.messageId === id)!.body))[0]!;
  const fromCorpus = (file: string) => extractLitmus(mailLines(corpusTest(file)))[0]!;
  assert.equal(litmusKey(fromMail(CATALIN)), litmusKey(fromCorpus('pte_free_ptdump.litmus')));
  assert.equal(litmusKey(fromMail(WILL)), litmusKey(fromCorpus('ptdump.litmus')));
  assert.equal(litmusKey(fromMail(V6)), litmusKey(fromCorpus('ptdump.litmus')));
});

test('a quoted copy in a reply is recognised as the test already answered', () => {
  const will = mail.messages.find((m) => m.messageId === WILL)!;
  const reply = message('reply-1@example.org', `On Wed, Will Deacon wrote:\n${quote(will.body)}\n\nYes, thanks, it does.\n`, {
    inReplyTo: WILL, references: [WILL], subject: will.subject,
  });
  const twice = message('reply-2@example.org', `Someone wrote:\n${quote(quote(will.body), '> ')}\n\nAgreed.\n`, {
    inReplyTo: 'reply-1@example.org', references: [WILL, '<reply-1@example.org>'], subject: will.subject,
  });
  const r = analyzeMailLitmus(mail.series, [...mail.messages, reply, twice]);
  assert.equal(r.findings.length, 3, 'no finding for the quoted copies');
  const copies = r.occurrences.filter((o) => o.depth > 0);
  assert.deepEqual(copies.map((o) => [o.messageId, o.depth, o.name, o.copyOf]), [
    ['<reply-1@example.org>', 1, 'ptdump', { messageId: WILL, line: 10 }],
    ['<reply-2@example.org>', 2, 'ptdump', { messageId: WILL, line: 10 }],
  ]);
});

test('a quoted test whose original was not read is answered where it was seen', () => {
  const catalin = mail.messages.find((m) => m.messageId === CATALIN)!;
  const reply = message('reply-3@example.org', `Catalin wrote:\n${quote(catalin.body, '>> ')}\n`);
  const r = analyzeMailLitmus([], [reply]);
  assert.equal(r.findings.length, 1);
  const f = r.findings[0]!;
  assertHerdVerdict(f, 'pte_free_ptdump.litmus');
  assert.match(f.explanation, /quoted in this message/);
  assert.equal(f.origin.kind === 'mail' && f.origin.messageId, '<reply-3@example.org>');
  // Same test, same fingerprint as Catalin's own posting.
  assert.equal(f.fingerprint, findingOf(CATALIN).fingerprint);
});

test("Will's message cut in the middle of the test: a cut-short note, not a crash", () => {
  const will = mail.messages.find((m) => m.messageId === WILL)!;
  const cut = { ...will, body: will.body.slice(0, will.body.indexOf(' (* walk pgtable *)')) };
  const [f, ...rest] = analyzeMailLitmus(mail.series, [cut]).findings;
  assert.equal(rest.length, 0);
  assert.equal(f!.severity, 'info');
  assert.equal(f!.title, 'litmus test seems cut short');
  assert.equal(f!.simulation, undefined);
});

test("Will's test with a garbled instruction: a polite note with line:col of the test and the mail's line", () => {
  const will = mail.messages.find((m) => m.messageId === WILL)!;
  const garbled = { ...will, body: will.body.replace(' SWPA\tW7, W8, [X2]\t\t|', ' SWPQ\tW7, W8, [X2]\t\t|') };
  assert.notEqual(garbled.body, will.body);
  const bodyLine = garbled.body.split('\n').findIndex((l) => l.includes('SWPQ')) + 1;
  const [f] = analyzeMailLitmus(mail.series, [garbled]).findings;
  assert.equal(f!.title, 'litmus test could not be read');
  assert.equal(f!.line, bodyLine);
  assert.match(f!.explanation, new RegExp(`: ${bodyLine - 9}:\\d+: .*SWPQ.*\\(line ${bodyLine} of the mail\\)`, 'i'));
});

test("Will's test over a small execution budget: not decided", () => {
  const will = mail.messages.find((m) => m.messageId === WILL)!;
  const [f] = analyzeMailLitmus(mail.series, [will], { maxCandidatesPerTest: 20 }).findings;
  assert.equal(f!.title, 'litmus test ptdump: not decided');
  assert.match(f!.explanation, /budget exceeded after 20 candidates/);
  assert.equal(f!.simulation, undefined);
});
