// Faults between us and lore, injected by a proxy in front of a real
// public-inbox-httpd: everything still arrives, retries are bounded, every
// retry is logged with its URL and reason, and a request that keeps failing
// ends in a problem naming both, without losing what it would have given.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createInbox, importMessages, importTexts, removeInbox, startHttpd, type RunningHttpd, type TestInbox } from '../helpers/public-inbox.ts';
import { fixtureMessages, newMail, threadRoots, VirtualClock } from './lore-fixtures.ts';
import { messageIds, poll, pollOptions, problems, testClient } from './lore-run.ts';
import { startFaultProxy, type Fault, type SeenRequest } from './fault-proxy.ts';
import type { LoreLogEntry } from '../../src/sources/lore-http/log.ts';
import { escapeMessageId } from '../../src/sources/lore-http/atom.ts';

const fixtures = fixtureMessages();
const roots = threadRoots(fixtures);
const allIds = fixtures.map((m) => m.messageId).sort();
let inbox: TestInbox;
let httpd: RunningHttpd;

before(async () => {
  inbox = createInbox();
  importMessages(inbox, fixtures.map((m) => m.file));
  httpd = await startHttpd(inbox);
});

after(async () => {
  await httpd?.stop();
  if (inbox) removeInbox(inbox);
});

const threadPath = (root: string) => `/linux-mm/${escapeMessageId(root)}/t.mbox.gz`;
const MAX_ATTEMPTS = 4;

function perPathCounts(requests: SeenRequest[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of requests) counts.set(`${r.method} ${r.path}`, (counts.get(`${r.method} ${r.path}`) ?? 0) + 1);
  return counts;
}

test('429 with Retry-After, 5xx, a timeout, a truncated gzip and a bot wall: everything still arrives', async () => {
  const [hang, truncated, wall, busy] = roots;
  assert.ok(hang && truncated && wall && busy, 'four threads to fault');
  const clock = new VirtualClock();
  const plan = (r: SeenRequest): Fault => {
    if (r.path.includes('x=A')) return r.nth === 1 ? { kind: 'status', status: 429, retryAfter: '7' } : r.nth === 2 ? { kind: 'status', status: 500 } : { kind: 'pass' };
    if (r.method === 'POST') return r.nth === 1 ? { kind: 'truncate' } : r.nth === 2 ? { kind: 'html' } : { kind: 'pass' };
    if (r.nth > 1) return { kind: 'pass' };
    if (r.path === threadPath(hang)) return { kind: 'hang' };
    if (r.path === threadPath(truncated)) return { kind: 'truncate' };
    if (r.path === threadPath(wall)) return { kind: 'html' };
    if (r.path === threadPath(busy)) return { kind: 'status', status: 503, retryAfter: new Date(clock.now() + 20_000).toUTCString() };
    return { kind: 'pass' };
  };
  const proxy = await startFaultProxy(httpd.url, plan);
  try {
    const logs: LoreLogEntry[] = [];
    const client = testClient(proxy.url, clock, logs, { timeoutMs: 2000, maxAttempts: MAX_ATTEMPTS });
    const { items } = await poll(pollOptions(client, clock, roots, { maxSingleFetches: 0 }));
    assert.deepEqual(problems(items), []);
    const ids = messageIds(items);
    assert.equal(ids.length, new Set(ids).size, 'no message twice');
    assert.deepEqual([...ids].sort(), allIds);
    for (const [key, n] of perPathCounts(proxy.requests)) assert.ok(n <= MAX_ATTEMPTS, `${key} asked ${n} times`);

    const retries = logs.filter((e) => e.event === 'retry');
    const reasons = retries.map((e) => e.reason ?? '');
    for (const expected of [/^HTTP 429/, /^HTTP 500/, /^HTTP 503/, /^timed out after 2\.0 s/, /^truncated gzip/, /^HTML bot-wall page instead of a gzipped mbox/]) {
      assert.ok(reasons.some((r) => expected.test(r)), `a retry for ${expected}: ${reasons.join(' | ')}`);
    }
    for (const e of retries) {
      assert.equal(e.level, 'warn');
      assert.ok(e.url?.startsWith(proxy.url), e.msg);
      assert.match(e.msg, /^lore http:\/\/127\.0\.0\.1:\d+\/linux-mm\/\S+: .+ \(attempt [1-3]\/4\), retrying in \d+\.\d s$/);
    }
    // Retry-After is honoured: 7 s after the 429, about 20 s after the 503's date.
    const after429 = retries.find((e) => e.status === 429);
    assert.ok((after429?.delayMs ?? 0) >= 7000, `waited ${after429?.delayMs} ms after the 429`);
    const after503 = retries.find((e) => e.status === 503);
    assert.ok((after503?.delayMs ?? 0) >= 15_000, `waited ${after503?.delayMs} ms after the 503`);
    assert.ok(clock.sleeps.some((ms) => ms >= 7000));
  } finally {
    await proxy.stop();
  }
});

