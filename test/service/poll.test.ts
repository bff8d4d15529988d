// The main job end to end on the embedded default (SQLite, maildir outbox),
// reading lists from local files: first poll finds, analyses and records;
// a second poll does nothing; a new version is analysed as a new version.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { openListSource } from '../../src/service/list-source.ts';
import { silentLog } from '../../src/service/log.ts';
import { pollOnce } from '../../src/service/poll.ts';
import { MaildirOutbox } from '../../src/sinks/outbox.ts';
import { SqlStore } from '../../src/store/sql-store.ts';
import { openSqlite } from '../../src/store/sqlite-driver.ts';
import { fixture, threadDir } from '../helpers/fixtures.ts';
import { MMU, arm64MmuC, kernelTreeRepo } from '../helpers/kernel-tree.ts';

const dir = mkdtempSync(join(tmpdir(), 'ptbot-poll-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function setup(name: string, listDir: string, extra: string[] = [], analysisExtra: string[] = []) {
  const cfgPath = join(dir, `${name}.yaml`);
  writeFileSync(cfgPath, [
    'lists:', `  - name: linux-mm`, `    files: ${listDir}`,
    'analysis:', '  completeWaitMinutes: 0', ...analysisExtra,
    'store:', `  sqlitePath: ${join(dir, name, 'state.sqlite')}`,
    'reply:', `  outboxDir: ${join(dir, name, 'outbox')}`, ...extra, '',
  ].join('\n'));
  const cfg = loadConfig({ file: cfgPath, env: {} });
  assert.ok(cfg.ok, JSON.stringify(!cfg.ok && cfg.problems));
  const config = cfg.config;
  const store = new SqlStore(openSqlite(config.store.sqlitePath));
  const sink = new MaildirOutbox(config.reply.outboxDir);
  const poll = async () => {
    await store.migrate();
    return pollOnce({ store, config, sink, log: silentLog, openSource: (l) => openListSource(config, l) });
  };
  return { config, store, poll, outbox: join(config.reply.outboxDir, 'new') };
}

test('poll: finds, analyses and replies once; the second poll does nothing; v2 is a new version', async () => {
  const listDir = join(dir, 'inbox');
  mkdirSync(listDir);
  // The x86 bug as posted (v2), plus the ptdump thread's first two versions.
  copyFileSync(fixture('lore', 'bugs', 'x86_free_pmd_pte_page_no_tlb_purge', 'introducing.patch'), join(listDir, '0000-x86.patch'));
  for (const f of ['0001.eml', '0002.eml', '0003.eml']) copyFileSync(join(threadDir('arm64_vmalloc_huge_ptdump'), f), join(listDir, f));
  const { store, poll, outbox } = setup('e2e', listDir);

  const first = await poll();
  assert.equal(first.lists[0]?.newMessages, 4);
  assert.equal(first.parsed, 4);
  assert.equal(first.queued, 2, 'the x86 patch and ptdump v2 (the newest version)');
  assert.equal(first.analysis.done, 2);
  assert.equal(first.replies.sent, 1, 'one reply: the x86 patch has findings');
  assert.equal(readdirSync(outbox).length, 1);

  const second = await poll();
  assert.deepEqual([second.lists[0]?.newMessages, second.parsed, second.queued, second.analysis.done, second.replies.sent], [0, 0, 0, 0, 0]);

  // v4 arrives (a new thread, as each version is): analysed as a new version.
  copyFileSync(join(threadDir('arm64_vmalloc_huge_ptdump'), '0004.eml'), join(listDir, '0004.eml'));
  const third = await poll();
  assert.equal(third.lists[0]?.newMessages, 1);
  assert.equal(third.queued, 1);
  const ptdump = (await store.query("SELECT series_id FROM messages WHERE message_id = '<20250626052524.332-1-dev.jain@arm.com>'"))[0]?.series_id;
  const versions = (await store.analyses(String(ptdump))).map((a) => [a.version, a.state]);
  assert.deepEqual(versions, [[2, 'done'], [4, 'done']]);
  // v4 toggles the static key with enable/disable from two walkers (SEEDS
  // section 2): static-key-gated-locking reports it, so v4 gets a reply.
  assert.equal(readdirSync(outbox).length, 2, 'v4: a new finding, a new reply');
  const counts = await store.counts();
  assert.deepEqual(counts.messages, { seen: 0, parsed: 5, failed: 0 });
  assert.deepEqual(counts.replies, { planned: 0, sent: 2, failed: 0 });
  await store.close();
});

test('poll: commit notifications and applied series are not reviewed', async () => {
  const listDir = join(dir, 'inbox-applied');
  mkdirSync(listDir);
  // ptdump v6 and Will's "Applied to arm64" reply to it; and tip-bot mail.
  for (const f of ['0009.eml', '0010.eml']) copyFileSync(join(threadDir('arm64_vmalloc_huge_ptdump'), f), join(listDir, f));
  copyFileSync(join(threadDir('x86_tip_pgtable_tlb_commits'), '0002.eml'), join(listDir, 'tip.eml'));
  const { store, poll } = setup('applied', listDir);
  const r = await poll();
  assert.equal(r.parsed, 3);
  assert.equal(r.queued, 0);
  const tip = (await store.query("SELECT no_review FROM messages WHERE message_id LIKE '%tip-bot2%'"))[0]?.no_review;
  assert.equal(tip, 'commit-notification');
  await store.close();
});

test('poll: reply caps and list policy hold replies back', async () => {
  const listDir = join(dir, 'inbox-caps');
  mkdirSync(listDir);
  copyFileSync(fixture('lore', 'bugs', 'x86_free_pmd_pte_page_no_tlb_purge', 'introducing.patch'), join(listDir, '0000-x86.patch'));
  const elsewhere = setup('caps-lists', listDir, ['  lists: [linux-arm-kernel]']);
  const r1 = await elsewhere.poll();
  assert.equal(r1.analysis.done, 1);
  assert.equal(r1.analysis.replies, 0, 'linux-mm is not a list the bot may reply on');
  await elsewhere.store.close();
  const capped = setup('caps-day', listDir, ['  maxPerDay: 1']);
  const r2 = await capped.poll();
  assert.equal(r2.analysis.replies, 1);
  await capped.store.close();
});

test('poll with analysis.kernelTree: ptdump v1 is analysed on whole functions, so its design warning is mailed and says so', async () => {
  const listDir = join(dir, 'inbox-tree');
  mkdirSync(listDir);
  copyFileSync(join(threadDir('arm64_vmalloc_huge_ptdump'), '0001.eml'), join(listDir, '0001.eml'));
  // Without a tree: the finding rests on fragments (info), below the reply threshold.
  const plain = setup('no-tree', listDir);
  const without = await plain.poll();
  assert.equal(without.analysis.done, 1);
  assert.equal(without.replies.sent, 0);
  await plain.store.close();

  const tree = kernelTreeRepo(join(dir, 'tree'), [{ [MMU]: arm64MmuC() }]);
  const { store, poll, outbox } = setup('tree', listDir, [], [`  kernelTree: ${tree.dir}`]);
  const first = await poll();
  assert.equal(first.analysis.done, 1);
  assert.equal(first.replies.sent, 1);
  const [name] = readdirSync(outbox);
  const reply = readFileSync(join(outbox, name!), 'utf8').replace(/\n(?![\n>])/g, ' ');
  assert.match(reply, new RegExp(`analysed against the HEAD \\(${tree.commits[0]!.slice(0, 12)}\\) of the configured kernel tree, with whole functions`));
  assert.match(reply, /core-path-debug-lock/);
  await store.close();
});
