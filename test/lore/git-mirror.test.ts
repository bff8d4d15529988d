// The v2 mirror reader on a real public-inbox inbox (several epochs, as lore
// rotates them): every fixture message once, restarts from any cursor, new
// mail found by the next read through the same long-lived cat-file
// processes, and the raw-byte filter.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createInbox, importMessages, importTexts, removeInbox, type TestInbox } from '../helpers/public-inbox.ts';
import { fixtureMessages, newMail, NEW_PATCH_BODY, threadRoots } from './lore-fixtures.ts';
import { drain, messageIds, problems, TEST_RELEVANCE } from './lore-run.ts';
import { LoreGitMirror, listEpochs, type LoreGitCursor } from '../../src/sources/lore-git/mirror.ts';
import { relevanceRawFilter } from '../../src/sources/lore-git/raw-filter.ts';
import { rawMessageId } from '../../src/sources/raw-headers.ts';

const fixtures = fixtureMessages();
const roots = threadRoots(fixtures);
let inbox: TestInbox;

before(() => {
  inbox = createInbox();
  // Small epochs, so the reader walks several of them.
  const res = importMessages(inbox, fixtures.map((m) => m.file), { rotateBytes: 40_000 });
  assert.equal(res.added, fixtures.length);
});

after(() => { if (inbox) removeInbox(inbox); });

test('the inbox has several epochs', async () => {
  assert.ok((await listEpochs(inbox.inboxDir)).length >= 2);
});

test('a read yields exactly the fixture messages, once, in the order they were archived', async () => {
  const mirror = new LoreGitMirror({ list: 'linux-mm', inboxDir: inbox.inboxDir });
  try {
    const { items, cursor } = await drain(mirror.read());
    assert.deepEqual(problems(items), []);
    assert.deepEqual(messageIds(items), fixtures.map((m) => m.messageId));
    const first = items[0];
    assert.ok(first?.kind === 'message');
    assert.match(first.message.origin.where, /^commit [0-9a-f]{40}$/);
    assert.deepEqual(Object.keys(cursor.epochs).sort(), (await listEpochs(inbox.inboxDir)).map(String).sort());
    // The bytes are the message as archived: the fixture without its From_ line.
    const f0 = fixtures[0]?.bytes.toString('latin1').replace(/^From [^\n]*\n/, '');
    assert.equal(first.message.bytes.toString('latin1').trimEnd(), f0?.trimEnd());
  } finally {
    await mirror.close();
  }
});

test('a restart from the cursor of any item yields exactly the rest', async () => {
  const mirror = new LoreGitMirror({ list: 'linux-mm', inboxDir: inbox.inboxDir, window: 4 });
  try {
    const whole = await drain(mirror.read());
    const ids = messageIds(whole.items);
    for (let k = 0; k < whole.items.length; k += 3) {
      const cursor = JSON.parse(JSON.stringify(whole.items[k]?.cursor)) as LoreGitCursor;
      const rest = await drain(mirror.read(cursor));
      assert.deepEqual(messageIds(rest.items), ids.slice(k + 1), `restart after item ${k}`);
    }
    assert.deepEqual(messageIds((await drain(mirror.read(whole.cursor))).items), []);
  } finally {
    await mirror.close();
  }
});

test('mail archived later is found by the next read, through the same cat-file process per epoch', async () => {
  const mirror = new LoreGitMirror({ list: 'linux-mm', inboxDir: inbox.inboxDir });
  try {
    const first = await drain(mirror.read());
    const pids = mirror.catFilePids;
    assert.equal(pids.length, (await listEpochs(inbox.inboxDir)).length, 'one cat-file per epoch');
    importTexts(inbox, [newMail({ messageId: 'git-later-1@example.org', subject: '[PATCH] mm: later', body: NEW_PATCH_BODY })]);
    const next = await drain(mirror.read(first.cursor));
    assert.deepEqual(messageIds(next.items), ['git-later-1@example.org']);
    assert.deepEqual(mirror.catFilePids.slice(0, pids.length), pids, 'the processes live on between reads');
  } finally {
    await mirror.close();
  }
});

