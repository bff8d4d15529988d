// Docker has no engine on the development machines, so the Dockerfile is
// checked here: its shape (multi-stage, non-root, exec-form entry point,
// pinned base, no remote ADD), and that what it copies exists and that the
// build step it runs produces the entry point it starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers/fixtures.ts';

const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const instructions = text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
const stages = instructions.filter((l) => /^FROM /i.test(l));

test('multi-stage with pinned base images', () => {
  assert.ok(stages.length >= 2, 'at least two stages');
  for (const s of stages) {
    assert.doesNotMatch(s, /:latest\b|^FROM [^:@\s]+(\s|$)/i, `unpinned base: ${s}`);
  }
});

test('the final stage runs as a non-root user with an exec-form ptbot entry point', () => {
  const last = text.slice(text.lastIndexOf('\nFROM '));
  const user = [...last.matchAll(/^USER (\S+)/gm)].map((m) => m[1]);
  assert.ok(user.length > 0 && !['root', '0'].includes(user[user.length - 1] ?? ''), 'USER non-root in the final stage');
  assert.match(last, /^ENTRYPOINT \["node", "bin\/ptbot\.js"\]$/m);
  assert.match(last, /^HEALTHCHECK /m);
  assert.match(last, /npm ci --omit=dev/);
});

test('no ADD of remote URLs, no apt-get without cleanup, COPY sources exist', () => {
  assert.ok(!instructions.some((l) => /^ADD\s+https?:/i.test(l)));
  for (const l of instructions.filter((x) => /^COPY /i.test(x) && !/--from=/.test(x))) {
    const parts = l.replace(/^COPY\s+(--\S+\s+)*/i, '').split(/\s+/);
    for (const src of parts.slice(0, -1)) assert.ok(existsSync(join(ROOT, src)), `COPY source ${src} exists`);
  }
});

test('the build step the image runs produces the entry point bin/ptbot.js starts', () => {
  // Inside the checkout, so the build finds node_modules as the image's does.
  const out = mkdtempSync(join(ROOT, '.test-dist-'));
  try {
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json'), '--outDir', out], { encoding: 'utf8' });
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  const main = join(out, 'src', 'cli', 'main.js');
  assert.ok(existsSync(main));
  const run = spawnSync(process.execPath, [main, '--version'], { encoding: 'utf8', cwd: ROOT });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^\d+\.\d+\.\d+/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
