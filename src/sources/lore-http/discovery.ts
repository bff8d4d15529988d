// Discovery of new relevant patches by search: ask for hits received since
// the last poll (minus an overlap, because lore's received time is not our
// clock and mail can be archived late), list them as Atom, and fetch only
// those not yielded yet — one by one when few, as one search mbox when many.
// The window only moves forward when every hit of the poll was delivered.
import { createHash } from 'node:crypto';
import type { LoreClock } from './politeness.ts';
import { LoreHttpError, type LoreHttpClient } from './client.ts';
import { fetchRaw, searchAtomAll, searchMbox, searchUrl, SEARCH_PAGE_SIZE } from './endpoints.ts';
import { escapeMessageId } from './atom.ts';
import { receivedSince } from './search-query.ts';
import { withCursor, type LoreItem, type LoreSearchCursor } from './types.ts';

export interface SearchDiscoveryOptions {
  client: LoreHttpClient;
  list: string;
  /** The relevance query (buildRelevanceQuery), without a time range. */
  query: string;
  /** Seconds the window reaches back before the last poll's start. */
  overlapSeconds: number;
  /** On the very first poll, how far back to look. */
  firstLookbackSeconds: number;
  /** Up to this many new hits are fetched one by one (`/raw`); more, as one search mbox. */
  maxSingleFetches: number;
  maxMessageBytes: number;
  clock: LoreClock;
  pageSize?: number;
}

/** A stable key for a message without a Message-ID header. */
export function contentKey(bytes: Buffer): string {
  return 'sha256:' + createHash('sha256').update(bytes).digest('hex');
}

function problemText(err: unknown): string {
  return err instanceof LoreHttpError ? err.reason : err instanceof Error ? err.message : String(err);
}

/** Which recent Message-IDs can still come back in a window starting at `windowStart`. */
export function pruneRecent(recent: Record<string, number>, windowStart: number, overlapSeconds: number): Record<string, number> {
  // A message seen at t was received by t (give or take clock skew, allowed
  // for with one more overlap), so a window starting later cannot return it.
  const keepFrom = windowStart - overlapSeconds;
  const out: Record<string, number> = {};
  for (const [id, seenAt] of Object.entries(recent)) if (seenAt >= keepFrom) out[id] = seenAt;
  return out;
}

export async function* pollSearch(
  opts: SearchDiscoveryOptions, cursor: LoreSearchCursor,
): AsyncGenerator<LoreItem<LoreSearchCursor>, LoreSearchCursor> {
  const { client, list } = opts;
  const pollStart = Math.floor(opts.clock.now() / 1000);
  const windowStart = cursor.since === undefined ? pollStart - opts.firstLookbackSeconds : cursor.since - opts.overlapSeconds;
  const query = receivedSince(opts.query, windowStart);
  // State at any item: the recent IDs the poll started with plus the first n
  // delivered; snapshots are built only when a cursor is read.
  const delivered: string[] = [];
  const stateAt = (n: number) => (): LoreSearchCursor => {
    const recent = { ...cursor.recent };
    for (let i = 0; i < n; i++) recent[delivered[i] as string] = pollStart;
    return { since: cursor.since, recent };
  };
  const problem = (input: string, where: string, message: string): LoreItem<LoreSearchCursor> =>
    withCursor({ kind: 'problem' as const, problem: { input, where, message } }, stateAt(delivered.length));

  let hits: string[];
  try {
    const entries = await searchAtomAll(client, list, query, opts.pageSize ?? SEARCH_PAGE_SIZE);
    // Oldest first, so a consumer sees a patch before the replies to it.
    hits = entries.map((e) => e.messageId).reverse();
  } catch (err) {
    yield problem(searchUrl(client, list, query, '&x=A'), 'search', problemText(err));
    return stateAt(0)();
  }
  const fresh = hits.filter((id) => cursor.recent[id] === undefined);
  let complete = true;

  const deliver = (messageId: string, bytes: Buffer, input: string, where: string): LoreItem<LoreSearchCursor> => {
    delivered.push(messageId);
    return withCursor({ kind: 'message' as const, message: { bytes, origin: { input, where }, messageId, via: 'search' as const } }, stateAt(delivered.length));
  };

  const pending = new Set(fresh);
  if (fresh.length > opts.maxSingleFetches) {
    try {
      const messages = await searchMbox(client, list, query, opts.maxMessageBytes);
      const byId = new Map(messages.map((m) => [m.messageId ?? contentKey(m.bytes), m]));
      const url = searchUrl(client, list, query, '&x=m');
      for (const id of fresh) {
        const m = byId.get(id);
        if (!m) continue;
        pending.delete(id);
        yield deliver(id, m.bytes, url, m.where);
      }
    } catch (err) {
      // Not hundreds of single fetches instead: that would be rude to lore.
      // The window stays where it was and the next poll asks again.
      complete = false;
      pending.clear();
      yield problem(searchUrl(client, list, query, '&x=m'), 'search mbox', `${problemText(err)}; the window stays open so the next poll retries it`);
    }
  }
  // Few new hits, or ones missing from the search mbox: one `/raw` each.
  for (const id of fresh) {
    if (!pending.has(id)) continue;
    const url = client.listUrl(list, `${escapeMessageId(id)}/raw`);
    try {
      yield deliver(id, await fetchRaw(client, list, id, opts.maxMessageBytes), url, 'message 1');
    } catch (err) {
      if (err instanceof LoreHttpError && err.status === 404) {
        // Listed, then removed (lore purges spam): nothing to wait for.
        yield problem(url, `message <${id}>`, 'listed by search but gone (HTTP 404); skipped');
        continue;
      }
      complete = false;
      yield problem(url, `message <${id}>`, `${problemText(err)}; the window stays open so the next poll retries it`);
    }
  }
  const since = complete ? pollStart : cursor.since;
  const recent = pruneRecent(stateAt(delivered.length)().recent, (since ?? windowStart) - opts.overlapSeconds, opts.overlapSeconds);
  return { since, recent };
}
