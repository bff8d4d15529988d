// The Store contract, run against each engine by the engine's test file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/store/types.ts';

export function storeContract(engine: string, open: () => Promise<Store>): void {
  const raw = (s: string) => Buffer.from(`Message-ID: <${s}>\n\nbody ${s}\n`);

  test(`${engine}: migrate is idempotent and messages are recorded once with the cursor`, async () => {
    const store = await open();
    await store.migrate();
    await store.migrate();
    const fresh1 = await store.recordSeen('linux-mm', 'http', [{ messageId: '<a@x>', raw: raw('a') }, { messageId: '<b@x>', raw: raw('b') }], { rt: 100 });
    const fresh2 = await store.recordSeen('linux-mm', 'http', [{ messageId: '<b@x>', raw: raw('b') }, { messageId: '<c@x>', raw: raw('c') }], { rt: 200 });
    assert.deepEqual(fresh1, ['<a@x>', '<b@x>']);
    assert.deepEqual(fresh2, ['<c@x>']);
    assert.deepEqual(await store.getCursor('linux-mm', 'http'), { rt: 200 });
    assert.equal(await store.getCursor('linux-mm', 'git'), undefined);
    assert.equal((await store.raw('<a@x>'))?.toString(), raw('a').toString());
    const todo = await store.unparsed(10);
    assert.deepEqual(todo.map((t) => t.messageId).sort(), ['<a@x>', '<b@x>', '<c@x>']);
    await store.recordParsed([
      { messageId: '<a@x>', info: { threadRoot: '<a@x>', seriesId: 's1', version: 2 } },
      { messageId: '<b@x>', info: { error: 'unreadable MIME' } },
    ]);
    assert.deepEqual((await store.unparsed(10)).map((t) => t.messageId), ['<c@x>']);
    const a = await store.ledger('<a@x>');
    assert.equal(a?.state, 'parsed');
    assert.equal(a?.seriesId, 's1');
    assert.equal(a?.version, 2);
    assert.equal((await store.ledger('<b@x>'))?.state, 'failed');
    const counts = await store.counts();
    assert.deepEqual(counts.messages, { seen: 1, parsed: 1, failed: 1 });
    await store.close();
  });

  test(`${engine}: an analysis is queued once, claimed by one worker, completed with its findings and replies`, async () => {
    const store = await open();
    await store.migrate();
    assert.equal(await store.enqueueAnalysis({ seriesId: 's2', version: 1, messageIds: ['<p1@x>'], reason: 'complete' }), true);
    assert.equal(await store.enqueueAnalysis({ seriesId: 's2', version: 1, messageIds: ['<p1@x>'], reason: 'again' }), false);
    assert.equal(await store.latestRevision('s2', 1), 0);
    assert.equal(await store.latestRevision('s2', 9), -1);
    const now = 1_000_000;
    const job = await store.claimAnalysis('w1', 60_000, now);
    assert.ok(job);
    assert.equal(job.seriesId, 's2');
    assert.equal(await store.claimAnalysis('w2', 60_000, now), undefined, 'held by w1');
    // w1's lease runs out: w2 takes over, w1's late result is refused.
    const taken = await store.claimAnalysis('w2', 60_000, now + 61_000);
    assert.equal(taken?.id, job.id);
    assert.equal(taken?.attempts, 2);
    const finding = { seriesId: 's2', version: 1, findingId: 'F1', fingerprint: 'fp1', ruleId: 'r', json: '{}' };
    const reply = { messageId: '<reply-1@ptbot>', inReplyTo: '<p1@x>', rfc822: 'Subject: Re: x\n\nbody\n' };
    assert.equal(await store.completeAnalysis(job.id, 'w1', { summary: 'late', findings: [finding], replies: [reply] }), false);
    assert.equal((await store.counts()).findings, 0);
    assert.equal(await store.completeAnalysis(job.id, 'w2', { summary: '1 finding', findings: [finding], replies: [reply] }), true);
    assert.deepEqual((await store.analyses('s2')).map((a) => a.state), ['done']);
    assert.equal((await store.counts()).findings, 1);
    // v2's previous findings are v1's.
    assert.deepEqual((await store.previousFindings('s2', 2)).map((f) => f.fingerprint), ['fp1']);
    assert.deepEqual(await store.previousFindings('s2', 1), []);
    // The planned reply is due, sent once; its Message-ID was fixed when planned.
    const due = await store.dueReply();
    assert.equal(due?.messageId, '<reply-1@ptbot>');
    await store.markReplyAttemptFailed(due?.id ?? -1, 'connection refused', Date.now() + 60_000);
    assert.equal(await store.dueReply(), undefined, 'not due before its retry time');
    const retry = await store.dueReply(Date.now() + 61_000);
    assert.equal(retry?.attempts, 1);
    await store.markReplySent(retry?.id ?? -1);
    assert.equal(await store.dueReply(Date.now() + 1e9), undefined);
    assert.deepEqual((await store.replies()).map((r) => [r.state, r.attempts]), [['sent', 2]]);
    await store.close();
  });

  test(`${engine}: a failed analysis is retried up to its limit, then failed`, async () => {
    const store = await open();
    await store.migrate();
    await store.enqueueAnalysis({ seriesId: 's3', version: 1, messageIds: [], reason: 'x' });
    for (let i = 0; i < 3; i++) {
      const job = await store.claimAnalysis('w', 1000);
      assert.ok(job, `attempt ${i + 1} claimed`);
      await store.failAnalysis(job.id, 'w', 'boom', 3);
    }
    assert.equal(await store.claimAnalysis('w', 1000), undefined);
    assert.deepEqual((await store.analyses('s3')).map((a) => a.state), ['failed']);
    await store.close();
  });

  test(`${engine}: a lease has one holder until it expires`, async () => {
    const store = await open();
    await store.migrate();
    const t = 5_000_000;
    assert.equal(await store.acquireLease('poll:linux-mm', 'A', 10_000, t), true);
    assert.equal(await store.acquireLease('poll:linux-mm', 'B', 10_000, t + 1), false);
    assert.equal(await store.acquireLease('poll:linux-mm', 'A', 10_000, t + 5_000), true, 'renewed by its holder');
    assert.equal(await store.acquireLease('poll:linux-mm', 'B', 10_000, t + 14_000), false);
    assert.equal(await store.acquireLease('poll:linux-mm', 'B', 10_000, t + 16_000), true, 'expired');
    await store.releaseLease('poll:linux-mm', 'B');
    assert.equal(await store.acquireLease('poll:linux-mm', 'A', 10_000, t + 16_001), true);
    await store.close();
  });
}
