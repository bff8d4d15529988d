// Two workers on one PostgreSQL database over the same input: each series
// version is analysed once between them, each reply planned once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlStore } from '../../src/store/sql-store.ts';
import { openPostgres } from '../../src/store/postgres-driver.ts';
import { concatThreads, fixture, ROOT } from '../helpers/fixtures.ts';
import { startPostgres, type PostgresServer } from '../helpers/postgres.ts';

const dir = mkdtempSync(join(tmpdir(), 'ptbot-workers-'));
let pg: PostgresServer;
before(async () => { pg = await startPostgres(); });
after(async () => { await pg?.stop(); rmSync(dir, { recursive: true, force: true }); });

const errors: string[] = [];
function run(config: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'ptbot.js'), 'poll', '--once', '--config', config], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('exit', (code) => {
      if (code !== 0) errors.push(err.split('\n').filter((l) => !l.includes('"level":"info"')).slice(-5).join('\n'));
      resolve(code);
    });
  });
}

test('two pollers on one PostgreSQL analyse each series version once between them', { timeout: 300_000 }, async () => {
  const input = join(dir, 'input.mbox');
  writeFileSync(input, Buffer.concat([
    concatThreads(['arm64_vmalloc_huge_ptdump', 'lazy_mmu_nesting_2023', 'hugetlb_pmd_unshare_mmu_gather_2025', 'khugepaged_collapse_vs_uffd_fix']),
    readFileSync(fixture('lore', 'bugs', 'x86_free_pmd_pte_page_no_tlb_purge', 'introducing.patch')),
  ]));
  const url = pg.createDatabase('workers');
  const config = join(dir, 'config.yaml');
  writeFileSync(config, ['lists:', '  - name: linux-mm', `    files: ${input}`, 'analysis:', '  completeWaitMinutes: 0',
    'store:', '  engine: postgres', `  postgresUrl: ${url}`, 'reply:', `  outboxDir: ${join(dir, 'outbox')}`, ''].join('\n'));
  const codes = await Promise.all([run(config), run(config)]);
  assert.deepEqual(codes, [0, 0], errors.join('\n---\n'));
  // A third run finds nothing left to do.
  assert.equal(await run(config), 0);
  const store = new SqlStore(openPostgres(url));
  const analyses = await store.query('SELECT series_id, version, revision, state, attempts FROM analyses ORDER BY series_id, version');
  assert.ok(analyses.length >= 4, `${analyses.length} analyses`);
  for (const a of analyses) {
    assert.equal(a.state, 'done');
    assert.equal(Number(a.attempts), 1, `${String(a.series_id)} v${String(a.version)} analysed once`);
  }
  const dupes = await store.query('SELECT series_id, version, COUNT(*) AS n FROM analyses GROUP BY series_id, version HAVING COUNT(*) > 1');
  assert.deepEqual(dupes, []);
  const replies = await store.query('SELECT message_id, state FROM replies');
  assert.ok(replies.length >= 1);
  assert.ok(replies.every((r) => r.state === 'sent'));
  const messages = Number((await store.query('SELECT COUNT(*) AS n FROM messages'))[0]?.n);
  assert.ok(messages > 50);
  await store.close();
});
