// One poll: for each list, read what is new (holding the list's lease, so
// exactly one poller talks to lore per list), record it with the source's
// cursor, parse it, assemble series, queue the analysis of every newest
// version that is complete (or waited long enough) and not applied yet,
// run the queued analyses, and send the replies they planned. Each step
// commits with its result (src/store), so a poll killed anywhere is
// finished by the next one without repeating a reply or losing a message.
import { hostname } from 'node:os';
import type { Config } from '../config/schema.ts';
import { isPatchMail, parseRawMessage } from '../mail/parse.ts';
import { assembleSeries } from '../mail/series.ts';
import { threadRootOf } from '../mail/thread.ts';
import type { MailMessage, SeenMessageLike } from './poll-types.ts';
import type { ReplySink } from '../sinks/types.ts';
import type { Store } from '../store/types.ts';
import type { ListSource } from './list-source.ts';
import type { Logger } from './log.ts';
import { runAnalysisJobs, type AnalysisRunReport } from './analysis-worker.ts';
import { withKernelTree } from '../sources/kernel-tree.ts';
import { sendDueReplies, type SendReport } from './reply-sender.ts';

export interface PollDeps {
  store: Store;
  config: Config;
  openSource: (list: string) => ListSource;
  sink: ReplySink;
  log: Logger;
  now?: () => number;
  /** Who holds leases and jobs: host and pid by default. */
  holder?: string;
  /** Checked between steps: true after SIGTERM/SIGINT. */
  stopping?: () => boolean;
  /** Called with a running count while a list is read (progress bars). */
  progress?: (list: string, messages: number) => void;
}

export interface PollReport {
  lists: Array<{ list: string; skipped?: string; newMessages: number; problems: number }>;
  parsed: number;
  queued: number;
  analysis: AnalysisRunReport;
  replies: SendReport;
}

const BATCH = 50;
const LEASE_MS = 15 * 60_000;

export function defaultHolder(): string {
  return `${hostname()}:${process.pid}`;
}

