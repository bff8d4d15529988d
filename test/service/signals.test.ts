// `ptbot poll` on its schedule: SIGTERM lets it finish the step in hand and
// exit cleanly; the store is left consistent (a later --once has nothing to
// redo).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, threadDir } from '../helpers/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'ptbot-signals-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('SIGTERM during scheduled polling: the poll in hand finishes, then a clean exit', { timeout: 120_000 }, async () => {
  const config = join(dir, 'config.yaml');
  writeFileSync(config, ['lists:', '  - name: linux-mm', `    files: ${threadDir('arm64_vmalloc_huge_ptdump')}`,
    'lore:', "  schedule: '0 0 1 1 *'", 'analysis:', '  completeWaitMinutes: 0',
    'store:', `  sqlitePath: ${join(dir, 'state.sqlite')}`, 'reply:', `  outboxDir: ${join(dir, 'outbox')}`, ''].join('\n'));
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'ptbot.js'), 'poll', '--config', config], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d: Buffer) => { log += d.toString(); });
  // The first poll runs at start; wait until it is done, then stop the daemon.
  for (let i = 0; i < 600 && !log.includes('"event":"poll.done"'); i++) await new Promise((r) => setTimeout(r, 100));
  assert.match(log, /"event":"poll.scheduled"/);
  assert.match(log, /"event":"poll.done"/);
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 0, log);
  assert.match(log, /"event":"poll.stopping","signal":"SIGTERM"/);

  const again = spawn(process.execPath, [join(ROOT, 'bin', 'ptbot.js'), 'poll', '--once', '--config', config], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let log2 = '';
  again.stderr.on('data', (d: Buffer) => { log2 += d.toString(); });
  assert.equal(await new Promise<number | null>((resolve) => again.on('exit', (c) => resolve(c))), 0);
  assert.match(log2, /"event":"poll.done".*"parsed":0,"queued":0,"analysed":0/);
});