test('the raw filter keeps patches on relevant paths and replies on watched threads, drops the rest', async () => {
  const mirror0 = new LoreGitMirror({ list: 'linux-mm', inboxDir: inbox.inboxDir });
  const start = (await drain(mirror0.read())).cursor;
  await mirror0.close();
  importTexts(inbox, [
    newMail({ messageId: 'unrelated-1@example.org', subject: 'net: tidy a driver', body: 'Nothing about page tables here.' }),
    newMail({ messageId: 'watched-reply-1@example.org', subject: 'Re: a review', inReplyTo: roots[0], body: '#ptbot ignore F1234567' }),
  ]);
  const filter = relevanceRawFilter({ ...TEST_RELEVANCE, watchedMessageIds: roots });
  const mirror = new LoreGitMirror({ list: 'linux-mm', inboxDir: inbox.inboxDir, filter });
  try {
    const all = await drain(mirror.read());
    const ids = new Set(messageIds(all.items));
    for (const m of fixtures.filter((f) => /^diff --git a\/(mm|arch|include)\//m.test(f.bytes.toString('latin1')))) {
      assert.ok(ids.has(m.messageId), `patch ${m.messageId} passes`);
    }
    assert.ok(ids.has('watched-reply-1@example.org'));
    assert.ok(!ids.has('unrelated-1@example.org'));
    // Replies that name no path, to patches found in this read, come along.
    for (const m of fixtures.filter((f) => f.inReplyTo && ids.has(f.inReplyTo))) assert.ok(ids.has(m.messageId), `reply ${m.messageId} passes`);
    assert.ok(mirror.stats.filteredOut >= 1);
    const later = await drain(mirror.read(start));
    assert.deepEqual(messageIds(later.items).filter((id) => !id.startsWith('git-later')), ['watched-reply-1@example.org']);
  } finally {
    await mirror.close();
  }
});

test('without following replies, only the filter decides', async () => {
  // A filter that keeps one patch only; its replies come by following.
  const patch = roots.find((r) => fixtures.some((m) => m.inReplyTo === r)) ?? '';
  const filter = (bytes: Buffer) => rawMessageId(bytes) === patch;
  const follow = new LoreGitMirror({ list: 'linux-mm', inboxDir: inbox.inboxDir, filter });
  const strict = new LoreGitMirror({ list: 'linux-mm', inboxDir: inbox.inboxDir, filter, followReplies: false });
  try {
    const withReplies = messageIds((await drain(follow.read())).items);
    const only = messageIds((await drain(strict.read())).items);
    assert.deepEqual(only, [patch]);
    const replies = fixtures.filter((m) => m.inReplyTo === patch).map((m) => m.messageId);
    for (const id of [patch, ...replies]) assert.ok(withReplies.includes(id), id);
  } finally {
    await follow.close();
    await strict.close();
  }
});

test('a cursor naming a commit the epoch does not have is a problem, not a crash', async () => {
  const mirror = new LoreGitMirror({ list: 'linux-mm', inboxDir: inbox.inboxDir });
  try {
    const bogus: LoreGitCursor = { source: 'lore-git', list: 'linux-mm', epochs: { 0: 'f'.repeat(40) } };
    const { items, cursor } = await drain(mirror.read(bogus));
    const probs = problems(items);
    assert.equal(probs.length, 1);
    assert.match(probs[0] ?? '', /git\/0\.git after commit f{40}: git rev-list .*; this epoch is left at its cursor$/);
    assert.equal(cursor.epochs['0'], 'f'.repeat(40));
    await assert.rejects(() => drain(mirror.read({ source: 'lore-git', list: 'linux-arch', epochs: {} })), /list 'linux-arch' given to the git mirror of list 'linux-mm'/);
  } finally {
    await mirror.close();
  }
});
