// A public-inbox HTTP client for lore: one instance per lore host. Every
// request goes through the same door: the polite spacing, an honest
// User-Agent, conditional headers from the cache, a timeout, and bounded
// retries with backoff on what is worth retrying. Errors name the URL, the
// reason and the attempt.
import { checkAnswer, type LoreExpect } from './answer-check.ts';
import { MemoryHttpCache, type LoreHttpCache } from './http-cache.ts';
import { silentLogger, type LoreLogger } from './log.ts';
import { RequestSpacer, backoffDelay, parseRetryAfter, systemClock, type BackoffPolicy, type LoreClock } from './politeness.ts';

export interface LoreHttpOptions {
  /** `https://lore.kernel.org/`; list names are appended. */
  baseUrl: string;
  userAgent: string;
  minRequestIntervalMs: number;
  /** Per attempt, headers and body together. */
  timeoutMs: number;
  /** Attempts per request, the first included. */
  maxAttempts: number;
  backoff: BackoffPolicy;
  /** A Retry-After longer than this is not waited out: the request fails. */
  maxRetryAfterMs: number;
  /** Answers over this size fail (not retried). */
  maxResponseBytes: number;
  clock?: LoreClock;
  logger?: LoreLogger;
  random?: () => number;
  fetch?: typeof fetch;
  cache?: LoreHttpCache;
}

export interface LoreAnswer {
  url: string;
  /** 200, or 304 when the cached copy (or the caller's validators) still hold. */
  status: 200 | 304;
  /** The payload (gunzipped for mbox-gz); empty on a 304 without a cached copy. */
  body: Buffer;
  etag?: string;
  lastModified?: string;
}

export interface LoreRequest {
  url: string;
  method?: 'GET' | 'POST';
  expect: LoreExpect;
  /** Validators the caller keeps itself (thread cursors); else the cache's. */
  etag?: string;
  lastModified?: string;
  /** Answer 404 as an empty 200 (a search with no hits is a 404 on public-inbox). */
  notFoundIsEmpty?: boolean;
}

/** A request that failed for good, or a 404. */
export class LoreHttpError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
    readonly attempts: number,
    readonly status?: number,
  ) {
    super(`lore ${url}: ${reason}${attempts > 1 ? ` (after ${attempts} attempts)` : ''}`);
    this.name = 'LoreHttpError';
  }
}

type Attempt =
  | { kind: 'done'; answer: LoreAnswer }
  | { kind: 'retry'; reason: string; status?: number; retryAfterMs?: number }
  | { kind: 'fail'; reason: string; status?: number };

export class LoreHttpClient {
  private readonly clock: LoreClock;
  private readonly log: LoreLogger;
  private readonly spacer: RequestSpacer;
  private readonly fetchImpl: typeof fetch;
  private readonly cache: LoreHttpCache;
  /** Requests sent, retries included (for tests and metrics). */
  requests = 0;

  constructor(readonly options: LoreHttpOptions) {
    this.clock = options.clock ?? systemClock;
    this.log = options.logger ?? silentLogger;
    this.spacer = new RequestSpacer(this.clock, options.minRequestIntervalMs);
    this.fetchImpl = options.fetch ?? fetch;
    this.cache = options.cache ?? new MemoryHttpCache(256);
  }

  /** `BASE/LIST/rest`, with the list name and rest as given (rest already escaped). */
  listUrl(list: string, rest: string): string {
    const base = this.options.baseUrl.endsWith('/') ? this.options.baseUrl : this.options.baseUrl + '/';
    return `${base}${encodeURIComponent(list)}/${rest}`;
  }

