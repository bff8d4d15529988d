// The main job against a real lore: Debian's public-inbox-httpd on
// 127.0.0.1 serving a v2 inbox. A thread appears, one poll finds, analyses
// and records it; a second poll does nothing; a v2 of the series is
// analysed as a new version; a new version posted as a reply in the
// thread, touching no searched path, is noticed through thread watching.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { openListSource } from '../../src/service/list-source.ts';
import { silentLog } from '../../src/service/log.ts';
import { pollOnce } from '../../src/service/poll.ts';
import { MaildirOutbox } from '../../src/sinks/outbox.ts';
import { SqlStore } from '../../src/store/sql-store.ts';
import { openSqlite } from '../../src/store/sqlite-driver.ts';
import { fixture, threadDir } from '../helpers/fixtures.ts';
import { createInbox, importMessages, importTexts, removeInbox, startHttpd, type RunningHttpd, type TestInbox } from '../helpers/public-inbox.ts';

const dir = mkdtempSync(join(tmpdir(), 'ptbot-poll-lore-'));
let inbox: TestInbox;
let httpd: RunningHttpd;
before(async () => {
  inbox = createInbox('linux-mm');
  importMessages(inbox, [fixture('lore', 'bugs', 'x86_free_pmd_pte_page_no_tlb_purge', 'introducing.patch'), join(threadDir('arm64_vmalloc_huge_ptdump'), '0001.eml')]);
  httpd = await startHttpd(inbox);
  await httpd.refreshSearch('linux-mm', ['20180314180155.19492-3-toshi.kani@hpe.com', '20250530082021.18182-1-dev.jain@arm.com']);
});
after(async () => {
  await httpd?.stop();
  if (inbox) removeInbox(inbox);
  rmSync(dir, { recursive: true, force: true });
});

function config(): Config {
  const path = join(dir, 'config.yaml');
  writeFileSync(path, [
    'lists:', '  - name: linux-mm',
    'lore:', `  baseUrl: ${httpd.url}`, '  minRequestIntervalSeconds: 0', '  retryBaseSeconds: 0', '  requestTimeoutSeconds: 10', '  firstLookbackSeconds: 1500000000',
    // Fixture mail carries its original dates, which public-inbox takes as
    // received times: a window reaching back to them stands in for lore's now.
    '  searchOverlapSeconds: 1500000000',
    // Every watched thread every poll: the fixture reply's old date is outside
    // any gate window (lore stamps mail when it arrives).
    '  threadGateSweepSeconds: 0',
    'analysis:', '  completeWaitMinutes: 0',
    'store:', `  sqlitePath: ${join(dir, 'state.sqlite')}`,
    'reply:', `  outboxDir: ${join(dir, 'outbox')}`, '',
  ].join('\n'));
  const c = loadConfig({ file: path, env: {} });
  assert.ok(c.ok, JSON.stringify(!c.ok && c.problems));
  return c.config;
}

test('poll over public-inbox HTTP: new thread, nothing new, v2, a version posted in the thread', { timeout: 240_000 }, async () => {
  const cfg = config();
  const store = new SqlStore(openSqlite(cfg.store.sqlitePath));
  await store.migrate();
  const sink = new MaildirOutbox(cfg.reply.outboxDir);
  const poll = () => pollOnce({ store, config: cfg, sink, log: silentLog, openSource: (l) => openListSource(cfg, l) });

  const first = await poll();
  assert.equal(first.lists[0]?.newMessages, 2);
  assert.equal(first.queued, 2);
  assert.equal(first.analysis.done, 2);
  assert.equal(first.replies.sent, 1, 'the x86 patch gets its reply');

  const second = await poll();
  assert.deepEqual([second.lists[0]?.newMessages, second.queued, second.analysis.done, second.replies.sent], [0, 0, 0, 0]);

  // v2 of the ptdump patch: a new thread, found by search.
  importMessages(inbox, [join(threadDir('arm64_vmalloc_huge_ptdump'), '0003.eml')]);
  await httpd.refreshSearch('linux-mm', ['20250610160048.11254-1-dev.jain@arm.com']);
  const third = await poll();
  assert.equal(third.lists[0]?.newMessages, 1);
  assert.equal(third.queued, 1);
  const series = String((await store.query("SELECT series_id FROM messages WHERE message_id = '<20250610160048.11254-1-dev.jain@arm.com>'"))[0]?.series_id);
  assert.deepEqual((await store.analyses(series)).map((a) => [a.version, a.state]), [[1, 'done'], [2, 'done']]);

  // A v3 posted as a reply in v2's thread, touching only documentation: no
  // search finds it, watching the analysed thread does.
  const v2 = readFileSync(join(threadDir('arm64_vmalloc_huge_ptdump'), '0003.eml'), 'utf8');
  const v3 = [
    'From: Dev Jain <dev.jain@arm.com>', 'To: catalin.marinas@arm.com, will@kernel.org', 'Cc: linux-mm@kvack.org',
    'Subject: [PATCH v3] arm64: Enable vmalloc-huge with ptdump', 'Date: Mon, 16 Jun 2025 10:00:00 +0530',
    'Message-Id: <v3-in-thread@example.org>', 'In-Reply-To: <20250610160048.11254-1-dev.jain@arm.com>',
    'References: <20250610160048.11254-1-dev.jain@arm.com>', '',
    'Document the ptdump interaction.', '', 'Signed-off-by: Dev Jain <dev.jain@arm.com>', '---',
    'diff --git a/Documentation/arch/arm64/ptdump.rst b/Documentation/arch/arm64/ptdump.rst', 'index 1111111..2222222 100644',
    '--- a/Documentation/arch/arm64/ptdump.rst', '+++ b/Documentation/arch/arm64/ptdump.rst', '@@ -1,3 +1,4 @@', ' ptdump', ' ======',
    '+vmalloc-huge mappings are shown as block mappings.', ' ', '-- ', '2.39.3', '',
  ].join('\n');
  assert.match(v2, /20250610160048/);
  importTexts(inbox, [v3]);
  const fourth = await poll();
  assert.equal(fourth.lists[0]?.newMessages, 1, 'the in-thread version was noticed');
  assert.equal((await store.ledger('<v3-in-thread@example.org>'))?.state, 'parsed');
  assert.equal(fourth.queued, 1);
  assert.deepEqual((await store.analyses(series)).map((a) => a.version), [1, 2, 3]);
  await store.close();
});
