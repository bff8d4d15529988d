// Sends the replies the store has planned, each with the Message-ID fixed
// when it was planned. A failed attempt is retried with exponential
// backoff up to a limit, then recorded as failed; nothing is dropped.
//
// The one window no store can close: the SMTP server accepted the message
// and the process died before markReplySent committed. The reply is then
// sent again after restart, with the same Message-ID, so receivers (and
// lore) de-duplicate it.
import type { ReplySink } from '../sinks/types.ts';
import { DeliveryError } from '../sinks/types.ts';
import type { Store } from '../store/types.ts';

export interface SenderOptions {
  maxAttempts: number;
  /** First retry delay; doubled each attempt, capped at maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  now?: () => number;
  log?: (event: Record<string, unknown>) => void;
}

export interface SendReport { sent: number; retried: number; failed: number }

export function retryDelay(attempt: number, base: number, max: number): number {
  return Math.min(max, base * 2 ** Math.max(0, attempt - 1));
}

export async function sendDueReplies(store: Store, sink: ReplySink, opts: SenderOptions): Promise<SendReport> {
  const now = opts.now ?? Date.now;
  const log = opts.log ?? (() => undefined);
  const report: SendReport = { sent: 0, retried: 0, failed: 0 };
  const tried = new Set<number>();
  for (;;) {
    const due = await store.dueReply(now());
    if (!due || tried.has(due.id)) break;
    tried.add(due.id);
    try {
      await sink.deliver({ messageId: due.messageId, rfc822: due.rfc822 });
      await store.markReplySent(due.id, now());
      report.sent++;
      log({ event: 'reply.sent', sink: sink.name, messageId: due.messageId, inReplyTo: due.inReplyTo, attempt: due.attempts + 1 });
    } catch (err) {
      const attempt = due.attempts + 1;
      const message = err instanceof Error ? err.message : String(err);
      const permanent = err instanceof DeliveryError && err.permanent;
      if (permanent || attempt >= opts.maxAttempts) {
        await store.markReplyAttemptFailed(due.id, message, undefined);
        report.failed++;
        log({ event: 'reply.failed', sink: sink.name, messageId: due.messageId, attempt, permanent, error: message });
      } else {
        const delay = retryDelay(attempt, opts.baseDelayMs, opts.maxDelayMs);
        await store.markReplyAttemptFailed(due.id, message, now() + delay);
        report.retried++;
        log({ event: 'reply.retry', sink: sink.name, messageId: due.messageId, attempt, retryInMs: delay, error: message });
      }
    }
  }
  return report;
}
