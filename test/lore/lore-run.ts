// Running a lore source to the end in tests: all items and the final cursor.
import { LoreHttpClient, type LoreHttpOptions } from '../../src/sources/lore-http/client.ts';
import type { LoreLogEntry } from '../../src/sources/lore-http/log.ts';
import { buildRelevanceQuery } from '../../src/sources/lore-http/search-query.ts';
import { pollLoreHttp, type LoreHttpPollOptions } from '../../src/sources/lore-http/source.ts';
import type { LoreHttpCursor, LoreItem } from '../../src/sources/lore-http/types.ts';
import type { VirtualClock } from './lore-fixtures.ts';

export async function drain<C>(gen: AsyncGenerator<LoreItem<C>, C>): Promise<{ items: LoreItem<C>[]; cursor: C }> {
  const items: LoreItem<C>[] = [];
  for (;;) {
    const r = await gen.next();
    if (r.done) return { items, cursor: r.value };
    items.push(r.value);
  }
}

export const messageIds = <C>(items: LoreItem<C>[]): string[] =>
  items.flatMap((i) => (i.kind === 'message' ? [i.message.messageId] : []));

export const problems = <C>(items: LoreItem<C>[]): string[] =>
  items.flatMap((i) => (i.kind === 'problem' ? [`${i.problem.input} ${i.problem.where}: ${i.problem.message}`] : []));

/** The relevance globs of config/default.yaml's kind, enough to find every fixture patch. */
export const TEST_RELEVANCE = {
  paths: ['mm/**', 'arch/*/mm/**', 'arch/*/include/asm/{pgtable,tlbflush}*.h', 'include/linux/pgtable.h'],
  identifiers: ['pte_offset_map*', 'lazy_mmu_mode_*'],
};

export const USER_AGENT = 'pgtable-review-bot-test/0.1 (+mailto:ptbot-tests@example.invalid)';

export function testClient(url: string, clock: VirtualClock, logs: LoreLogEntry[], over: Partial<LoreHttpOptions> = {}): LoreHttpClient {
  return new LoreHttpClient({
    baseUrl: url, userAgent: USER_AGENT, minRequestIntervalMs: 0, timeoutMs: 10_000, maxAttempts: 4,
    backoff: { baseMs: 1000, maxMs: 30_000 }, maxRetryAfterMs: 120_000, maxResponseBytes: 256 * 1024 * 1024,
    clock, logger: (e) => logs.push(e), random: () => 0.5, ...over,
  });
}

export function pollOptions(client: LoreHttpClient, clock: VirtualClock, watched: string[], over: Partial<LoreHttpPollOptions> = {}): LoreHttpPollOptions {
  return {
    client, list: 'linux-mm', query: buildRelevanceQuery(TEST_RELEVANCE).query,
    overlapSeconds: 3600, firstLookbackSeconds: 30 * 365 * 86400, maxSingleFetches: 4,
    maxMessageBytes: 32 * 1024 * 1024, clock, watched: watched.map((root) => ({ root })), ...over,
  };
}

export function poll(opts: LoreHttpPollOptions, cursor?: LoreHttpCursor) {
  return drain(pollLoreHttp(opts, cursor));
}
