// The Store over either SQL engine. Each public method is one transaction
// (or one statement), so each step of the state machine commits together
// with its result.
import type { Migration } from './migrations.ts';
import { MIGRATIONS } from './migrations.ts';
import type { Row, SqlDriver, SqlExecutor, SqlValue } from './sql-driver.ts';
import type {
  AnalysisJob, AnalysisState, LedgerEntry, MessageState, ParsedInfo, PlannedReply,
  ReplyRow, ReplyState, SeenMessage, Store, StoreCounts, StoredFinding,
} from './types.ts';

/** Advisory lock key of schema migrations ("ptbot" in ASCII). */
const MIGRATION_LOCK = 0x7074626f74;
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

export class SqlStore implements Store {
  readonly engine: 'sqlite' | 'postgres';
  constructor(private readonly db: SqlDriver, private readonly migrations: Migration[] = MIGRATIONS) {
    this.engine = db.dialect.name;
  }

  async migrate(): Promise<void> {
    // One transaction, serialised across processes (an advisory lock on
    // PostgreSQL, BEGIN IMMEDIATE on SQLite): workers starting together
    // apply each migration once and none sees half a schema.
    await this.db.tx(async (q) => {
      if (this.db.dialect.name === 'postgres') await q.all('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
      await q.run('CREATE TABLE IF NOT EXISTS ptbot_schema (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)');
      const done = new Set((await q.all('SELECT version FROM ptbot_schema')).map((r) => num(r.version)));
      for (const m of this.migrations) {
        if (done.has(m.version)) continue;
        for (const st of m.statements(this.db.dialect)) await q.run(st);
        await q.run('INSERT INTO ptbot_schema (version, description, applied_at) VALUES (?, ?, ?)', [m.version, m.description, Date.now()]);
      }
    });
  }

  close(): Promise<void> { return this.db.close(); }

  async recordSeen(list: string, source: string, messages: SeenMessage[], cursor: unknown): Promise<string[]> {
    const now = Date.now();
    return this.db.tx(async (q) => {
      const fresh: string[] = [];
      for (const m of messages) {
        const r = await q.run(
          'INSERT INTO messages (message_id, list, source, state, raw, received_at, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING',
          [m.messageId, list, source, 'seen', m.raw, m.receivedAt ?? null, now]);
        if (r.changes > 0) fresh.push(m.messageId);
      }
      await q.run(
        'INSERT INTO cursors (list, source, cursor, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (list, source) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at',
        [list, source, JSON.stringify(cursor ?? null), now]);
      return fresh;
    });
  }

  async getCursor<T = unknown>(list: string, source: string): Promise<T | undefined> {
    const rows = await this.db.all('SELECT cursor FROM cursors WHERE list = ? AND source = ?', [list, source]);
    const c = rows[0]?.cursor;
    return c === undefined ? undefined : (JSON.parse(String(c)) as T);
  }

  async unparsed(limit: number): Promise<Array<{ messageId: string; list: string; raw: Buffer }>> {
    const rows = await this.db.all("SELECT message_id, list, raw FROM messages WHERE state = 'seen' ORDER BY seen_at, message_id LIMIT ?", [limit]);
    return rows.map((r) => ({ messageId: String(r.message_id), list: String(r.list), raw: Buffer.from(r.raw as Uint8Array) }));
  }

  async recordParsed(results: Array<{ messageId: string; info: ParsedInfo }>): Promise<void> {
    const now = Date.now();
    await this.db.tx(async (q) => {
      for (const { messageId, info } of results) {
        await q.run(
          'UPDATE messages SET state = ?, parsed_at = ?, thread_root = ?, series_id = ?, version = ?, no_review = ?, error = ?, parsed_json = ?, is_patch = ? WHERE message_id = ?',
          [info.error ? 'failed' : 'parsed', now, info.threadRoot ?? null, info.seriesId ?? null, info.version ?? null, info.noReview ?? null,
            info.error ?? null, info.json ?? null, info.isPatch ? 1 : 0, messageId]);
      }
    });
  }

  async ledger(messageId: string): Promise<LedgerEntry | undefined> {
    const r = (await this.db.all('SELECT * FROM messages WHERE message_id = ?', [messageId]))[0];
    if (!r) return undefined;
    const e: LedgerEntry = { messageId, list: String(r.list), source: String(r.source), state: String(r.state) as MessageState, seenAt: num(r.seen_at) };
    const opt: Array<[keyof LedgerEntry, unknown]> = [['threadRoot', r.thread_root], ['seriesId', r.series_id], ['noReview', r.no_review], ['error', r.error]];
    for (const [k, v] of opt) if (v !== null && v !== undefined) (e as unknown as Record<string, unknown>)[k] = String(v);
    if (r.version !== null && r.version !== undefined) e.version = num(r.version);
    return e;
  }

  async parsedPatches(list?: string): Promise<string[]> {
    const rows = list === undefined
      ? await this.db.all("SELECT parsed_json FROM messages WHERE state = 'parsed' AND is_patch = 1 ORDER BY seen_at, message_id")
      : await this.db.all("SELECT parsed_json FROM messages WHERE state = 'parsed' AND is_patch = 1 AND list = ? ORDER BY seen_at, message_id", [list]);
    return rows.flatMap((r) => (r.parsed_json ? [String(r.parsed_json)] : []));
  }

  async threadMessages(threadRoots: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const root of [...new Set(threadRoots)]) {
      const rows = await this.db.all("SELECT parsed_json FROM messages WHERE thread_root = ? AND state = 'parsed' ORDER BY seen_at, message_id", [root]);
      for (const r of rows) if (r.parsed_json) out.push(String(r.parsed_json));
    }
    return out;
  }