  async request(req: LoreRequest): Promise<LoreAnswer> {
    const method = req.method ?? 'GET';
    const max = Math.max(1, this.options.maxAttempts);
    // POST answers (search mboxes) are not cached: they are not conditional on lore.
    const cached = method === 'GET' && req.etag === undefined && req.lastModified === undefined
      ? this.cache.get(req.url) : undefined;
    const etag = req.etag ?? cached?.etag;
    const lastModified = req.lastModified ?? cached?.lastModified;
    for (let attempt = 1; ; attempt++) {
      await this.spacer.wait();
      this.requests++;
      const res = await this.attempt(req, method, etag, lastModified);
      if (res.kind === 'done') {
        if (res.answer.status === 304) {
          this.log({ level: 'debug', event: 'not-modified', msg: `lore ${req.url}: not modified`, url: req.url, method, status: 304 });
          return cached ? { ...res.answer, body: cached.body } : res.answer;
        }
        if (method === 'GET' && (res.answer.etag || res.answer.lastModified)) {
          this.cache.set(req.url, { etag: res.answer.etag, lastModified: res.answer.lastModified, body: res.answer.body });
        }
        return res.answer;
      }
      if (res.kind === 'fail' || attempt >= max) {
        const reason = res.kind === 'retry' && attempt >= max ? `${res.reason}; giving up` : res.reason;
        this.log({ level: 'error', event: 'give-up', msg: `lore ${req.url}: ${reason} (attempt ${attempt}/${max})`,
          url: req.url, method, status: res.status, attempt, maxAttempts: max, reason: res.reason });
        throw new LoreHttpError(req.url, reason, attempt, res.status);
      }
      let delay = backoffDelay(attempt, this.options.backoff, this.options.random);
      if (res.retryAfterMs !== undefined) {
        if (res.retryAfterMs > this.options.maxRetryAfterMs) {
          const reason = `${res.reason}; Retry-After ${Math.ceil(res.retryAfterMs / 1000)} s is over the limit of ${Math.round(this.options.maxRetryAfterMs / 1000)} s`;
          this.log({ level: 'error', event: 'give-up', msg: `lore ${req.url}: ${reason} (attempt ${attempt}/${max})`,
            url: req.url, method, status: res.status, attempt, maxAttempts: max, reason });
          throw new LoreHttpError(req.url, reason, attempt, res.status);
        }
        delay = Math.max(delay, res.retryAfterMs);
      }
      this.log({ level: 'warn', event: 'retry',
        msg: `lore ${req.url}: ${res.reason} (attempt ${attempt}/${max}), retrying in ${(delay / 1000).toFixed(1)} s`,
        url: req.url, method, status: res.status, attempt, maxAttempts: max, delayMs: delay, reason: res.reason });
      await this.clock.sleep(delay);
    }
  }

  private async attempt(req: LoreRequest, method: 'GET' | 'POST', etag?: string, lastModified?: string): Promise<Attempt> {
    const headers: Record<string, string> = {
      'User-Agent': this.options.userAgent,
      Accept: req.expect === 'atom' ? 'application/atom+xml' : req.expect === 'mbox-gz' ? 'application/gzip' : 'text/plain',
    };
    if (etag) headers['If-None-Match'] = etag;
    if (lastModified) headers['If-Modified-Since'] = lastModified;
    let response: Response;
    let body: Buffer;
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    try {
      response = await this.fetchImpl(req.url, { method, headers, signal, redirect: 'follow', body: method === 'POST' ? '' : undefined });
      body = await readLimited(response, this.options.maxResponseBytes);
    } catch (err) {
      if (err instanceof TooLarge) return { kind: 'fail', reason: err.message };
      return { kind: 'retry', reason: describeFetchError(err, this.options.timeoutMs) };
    }
    const status = response.status;
    if (status === 304) {
      return { kind: 'done', answer: { url: req.url, status: 304, body: Buffer.alloc(0), etag, lastModified } };
    }
    if (status === 429) {
      return { kind: 'retry', status, reason: 'HTTP 429 Too Many Requests',
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), this.clock.now()) };
    }
    if (status === 503) {
      return { kind: 'retry', status, reason: 'HTTP 503 Service Unavailable',
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), this.clock.now()) };
    }
    if (status >= 500) return { kind: 'retry', status, reason: `HTTP ${status} ${response.statusText}`.trim() };
    if (status === 404 && req.notFoundIsEmpty) {
      return { kind: 'done', answer: { url: req.url, status: 200, body: Buffer.alloc(0) } };
    }
    if (status === 408) return { kind: 'retry', status, reason: 'HTTP 408 Request Timeout' };
    if (status !== 200) return { kind: 'fail', status, reason: `HTTP ${status} ${response.statusText}`.trim() };
    const checked = await checkAnswer(req.expect, response.headers.get('content-type'), body);
    if (!checked.ok) return { kind: 'retry', status, reason: checked.reason };
    return { kind: 'done', answer: {
      url: req.url, status: 200, body: checked.body,
      etag: response.headers.get('etag') ?? undefined,
      lastModified: response.headers.get('last-modified') ?? undefined,
    } };
  }
}

class TooLarge extends Error {}

async function readLimited(response: Response, max: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > max) throw new TooLarge(`answer of ${declared} bytes is over the limit of ${max}`);
  if (!response.body) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.length;
    if (size > max) throw new TooLarge(`answer is over the limit of ${max} bytes`);
    parts.push(Buffer.from(chunk));
  }
  return Buffer.concat(parts);
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return `timed out after ${(timeoutMs / 1000).toFixed(1)} s`;
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as { code?: unknown }).code;
      return `network error: ${typeof code === 'string' ? code + ' ' : ''}${cause.message}`;
    }
    return `network error: ${err.message}`;
  }
  return `network error: ${String(err)}`;
}
