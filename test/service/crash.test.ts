// kill -9 at seeded random points of `ptbot poll --once` over a few hundred
// real messages, restarting each time: in the end every series version is
// analysed exactly once, no message is missing, and every planned reply is
// in the outbox exactly once, as in a run without kills. On SQLite and on
// a real PostgreSQL. Set PTBOT_CRASH_SEED to replay a run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { openStore } from '../../src/store/open.ts';
import type { SqlStore } from '../../src/store/sql-store.ts';
import { readFileSync } from 'node:fs';
import { concatThreads, fixture, ROOT } from '../helpers/fixtures.ts';
import { startPostgres, type PostgresServer } from '../helpers/postgres.ts';
import { startSmtp, type TestSmtp } from '../helpers/smtp.ts';

const KILLS = 20;
const seed = Number(process.env.PTBOT_CRASH_SEED ?? (Date.now() % 2 ** 31));
console.log(`crash test seed: ${seed} (PTBOT_CRASH_SEED=${seed} replays it)`);

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function rng(s: number): () => number {
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const dir = mkdtempSync(join(tmpdir(), 'ptbot-crash-'));
const input = join(dir, 'input.mbox');
let pg: PostgresServer;
let smtp: TestSmtp;
before(async () => {
  smtp = await startSmtp();
  // A few hundred messages: several real threads with patches and reviews.
  // The x86 bug patch makes findings, hence replies to plan and send.
  writeFileSync(input, Buffer.concat([
    concatThreads(['arm64_vmalloc_huge_ptdump', 'hugetlb_pmd_unshare_mmu_gather_2025', 'khugepaged_collapse_vs_uffd_fix',
      'lazy_mmu_apply_to_pte_range', 'lazy_mmu_kasan_hazards', 'mmu_gather_batch_fail_tlb_2019_2021', 'gup_fast_vs_thp_collapse_2022',
      'ptdump_rework_2025', 'pte_offset_map_ro_rw_nolock_2024']),
    readFileSync(fixture('lore', 'bugs', 'x86_free_pmd_pte_page_no_tlb_purge', 'introducing.patch')), Buffer.from('\n'),
  ]));
  pg = await startPostgres();
});
after(async () => { await pg?.stop(); await smtp?.stop(); rmSync(dir, { recursive: true, force: true }); });

function writeConfig(name: string, store: string, viaSmtp: boolean): string {
  const p = join(dir, `${name}.yaml`);
  mkdirSync(join(dir, name, 'outbox', 'new'), { recursive: true });
  const reply = viaSmtp
    ? ['reply:', '  mode: smtp', '  smtp:', '    host: 127.0.0.1', `    port: ${smtp.port}`]
    : ['reply:', `  outboxDir: ${join(dir, name, 'outbox')}`];
  writeFileSync(p, ['lists:', '  - name: linux-mm', `    files: ${input}`,
    'analysis:', '  completeWaitMinutes: 0', store, ...reply, ''].join('\n'));
  return p;
}

function runPoll(config: string, killAfterMs?: number): Promise<{ code: number | null; killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'ptbot.js'), 'poll', '--once', '--config', config], { cwd: ROOT, stdio: ['ignore', 'ignore', 'ignore'] });
    let killed = false;
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => { killed = child.kill('SIGKILL'); }, killAfterMs);
    child.on('exit', (code) => { if (timer) clearTimeout(timer); resolve({ code, killed }); });
  });
}

async function outcome(configPath: string) {
  const cfg = loadConfig({ file: configPath, env: {} });
  assert.ok(cfg.ok);
  const store = (await openStore(cfg.config.store)) as SqlStore;
  const messages = (await store.query('SELECT message_id, state FROM messages ORDER BY message_id')).map((r) => `${String(r.message_id)} ${String(r.state)}`);
  const analyses = (await store.query('SELECT series_id, version, revision, state FROM analyses ORDER BY series_id, version'))
    .map((r) => `${String(r.series_id)} v${String(r.version)} r${String(r.revision)} ${String(r.state)}`);
  const findings = Number((await store.query('SELECT COUNT(*) AS n FROM findings'))[0]?.n);
  const replies = (await store.query('SELECT message_id, state FROM replies ORDER BY message_id')).map((r) => `${String(r.message_id)} ${String(r.state)}`);
  await store.close();
  const outbox = cfg.config.reply.mode === 'outbox' ? readdirSync(join(cfg.config.reply.outboxDir, 'new')).sort() : [];
  return { messages, analyses, findings, replies, outbox };
}

async function crashRun(engine: string, storeYaml: (name: string) => string, viaSmtp: boolean) {
  const reference = writeConfig(`${engine}-reference`, storeYaml(`${engine}_reference`), false);
  const t0 = Date.now();
  const ref = await runPoll(reference);
  // Kill delays spread over a whole run's length (start-up included), so
  // kills land at every stage however fast or loaded the machine is.
  const runMs = Math.max(1000, Date.now() - t0);
  assert.equal(ref.code, 0, 'the reference run completes');
  const expected = await outcome(reference);
  assert.ok(expected.messages.length >= 200, `a few hundred messages (${expected.messages.length})`);
  assert.ok(expected.analyses.length >= 5);
  assert.ok(expected.replies.length >= 1, 'at least one reply planned');

  const crashed = writeConfig(`${engine}-crashed`, storeYaml(`${engine}_crashed`), viaSmtp);
  smtp.received.length = 0;
  const random = rng(seed + engine.length);
  let kills = 0;
  for (let round = 0; kills < KILLS && round < KILLS * 8; round++) {
    const r = await runPoll(crashed, 200 + Math.floor(random() * runMs));
    if (r.killed) kills++;
    else assert.equal(r.code, 0, `round ${round} exited cleanly`);
  }
  assert.ok(kills >= KILLS, `killed ${kills} times`);
  const last = await runPoll(crashed);
  assert.equal(last.code, 0);
  const got = await outcome(crashed);
  assert.deepEqual(got.messages, expected.messages, 'the same messages, none missing');
  assert.deepEqual(got.analyses, expected.analyses, 'each series version analysed exactly once');
  assert.equal(got.findings, expected.findings);
  assert.deepEqual(got.replies, expected.replies, 'the same replies, each sent');
  if (viaSmtp) {
    // SMTP cannot close one window (accepted, then killed before the store
    // recorded it): a reply may arrive twice, but always with its one
    // Message-ID, so the distinct Message-IDs are exactly the planned replies.
    const ids = smtp.received.map((m) => /^Message-ID: (\S+)/im.exec(m.raw)?.[1] ?? '?');
    assert.deepEqual([...new Set(ids)].sort(), got.replies.map((r) => r.split(' ')[0]).sort());
    console.log(`${engine}: ${smtp.received.length} SMTP deliveries for ${got.replies.length} planned replies`);
  } else {
    assert.equal(got.outbox.length, got.replies.length, 'one outbox file per planned reply');
  }
}

test(`sqlite + SMTP: ${KILLS} kill -9 restarts lose and repeat nothing`, { timeout: 1_200_000 }, async () => {
  await crashRun('sqlite', (name) => `store:\n  engine: sqlite\n  sqlitePath: ${join(dir, name, 'state.sqlite')}`, true);
});

test(`postgres + outbox: ${KILLS} kill -9 restarts lose and repeat nothing`, { timeout: 1_200_000 }, async () => {
  await crashRun('postgres', (name) => `store:\n  engine: postgres\n  postgresUrl: ${pg.createDatabase(name)}`, false);
});