  async parsedMessages(messageIds: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const id of messageIds) {
      const r = (await this.db.all("SELECT parsed_json FROM messages WHERE message_id = ? AND state = 'parsed'", [id]))[0];
      if (r?.parsed_json) out.push(String(r.parsed_json));
    }
    return out;
  }

  async watchedThreads(list: string, limit: number): Promise<string[]> {
    const rows = await this.db.all(
      'SELECT thread_root, MIN(message_id) AS member, MAX(seen_at) AS t FROM messages WHERE list = ? AND series_id IS NOT NULL AND thread_root IS NOT NULL GROUP BY thread_root ORDER BY t DESC, thread_root LIMIT ?',
      [list, limit]);
    // A member the archive has: the root itself may never have reached it.
    return rows.map((r) => String(r.member));
  }

  async threadsWith(noReview: string): Promise<string[]> {
    const rows = await this.db.all('SELECT DISTINCT thread_root FROM messages WHERE no_review = ? AND thread_root IS NOT NULL', [noReview]);
    return rows.map((r) => String(r.thread_root));
  }

  async assignSeries(rows: Array<{ messageId: string; seriesId: string; version: number }>): Promise<void> {
    await this.db.tx(async (q) => {
      for (const r of rows) await q.run('UPDATE messages SET series_id = ?, version = ? WHERE message_id = ?', [r.seriesId, r.version, r.messageId]);
    });
  }

  async raw(messageId: string): Promise<Buffer | undefined> {
    const r = (await this.db.all('SELECT raw FROM messages WHERE message_id = ?', [messageId]))[0];
    return r?.raw ? Buffer.from(r.raw as Uint8Array) : undefined;
  }

  async enqueueAnalysis(job: { seriesId: string; version: number; revision?: number; messageIds: string[]; reason: string }): Promise<boolean> {
    const r = await this.db.run(
      'INSERT INTO analyses (series_id, version, revision, message_ids, reason, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (series_id, version, revision) DO NOTHING',
      [job.seriesId, job.version, job.revision ?? 0, JSON.stringify(job.messageIds), job.reason, 'queued', Date.now()]);
    return r.changes > 0;
  }

  async latestRevision(seriesId: string, version: number): Promise<number> {
    const r = (await this.db.all('SELECT MAX(revision) AS m FROM analyses WHERE series_id = ? AND version = ?', [seriesId, version]))[0];
    return r?.m === null || r?.m === undefined ? -1 : num(r.m);
  }

  async claimAnalysis(worker: string, leaseMs: number, now = Date.now()): Promise<AnalysisJob | undefined> {
    return this.db.tx(async (q) => {
      const pick = await q.all(
        `SELECT id FROM analyses WHERE state = 'queued' OR (state = 'running' AND lease_until < ?) ORDER BY id LIMIT 1${this.db.dialect.lockForClaim}`,
        [now]);
      const id = pick[0]?.id;
      if (id === undefined) return undefined;
      await q.run("UPDATE analyses SET state = 'running', lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE id = ?", [worker, now + leaseMs, num(id)]);
      const row = (await q.all('SELECT * FROM analyses WHERE id = ?', [num(id)]))[0];
      return row ? toJob(row) : undefined;
    });
  }

  async completeAnalysis(jobId: number, worker: string, result: { summary: string; findings: StoredFinding[]; replies: PlannedReply[] }): Promise<boolean> {
    const now = Date.now();
    return this.db.tx(async (q) => {
      const held = await q.run(
        "UPDATE analyses SET state = 'done', summary = ?, finished_at = ?, lease_until = NULL WHERE id = ? AND state = 'running' AND lease_owner = ?",
        [result.summary, now, jobId, worker]);
      if (held.changes === 0) return false;
      for (const f of result.findings) {
        await q.run('INSERT INTO findings (analysis_id, series_id, version, finding_id, fingerprint, rule_id, json) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
          [jobId, f.seriesId, f.version, f.findingId, f.fingerprint, f.ruleId, f.json]);
      }
      for (const r of result.replies) {
        await q.run('INSERT INTO replies (analysis_id, message_id, in_reply_to, rfc822, state, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING',
          [jobId, r.messageId, r.inReplyTo, r.rfc822, 'planned', Math.max(now, r.notBefore ?? 0), now]);
      }
      return true;
    });
  }

  async failAnalysis(jobId: number, worker: string, error: string, maxAttempts: number): Promise<void> {
    await this.db.run(
      `UPDATE analyses SET state = CASE WHEN attempts >= ? THEN 'failed' ELSE 'queued' END, error = ?, lease_owner = NULL, lease_until = NULL
       WHERE id = ? AND lease_owner = ?`,
      [maxAttempts, error, jobId, worker]);
  }

  async analyses(seriesId: string): Promise<AnalysisJob[]> {
    return (await this.db.all('SELECT * FROM analyses WHERE series_id = ? ORDER BY version, revision', [seriesId])).map(toJob);
  }

  async previousFindings(seriesId: string, version: number): Promise<StoredFinding[]> {
    const prev = await this.db.all(
      "SELECT MAX(a.version) AS v FROM analyses a WHERE a.series_id = ? AND a.version < ? AND a.state = 'done'", [seriesId, version]);
    const v = prev[0]?.v;
    if (v === null || v === undefined) return [];
    const rows = await this.db.all(
      `SELECT f.* FROM findings f WHERE f.analysis_id = (SELECT MAX(id) FROM analyses WHERE series_id = ? AND version = ? AND state = 'done') ORDER BY f.finding_id`,
      [seriesId, num(v)]);
    return rows.map((r) => ({
      seriesId: String(r.series_id), version: num(r.version), findingId: String(r.finding_id),
      fingerprint: String(r.fingerprint), ruleId: String(r.rule_id), json: String(r.json),
    }));
  }

  async dueReply(now = Date.now()): Promise<ReplyRow | undefined> {
    const r = (await this.db.all("SELECT * FROM replies WHERE state = 'planned' AND next_attempt_at <= ? ORDER BY id LIMIT 1", [now]))[0];
    return r ? toReply(r) : undefined;
  }

  async markReplySent(id: number, now = Date.now()): Promise<void> {
    await this.db.run("UPDATE replies SET state = 'sent', sent_at = ?, attempts = attempts + 1 WHERE id = ?", [now, id]);
  }

  async markReplyAttemptFailed(id: number, error: string, retryAt: number | undefined): Promise<void> {
    await this.db.run(
      'UPDATE replies SET state = ?, attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?',
      [retryAt === undefined ? 'failed' : 'planned', error, retryAt ?? 0, id]);
  }

  async replies(): Promise<ReplyRow[]> {
    return (await this.db.all('SELECT * FROM replies ORDER BY id')).map(toReply);
  }

  async replyCounts(messageId: string, sinceMs: number): Promise<{ inThread: number; since: number }> {
    const inThread = await this.db.all(
      `SELECT COUNT(*) AS n FROM replies r JOIN messages m ON m.message_id = r.in_reply_to
       WHERE m.thread_root = (SELECT thread_root FROM messages WHERE message_id = ?)`, [messageId]);
    const since = await this.db.all('SELECT COUNT(*) AS n FROM replies WHERE created_at >= ?', [sinceMs]);
    return { inThread: num(inThread[0]?.n ?? 0), since: num(since[0]?.n ?? 0) };
  }

  async acquireLease(name: string, holder: string, ttlMs: number, now = Date.now()): Promise<boolean> {
    return this.db.tx(async (q) => {
      const r = await q.run(
        'INSERT INTO leases (name, holder, until) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until WHERE leases.holder = excluded.holder OR leases.until < ?',
        [name, holder, now + ttlMs, now]);
      return r.changes > 0;
    });
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.db.run('DELETE FROM leases WHERE name = ? AND holder = ?', [name, holder]);
  }

  async reapDeadHolders(isDead: (holder: string) => boolean): Promise<string[]> {
    const holders = new Set<string>();
    for (const r of await this.db.all("SELECT DISTINCT lease_owner AS h FROM analyses WHERE state = 'running' AND lease_owner IS NOT NULL")) holders.add(String(r.h));
    for (const r of await this.db.all('SELECT DISTINCT holder AS h FROM leases')) holders.add(String(r.h));
    const dead = [...holders].filter(isDead);
    if (dead.length === 0) return [];
    await this.db.tx(async (q) => {
      for (const h of dead) {
        await q.run("UPDATE analyses SET lease_until = 0 WHERE state = 'running' AND lease_owner = ?", [h]);
        await q.run('DELETE FROM leases WHERE holder = ?', [h]);
      }
    });
    return dead;
  }

  async counts(): Promise<StoreCounts> {
    const group = async <K extends string>(table: string, keys: readonly K[]): Promise<Record<K, number>> => {
      const out = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
      for (const r of await this.db.all(`SELECT state, COUNT(*) AS n FROM ${table} GROUP BY state`)) {
        out[String(r.state) as K] = num(r.n);
      }
      return out;
    };
    const findings = num((await this.db.all('SELECT COUNT(*) AS n FROM findings'))[0]?.n ?? 0);
    return {
      messages: await group<MessageState>('messages', ['seen', 'parsed', 'failed']),
      analyses: await group<AnalysisState>('analyses', ['queued', 'running', 'done', 'failed']),
      replies: await group<ReplyState>('replies', ['planned', 'sent', 'failed']),
      findings,
    };
  }

  /** For tests and tools: run a read-only query. */
  query(sql: string, params: SqlValue[] = []): Promise<Row[]> { return this.db.all(sql, params); }
  executor(): SqlExecutor { return this.db; }
}

function toJob(r: Row): AnalysisJob {
  const job: AnalysisJob = {
    id: num(r.id), seriesId: String(r.series_id), version: num(r.version), revision: num(r.revision),
    messageIds: JSON.parse(String(r.message_ids)) as string[], reason: String(r.reason),
    state: String(r.state) as AnalysisState, attempts: num(r.attempts),
  };
  const owner = str(r.lease_owner);
  if (owner) job.leaseOwner = owner;
  if (r.lease_until !== null && r.lease_until !== undefined) job.leaseUntil = num(r.lease_until);
  return job;
}

function toReply(r: Row): ReplyRow {
  const row: ReplyRow = {
    id: num(r.id), analysisId: num(r.analysis_id), messageId: String(r.message_id), inReplyTo: String(r.in_reply_to),
    rfc822: String(r.rfc822), state: String(r.state) as ReplyState, attempts: num(r.attempts), nextAttemptAt: num(r.next_attempt_at),
  };
  const e = str(r.last_error);
  if (e) row.lastError = e;
  return row;
}
