// Finding litmus tests in mail text: where they start and end, at which
// quote depth, indented or wrapped by a mailer, and what is not a test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractLitmus, litmusKey, litmusText } from '../../src/analysis/litmus-mail/extract.ts';
import { mailLines } from '../../src/analysis/litmus-mail/mail-lines.ts';
import { parseLitmus } from '../../src/sim/parse/litmus.ts';
import { corpusTest, quote } from './helpers.ts';

const MP = corpusTest('MP+poonceonces.litmus');
const found = (body: string) => extractLitmus(mailLines(body));
const indent = (text: string, by: string) => text.split('\n').map((l) => (l === '' ? '' : `${by}${l}`)).join('\n');

test('a test in prose: from its header to the end of its condition, with its body lines', () => {
  const body = `Hi,\n\nThis shows it:\n\n${MP}\nwhich is the classic message-passing shape.\n`;
  const [t, ...rest] = found(body);
  assert.equal(rest.length, 0);
  assert.equal(t!.arch, 'C');
  assert.equal(t!.name, 'MP+poonceonces');
  assert.equal(t!.complete, true);
  assert.equal(t!.lineMap[0], 5);
  assert.equal(t!.lines.at(-1), 'exists (1:r0=1 /\\ 1:r1=0) (* Bad outcome. *)');
  assert.equal(litmusKey(t!), litmusKey({ lines: MP.split('\n') }));
  parseLitmus('mail', litmusText(t!));
});

test('indented tests (git log style, tabs) are taken without their indentation', () => {
  for (const by of ['    ', '\t']) {
    const [t] = found(`Commit message.\n\n${indent(MP, by)}\n\nSigned-off-by: A <a@b>\n`);
    assert.equal(t!.lines[0], 'C MP+poonceonces', JSON.stringify(by));
    parseLitmus('mail', litmusText(t!));
  }
});

test('quoted tests at any depth, with or without blanks between the marks', () => {
  for (const prefix of ['> ', '>> ', '> > ', '>>> ', '> > > ']) {
    const depth = prefix.replace(/ /g, '').length;
    const [t] = found(`On Monday someone wrote:\n${quote(MP, prefix)}\n\nI agree.\n`);
    assert.ok(t, `found with ${JSON.stringify(prefix)}`);
    assert.equal(t.depth, depth);
    assert.equal(litmusKey(t), litmusKey({ lines: MP.split('\n') }));
  }
});

test('a condition over several lines ends where its parentheses close and nothing dangles', () => {
  const head = MP.slice(0, MP.indexOf('exists'));
  const variants = [
    'exists (1:r0=1 /\\\n\t1:r1=0)',
    'exists\n(1:r0=1 /\\ 1:r1=0)',
    'exists 1:r0=1 /\\\n  1:r1=0',
    'exists (1:r0=1\n  /\\ 1:r1=0)',
    'exists 1:r0=1\n/\\ 1:r1=0',
    'locations [0:r0; 1:r0;]\nexists (1:r0=1 /\\ (* wrapped\n comment *) 1:r1=0)',
    '~exists (1:r0=1 /\\ 1:r1=0)',
    'forall (1:r0=0 \\/ 1:r1=1)',
  ];
  for (const cond of variants) {
    const [t] = found(`${head}${cond}\nThat is all.\n`);
    assert.equal(t!.complete, true, cond);
    assert.equal(t!.lines.join('\n'), `${head}${cond}`.trimEnd(), cond);
    parseLitmus('mail', litmusText(t!));
  }
});

test('prose right after the condition is not part of the test', () => {
  for (const next of ['with the barrier added, it goes away.', 'which is bad.', '/* not a comment in prose */']) {
    const [t] = found(`${MP.trimEnd()}\n${next}\n`);
    assert.equal(t!.lines.at(-1), 'exists (1:r0=1 /\\ 1:r1=0) (* Bad outcome. *)', next);
  }
});

test('two tests in one message are two tests', () => {
  const sb = corpusTest('SB+poonceonces.litmus');
  const ts = found(`First:\n\n${MP}\nSecond:\n\n${sb}\n`);
  assert.deepEqual(ts.map((t) => t.name), ['MP+poonceonces', 'SB+poonceonces']);
});

test('the AArch64 ptdump test keeps its (* *) comments in the program and the condition', () => {
  const ptdump = corpusTest('ptdump.litmus');
  const [t] = found(`Here it is:\n\n${ptdump}\n\nWill\n`);
  assert.equal(t!.arch, 'AArch64');
  assert.equal(t!.complete, true);
  assert.equal(t!.lines.length, ptdump.trimEnd().split('\n').length);
});

test('prose that only looks like a header is not a test', () => {
  for (const body of [
    'on SPARC test machines running on a Solaris LDOM (logical domain) on a SPAR=\nC T4.\n\nAdrian\n',
    'C code\n\nis what we write here, in paragraphs.\n',
    'AArch64 ptdump\n\nwas discussed last week; no test here.\n',
  ]) assert.deepEqual(found(body), [], body);
});

test('a test cut short is returned as incomplete, not dropped', () => {
  const cut = MP.slice(0, MP.indexOf('r1 = READ_ONCE'));
  const [t] = found(`Look:\n\n${cut}`);
  assert.equal(t!.complete, false);
  const [q] = found(`${quote(cut)}\n\nMy reply below the cut quote.\n`);
  assert.equal(q!.complete, false);
  assert.equal(q!.depth, 1);
  const [s] = found(`${cut}\n-- \nsignature\n`);
  assert.equal(s!.complete, false);
});

test('lines a mailer wrapped are kept as written (mended when parsing)', () => {
  const wrapped = MP.replace('P0(int *buf, int *flag) // Producer', 'P0(int *buf, int *flag) // Producer writes the buffer first and then\nthe flag');
  const [t] = found(`${wrapped}\n`);
  assert.equal(t!.complete, true);
  assert.ok(t!.lines.includes('the flag'));
});
