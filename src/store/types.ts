// The store's contract: one interface, two engines (SQLite embedded,
// PostgreSQL for several workers). Every side effect of the bot moves a
// row through DESIGN.md's state machine
//   message seen -> parsed -> series version analysed -> reply planned -> reply sent
// and each step is recorded in the same transaction as its result, so a
// crash anywhere repeats no reply and loses no message.

export type MessageState = 'seen' | 'parsed' | 'failed';
export type AnalysisState = 'queued' | 'running' | 'done' | 'failed';
export type ReplyState = 'planned' | 'sent' | 'failed';

export interface SeenMessage {
  messageId: string;
  raw: Buffer;
  /** When the source received it (ms since epoch), if known. */
  receivedAt?: number;
}

export interface LedgerEntry {
  messageId: string;
  list: string;
  source: string;
  state: MessageState;
  seenAt: number;
  threadRoot?: string;
  seriesId?: string;
  version?: number;
  noReview?: string;
  error?: string;
}

export interface ParsedInfo {
  threadRoot?: string;
  seriesId?: string;
  version?: number;
  noReview?: string;
  /** Set when the message could not be parsed: it is then `failed`. */
  error?: string;
  /** The parsed MailMessage as JSON, kept for series assembly. */
  json?: string;
  /** A patch or cover letter (not a reply): what assembly needs. */
  isPatch?: boolean;
}

export interface AnalysisJob {
  id: number;
  seriesId: string;
  version: number;
  /** 0 for the first analysis of a version; +1 for each re-analysis asked for. */
  revision: number;
  messageIds: string[];
  reason: string;
  state: AnalysisState;
  attempts: number;
  leaseOwner?: string;
  leaseUntil?: number;
}

export interface StoredFinding {
  seriesId: string;
  version: number;
  findingId: string;
  fingerprint: string;
  ruleId: string;
  /** The Finding as JSON. */
  json: string;
}

export interface PlannedReply {
  /** Fixed when planned, reused on every retry (receivers de-duplicate on it). */
  messageId: string;
  inReplyTo: string;
  /** The whole RFC 5322 message. */
  rfc822: string;
  /** Not sent before this time (ms): the embargo that lets humans answer first. */
  notBefore?: number;
}

export interface ReplyRow extends PlannedReply {
  id: number;
  analysisId: number;
  state: ReplyState;
  attempts: number;
  nextAttemptAt: number;
  lastError?: string;
}

export interface StoreCounts {
  messages: Record<MessageState, number>;
  analyses: Record<AnalysisState, number>;
  replies: Record<ReplyState, number>;
  findings: number;
}

export interface Store {
  readonly engine: 'sqlite' | 'postgres';
  /** Creates or upgrades the schema; safe to call at every start. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  /**
   * Records messages a source delivered and that source's new cursor, in
   * one transaction: a crash before it re-delivers them, after it never.
   * Returns the Message-IDs that were new.
   */
  recordSeen(list: string, source: string, messages: SeenMessage[], cursor: unknown): Promise<string[]>;
  getCursor<T = unknown>(list: string, source: string): Promise<T | undefined>;
  /** Messages seen but not yet parsed, oldest first. */
  unparsed(limit: number): Promise<Array<{ messageId: string; list: string; raw: Buffer }>>;
  /** Parsing results for a batch of messages, in one transaction. */
  recordParsed(results: Array<{ messageId: string; info: ParsedInfo }>): Promise<void>;
  ledger(messageId: string): Promise<LedgerEntry | undefined>;
  /** Parsed JSON of the patches and cover letters of a list (all lists when undefined). */
  parsedPatches(list?: string): Promise<string[]>;
  /** Parsed JSON of every message in the given threads (replies included), oldest first. */
  threadMessages(threadRoots: string[]): Promise<string[]>;
  /** Parsed JSON of the given messages, in the order asked, skipping unknown ones. */
  parsedMessages(messageIds: string[]): Promise<string[]>;
  /**
   * One stored member of each thread of the list that holds an analysed
   * series version, newest thread first: fetching a member's thread gets
   * the whole thread even when its root never reached the archive.
   */
  watchedThreads(list: string, limit: number): Promise<string[]>;
  /** Thread roots where a never-review mail of this reason was seen (e.g. applied). */
  threadsWith(noReview: string): Promise<string[]>;
  raw(messageId: string): Promise<Buffer | undefined>;

  /**
   * Queues the analysis of a series version, once: a second call for the
   * same version and revision does nothing and returns false.
   */
  enqueueAnalysis(job: { seriesId: string; version: number; revision?: number; messageIds: string[]; reason: string }): Promise<boolean>;
  /** Highest revision queued for a series version, or -1. */
  latestRevision(seriesId: string, version: number): Promise<number>;
  /**
   * Takes the oldest queued job (or one whose lease ran out) for `worker`.
   * Two workers never hold the same job.
   */
  claimAnalysis(worker: string, leaseMs: number, now?: number): Promise<AnalysisJob | undefined>;
  /**
   * Records the result of a job, its findings and the replies it plans,
   * in one transaction; false (and nothing written) when `worker` no longer
   * holds the job's lease.
   */
  completeAnalysis(jobId: number, worker: string, result: { summary: string; findings: StoredFinding[]; replies: PlannedReply[] }): Promise<boolean>;
  failAnalysis(jobId: number, worker: string, error: string, maxAttempts: number): Promise<void>;
  analyses(seriesId: string): Promise<AnalysisJob[]>;
  /** Records which series and version parsed messages belong to. */
  assignSeries(rows: Array<{ messageId: string; seriesId: string; version: number }>): Promise<void>;
  /** Findings of the newest analysed version before `version`. */
  previousFindings(seriesId: string, version: number): Promise<StoredFinding[]>;

  /** The next planned reply due for sending. */
  dueReply(now?: number): Promise<ReplyRow | undefined>;
  markReplySent(id: number, now?: number): Promise<void>;
  /** Records a failed attempt: retried at `retryAt`, or failed for good when undefined. */
  markReplyAttemptFailed(id: number, error: string, retryAt: number | undefined): Promise<void>;
  replies(): Promise<ReplyRow[]>;
  /** Replies planned so far into the thread of `messageId`, and since `sinceMs` overall (caps). */
  replyCounts(messageId: string, sinceMs: number): Promise<{ inThread: number; since: number }>;

  /** A named lease (one poller per list): true when `holder` has it until now+ttl. */
  acquireLease(name: string, holder: string, ttlMs: number, now?: number): Promise<boolean>;
  releaseLease(name: string, holder: string): Promise<void>;
  /**
   * Frees the leases and job leases of holders that `isDead` says are gone
   * (a process killed on this host), so their work is taken over at once
   * instead of after the lease time. Returns the holders freed.
   */
  reapDeadHolders(isDead: (holder: string) => boolean): Promise<string[]>;

  counts(): Promise<StoreCounts>;
}