test('single fetches behind a bot wall and a 502 still arrive', async () => {
  const plan = (r: SeenRequest): Fault => {
    if (!r.path.endsWith('/raw')) return { kind: 'pass' };
    return r.nth === 1 ? { kind: 'html' } : r.nth === 2 ? { kind: 'status', status: 502 } : { kind: 'pass' };
  };
  const proxy = await startFaultProxy(httpd.url, plan);
  try {
    const clock = new VirtualClock();
    const logs: LoreLogEntry[] = [];
    const client = testClient(proxy.url, clock, logs, { maxAttempts: MAX_ATTEMPTS });
    const { items } = await poll(pollOptions(client, clock, [], { maxSingleFetches: 100 }));
    assert.deepEqual(problems(items), []);
    const ids = messageIds(items);
    assert.ok(ids.length >= 5);
    assert.equal(ids.length, new Set(ids).size);
    assert.ok(logs.some((e) => e.reason === 'HTML bot-wall page instead of a raw message'));
    assert.ok(logs.some((e) => e.reason === 'HTTP 502 Bad Gateway'));
    for (const id of ids) assert.equal(proxy.requests.filter((r) => r.path === `/linux-mm/${escapeMessageId(id)}/raw`).length, 3);
  } finally {
    await proxy.stop();
  }
});

test('a thread failing for good ends in a problem naming its URL, and the next poll recovers it', async () => {
  // A thread with replies that only its t.mbox.gz gives.
  const broken = roots.find((r) => fixtures.some((m) => m.inReplyTo === r)) ?? '';
  let faulty = true;
  const proxy = await startFaultProxy(httpd.url, (r) => (faulty && r.path === threadPath(broken) ? { kind: 'status', status: 500 } : { kind: 'pass' }));
  try {
    const clock = new VirtualClock();
    const logs: LoreLogEntry[] = [];
    const client = testClient(proxy.url, clock, logs, { maxAttempts: MAX_ATTEMPTS });
    const first = await poll(pollOptions(client, clock, roots));
    const probs = problems(first.items);
    assert.equal(probs.length, 1);
    assert.equal(probs[0], `${proxy.url}linux-mm${threadPath(broken).slice('/linux-mm'.length)} thread <${broken}>: HTTP 500 Internal Server Error; giving up`);
    assert.equal(proxy.requests.filter((r) => r.path === threadPath(broken)).length, MAX_ATTEMPTS);
    const giveUp = logs.filter((e) => e.event === 'give-up');
    assert.equal(giveUp.length, 1);
    assert.equal(giveUp[0]?.level, 'error');
    assert.match(giveUp[0]?.msg ?? '', /t\.mbox\.gz: HTTP 500 Internal Server Error; giving up \(attempt 4\/4\)$/);
    const got = new Set(messageIds(first.items));
    assert.ok(got.size < allIds.length, 'the broken thread had replies only it gives');

    faulty = false;
    clock.advance(600_000);
    const second = await poll(pollOptions(client, clock, roots), first.cursor);
    assert.deepEqual(problems(second.items), []);
    const more = messageIds(second.items);
    for (const id of more) assert.ok(!got.has(id), `${id} is not yielded twice`);
    assert.deepEqual([...got, ...more].sort(), allIds);
  } finally {
    await proxy.stop();
  }
});

test('a search failing for good keeps the window, so the next poll finds its hits', async () => {
  let faulty = true;
  const proxy = await startFaultProxy(httpd.url, (r) => (faulty && r.path.includes('x=A') ? { kind: 'status', status: 503 } : { kind: 'pass' }));
  try {
    const clock = new VirtualClock();
    const client = testClient(proxy.url, clock, [], { maxAttempts: 2 });
    const first = await poll(pollOptions(client, clock, []));
    assert.equal(problems(first.items).length, 1);
    assert.match(problems(first.items)[0] ?? '', /x=A search: HTTP 503 Service Unavailable; giving up$/);
    assert.equal(first.cursor.search.since, undefined, 'the window did not move');
    faulty = false;
    const second = await poll(pollOptions(client, clock, []), first.cursor);
    assert.deepEqual(problems(second.items), []);
    assert.ok(messageIds(second.items).length >= 5);
  } finally {
    await proxy.stop();
  }
});

test('a Retry-After beyond the limit fails at once with the reason', async () => {
  const proxy = await startFaultProxy(httpd.url, () => ({ kind: 'status', status: 429, retryAfter: '3600' }));
  try {
    const clock = new VirtualClock();
    const client = testClient(proxy.url, clock, [], { maxRetryAfterMs: 600_000 });
    const first = await poll(pollOptions(client, clock, []));
    assert.equal(proxy.requests.length, 1);
    assert.match(problems(first.items)[0] ?? '', /HTTP 429 Too Many Requests; Retry-After 3600 s is over the limit of 600 s$/);
  } finally {
    await proxy.stop();
  }
});

