// Malformed and fuzzed litmus tests: always a `file:line:col: message`
// error or a result, never a crash, a hang or a stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseLitmus } from '../../src/sim/parse/litmus.ts';
import { simulate } from '../../src/sim/run.ts';
import { LitmusError } from '../../src/sim/source.ts';
import { readCorpus } from './corpus-helpers.ts';

const POSITIONED = /^[^:\n]+:[0-9]+:[0-9]+: \S/;

/** Parses and simulates on a small budget; returns the error message, if any. */
function attempt(file: string, text: string): string | null {
  try {
    const t = parseLitmus(file, text);
    const variant = (t.info.get('Variant') ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');
    simulate(t, { model: t.arch === 'C' ? 'lkmm' : 'aarch64', variant, maxCandidates: 3000, maxEvents: 200 });
    return null;
  } catch (err) {
    assert.ok(err instanceof LitmusError, `not a LitmusError: ${err instanceof Error ? err.stack : String(err)}`);
    assert.match(err.message, POSITIONED);
    return err.message;
  }
}

const SEEDS = ['MP+polocks.litmus', 'PT+rcuwalker+syncrcu-free.litmus', 'C-WWC+o+o-data-o+o-addr-o.litmus', 'ptdump.litmus', 'dep+plain.litmus',
  'coFF+cachesync.litmus', 'MP+rel+CASacq-ok.litmus', 'UDF+2FH.litmus', 'S02.litmus'];

test('every truncation of corpus tests errors with a position or runs', () => {
  for (const f of SEEDS) {
    const text = readCorpus(f);
    fc.assert(fc.property(fc.integer({ min: 0, max: text.length }), (cut) => { attempt(f, text.slice(0, cut)); }), { numRuns: 60 });
  }
});

const FRAGMENTS = ['(', ')', '{', '}', ';', '*', '(*', '*)', '/*', '"', 'exists', '~', '/\\', '\\/', 'P1', 'P0(int *x)', '0:r0', '=', '&', ',', '|', 'x', '1', '-', '\n', 'READ_ONCE(', 'spin_lock(', 'if (', 'label:"', '[', ']',
  'B L0', 'X1', 'W2', '#1', 'CAS', 'BLR X0', 'RET', 'L0:', 'instr:"NOP"', 'P0:L0', 'ERET', 'UDF #0', 'DC CVAU,', 'B .+4'];

test('random edits of corpus tests error with a position or run', () => {
  for (const f of SEEDS) {
    const text = readCorpus(f);
    const edit = fc.record({
      at: fc.integer({ min: 0, max: text.length }),
      del: fc.integer({ min: 0, max: 6 }),
      ins: fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 3 }),
    });
    fc.assert(fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
      let t = text;
      for (const e of edits) {
        const at = Math.min(e.at, t.length);
        t = t.slice(0, at) + e.ins.join('') + t.slice(at + e.del);
      }
      attempt(f, t);
    }), { numRuns: 150 });
  }
});

test('arbitrary text errors with a position', () => {
  fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => { attempt('any.litmus', s); attempt('c.litmus', `C t\n{}\n${s}`); }), { numRuns: 300 });
});

const BASE = 'C t\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nP1(int *x) { int r0; r0 = READ_ONCE(*x); }\nexists (1:r0=1)\n';

test('unknown primitive', () => {
  assert.equal(attempt('u.litmus', BASE.replace('WRITE_ONCE', 'WRITE_TWICE')), "u.litmus:3:14: unknown primitive 'WRITE_TWICE'");
});

test('unbalanced parentheses in code and in the condition', () => {
  assert.equal(attempt('p.litmus', BASE.replace('WRITE_ONCE(*x, 1);', 'WRITE_ONCE((*x, 1);')), "p.litmus:3:28: expected ')' to match '(' at 3:25, found ','");
  assert.equal(attempt('q.litmus', BASE.replace('exists (1:r0=1)', 'exists ((1:r0=1)')), "q.litmus:6:1: expected ')', found end of input");
  assert.equal(attempt('b.litmus', BASE.replace('{ int r0;', '{ { int r0;')), "b.litmus:4:12: unbalanced '{': missing '}'");
});

test('threads out of order', () => {
  assert.equal(attempt('o.litmus', BASE.replace('P1(', 'P2(')), 'o.litmus:4:1: threads must be numbered in order: expected P1, found P2');
});

test('deep nesting is an error, not a stack overflow', () => {
  const deep = (n: number): string => `${'('.repeat(n)}1${')'.repeat(n)}`;
  assert.match(attempt('d.litmus', `C t\n{}\nP0(int *x) { int r; r = ${deep(50000)}; }\nexists (0:r=1)\n`)!, /nested too deeply/);
  assert.match(attempt('e.litmus', `C t\n{}\nP0(int *x) { int r; r = 1; }\nexists ${deep(50000).replace('1', '0:r=1')}\n`)!, /nested too deeply/);
  assert.match(attempt('f.litmus', `C t\n{}\nP0(int *x) { int r; ${'if (r) '.repeat(20000)} r = 1; }\nexists (0:r=1)\n`)!, /nested too deeply/);
});

test('10,000 threads end on the budget, not out of memory', () => {
  const src = `C t\n{}\n${Array.from({ length: 10000 }, (_, i) => `P${i}(int *x) { int r0; r0 = READ_ONCE(*x); }`).join('\n')}\nexists (x=1)\n`;
  const t = parseLitmus('many.litmus', src);
  assert.equal(t.cThreads.length, 10000);
  const r = simulate(t, { model: 'lkmm', variant: [], maxCandidates: 100000 });
  assert.match(r.budgetExceeded ?? '', /^execution budget exceeded after [0-9]+ candidates/);
});

test('a small budget stops a large test with the budget message', () => {
  const t = parseLitmus('PTDUMP-2walkers+enable-disable.litmus', readCorpus('PTDUMP-2walkers+enable-disable.litmus'));
  const r = simulate(t, { model: 'lkmm', variant: [], maxCandidates: 500 });
  assert.equal(r.budgetExceeded, 'execution budget exceeded after 500 candidates');
});
