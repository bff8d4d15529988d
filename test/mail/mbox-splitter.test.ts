import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MboxSplitter, type SplitItem } from '../../src/sources/mbox-splitter.ts';
import { concatThreads } from '../helpers/fixtures.ts';

function split(chunks: Buffer[], max = 1 << 30): SplitItem[] {
  const s = new MboxSplitter(max);
  const out: SplitItem[] = [];
  for (const c of chunks) out.push(...s.push(c));
  out.push(...s.end());
  return out;
}
const messages = (items: SplitItem[]) => items.flatMap((i) => (i.kind === 'message' ? [i.message] : []));
const problems = (items: SplitItem[]) => items.flatMap((i) => (i.kind === 'problem' ? [i.problem] : []));

const mbox = Buffer.from([
  'From mboxrd@z Thu Jan  1 00:00:00 1970',
  'From: A <a@example.org>',
  'Subject: one',
  '',
  'body line',
  '>From the start of a line, escaped',
  '>>From twice escaped',
  'From here unescaped, no year so not a separator',
  '',
  'From mboxrd@z Thu Jan  1 00:00:00 1970',
  'From: B <b@example.org>',
  'Subject: two',
  '',
  'second',
  '',
].join('\n'));

test('splits on From separators and unescapes mboxrd >From lines', () => {
  const items = split([mbox]);
  const msgs = messages(items);
  assert.equal(msgs.length, 2);
  const first = msgs[0]?.bytes.toString() ?? '';
  assert.match(first, /^From: A/);
  assert.match(first, /\nFrom the start of a line, escaped\n/);
  assert.match(first, /\n>From twice escaped\n/);
  assert.match(first, /\nFrom here unescaped/);
  assert.equal(msgs[1]?.line, 10);
  assert.equal(msgs[1]?.index, 2);
  assert.deepEqual(problems(items), []);
});

test('any chunking of a real mbox gives the same messages', () => {
  const real = concatThreads(['arm64_vmalloc_huge_ptdump', 'arm64_elide_tlb_flush_pte_prot']);
  const whole = messages(split([real])).map((m) => m.bytes.toString('latin1'));
  assert.equal(whole.length, 12);
  fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: real.length - 1 }), { maxLength: 20 }), (cuts) => {
    const points = [...new Set(cuts)].sort((a, b) => a - b);
    const chunks: Buffer[] = [];
    let prev = 0;
    for (const p of points) { chunks.push(real.subarray(prev, p)); prev = p; }
    chunks.push(real.subarray(prev));
    const got = messages(split(chunks)).map((m) => m.bytes.toString('latin1'));
    assert.deepEqual(got, whole);
  }), { numRuns: 60 });
});

test('a message over the size limit is skipped with a problem naming it; the rest goes on', () => {
  const big = 'x'.repeat(1000) + '\n';
  const input = Buffer.from(
    'From a@b Thu Jan  1 00:00:00 1970\nSubject: small\n\nok\n\n' +
    'From a@b Thu Jan  1 00:00:00 1970\nSubject: big\n\n' + big.repeat(200) + '\n' +
    'From a@b Thu Jan  1 00:00:00 1970\nSubject: after\n\nok\n');
  const items = split([input], 64 * 1024);
  const msgs = messages(items);
  assert.deepEqual(msgs.map((m) => /Subject: (\w+)/.exec(m.bytes.toString())?.[1]), ['small', 'after']);
  const p = problems(items);
  assert.equal(p.length, 1);
  assert.equal(p[0]?.index, 2);
  assert.equal(p[0]?.line, 6);
  assert.match(p[0]?.message ?? '', /over the limit of 64\.0 KiB: skipped/);
});

test('a truncated mbox (cut mid-message, no final newline) keeps what came and says so', () => {
  const real = concatThreads(['arm64_vmalloc_huge_ptdump']);
  const cut = real.subarray(0, Math.floor(real.length * 0.55));
  const items = split([cut]);
  const msgs = messages(items);
  assert.ok(msgs.length >= 4 && msgs.length < 10, `got ${msgs.length} messages`);
  const p = problems(items);
  assert.equal(p.length, 1);
  assert.match(p[0]?.message ?? '', /may be truncated/);
  assert.equal(p[0]?.index, msgs.length);
});

test('CRLF mboxes split too', () => {
  const crlf = Buffer.from(mbox.toString().replace(/\n/g, '\r\n'));
  assert.equal(messages(split([crlf])).length, 2);
});
