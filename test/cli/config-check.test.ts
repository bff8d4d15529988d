import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ptbot } from '../helpers/cli.ts';
import { kernelTreeRepo } from '../helpers/kernel-tree.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ptbot-config-'));
const file = (name: string, text: string) => { const p = join(tmp, name); writeFileSync(p, text); return p; };

test('the default configuration is valid and printed', () => {
  const run = ptbot(['config', 'check']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^# merged from: .*config\/default\.yaml/);
  assert.match(run.stdout, /\n {2}paths:\n {4}- mm\/pgtable-generic\.c\n/);
});

test('every invalid key is named with its reason; exit 1', () => {
  const p = file('bad.yaml', 'lists:\n  - name: Bad List\nreply:\n  mode: carrier-pigeon\n  smpt: {}\n  smtp:\n    port: 99999\nstore:\n  engine: oracle\n');
  const run = ptbot(['config', 'check', '--config', p]);
  assert.equal(run.code, 1);
  const lines = run.stderr.trim().split('\n');
  assert.ok(lines.some((l) => l.startsWith(`${p}: lists.0.name: `)), run.stderr);
  assert.ok(lines.some((l) => l.startsWith(`${p}: reply.mode: `) && /outbox/.test(l)), run.stderr);
  assert.ok(lines.some((l) => l === `${p}: reply.smpt: unknown key`), run.stderr);
  assert.ok(lines.some((l) => l.startsWith(`${p}: reply.smtp.port: `)), run.stderr);
  assert.ok(lines.some((l) => l.startsWith(`${p}: store.engine: `)), run.stderr);
  assert.match(lines[lines.length - 1] ?? '', /5 problem\(s\)/);
});

test('a YAML syntax error names file, line and column', () => {
  const p = file('syntax.yaml', 'reply:\n  mode: [outbox\n');
  const run = ptbot(['config', 'check', '--config', p]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, new RegExp(`${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: \\d+:\\d+: `));
});

test('secrets from file and environment are masked; user file merges over the default', () => {
  const p = file('secret.yaml', 'github:\n  webhookSecret: hunter2-file\nreply:\n  mode: smtp\n');
  const run = ptbot(['config', 'check', '--config', p], { env: { PTBOT_SMTP_PASSWORD: 'hunter2-env', PTBOT_POSTGRES_URL: 'postgres://bot:pw123@127.0.0.1/ptbot' } });
  assert.equal(run.code, 0, run.stderr);
  assert.doesNotMatch(run.stdout, /hunter2|pw123/);
  assert.match(run.stdout, /webhookSecret: "\*\*\*\*"/);
  assert.match(run.stdout, /password: "\*\*\*\*"/);
  assert.match(run.stdout, /postgresUrl: postgres:\/\/bot:\*\*\*\*@127\.0\.0\.1\/ptbot/);
  assert.match(run.stdout, /mode: smtp/);
  assert.match(run.stdout, /outboxDir: \.ptbot\/outbox/);
});

test('a non-numeric number from the environment is an error naming the variable', () => {
  const run = ptbot(['config', 'check'], { env: { PTBOT_SMTP_PORT: 'twenty-five' } });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /\$PTBOT_SMTP_PORT: reply\.smtp\.port: not a number: 'twenty-five'/);
});

test('analysis.kernelTree must be a git repository: named, exit 1; a real repo passes', () => {
  const bad = ptbot(['config', 'check'], { env: { PTBOT_KERNEL_TREE: '/nonexistent/linux' } });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^analysis\.kernelTree: \/nonexistent\/linux is not a git repository/m);
  const tree = kernelTreeRepo(join(tmp, 'tree'), [{ 'mm/memory.c': '// SPDX-License-Identifier: GPL-2.0-only\n' }]);
  const good = ptbot(['config', 'check'], { env: { PTBOT_KERNEL_TREE: tree.dir } });
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /kernelTree: /);
});
