// What the bot answers for a test in mail: claims (a Result line, pasted
// herd7 output, a listed phrase) against the verdict, severities, the
// witness, polite notes for tests it cannot read or decide, and tests in
// litmus files a patch adds. herd7's verdicts are taken from
// fixtures/litmus/expected.tsv.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Finding } from '../../src/analysis/finding.ts';
import { analyzeMailLitmus, type MailLitmusOptions } from '../../src/analysis/litmus-mail/index.ts';
import { addFileDiff, corpusTest, herdExpected, message, patchMail, quote } from './helpers.ts';

const MP = corpusTest('MP+poonceonces.litmus'); // (* Result: Sometimes *)
const MP_FENCED = corpusTest('MP+fencewmbonceonce+fencermbonceonce.litmus'); // (* Result: Never *)
const withoutResult = (t: string) => t.replace(/ \* Result: \w+\n/, '');

function answer(body: string, options: MailLitmusOptions = {}): Finding[] {
  return analyzeMailLitmus([], [message('t@example.org', body)], options).findings;
}
function one(body: string, options: MailLitmusOptions = {}): Finding {
  const fs = answer(body, options);
  assert.equal(fs.length, 1, `one finding, got ${fs.map((f) => f.title).join('; ')}`);
  return fs[0]!;
}

test('herd7 and the corpus agree on the tests used here', () => {
  assert.equal(herdExpected('MP+poonceonces.litmus').observation, 'Sometimes');
  assert.equal(herdExpected('MP+fencewmbonceonce+fencermbonceonce.litmus').observation, 'Never');
});

test('no claim: the verdict as information', () => {
  const f = one(`Try this:\n\n${withoutResult(MP)}\n`);
  assert.equal(f.severity, 'info');
  assert.equal(f.title, 'litmus test MP+poonceonces: Sometimes');
  assert.equal(f.simulation?.observation, 'Sometimes');
  assert.equal(f.simulation?.positive, herdExpected('MP+poonceonces.litmus').positive);
  assert.ok(f.simulation?.witness, 'a Sometimes carries its witness');
  assert.equal(f.hazardClass, 'ordering');
});

test('a Result line that agrees: information, "as claimed"', () => {
  const f = one(MP_FENCED);
  assert.equal(f.severity, 'info');
  assert.match(f.title, /Never, as claimed/);
  assert.match(f.explanation, /"Result: Never" line/);
});

test('Result: Never on an outcome the model allows: an error with the witness', () => {
  const f = one(MP.replace('Result: Sometimes', 'Result: Never'));
  assert.equal(f.severity, 'error');
  assert.match(f.title, /claimed impossible can happen/);
  assert.equal(f.simulation?.observation, 'Sometimes');
  assert.match(f.simulation?.witness ?? '', /P0: WRITE_ONCE\(\*buf, 1\)|P1: |READ_ONCE/);
});

test('a phrase next to the test claims too: "is forbidden" before, "can happen" after', () => {
  const forbidden = one(`The bad outcome below is forbidden:\n\n${withoutResult(MP)}\n`);
  assert.equal(forbidden.severity, 'error');
  assert.match(forbidden.explanation, /"is forbidden"/);
  const happens = one(`${withoutResult(MP_FENCED)}\n\nSo this can happen on arm64.\n`);
  assert.equal(happens.severity, 'warning');
  assert.match(happens.explanation, /says that it can happen/);
  // A phrase two paragraphs away is not about the test.
  const far = one(`This never happens.\n\nUnrelated paragraph.\n\n${withoutResult(MP)}\n`);
  assert.equal(far.severity, 'info');
});

test('any other contradicted claim is a warning', () => {
  const f = one(MP_FENCED.replace('Result: Never', 'Result: Sometimes'));
  assert.equal(f.severity, 'warning');
  assert.match(f.title, /Never, not as claimed/);
});

test('pasted herd7 output is a claim about the test of that name', () => {
  const pasted = `${withoutResult(MP)}\nherd7 says:\n\nTest MP+poonceonces Allowed\nStates 4\nObservation MP+poonceonces Never 0 4\n`;
  const f = one(pasted);
  assert.equal(f.severity, 'error');
  assert.match(f.explanation, /herd7 output quoted \("Observation MP\+poonceonces Never 0 4"\)/);
  const other = one(`${withoutResult(MP)}\nObservation SomethingElse Never 0 4\n`);
  assert.equal(other.severity, 'info');
});

test('a garbled test: a polite note with the parse error, not a crash', () => {
  const garbled = withoutResult(MP_FENCED).replace('smp_rmb();', 'smp_rmb_please();');
  const f = one(`Hi,\n\n${garbled}\n`);
  assert.equal(f.severity, 'info');
  assert.equal(f.title, 'litmus test could not be read');
  assert.equal(f.simulation, undefined);
  assert.match(f.explanation, /^Thank you for the litmus test MP\+fencewmbonceonce\+fencermbonceonce/);
  // Line and column in the test, and the line of the mail.
  const testLine = garbled.split('\n').findIndex((l) => l.includes('smp_rmb_please')) + 1;
  assert.match(f.explanation, new RegExp(`: ${testLine}:\\d+: .*\\(line ${testLine + 2} of the mail\\)`));
});

