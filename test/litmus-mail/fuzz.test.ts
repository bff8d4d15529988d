// Mail is untrusted: the extractor and the whole answer path must never
// throw, whatever the text, the quoting or the cuts. Random text is drawn
// from litmus-like fragments (headers, braces, comments, conditions, quote
// marks) so the generator reaches the extractor's states, not just prose.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { analyzeMailLitmus } from '../../src/analysis/litmus-mail/index.ts';
import { extractLitmus } from '../../src/analysis/litmus-mail/extract.ts';
import { mailLines } from '../../src/analysis/litmus-mail/mail-lines.ts';
import { corpusTest, message } from './helpers.ts';

const FRAGMENTS = [
  'C t', 'AArch64 t', 'X86 t', '{', '}', '(*', '*)', '/*', '*/', '//', 'exists', '~exists', 'forall', 'locations [x;]',
  'filter', '(', ')', '/\\', '\\/', '=>', 'P0(int *x)', 'P0 | P1 ;', 'WRITE_ONCE(*x, 1);', 'READ_ONCE(*x)', ';', '|',
  'Result: Never', 'is forbidden', 'can happen', 'Observation t Never 0 1', '-- ', '---8<---', '0:X1=1', 'x=1', '"doc"',
  'Variant=Ifetch', '\t', ' ', '\n', '\n\n', '> ', '>> ', '> > ',
];
const fragmentText = fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 12 })), { maxLength: 80 }).map((xs) => xs.join(''));
const quoting = fc.array(fc.constantFrom('', '> ', '>', '>> ', '> > ', ' >'), { minLength: 1, maxLength: 8 });

function quoteRandomly(text: string, prefixes: string[]): string {
  return text.split('\n').map((l, i) => `${prefixes[i % prefixes.length]}${l}`).join('\n');
}

test('the extractor never throws on random text with random quoting', () => {
  fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 400 }), fragmentText), quoting, (text, prefixes) => {
    const found = extractLitmus(mailLines(quoteRandomly(text, prefixes)));
    for (const t of found) {
      assert.equal(t.lines.length, t.lineMap.length);
      assert.ok(t.lineMap.every((n, i) => i === 0 || n > t.lineMap[i - 1]!), 'lines in body order');
    }
  }), { numRuns: 400 });
});

test('cutting, re-quoting and splicing a real test never makes the answer path throw', () => {
  const real = corpusTest('pte_free_ptdump.litmus');
  fc.assert(fc.property(
    fc.integer({ min: 0, max: real.length }), fc.integer({ min: 0, max: real.length }), fragmentText, quoting,
    (a, b, junk, prefixes) => {
      const [from, to] = a <= b ? [a, b] : [b, a];
      const body = quoteRandomly(`${real.slice(0, from)}${junk}${real.slice(to)}`, prefixes);
      const r = analyzeMailLitmus([], [message('fuzz@example.org', body)], { maxCandidatesPerTest: 2_000, maxCandidatesPerMessage: 4_000 });
      for (const f of r.findings) assert.ok(['error', 'warning', 'info'].includes(f.severity));
    },
  ), { numRuns: 120 });
});
