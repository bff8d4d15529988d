import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { MaildirOutbox } from '../../src/sinks/outbox.ts';
import { SmtpSink } from '../../src/sinks/smtp.ts';
import { sendDueReplies } from '../../src/service/reply-sender.ts';
import { SqlStore } from '../../src/store/sql-store.ts';
import { openSqlite } from '../../src/store/sqlite-driver.ts';
import { planReplies, describeBase } from '../../src/report/email/plan.ts';
import { replyOptionsFrom, replyPolicyFrom } from '../../src/report/email/options.ts';
import { startSmtp } from '../helpers/smtp.ts';
import { analysed, X86_BUG } from './fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'ptbot-sinks-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function realReply() {
  const { config, mail, result } = await analysed(X86_BUG);
  const series = mail.series[0];
  const version = series?.versions.at(-1);
  assert.ok(series && version);
  const [reply] = planReplies({ series, version, revision: 0, findings: result.findings, previous: [], rules: result.rules,
    analysedAgainst: describeBase(version, undefined) }, replyPolicyFrom(config), replyOptionsFrom(config, new Date('2026-12-01T10:00:00Z')));
  assert.ok(reply);
  return reply;
}

let storeN = 0;
async function storeWith(reply: { messageId: string; inReplyTo: string; rfc822: string }) {
  const store = new SqlStore(openSqlite(join(dir, `s${++storeN}.sqlite`)));
  await store.migrate();
  await store.enqueueAnalysis({ seriesId: 's', version: 1, messageIds: [reply.inReplyTo], reason: 'test' });
  const job = await store.claimAnalysis('w', 60_000);
  assert.ok(job);
  await store.completeAnalysis(job.id, 'w', { summary: '', findings: [], replies: [reply] });
  return store;
}

test('the outbox is a maildir and keeps one file per reply however often it is delivered', async () => {
  const reply = await realReply();
  const outbox = new MaildirOutbox(join(dir, 'outbox'));
  await outbox.deliver(reply);
  await outbox.deliver(reply);
  const files = readdirSync(join(dir, 'outbox', 'new'));
  assert.equal(files.length, 1);
  assert.deepEqual(readdirSync(join(dir, 'outbox', 'tmp')), []);
  const parsed = await simpleParser(readFileSync(join(dir, 'outbox', 'new', files[0] ?? '')));
  assert.equal(parsed.messageId, reply.messageId);
});

test('SMTP on loopback: the reply arrives intact, threaded, to the author and Cc', async () => {
  const smtp = await startSmtp();
  try {
    const reply = await realReply();
    const store = await storeWith(reply);
    const sink = new SmtpSink({ host: '127.0.0.1', port: smtp.port, secure: false, from: 'ptbot@example.invalid', timeoutMs: 2000 });
    const report = await sendDueReplies(store, sink, { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000 });
    assert.deepEqual(report, { sent: 1, retried: 0, failed: 0 });
    assert.equal(smtp.received.length, 1);
    const got = smtp.received[0];
    assert.ok(got);
    assert.equal(got.from, 'ptbot@example.invalid');
    assert.ok(got.to.includes('toshi.kani@hpe.com') && got.to.includes('linux-mm@kvack.org'));
    const parsed = await simpleParser(got.raw);
    assert.equal(parsed.messageId, reply.messageId);
    assert.equal(parsed.inReplyTo, '<20180314180155.19492-3-toshi.kani@hpe.com>');
    assert.equal(parsed.text?.trim(), reply.body.trim());
    assert.equal((await store.replies())[0]?.state, 'sent');
    await sink.close();
    await store.close();
  } finally {
    await smtp.stop();
  }
});

test('SMTP refusing, stalling and dropping: retries with backoff, then success or a recorded failure', async () => {
  const smtp = await startSmtp();
  try {
    const reply = await realReply();
    const store = await storeWith(reply);
    const sink = new SmtpSink({ host: '127.0.0.1', port: smtp.port, secure: false, from: 'ptbot@example.invalid', timeoutMs: 500 });
    const events: Array<Record<string, unknown>> = [];
    let clock = Date.now() + 1000;
    const opts = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000, now: () => clock, log: (e: Record<string, unknown>) => events.push(e) };
    smtp.faults.push('refuse-temporary', 'stall', 'drop');
    for (let round = 0; round < 3; round++) {
      const r = await sendDueReplies(store, sink, opts);
      assert.deepEqual(r, { sent: 0, retried: 1, failed: 0 }, `round ${round}`);
      // Not due again until its backoff has passed.
      assert.deepEqual(await sendDueReplies(store, sink, opts), { sent: 0, retried: 0, failed: 0 });
      clock += 1000 * 2 ** round;
    }
    assert.deepEqual(events.map((e) => e.retryInMs), [1000, 2000, 4000]);
    assert.deepEqual(await sendDueReplies(store, sink, opts), { sent: 1, retried: 0, failed: 0 });
    assert.equal(smtp.received.length, 1);
    assert.equal((await store.replies())[0]?.attempts, 4);

    // A permanent refusal is recorded as failed at once; nothing is lost.
    const other = { ...reply, messageId: '<ptbot-second@example.invalid>' };
    const store2 = await storeWith(other);
    smtp.faults.push('refuse-permanent');
    assert.deepEqual(await sendDueReplies(store2, sink, opts), { sent: 0, retried: 0, failed: 1 });
    const row = (await store2.replies())[0];
    assert.equal(row?.state, 'failed');
    assert.match(row?.lastError ?? '', /550|relaying denied/);
    await sink.close();
    await store.close();
    await store2.close();
  } finally {
    await smtp.stop();
  }
});
