// `ptbot litmus` end to end: herd-shaped text, JSON, errors, budgets, graphs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORPUS, normalise, readCorpus } from './corpus-helpers.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

function ptbot(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'litmus', ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('text output is herd7\'s, Time and Hash aside, for several files', () => {
  const files = ['SB+poonceonces.litmus', 'MP+polocks.litmus'];
  const r = ptbot(...files.map((f) => join(CORPUS, f)));
  assert.equal(r.status, 0, r.stderr);
  const expected = files.map((f) => normalise(readCorpus('herd7-out', f.replace('.litmus', '.out')))).join('\n\n');
  assert.equal(normalise(r.stdout).replace(/\n\n+/g, '\n\n'), expected);
});

test('--json gives the issue\'s shape, with witness and forbidding axioms', () => {
  const r = ptbot('--json', join(CORPUS, 'SB+poonceonces.litmus'), join(CORPUS, 'SB+fencembonceonces.litmus'));
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, unknown>[];
  assert.equal(out.length, 2);
  const [sb, sbmb] = out as [Record<string, unknown>, Record<string, unknown>];
  assert.deepEqual(
    { name: sb.name, model: sb.model, variant: sb.variant, observation: sb.observation, positive: sb.positive, negative: sb.negative, flags: sb.flags },
    { name: 'SB+poonceonces', model: 'lkmm', variant: null, observation: 'Sometimes', positive: 1, negative: 3, flags: [] },
  );
  assert.deepEqual(sb.states, ['0:r0=0; 1:r0=0;', '0:r0=0; 1:r0=1;', '0:r0=1; 1:r0=0;', '0:r0=1; 1:r0=1;']);
  assert.ok(Array.isArray(sb.witness));
  assert.equal(sbmb.observation, 'Never');
  assert.match((sbmb.forbidden as string[])[0]!, /violate propagation/);
});

test('~exists tests print Positive/Negative swapped, as herd7 does', () => {
  const src = readCorpus('SB+fencembonceonces.litmus').replace('exists (0:r0=0 /\\ 1:r0=0)', '~exists (0:r0=0 /\\ 1:r0=0)');
  const dir = mkdtempSync(join(tmpdir(), 'ptbot-'));
  const f = join(dir, 'neg.litmus');
  writeFileSync(f, src);
  const r = ptbot('--json', f);
  const [o] = JSON.parse(r.stdout) as [Record<string, unknown>];
  assert.deepEqual([o.observation, o.positive, o.negative], ['Never', 3, 0]);
  const text = ptbot(f).stdout;
  assert.match(text, /^Test SB\+fencembonceonces Forbidden$/m);
  assert.match(text, /^Ok$/m);
  assert.match(text, /^Observation SB\+fencembonceonces Never 0 3$/m);
});

test('errors carry file:line:col and set a failing exit code; other files still run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ptbot-'));
  const bad = join(dir, 'bad.litmus');
  writeFileSync(bad, 'C bad\n{}\nP0(int *x) { FROB(*x); }\nexists (x=1)\n');
  const r = ptbot(bad, join(CORPUS, 'SB+poonceonces.litmus'));
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `${bad}:3:14: unknown primitive 'FROB'\n`);
  assert.match(r.stdout, /^Observation SB\+poonceonces Sometimes 1 3$/m);
});

test('--max-executions stops with the budget message', () => {
  const r = ptbot('--max-executions', '100', join(CORPUS, 'PTDUMP-2walkers+enable-disable.litmus'));
  assert.equal(r.status, 1);
  assert.match(r.stdout, /^execution budget exceeded after 100 candidates$/m);
});

test('--graph writes the witness as DOT', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ptbot-graph-'));
  const r = ptbot('--graph', dir, '--witness', join(CORPUS, 'MP+poonceonces.litmus'));
  assert.equal(r.status, 0, r.stderr);
  const dot = readFileSync(join(dir, 'MP+poonceonces.dot'), 'utf8');
  assert.match(dot, /^digraph "MP\+poonceonces" \{/);
  assert.match(dot, /subgraph cluster_proc1/);
  assert.match(dot, /label="rf", color=red/);
  assert.match(r.stdout, /^Witness MP\+poonceonces$/m);
  assert.ok(!existsSync(join(dir, 'nothing.dot')));
});

test('--variant ifetch runs a test whose Variant= line herd7 got from its command line', () => {
  const plain = ptbot(join(CORPUS, 'SM.B+isb.litmus'));
  assert.match(plain.stdout, /^Observation SM\.B\+isb Always 1 0$/m);
  const r = ptbot('--variant', 'ifetch', join(CORPUS, 'SM.B+isb.litmus'));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(normalise(r.stdout), normalise(readCorpus('herd7-out', 'SM.B+isb.out')));
});

test('--herd-build 61e77efd prints that build\'s flag, as in SIMULATOR.md\'s goldens', () => {
  const f = join(CORPUS, 'spec-examples', 'ptdump.litmus');
  const r = ptbot('--herd-build', '61e77efd', f);
  assert.equal(normalise(r.stdout), normalise(readCorpus('spec-examples', 'golden', 'ptdump.herd758.out')));
  assert.equal(ptbot('--herd-build', 'nope', f).status, 2);
});
