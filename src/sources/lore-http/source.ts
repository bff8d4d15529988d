// One poll of one list over HTTP: discovery by search, then the watched
// threads. Each item carries the combined cursor to store with it; the
// generator returns the cursor for the end of the poll.
import type { Config } from '../../config/schema.ts';
import { LoreHttpClient, LoreHttpError, type LoreHttpOptions } from './client.ts';
import { pollSearch } from './discovery.ts';
import type { LoreLogger } from './log.ts';
import { systemClock, type LoreClock } from './politeness.ts';
import { buildRelevanceQuery, receivedSince } from './search-query.ts';
import { pollThreads, type WatchedThread } from './threads.ts';
import { touchedThreads, type ThreadGateOptions } from './thread-gate.ts';
import { searchAtomAll, searchUrl } from './endpoints.ts';
import type { SourceProblem } from '../raw-message.ts';
import { emptyHttpCursor, withCursor, type LoreHttpCursor, type LoreItem, type LoreSearchCursor, type LoreThreadCursor, type LoreThreadPollCursor } from './types.ts';

export interface LoreHttpPollOptions {
  client: LoreHttpClient;
  list: string;
  /** The relevance query without a time range; see buildRelevanceQuery. */
  query: string;
  overlapSeconds: number;
  firstLookbackSeconds: number;
  maxSingleFetches: number;
  maxMessageBytes: number;
  clock?: LoreClock;
  /** Threads to poll for replies (roots of threads the bot reviewed). */
  watched?: WatchedThread[];
  /** Fetch only the watched threads one list search shows new mail in (plus a periodic sweep); every thread every poll when absent. */
  threadGate?: ThreadGateOptions;
}

export async function* pollLoreHttp(
  opts: LoreHttpPollOptions, cursor?: LoreHttpCursor,
): AsyncGenerator<LoreItem<LoreHttpCursor>, LoreHttpCursor> {
  const start = cursor ?? emptyHttpCursor(opts.list);
  if (start.list !== opts.list || start.source !== 'lore-http') {
    throw new Error(`lore cursor for ${start.source} list '${start.list}' given to the HTTP source of list '${opts.list}'`);
  }
  const clock = opts.clock ?? systemClock;
  const searchRun = pollSearch({
    client: opts.client, list: opts.list, query: opts.query, overlapSeconds: opts.overlapSeconds,
    firstLookbackSeconds: opts.firstLookbackSeconds, maxSingleFetches: opts.maxSingleFetches,
    maxMessageBytes: opts.maxMessageBytes, clock,
  }, start.search);
  let search: LoreSearchCursor;
  for (;;) {
    const r = await searchRun.next();
    if (r.done) { search = r.value; break; }
    const item = r.value;
    yield rewrap(item, () => ({ source: 'lore-http', list: opts.list, search: item.cursor, threads: start.threads, ...threadPollOf(start) }));
  }

  // Found through its thread, a message must not come again from search at
  // the window's edge: it joins the search's recent IDs too.
  const finalSearch = search;
  const stamp = finalSearch.since ?? Math.floor(clock.now() / 1000);
  const viaThread: string[] = [];
  const viaThreadSet = new Set<string>();
  const searchAt = (n: number) => (): LoreSearchCursor => {
    const recent = { ...finalSearch.recent };
    for (let i = 0; i < n; i++) recent[viaThread[i] as string] = stamp;
    return { since: finalSearch.since, recent };
  };
  const watched = opts.watched ?? [];
  const gate = opts.threadGate && watched.length ? await chooseThreads(opts, opts.threadGate, start, watched, clock) : undefined;
  if (gate?.problem) {
    const problem = gate.problem;
    yield withCursor({ kind: 'problem' as const, problem }, () => ({ source: 'lore-http' as const, list: opts.list, search: searchAt(0)(), threads: start.threads, ...threadPollOf(start) }));
  }
  const failed: string[] = [];
  const threadRun = pollThreads({
    client: opts.client, list: opts.list, maxMessageBytes: opts.maxMessageBytes,
    // Two watched roots can be one thread: what one gave, the other must not.
    alreadyYielded: (id) => finalSearch.recent[id] !== undefined || viaThreadSet.has(id),
    only: gate?.only,
    onFailure: (root) => failed.push(root),
  }, watched, start.threads);
  let threads: Record<string, LoreThreadCursor>;
  for (;;) {
    const r = await threadRun.next();
    if (r.done) { threads = r.value; break; }
    const item = r.value;
    if (item.kind === 'message') { viaThread.push(item.message.messageId); viaThreadSet.add(item.message.messageId); }
    const searchState = searchAt(viaThread.length);
    yield rewrap(item, () => ({ source: 'lore-http', list: opts.list, search: searchState(), threads: item.cursor, ...threadPollOf(start) }));
  }
  const done: LoreHttpCursor = { source: 'lore-http', list: opts.list, search: searchAt(viaThread.length)(), threads, ...threadPollOf(start) };
  if (gate?.next) done.threadPoll = { ...gate.next, ...(failed.length ? { retry: failed } : {}) };
  return done;
}

