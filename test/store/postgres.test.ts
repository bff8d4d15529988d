import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SqlStore } from '../../src/store/sql-store.ts';
import { MIGRATIONS } from '../../src/store/migrations.ts';
import { openPostgres } from '../../src/store/postgres-driver.ts';
import { startPostgres, type PostgresServer } from '../helpers/postgres.ts';
import { storeContract } from './store-contract.ts';

let server: PostgresServer;
before(async () => { server = await startPostgres(); });
after(async () => { await server?.stop(); });
let n = 0;
storeContract('postgres', async () => new SqlStore(openPostgres(server.createDatabase(`contract_${++n}`))));

test('postgres: concurrent workers never claim the same analysis', async () => {
  const url = server.createDatabase('claims');
  const setup = new SqlStore(openPostgres(url));
  await setup.migrate();
  for (let i = 0; i < 40; i++) await setup.enqueueAnalysis({ seriesId: `s${i}`, version: 1, messageIds: [], reason: 'load' });
  const workers = Array.from({ length: 4 }, () => new SqlStore(openPostgres(url, { max: 2 })));
  const claimed: Array<{ worker: number; id: number }> = [];
  await Promise.all(workers.map(async (w, k) => {
    for (;;) {
      const job = await w.claimAnalysis(`w${k}`, 600_000);
      if (!job) break;
      claimed.push({ worker: k, id: job.id });
      assert.equal(await w.completeAnalysis(job.id, `w${k}`, { summary: 'ok', findings: [], replies: [] }), true);
    }
  }));
  const ids = claimed.map((c) => c.id);
  assert.equal(ids.length, 40);
  assert.equal(new Set(ids).size, 40, 'no job claimed twice');
  assert.ok(new Set(claimed.map((c) => c.worker)).size >= 2, 'the work was shared');
  for (const w of [...workers, setup]) await w.close();
});

test('postgres: two processes migrating at once apply each migration once', async () => {
  const url = server.createDatabase('migrate_race');
  const a = new SqlStore(openPostgres(url));
  const b = new SqlStore(openPostgres(url));
  await Promise.all([a.migrate(), b.migrate(), a.migrate()]);
  const rows = await a.query('SELECT version FROM ptbot_schema ORDER BY version');
  assert.deepEqual(rows.map((r) => Number(r.version)), MIGRATIONS.map((m) => m.version));
  await a.close();
  await b.close();
});
