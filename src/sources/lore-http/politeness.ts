// Being polite to lore: a minimum interval between requests, exponential
// backoff with jitter between retries, and Retry-After honoured. Time is
// injected (clock + sleep) so tests run in virtual time.

export interface LoreClock {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: LoreClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Spaces request starts at least `intervalMs` apart, in call order. */
export class RequestSpacer {
  private nextAt = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly clock: LoreClock, private readonly intervalMs: number) {}

  /** Resolves when the caller may send its request. */
  wait(): Promise<void> {
    const turn = this.chain.then(async () => {
      const delay = this.nextAt - this.clock.now();
      if (delay > 0) await this.clock.sleep(delay);
      this.nextAt = this.clock.now() + this.intervalMs;
    });
    this.chain = turn;
    return turn;
  }
}

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/**
 * Delay before retry number `retry` (1 for the first retry): base * 2^(retry-1),
 * capped, times a jitter factor in [0.5, 1.5) so that many clients do not
 * retry in step. `random` is injected for tests.
 */
export function backoffDelay(retry: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(exp * (0.5 + random()));
}

/**
 * Retry-After as milliseconds from `nowMs`: delta-seconds or an HTTP date.
 * Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