function threadPollOf(c: LoreHttpCursor): { threadPoll?: LoreThreadPollCursor } {
  return c.threadPoll ? { threadPoll: c.threadPoll } : {};
}

interface GateChoice {
  /** Threads to fetch; all when undefined (a sweep). */
  only?: Set<string>;
  /** The thread-poll cursor once this poll's threads are done (without failures). */
  next?: LoreThreadPollCursor;
  problem?: SourceProblem;
}

/** A sweep when due, else the threads one search of the list shows new mail in, plus new and failed ones. */
async function chooseThreads(
  opts: LoreHttpPollOptions, gate: ThreadGateOptions, start: LoreHttpCursor, watched: WatchedThread[], clock: LoreClock,
): Promise<GateChoice> {
  const now = Math.floor(clock.now() / 1000);
  const last = start.threadPoll ?? {};
  if (last.since === undefined || last.sweptAt === undefined || now - last.sweptAt >= gate.sweepSeconds) {
    return { next: { since: now, sweptAt: now } };
  }
  const query = receivedSince('', last.since - gate.overlapSeconds);
  let entries;
  try {
    entries = await searchAtomAll(opts.client, opts.list, query);
  } catch (err) {
    // No thread is fetched and the window stays: the next poll asks again.
    return { only: new Set(), problem: { input: searchUrl(opts.client, opts.list, query, '&x=A'), where: 'thread gate',
      message: `${err instanceof LoreHttpError ? err.reason : String(err)}; watched threads are polled next time` } };
  }
  const known = watched.flatMap((w) => { const c = start.threads[w.root]; return c ? [{ root: w.root, seen: c.seen }] : []; });
  const only = touchedThreads(entries, known);
  for (const w of watched) if (!start.threads[w.root]) only.add(w.root);
  for (const r of last.retry ?? []) only.add(r);
  return { only, next: { since: now, sweptAt: last.sweptAt } };
}

/** The same item with the combined cursor (still computed only when read). */
function rewrap<C>(item: LoreItem<unknown>, snapshot: () => C): LoreItem<C> {
  return item.kind === 'message'
    ? withCursor({ kind: 'message' as const, message: item.message }, snapshot)
    : withCursor({ kind: 'problem' as const, problem: item.problem }, snapshot);
}

/** Client options from the config (`lore.*`), with injected time, logger and fetch. */
export function loreHttpOptionsFromConfig(
  config: Config, inject: { clock?: LoreClock; logger?: LoreLogger; fetch?: typeof fetch; random?: () => number } = {},
): LoreHttpOptions {
  const l = config.lore;
  return {
    baseUrl: l.baseUrl,
    userAgent: l.userAgent,
    minRequestIntervalMs: l.minRequestIntervalSeconds * 1000,
    timeoutMs: l.requestTimeoutSeconds * 1000,
    maxAttempts: l.maxAttempts,
    backoff: { baseMs: l.retryBaseSeconds * 1000, maxMs: l.retryMaxSeconds * 1000 },
    maxRetryAfterMs: l.maxRetryAfterSeconds * 1000,
    maxResponseBytes: 512 * 1024 * 1024,
    ...inject,
  };
}

/** Poll options for one configured list. */
export function listPollOptionsFromConfig(
  config: Config, client: LoreHttpClient, listName: string, inject: { clock?: LoreClock; watched?: WatchedThread[] } = {},
): LoreHttpPollOptions {
  const list = config.lists.find((l) => l.name === listName);
  if (!list) throw new Error(`config: no list '${listName}' under lists`);
  return {
    client, list: list.name,
    query: buildRelevanceQuery(config.relevance, list.query).query,
    overlapSeconds: config.lore.searchOverlapSeconds,
    firstLookbackSeconds: config.lore.firstLookbackSeconds,
    maxSingleFetches: config.lore.maxSingleFetches,
    maxMessageBytes: config.analysis.maxMessageBytes,
    ...(config.lore.threadGateSweepSeconds > 0
      ? { threadGate: { sweepSeconds: config.lore.threadGateSweepSeconds, overlapSeconds: config.lore.threadGateOverlapSeconds } }
      : {}),
    ...inject,
  };
}
