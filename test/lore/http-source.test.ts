// The HTTP source against a real public-inbox-httpd: discovery by search
// plus polling of watched threads yields every fixture message once, a
// restart from any cursor repeats and misses nothing, and mail archived
// later is found by the next poll.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createInbox, importMessages, importTexts, removeInbox, startHttpd, type RunningHttpd, type TestInbox } from '../helpers/public-inbox.ts';
import { fixtureMessages, newMail, NEW_PATCH_BODY, threadRoots, VirtualClock } from './lore-fixtures.ts';
import { messageIds, poll, pollOptions, problems, testClient, USER_AGENT } from './lore-run.ts';
import type { LoreLogEntry } from '../../src/sources/lore-http/log.ts';
import type { LoreHttpCursor } from '../../src/sources/lore-http/types.ts';
import { startFaultProxy } from './fault-proxy.ts';
import { fetchNewAtom } from '../../src/sources/lore-http/endpoints.ts';

const fixtures = fixtureMessages();
const roots = threadRoots(fixtures);
let inbox: TestInbox;
let httpd: RunningHttpd;

before(async () => {
  inbox = createInbox();
  const res = importMessages(inbox, fixtures.map((m) => m.file));
  assert.equal(res.added, fixtures.length, 'every fixture message is new to the inbox');
  httpd = await startHttpd(inbox);
});

after(async () => {
  await httpd?.stop();
  if (inbox) removeInbox(inbox);
});

let firstCursor: LoreHttpCursor;

