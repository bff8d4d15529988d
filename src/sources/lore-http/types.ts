// What the lore sources hand back: raw messages with their Message-ID and
// the cursor to store with them, and the cursors themselves. Cursors are
// plain JSON-serialisable data so the store can keep them as they are.
import type { RawMessage, SourceProblem } from '../raw-message.ts';

/** How a message was found. */
export type LoreVia = 'search' | 'thread' | 'git';

export interface LoreMessage extends RawMessage {
  /** Without angle brackets. */
  messageId: string;
  via: LoreVia;
  /** For `thread`: the root Message-ID the caller asked to watch. */
  threadRoot?: string;
}

/**
 * One item of a read. `cursor` is the state to persist once this item (and
 * every earlier one) is stored: restarting from it repeats nothing stored
 * and skips nothing not yet stored.
 */
export type LoreItem<C> =
  | { kind: 'message'; message: LoreMessage; readonly cursor: C }
  | { kind: 'problem'; problem: SourceProblem; readonly cursor: C };

/** Discovery by search: a received-time window and what was seen at its edge. */
export interface LoreSearchCursor {
  /**
   * Unix seconds at which the last complete poll started; the next poll asks
   * for `rt:` from this minus the overlap. Undefined before the first poll.
   */
  since?: number;
  /** Message-IDs yielded recently, with the unix second they were seen, for de-duplication inside the overlap. */
  recent: Record<string, number>;
}

/** One watched thread: the validators of its last t.mbox.gz and what it held. */
export interface LoreThreadCursor {
  etag?: string;
  lastModified?: string;
  /** Message-IDs of the thread already yielded. */
  seen: string[];
}

/** When the watched threads were last polled (see thread-gate.ts). */
export interface LoreThreadPollCursor {
  /** Unix second the last thread poll started (its gate window ends there). */
  since?: number;
  /** Unix second of the last poll that fetched every watched thread. */
  sweptAt?: number;
  /** Threads whose fetch failed: fetched next time whatever the gate says. */
  retry?: string[];
}

export interface LoreHttpCursor {
  source: 'lore-http';
  list: string;
  search: LoreSearchCursor;
  /** Keyed by the thread root Message-ID. */
  threads: Record<string, LoreThreadCursor>;
  /** Absent until a poll with a thread gate ran. */
  threadPoll?: LoreThreadPollCursor;
}

export function emptyHttpCursor(list: string): LoreHttpCursor {
  return { source: 'lore-http', list, search: { recent: {} }, threads: {} };
}

/**
 * Attaches the cursor as a getter computed on first read: a consumer that
 * stores in batches reads it once per batch, so a long poll does not copy
 * its whole state for every message.
 */
export function withCursor<T extends object, C>(item: T, snapshot: () => C): T & { readonly cursor: C } {
  let cached: C | undefined;
  let done = false;
  Object.defineProperty(item, 'cursor', {
    enumerable: true,
    get: () => {
      if (!done) { cached = snapshot(); done = true; }
      return cached;
    },
  });
  return item as T & { readonly cursor: C };
}
