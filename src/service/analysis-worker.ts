// Runs queued analysis jobs: claim one (a lease, so two workers never hold
// the same job), rebuild the series version from the stored messages, run
// the rules, plan the replies against the previous version's findings,
// and commit result, findings and planned replies in one transaction.
import { analyzeSeries, treesOf } from '../analysis/analyze.ts';
import type { Finding } from '../analysis/finding.ts';
import type { Config } from '../config/schema.ts';
import type { FileProvider } from '../patch/file-provider.ts';
import { assembleSeries } from '../mail/series.ts';
import { threadRootOf } from '../mail/thread.ts';
import type { MailMessage, Series } from '../mail/types.ts';
import { describeBase, planReplies } from '../report/email/plan.ts';
import { replyOptionsFrom, replyPolicyFrom } from '../report/email/options.ts';
import type { AnalysisJob, Store, StoredFinding } from '../store/types.ts';
import type { Logger } from './log.ts';

export interface AnalysisRunReport { done: number; failed: number; lost: number; replies: number }

export interface WorkerDeps {
  store: Store;
  config: Config;
  log: Logger;
  worker: string;
  stopping?: () => boolean;
  now?: () => number;
  /** Stop after this many jobs (tests, bounded runs). */
  maxJobs?: number;
  /** `analysis.kernelTree` opened: rules get whole functions. */
  kernelTree?: FileProvider;
}

const LEASE_MS = 10 * 60_000;

export async function runAnalysisJobs(deps: WorkerDeps): Promise<AnalysisRunReport> {
  const report: AnalysisRunReport = { done: 0, failed: 0, lost: 0, replies: 0 };
  const now = deps.now ?? Date.now;
  for (let n = 0; deps.maxJobs === undefined || n < deps.maxJobs; n++) {
    if (deps.stopping?.()) break;
    const job = await deps.store.claimAnalysis(deps.worker, LEASE_MS, now());
    if (!job) break;
    try {
      const planned = await analyseJob(job, deps, new Date(now()));
      const ok = await deps.store.completeAnalysis(job.id, deps.worker, planned);
      if (ok) {
        report.done++;
        report.replies += planned.replies.length;
        deps.log('info', 'analysis.done', { seriesId: job.seriesId, version: job.version, revision: job.revision, findings: planned.findings.length, replies: planned.replies.length });
      } else {
        report.lost++;
        deps.log('warn', 'analysis.lease-lost', { seriesId: job.seriesId, version: job.version, worker: deps.worker });
      }
    } catch (err) {
      report.failed++;
      const message = err instanceof Error ? err.message : String(err);
      await deps.store.failAnalysis(job.id, deps.worker, message, deps.config.analysis.maxAttempts);
      deps.log('error', 'analysis.failed', { seriesId: job.seriesId, version: job.version, attempt: job.attempts, error: message });
    }
  }
  return report;
}

/**
 * The reply policy that needs the store: only on lists where replies are
 * allowed (`reply.lists`, empty for all), at most `reply.maxPerThread` bot
 * replies in a thread and `reply.maxPerDay` in 24 hours. A reply held back
 * is logged, not queued for later: a late bot mail is worse than none.
 */
async function applyReplyCaps<R extends { inReplyTo: string; messageId: string }>(replies: R[], deps: WorkerDeps, now: number): Promise<R[]> {
  const { store, config, log } = deps;
  const kept: R[] = [];
  let today = (await store.replyCounts('', now - 86_400_000)).since;
  for (const r of replies) {
    const entry = await store.ledger(r.inReplyTo);
    if (config.reply.lists.length && entry && !config.reply.lists.includes(entry.list)) {
      log('info', 'reply.held', { inReplyTo: r.inReplyTo, reason: `list ${entry.list} is not in reply.lists` });
      continue;
    }
    const { inThread } = await store.replyCounts(r.inReplyTo, now - 86_400_000);
    const plannedHere = kept.length;
    if (inThread + plannedHere >= config.reply.maxPerThread) {
      log('info', 'reply.held', { inReplyTo: r.inReplyTo, reason: `reply.maxPerThread (${config.reply.maxPerThread}) reached` });
      continue;
    }
    if (today >= config.reply.maxPerDay) {
      log('warn', 'reply.held', { inReplyTo: r.inReplyTo, reason: `reply.maxPerDay (${config.reply.maxPerDay}) reached` });
      continue;
    }
    today++;
    kept.push(r);
  }
  return kept;
}

async function analyseJob(job: AnalysisJob, deps: WorkerDeps, date: Date) {
  const { store, config } = deps;
  const messages = (await store.parsedMessages(job.messageIds)).map((j) => JSON.parse(j) as MailMessage);
  if (messages.length === 0) throw new Error(`none of the ${job.messageIds.length} messages of ${job.seriesId} v${job.version} is in the store`);
  const assembled = assembleSeries(messages).series;
  // The job names the series; the messages of one version may assemble
  // under another id (the id comes from the oldest version), so it is set.
  const version = assembled.flatMap((s) => s.versions).find((v) => v.version === job.version) ?? assembled[0]?.versions.at(-1);
  const base = assembled[0];
  if (!version || !base) throw new Error(`messages of ${job.seriesId} v${job.version} do not form that version`);
  const series: Series = { ...base, id: job.seriesId, versions: [version] };
  // The whole thread goes along: litmus tests pasted in replies are answered too.
  const roots = messages.map(threadRootOf);
  const thread = (await store.threadMessages(roots)).map((j) => JSON.parse(j) as MailMessage);
  const result = await analyzeSeries([series], {
    relevance: config.relevance, rules: config.rules, versions: 'newest', messages: thread,
    ...(deps.kernelTree ? { fileProvider: deps.kernelTree } : {}),
  });
  const findings: StoredFinding[] = result.findings.map((f) => ({
    seriesId: job.seriesId, version: job.version, findingId: f.id, fingerprint: f.fingerprint, ruleId: f.ruleId, json: JSON.stringify(f),
  }));
  const previous = (await store.previousFindings(job.seriesId, job.version)).map((p) => {
    const f = JSON.parse(p.json) as Finding;
    return { fingerprint: p.fingerprint, title: f.title, ruleId: p.ruleId, version: p.version };
  });
  const replyAllowed = config.reply.mode !== 'off';
  const replies = replyAllowed ? planReplies({
    series, version, revision: job.revision, findings: result.findings, previous, rules: result.rules,
    analysedAgainst: describeBase(version, config.analysis.kernelTree, treesOf(result, job.seriesId)),
  }, replyPolicyFrom(config), replyOptionsFrom(config, date)) : [];
  const kept = await applyReplyCaps(replies, deps, date.getTime());
  const summary = `${result.findings.length} finding(s) on ${version.patches.length} patch(es); ${kept.length} reply(ies) planned` +
    (kept.length < replies.length ? ` (${replies.length - kept.length} held back by reply caps or list policy)` : '');
  return {
    summary, findings,
    replies: kept.map((r) => ({
      messageId: r.messageId, inReplyTo: r.inReplyTo, rfc822: r.rfc822,
      notBefore: date.getTime() + config.reply.embargoMinutes * 60_000,
    })),
  };
}