/** A holder `host:pid` of this host whose process no longer exists. */
export function isDeadLocalHolder(holder: string): boolean {
  const m = /^(.*):(\d+)$/.exec(holder);
  if (!m || m[1] !== hostname() || Number(m[2]) === process.pid) return false;
  try {
    process.kill(Number(m[2]), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export async function pollOnce(deps: PollDeps, opts: { lists?: string[] } = {}): Promise<PollReport> {
  const { store, config, log } = deps;
  const now = deps.now ?? Date.now;
  const holder = deps.holder ?? defaultHolder();
  const stopping = deps.stopping ?? (() => false);
  const report: PollReport = { lists: [], parsed: 0, queued: 0, analysis: { done: 0, failed: 0, lost: 0, replies: 0 }, replies: { sent: 0, retried: 0, failed: 0 } };
  const lists = config.lists.filter((l) => l.enabled && (!opts.lists?.length || opts.lists.includes(l.name)));
  // A poller killed on this host leaves leases behind: take its work over now.
  const reaped = await store.reapDeadHolders(isDeadLocalHolder);
  if (reaped.length) log('warn', 'poll.reaped', { holders: reaped });
  for (const l of opts.lists ?? []) {
    if (!config.lists.some((x) => x.name === l)) throw new Error(`no list '${l}' in the configuration (lists: ${config.lists.map((x) => x.name).join(', ')})`);
  }

  for (const list of lists) {
    if (stopping()) break;
    const lease = `poll:${list.name}`;
    if (!(await store.acquireLease(lease, holder, LEASE_MS, now()))) {
      log('info', 'poll.list.skipped', { list: list.name, reason: 'another poller holds the lease' });
      report.lists.push({ list: list.name, skipped: 'lease held elsewhere', newMessages: 0, problems: 0 });
      continue;
    }
    const entry = { list: list.name, newMessages: 0, problems: 0 };
    report.lists.push(entry);
    const source = deps.openSource(list.name);
    try {
      const cursor = await store.getCursor(list.name, source.kind);
      const watched = await store.watchedThreads(list.name, 200);
      let batch: SeenMessageLike[] = [];
      // The cursor of the last item read: sources compute it when asked, so
      // it is asked for once per stored batch, not once per message.
      let last: { cursor: unknown } | undefined;
      let endCursor: unknown;
      const flush = async () => {
        const batchCursor = endCursor !== undefined ? endCursor : last ? last.cursor : cursor;
        const fresh = await store.recordSeen(list.name, source.kind, batch, batchCursor);
        entry.newMessages += fresh.length;
        batch = [];
        deps.progress?.(list.name, entry.newMessages);
      };
      const it = source.read(cursor, watched);
      for (;;) {
        const r = await it.next();
        if (r.done) { endCursor = r.value; break; }
        const item = r.value;
        last = item;
        if (item.kind === 'problem') {
          entry.problems++;
          log('warn', 'poll.source.problem', { list: list.name, input: item.problem.input, where: item.problem.where, message: item.problem.message });
        } else {
          const id = `<${item.message.messageId.replace(/^<|>$/g, '')}>`;
          batch.push({ messageId: id, raw: item.message.bytes });
        }
        if (batch.length >= BATCH) await flush();
        if (stopping()) break;
      }
      await flush();
      await store.acquireLease(lease, holder, LEASE_MS, now());
      log('info', 'poll.list.read', { list: list.name, source: source.kind, newMessages: entry.newMessages, problems: entry.problems });
    } finally {
      await source.close();
      await store.releaseLease(lease, holder);
    }
  }

  if (!stopping()) report.parsed = await parsePending(store, log);
  if (!stopping()) report.queued = await queueAnalyses(store, config, log, now());
  if (!stopping()) {
    report.analysis = await withKernelTree(config.analysis.kernelTree, (kernelTree) =>
      runAnalysisJobs({ store, config, log, worker: holder, stopping, now, ...(kernelTree ? { kernelTree } : {}) }));
  }
  if (!stopping() && config.reply.mode !== 'off') {
    report.replies = await sendDueReplies(store, deps.sink, {
      maxAttempts: 6, baseDelayMs: 60_000, maxDelayMs: 6 * 3600_000, now,
      log: (e) => log(e.event === 'reply.failed' ? 'error' : 'info', String(e.event), e),
    });
  }
  return report;
}

/** Parses every seen message; each batch commits with its results. */
export async function parsePending(store: Store, log: Logger): Promise<number> {
  let total = 0;
  for (;;) {
    const todo = await store.unparsed(100);
    if (todo.length === 0) return total;
    const results = [];
    for (const t of todo) {
      const res = await parseRawMessage({ bytes: t.raw, origin: { input: `${t.list} ${t.messageId}`, where: 'stored message' } });
      for (const p of res.problems) log('warn', 'mail.problem', { messageId: t.messageId, message: p.message });
      const m = res.message;
      if (!m) {
        results.push({ messageId: t.messageId, info: { error: res.problems.map((p) => p.message).join('; ') || 'unreadable' } });
        continue;
      }
      // The store's key is the Message-ID the source saw; keep them equal.
      const msg: MailMessage = { ...m, messageId: t.messageId };
      const isPatch = !msg.isReply && !msg.noReview && (msg.tag?.index === 0 || (isPatchMail(msg) && msg.diff !== ''));
      const info: { threadRoot: string; json: string; isPatch: boolean; noReview?: string } = {
        threadRoot: threadRootOf(msg), json: JSON.stringify(msg), isPatch,
      };
      if (msg.noReview) info.noReview = msg.noReview;
      results.push({ messageId: t.messageId, info });
    }
    await store.recordParsed(results);
    total += todo.length;
  }
}

/**
 * Queues the newest version of each series once it is complete, or once
 * the wait for its missing patches is over; an applied series is left
 * alone (its thread has an "applied" reply).
 */
export async function queueAnalyses(store: Store, config: Config, log: Logger, now: number): Promise<number> {
  const messages = (await store.parsedPatches()).map((j) => JSON.parse(j) as MailMessage);
  const { series } = assembleSeries(messages);
  const applied = new Set(await store.threadsWith('applied-reply'));
  const waitMs = config.analysis.completeWaitMinutes * 60_000;
  let queued = 0;
  for (const s of series) {
    const v = s.versions.at(-1);
    if (!v) continue;
    const members = [...(v.cover ? [v.cover] : []), ...v.patches, ...v.fixups];
    const roots = new Set(members.map(threadRootOf));
    if ([...roots].some((r) => applied.has(r))) {
      log('info', 'analysis.skipped', { seriesId: s.id, version: v.version, reason: 'applied' });
      continue;
    }
    let reason = 'complete';
    if (v.missing.length) {
      const seenAt = await Promise.all(members.map(async (m) => (await store.ledger(m.messageId))?.seenAt ?? now));
      if (now - Math.max(...seenAt) < waitMs) continue;
      reason = `incomplete: missing ${v.missing.join(',')} after ${config.analysis.completeWaitMinutes} min`;
    }
    const ids = members.map((m) => m.messageId);
    if (await store.enqueueAnalysis({ seriesId: s.id, version: v.version, messageIds: ids, reason })) {
      queued++;
      await store.assignSeries(ids.map((messageId) => ({ messageId, seriesId: s.id, version: v.version })));
      log('info', 'analysis.queued', { seriesId: s.id, version: v.version, subject: s.subject, patches: v.patches.length, reason });
    }
  }
  return queued;
}