test('a truncated test: a note that it is cut short, with what the parser said', () => {
  const cut = MP.slice(0, MP.indexOf('r1 = READ_ONCE'));
  const f = one(`${quote(cut)}\n\nSee above.\n`);
  assert.equal(f.severity, 'info');
  assert.equal(f.title, 'litmus test seems cut short');
  assert.match(f.explanation, /the parser says \d+:\d+: /);
});

test('a test over the execution budget: "not decided", without a verdict', () => {
  const f = one(withoutResult(MP), { maxCandidatesPerTest: 2 });
  assert.equal(f.severity, 'info');
  assert.equal(f.title, 'litmus test MP+poonceonces: not decided');
  assert.match(f.explanation, /budget/);
  assert.equal(f.simulation, undefined);
  // The per-message budget and the number of tests per message bound it too.
  assert.match(one(withoutResult(MP), { maxCandidatesPerMessage: 2 }).title, /not decided/);
  const two = answer(`${withoutResult(MP)}\n\n${MP_FENCED}\n`, { maxTestsPerMessage: 1 });
  assert.deepEqual(two.map((f2) => f2.title), ['litmus test MP+poonceonces: Sometimes', 'litmus test MP+fencewmbonceonce+fencermbonceonce: not decided']);
  assert.match(two[1]!.explanation, /more than 1 tests/);
});

test('a mailer-wrapped // comment is mended and the test runs', () => {
  const wrapped = MP_FENCED.replace('P0(int *buf, int *flag) // Producer', 'P0(int *buf, int *flag) // Producer: writes the buffer, then the\nflag');
  const f = one(wrapped);
  assert.equal(f.simulation?.observation, 'Never');
  assert.equal(f.severity, 'info');
  const flagLine = wrapped.split('\n').indexOf('flag') + 1;
  assert.match(f.explanation, new RegExp(`line ${flagLine} joined to the line before`));
  assert.ok(f.simulation?.litmus.includes('// Producer: writes the buffer, then the flag\n'));
});

test('code after a long // comment is not folded into the comment', () => {
  // Folded into the comment, the broken smp_rmb() would vanish and the
  // test would run as Sometimes.
  const garbled = MP_FENCED.replace('\tr0 = READ_ONCE(*flag);', '\tr0 = READ_ONCE(*flag);\t// the flag is read first, then the buffer')
    .replace('smp_rmb();', 'smp_rmb(;');
  const f = one(garbled);
  assert.equal(f.title, 'litmus test could not be read');
  assert.equal(f.simulation, undefined);
});

test('tests of other architectures are noted, not run', () => {
  const x86 = 'X86 SB\n"Fre PodWR Fre PodWR"\n{ x=0; y=0; }\n P0          | P1          ;\n MOV [x],$1  | MOV [y],$1  ;\n MOV EAX,[y] | MOV EAX,[x] ;\nexists (0:EAX=0 /\\ 1:EAX=0)\n';
  const f = one(x86);
  assert.equal(f.title, 'litmus test not run');
  assert.match(f.explanation, /X86 tests are not simulated/);
});

test('a litmus file a patch adds is run from the diff, at its path and line', () => {
  const path = 'tools/memory-model/litmus-tests/MP+poonceonces.litmus';
  const patch = patchMail('p1@example.org', 'tools/memory-model: add MP test\n\nSigned-off-by: A <a@b>', addFileDiff(path, MP));
  const r = analyzeMailLitmus([], [patch]);
  assert.equal(r.findings.length, 1);
  const f = r.findings[0]!;
  assert.equal(f.file, path);
  assert.equal(f.line, 1);
  assert.match(f.title, /Sometimes, as claimed/);
  const garbled = patchMail('p2@example.org', 'Add a test', addFileDiff('tests/broken.litmus', 'C broken\n{\n}\nP0(int *x) { WRITE_ONCE(*x, ; }\nexists (x=1)\n'));
  const g = analyzeMailLitmus([], [garbled]).findings[0]!;
  assert.equal(g.file, 'tests/broken.litmus');
  assert.equal(g.line, 4);
  assert.equal(g.title, 'litmus test could not be read');
});

test('a changed litmus file whose diff shows only part of it is noted', () => {
  const diff = [
    'diff --git a/tools/memory-model/litmus-tests/X.litmus b/tools/memory-model/litmus-tests/X.litmus',
    'index 1111111..2222222 100644',
    '--- a/tools/memory-model/litmus-tests/X.litmus',
    '+++ b/tools/memory-model/litmus-tests/X.litmus',
    '@@ -10,3 +10,3 @@ P0(int *x)',
    ' {',
    '-\tWRITE_ONCE(*x, 1);',
    '+\tWRITE_ONCE(*x, 2);',
    ' }',
    '',
  ].join('\n');
  const r = analyzeMailLitmus([], [patchMail('p3@example.org', 'Change a test', diff)]);
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.notes, ['<p3@example.org>: tools/memory-model/litmus-tests/X.litmus: the diff shows only part of this litmus test, so it was not run']);
});

test('the same test twice in one message is answered once', () => {
  const fs = answer(`${MP}\nAgain, for emphasis:\n\n${MP}\n`);
  assert.equal(fs.length, 1);
});
