// The configuration's schema: every key the bot reads, its type, default
// and meaning. Unknown keys are errors (a typo must not pass silently).
import { z } from 'zod';

const severity = z.enum(['error', 'warning', 'info']);

const listSchema = z.strictObject({
  /** Name on lore: `linux-mm`, `linux-arm-kernel`. */
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'a lore list name such as linux-mm'),
  /** Search narrowing what is fetched (public-inbox query syntax). */
  query: z.string().optional(),
  enabled: z.boolean().default(true),
  /** A local public-inbox v2 mirror of the list (the folder holding `git/N.git`), read instead of HTTP search. */
  gitMirror: z.string().min(1).optional(),
  /** Read this list from a local folder or mbox instead (offline runs, the demo). */
  files: z.string().min(1).optional(),
});

export const configSchema = z.strictObject({
  lists: z.array(listSchema).default([]),
  lore: z.strictObject({
    baseUrl: z.url().default('https://lore.kernel.org/'),
    /** An honest, non-browser User-Agent with a contact. */
    userAgent: z.string().min(8).default('pgtable-review-bot/0.1 (+mailto:ptbot@example.invalid)'),
    /** node-cron expression for the poller. */
    schedule: z.string().default('*/10 * * * *'),
    /** Minimum seconds between two requests to lore. */
    minRequestIntervalSeconds: z.number().min(0).default(2),
    /** One attempt (headers and body) may take this long. */
    requestTimeoutSeconds: z.number().positive().default(60),
    /** Attempts per request, the first included, on 429, 5xx, timeouts, truncated or HTML answers. */
    maxAttempts: z.number().int().min(1).max(20).default(5),
    /** Backoff before retry n: retryBaseSeconds * 2^(n-1), capped, with jitter. */
    retryBaseSeconds: z.number().min(0).default(5),
    retryMaxSeconds: z.number().min(0).default(300),
    /** A Retry-After longer than this fails the request instead of being waited out. */
    maxRetryAfterSeconds: z.number().min(0).default(900),
    /** Search windows reach back this far before the last poll (late-archived mail, clock skew). */
    searchOverlapSeconds: z.number().int().min(0).default(2 * 86400),
    /** The first poll of a list looks back this far. */
    firstLookbackSeconds: z.number().int().min(0).default(2 * 86400),
    /** Up to this many new hits are fetched one by one (`/raw`); more as one search mbox. */
    maxSingleFetches: z.number().int().min(0).default(8),
    /**
     * Above 0: watched threads are fetched only when one search of the
     * list's recent mail shows a reply in them, and all of them at least
     * this often (a sweep). 0: every watched thread on every poll.
     */
    threadGateSweepSeconds: z.number().int().min(0).default(0),
    /** The gate's search reaches this far back before the last thread poll. */
    threadGateOverlapSeconds: z.number().int().min(0).default(3600),
  }).prefault({}),
  relevance: z.strictObject({
    /** Path globs (`*`, `**`, `?`, `{a,b}`) of page-table code. */
    paths: z.array(z.string().min(1)).default([]),
    /** Identifier globs seen in hunks (`p?d_free_*`). */
    identifiers: z.array(z.string().min(1)).default([]),
  }).prefault({}),
  rules: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a rule id such as lazy-mmu-unbalanced'), z.strictObject({
    enabled: z.boolean().optional(),
    severity: severity.optional(),
  })).default({}),
  analysis: z.strictObject({
    /** `newest`: only the newest version of a series; `all`: every version. */
    versions: z.enum(['newest', 'all']).default('newest'),
    /** Messages above this size are skipped with an error. */
    maxMessageBytes: z.number().int().positive().default(32 * 1024 * 1024),
    /** A version whose patches are not all there is analysed after this wait. */
    completeWaitMinutes: z.number().min(0).default(120),
    /** Attempts before an analysis job is recorded as failed. */
    maxAttempts: z.number().int().positive().default(3),
    /** A local kernel git tree for whole-file context (optional). */
    kernelTree: z.string().optional(),
  }).prefault({}),
  store: z.strictObject({
    engine: z.enum(['sqlite', 'postgres']).default('sqlite'),
    sqlitePath: z.string().default('.ptbot/state.sqlite'),
    /** postgres://user:password@host/db (secret). */
    postgresUrl: z.string().optional(),
  }).prefault({}),
  reply: z.strictObject({
    /** `outbox`: write replies to a maildir (dry run); `smtp`: send; `off`. */
    mode: z.enum(['outbox', 'smtp', 'off']).default('outbox'),
    outboxDir: z.string().default('.ptbot/outbox'),
    from: z.string().default('pgtable-review-bot <ptbot@example.invalid>'),
    /** Findings below this severity are not mailed. */
    minSeverity: severity.default('warning'),
    maxFindingsPerReply: z.number().int().positive().default(10),
    /** Only mention findings that are new in this version of the series. */
    onlyNewFindings: z.boolean().default(true),
    wrapColumn: z.number().int().min(60).max(100).default(72),
    /** Write to the author only (no Cc of the lists and reviewers). */
    authorOnly: z.boolean().default(false),
    /** Addresses that asked never to be written to. */
    optOut: z.array(z.string().email()).default([]),
    /** Lists the bot may reply on (empty: every list it reads). */
    lists: z.array(z.string()).default([]),
    /** At most this many bot replies in one thread, and per day overall. */
    maxPerThread: z.number().int().positive().default(3),
    maxPerDay: z.number().int().positive().default(50),
    /** Wait this long after a version arrives before replying (humans first). */
    embargoMinutes: z.number().int().min(0).default(0),
    /** Domain of the bot's Message-IDs (default: the From address's). */
    messageIdDomain: z.string().optional(),
    /** Where rule documentation lives, cited in each reply's footer. */
    docsBaseUrl: z.string().default('https://github.com/pgtable-review-bot/pgtable-review-bot/tree/main/rules'),
    smtp: z.strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(1).max(65535).default(25),
      secure: z.boolean().default(false),
      user: z.string().optional(),
      /** secret */
      password: z.string().optional(),
    }).prefault({}),
  }).prefault({}),
  github: z.strictObject({
    appId: z.number().int().positive().optional(),
    /** PEM private key of the GitHub App (secret), or a path to it. */
    privateKey: z.string().optional(),
    privateKeyPath: z.string().optional(),
    /** secret */
    webhookSecret: z.string().optional(),
    checkName: z.string().default('pgtable-review-bot'),
    apiBaseUrl: z.url().default('https://api.github.com'),
  }).prefault({}),
});

export type Config = z.infer<typeof configSchema>;

/** Dotted paths of secret values, masked whenever the config is printed. */
export const SECRET_PATHS = [
  'store.postgresUrl', 'reply.smtp.password', 'github.privateKey', 'github.webhookSecret',
] as const;