test('a search mbox failing for good is not replaced by hundreds of single fetches; the next poll gets it', async () => {
  let faulty = true;
  const proxy = await startFaultProxy(httpd.url, (r) => (faulty && r.method === 'POST' ? { kind: 'status', status: 500 } : { kind: 'pass' }));
  try {
    const clock = new VirtualClock();
    const client = testClient(proxy.url, clock, [], { maxAttempts: 2 });
    const first = await poll(pollOptions(client, clock, [], { maxSingleFetches: 0 }));
    assert.deepEqual(messageIds(first.items), []);
    assert.match(problems(first.items)[0] ?? '', /x=m search mbox: HTTP 500 Internal Server Error; giving up; the window stays open so the next poll retries it$/);
    assert.equal(proxy.requests.filter((r) => r.path.endsWith('/raw')).length, 0);
    assert.equal(first.cursor.search.since, undefined);
    faulty = false;
    const second = await poll(pollOptions(client, clock, [], { maxSingleFetches: 0 }), first.cursor);
    assert.deepEqual(problems(second.items), []);
    assert.ok(messageIds(second.items).length >= 5);
  } finally {
    await proxy.stop();
  }
});

test('a hit gone from lore (404) is reported and does not hold the window back', async () => {
  let gone = '';
  const proxy = await startFaultProxy(httpd.url, (r) => {
    if (!r.path.endsWith('/raw')) return { kind: 'pass' };
    gone ||= r.path;
    return r.path === gone ? { kind: 'status', status: 404 } : { kind: 'pass' };
  });
  try {
    const clock = new VirtualClock();
    const client = testClient(proxy.url, clock, []);
    const { items, cursor } = await poll(pollOptions(client, clock, [], { maxSingleFetches: 100 }));
    const probs = problems(items);
    assert.equal(probs.length, 1);
    assert.match(probs[0] ?? '', /\/raw message <[^>]+>: listed by search but gone \(HTTP 404\); skipped$/);
    assert.equal(cursor.search.since, Math.floor(clock.now() / 1000));
    assert.ok(messageIds(items).length >= 4);
  } finally {
    await proxy.stop();
  }
});

test('with a thread gate: a failed gate search and a failed thread fetch lose nothing', async () => {
  let fault: 'gate' | 'thread' | 'none' = 'none';
  const target = roots.find((r) => fixtures.some((m) => m.inReplyTo === r)) ?? '';
  const proxy = await startFaultProxy(httpd.url, (r) => {
    if (fault === 'gate' && r.path.includes('?q=rt%3A')) return { kind: 'status', status: 500 };
    if (fault === 'thread' && r.path === threadPath(target)) return { kind: 'status', status: 500 };
    return { kind: 'pass' };
  });
  try {
    const clock = new VirtualClock();
    const client = testClient(proxy.url, clock, [], { maxAttempts: 2 });
    const opts = pollOptions(client, clock, roots, { threadGate: { sweepSeconds: 6 * 3600, overlapSeconds: 3600 } });
    const first = await poll(opts);
    assert.deepEqual(problems(first.items), []);

    importTexts(inbox, [newMail({ messageId: 'gate-fault-1@example.org', subject: 'Re: x', inReplyTo: target, body: 'Acked-by: B <b@example.org>' })]);
    await httpd.refreshSearch('linux-mm', ['gate-fault-1@example.org']);
    clock.advance(600_000);
    fault = 'gate';
    const gateDown = await poll(opts, first.cursor);
    assert.deepEqual(messageIds(gateDown.items), []);
    assert.match(problems(gateDown.items)[0] ?? '', /thread gate: HTTP 500 Internal Server Error; giving up; watched threads are polled next time$/);
    assert.deepEqual(gateDown.cursor.threadPoll, first.cursor.threadPoll, 'the gate window stays');

    // Two hours on: from this poll on, the gate's window no longer reaches the reply.
    clock.advance(2 * 3600_000);
    fault = 'thread';
    const threadDown = await poll(opts, gateDown.cursor);
    assert.deepEqual(messageIds(threadDown.items), []);
    assert.equal(problems(threadDown.items).length, 1);
    assert.deepEqual(threadDown.cursor.threadPoll?.retry, [target], 'the thread is fetched next time whatever the gate says');

    // The gate cannot see the reply any more; the retry list brings it.
    clock.advance(600_000);
    fault = 'none';
    const healed = await poll(opts, threadDown.cursor);
    assert.deepEqual(problems(healed.items), []);
    assert.deepEqual(messageIds(healed.items), ['gate-fault-1@example.org']);
    assert.equal(healed.cursor.threadPoll?.retry, undefined);
  } finally {
    await proxy.stop();
  }
});
