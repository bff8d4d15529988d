// Replies on threads the bot already reviewed: poll each watched thread's
// t.mbox.gz, conditional on the validators of the last answer (a 304 costs
// lore next to nothing), and yield the messages not seen in it before.
// Replies and commands touch no path, so search alone would miss them.
import { LoreHttpError, type LoreHttpClient } from './client.ts';
import { fetchThreadMbox } from './endpoints.ts';
import { escapeMessageId } from './atom.ts';
import { contentKey } from './discovery.ts';
import { withCursor, type LoreItem, type LoreThreadCursor } from './types.ts';

export interface WatchedThread {
  /** Message-ID of the thread's root (any message of the thread works). */
  root: string;
  /** Message-IDs the caller already has, when it starts watching (not yielded). */
  known?: string[];
}

export interface ThreadPollOptions {
  client: LoreHttpClient;
  list: string;
  maxMessageBytes: number;
  /** Already delivered by another route (search): recorded as seen, not yielded again. */
  alreadyYielded?: (messageId: string) => boolean;
  /** Fetch only these threads (the gate's choice); the others keep their cursors. All when undefined. */
  only?: Set<string>;
  /** Called with each thread whose fetch failed for good. */
  onFailure?: (root: string) => void;
}

export type ThreadCursors = Record<string, LoreThreadCursor>;

/**
 * Polls each watched thread in turn. Threads no longer watched drop out of
 * the cursor; a thread that fails keeps its old cursor (retried next poll).
 */
export async function* pollThreads(
  opts: ThreadPollOptions, watched: WatchedThread[], cursor: ThreadCursors,
): AsyncGenerator<LoreItem<ThreadCursors>, ThreadCursors> {
  // Threads are polled in order; a thread's seen list only grows. The state
  // at an item is: threads before it as finished, its own thread with the
  // seen list as long as it was then (and the old validators), the rest as
  // they were. Snapshots are built only when a cursor is read.
  const roots = [...new Set(watched.map((w) => w.root))];
  const known = new Map(watched.map((w) => [w.root, w.known ?? []]));
  const before: LoreThreadCursor[] = roots.map((r) => cursor[r] ?? { seen: [...new Set(known.get(r) ?? [])] });
  const after: LoreThreadCursor[] = before.map((c) => ({ ...c, seen: [...c.seen] }));
  const snapshotAt = (index: number, seenLength: number) => (): ThreadCursors => {
    const out: ThreadCursors = {};
    roots.forEach((root, i) => {
      const b = before[i] as LoreThreadCursor;
      const a = after[i] as LoreThreadCursor;
      if (i < index) out[root] = { ...a, seen: [...a.seen] };
      else if (i === index) out[root] = { ...b, seen: a.seen.slice(0, seenLength) };
      else out[root] = { ...b, seen: [...b.seen] };
    });
    return out;
  };
  for (let i = 0; i < roots.length; i++) {
    const root = roots[i] as string;
    if (opts.only && !opts.only.has(root)) continue;
    const state = after[i] as LoreThreadCursor;
    const url = opts.client.listUrl(opts.list, `${escapeMessageId(root)}/t.mbox.gz`);
    const problem = (message: string) =>
      withCursor({ kind: 'problem' as const, problem: { input: url, where: `thread <${root}>`, message } }, snapshotAt(i, state.seen.length));
    let answer;
    try {
      answer = await fetchThreadMbox(opts.client, opts.list, root, opts.maxMessageBytes,
        { etag: state.etag, lastModified: state.lastModified });
    } catch (err) {
      opts.onFailure?.(root);
      yield problem(err instanceof LoreHttpError ? err.reason : err instanceof Error ? err.message : String(err));
      continue;
    }
    if (answer.status === 304) continue;
    const seen = new Set(state.seen);
    for (const p of answer.problems) yield problem(p);
    for (const m of answer.messages) {
      const id = m.messageId ?? contentKey(m.bytes);
      if (seen.has(id)) continue;
      seen.add(id);
      state.seen.push(id);
      if (opts.alreadyYielded?.(id)) continue;
      yield withCursor({ kind: 'message' as const, message: {
        bytes: m.bytes, origin: { input: url, where: m.where }, messageId: id, via: 'thread' as const, threadRoot: root,
      } }, snapshotAt(i, state.seen.length));
    }
    // Validators only once the whole answer is delivered: a crash before
    // this point refetches the thread and skips what was seen.
    state.etag = answer.etag;
    state.lastModified = answer.lastModified;
  }
  return snapshotAt(roots.length, 0)();
}