test('search and watched threads yield exactly the fixture messages, each once', async () => {
  const clock = new VirtualClock();
  const logs: LoreLogEntry[] = [];
  const client = testClient(httpd.url, clock, logs);
  const { items, cursor } = await poll(pollOptions(client, clock, roots));
  assert.deepEqual(problems(items), []);
  const ids = messageIds(items);
  assert.equal(ids.length, new Set(ids).size, 'no message twice');
  assert.deepEqual([...ids].sort(), fixtures.map((m) => m.messageId).sort());
  // Patches come from search; the replies that touch no path from their threads.
  const viaSearch = new Set(items.flatMap((i) => (i.kind === 'message' && i.message.via === 'search' ? [i.message.messageId] : [])));
  const patches = fixtures.filter((m) => /^diff --git a\/(mm|arch|include)\//m.test(m.bytes.toString('latin1')));
  assert.ok(patches.length >= 5);
  for (const p of patches) assert.ok(viaSearch.has(p.messageId), `patch ${p.messageId} is found by search`);
  assert.equal(cursor.search.since, Math.floor(clock.now() / 1000));
  assert.equal(JSON.stringify(JSON.parse(JSON.stringify(cursor))), JSON.stringify(cursor), 'the cursor is plain JSON');
  firstCursor = cursor;
});

test('a restart from the cursor of any item yields exactly the rest', async () => {
  const clock = new VirtualClock();
  const client = testClient(httpd.url, clock, []);
  const whole = await poll(pollOptions(client, clock, roots));
  const all = messageIds(whole.items);
  for (const k of [0, 3, Math.floor(all.length / 2), all.length - 2]) {
    const item = whole.items[k];
    assert.ok(item);
    const restart = await poll(pollOptions(client, clock, roots), JSON.parse(JSON.stringify(item.cursor)) as LoreHttpCursor);
    assert.deepEqual(problems(restart.items), []);
    assert.deepEqual(messageIds(restart.items).sort(), all.slice(k + 1).sort(), `restart after item ${k}`);
  }
  const again = await poll(pollOptions(client, clock, roots), whole.cursor);
  assert.deepEqual(messageIds(again.items), [], 'a poll right after a complete one yields nothing');
});

test('two watched Message-IDs of one thread give its messages once', async () => {
  const clock = new VirtualClock();
  const client = testClient(httpd.url, clock, []);
  const replies = fixtures.filter((m) => m.inReplyTo && roots.includes(m.inReplyTo)).map((m) => m.messageId);
  assert.ok(replies.length >= 2);
  const { items } = await poll(pollOptions(client, clock, [...roots, ...replies]));
  const ids = messageIds(items);
  assert.equal(ids.length, new Set(ids).size, 'no message twice');
  assert.equal(ids.length, fixtures.length);
  assert.deepEqual(Object.keys((await poll(pollOptions(client, clock, roots))).cursor.threads).sort(), [...roots].sort(), 'unwatched threads leave the cursor');
});

test('a window that overlaps the last poll yields nothing twice at its edge', async () => {
  const clock = new VirtualClock();
  const client = testClient(httpd.url, clock, []);
  // The overlap reaches back over every fixture: all are hits again, all de-duplicated.
  const opts = pollOptions(client, clock, roots, { overlapSeconds: 30 * 365 * 86400 });
  const first = await poll(opts);
  clock.advance(600_000);
  const second = await poll(opts, first.cursor);
  assert.deepEqual(messageIds(second.items), []);
  assert.ok(Object.keys(second.cursor.search.recent).length >= 5, 'the edge keeps its Message-IDs');
});

test('the feed of new messages lists the newest fixture mail', async () => {
  const clock = new VirtualClock();
  const entries = await fetchNewAtom(testClient(httpd.url, clock, []), 'linux-mm');
  assert.ok(entries.length > 0);
  const ids = new Set(fixtures.map((m) => m.messageId));
  for (const e of entries) assert.ok(ids.has(e.messageId), `${e.messageId} is a fixture message`);
});

test('unchanged threads answer 304 behind a caching front end, and requests carry the User-Agent', async () => {
  const proxy = await startFaultProxy(httpd.url, () => ({ kind: 'pass' }), { etags: true });
  try {
    const clock = new VirtualClock();
    const client = testClient(proxy.url, clock, []);
    const first = await poll(pollOptions(client, clock, roots));
    assert.equal(messageIds(first.items).length, fixtures.length);
    const before304 = proxy.requests.length;
    const second = await poll(pollOptions(client, clock, roots), first.cursor);
    assert.deepEqual(messageIds(second.items), []);
    const threadAsks = proxy.requests.slice(before304).filter((r) => r.path.endsWith('/t.mbox.gz'));
    assert.equal(threadAsks.length, roots.length);
    for (const r of threadAsks) {
      assert.ok(r.ifNoneMatch, `${r.path} is conditional`);
      assert.equal(r.answered, 304, `${r.path} is answered 304`);
    }
    assert.ok(proxy.requests.every((r) => r.userAgent === USER_AGENT));
  } finally {
    await proxy.stop();
  }
});

test('requests are spaced by the minimum interval', async () => {
  const clock = new VirtualClock();
  const starts: number[] = [];
  const client = testClient(httpd.url, clock, [], {
    minRequestIntervalMs: 2000,
    fetch: (input, init) => { starts.push(clock.now()); return fetch(input, init); },
  });
  await poll(pollOptions(client, clock, roots.slice(0, 3)), firstCursor);
  assert.ok(starts.length >= 4);
  for (let i = 1; i < starts.length; i++) {
    assert.ok((starts[i] ?? 0) - (starts[i - 1] ?? 0) >= 2000, `request ${i} is ${(starts[i] ?? 0) - (starts[i - 1] ?? 0)} ms after the one before`);
  }
});

test('a patch and a reply archived later are found by the next poll, once', async () => {
  const clock = new VirtualClock();
  const client = testClient(httpd.url, clock, []);
  const opts = pollOptions(client, clock, roots);
  const start = await poll(opts, firstCursor);
  assert.deepEqual(messageIds(start.items), []);
  const root = roots[0] ?? '';
  const added = importTexts(inbox, [
    newMail({ messageId: 'later-reply-1@example.org', subject: 'Re: review', inReplyTo: root, body: 'Looks right to me.\n\n#ptbot explain F0000001' }),
    newMail({ messageId: 'later-patch-1@example.org', subject: '[PATCH] mm: pair a lazy MMU section', body: NEW_PATCH_BODY }),
  ]);
  assert.equal(added.added, 2);
  await httpd.refreshSearch('linux-mm', ['later-patch-1@example.org']);
  clock.advance(600_000);
  const next = await poll(opts, start.cursor);
  assert.deepEqual(problems(next.items), []);
  assert.deepEqual(messageIds(next.items).sort(), ['later-patch-1@example.org', 'later-reply-1@example.org']);
  const via = Object.fromEntries(next.items.flatMap((i) => (i.kind === 'message' ? [[i.message.messageId, i.message.via]] : [])));
  assert.deepEqual(via, { 'later-patch-1@example.org': 'search', 'later-reply-1@example.org': 'thread' });
  clock.advance(600_000);
  const after = await poll(opts, next.cursor);
  assert.deepEqual(messageIds(after.items), []);
});

test('with a thread gate, only threads with new mail are fetched between sweeps', async () => {
  const clock = new VirtualClock();
  const threadFetches: string[] = [];
  const client = testClient(httpd.url, clock, [], {
    fetch: (input, init) => { if (String(input).endsWith('/t.mbox.gz')) threadFetches.push(String(input)); return fetch(input, init); },
  });
  const opts = pollOptions(client, clock, roots, { threadGate: { sweepSeconds: 6 * 3600, overlapSeconds: 3600 } });
  const first = await poll(opts);
  assert.deepEqual(problems(first.items), []);
  assert.equal(threadFetches.length, roots.length, 'the first poll sweeps every thread');
  assert.equal(first.cursor.threadPoll?.sweptAt, Math.floor(clock.now() / 1000));

  clock.advance(600_000);
  threadFetches.length = 0;
  const quiet = await poll(opts, first.cursor);
  assert.deepEqual(messageIds(quiet.items), []);
  assert.equal(threadFetches.length, 0, 'no thread has new mail: none is fetched');

  // A reply to a root and a reply to a reply, in two different threads.
  const r2 = roots.find((r) => fixtures.some((m) => m.inReplyTo === r));
  const r1 = roots.find((r) => r !== r2);
  const member = fixtures.find((m) => m.inReplyTo === r2)?.messageId;
  assert.ok(r1 && r2 && member, 'a root and a thread with a reply');
  importTexts(inbox, [
    newMail({ messageId: 'gate-reply-1@example.org', subject: 'Re: one', inReplyTo: r1, body: 'Reviewed-by: A <a@example.org>' }),
    newMail({ messageId: 'gate-reply-2@example.org', subject: 'Re: two', inReplyTo: member, body: 'Nit below.' }),
    newMail({ messageId: 'gate-reply-3@example.org', subject: 'Re: two', inReplyTo: 'gate-reply-2@example.org', body: 'Fixed in v2.' }),
  ]);
  await httpd.refreshSearch('linux-mm', ['gate-reply-1@example.org', 'gate-reply-2@example.org', 'gate-reply-3@example.org']);
  clock.advance(600_000);
  threadFetches.length = 0;
  const next = await poll(opts, quiet.cursor);
  assert.deepEqual(problems(next.items), []);
  assert.deepEqual(messageIds(next.items).sort(), ['gate-reply-1@example.org', 'gate-reply-2@example.org', 'gate-reply-3@example.org']);
  // Exactly the watched threads holding a parent of the new mail (two roots may be one thread).
  const holding = roots.filter((r) => [r1, member].some((p) => r === p || quiet.cursor.threads[r]?.seen.includes(p)));
  assert.ok(holding.length >= 2 && holding.length < roots.length);
  assert.deepEqual(threadFetches.map((u) => decodeURIComponent(u.split('/').slice(-2)[0] ?? '')).sort(), holding.sort());

  clock.advance(7 * 3600_000);
  threadFetches.length = 0;
  const sweep = await poll(opts, next.cursor);
  assert.deepEqual(messageIds(sweep.items), []);
  assert.equal(threadFetches.length, roots.length, 'the sweep fetches every thread again');
});
