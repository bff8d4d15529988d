// Replies on threads the bot already reviewed: poll each watched thread's
// t.mbox.gz, conditional on the validators of the last answer (a 304 costs
// lore next to nothing), and yield the messages not seen in it before.
// Replies and commands touch no path, so search alone would miss them.
import { LoreHttpError, type LoreHttpClient } from './client.ts';
import { fetchThreadMbox } from './endpoints.ts';
import { escapeMessageId } from './atom.ts';
import { contentKey } from './discovery.ts';
import type { LoreItem, LoreThreadCursor } from './types.ts';

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
}

export type ThreadCursors = Record<string, LoreThreadCursor>;

/**
 * Polls each watched thread in turn. Threads no longer watched drop out of
 * the cursor; a thread that fails keeps its old cursor (retried next poll).
 */
export async function* pollThreads(
  opts: ThreadPollOptions, watched: WatchedThread[], cursor: ThreadCursors,
): AsyncGenerator<LoreItem<ThreadCursors>, ThreadCursors> {
  const next: ThreadCursors = {};
  for (const w of watched) {
    const old = cursor[w.root];
    next[w.root] = old ?? { seen: [...new Set(w.known ?? [])] };
  }
  const snapshot = (): ThreadCursors => structuredClone(next);
  for (const w of watched) {
    const state = next[w.root];
    if (!state) continue;
    const url = opts.client.listUrl(opts.list, `${escapeMessageId(w.root)}/t.mbox.gz`);
    let answer;
    try {
      answer = await fetchThreadMbox(opts.client, opts.list, w.root, opts.maxMessageBytes,
        { etag: state.etag, lastModified: state.lastModified });
    } catch (err) {
      const reason = err instanceof LoreHttpError ? err.reason : err instanceof Error ? err.message : String(err);
      yield { kind: 'problem', problem: { input: url, where: `thread <${w.root}>`, message: reason }, cursor: snapshot() };
      continue;
    }
    if (answer.status === 304) continue;
    const seen = new Set(state.seen);
    for (const p of answer.problems) {
      yield { kind: 'problem', problem: { input: url, where: `thread <${w.root}>`, message: p }, cursor: snapshot() };
    }
    for (const m of answer.messages) {
      const id = m.messageId ?? contentKey(m.bytes);
      if (seen.has(id)) continue;
      seen.add(id);
      state.seen.push(id);
      if (opts.alreadyYielded?.(id)) continue;
      yield { kind: 'message', message: { bytes: m.bytes, origin: { input: url, where: m.where }, messageId: id, via: 'thread', threadRoot: w.root }, cursor: snapshot() };
    }
    // Validators only once the whole answer is delivered: a crash before
    // this point refetches the thread and skips what was seen.
    state.etag = answer.etag;
    state.lastModified = answer.lastModified;
  }
  return snapshot();
}
