// Which watched threads got mail since the last poll, from ONE search of
// the list's recent messages (their Atom entries name the parent each is
// threaded under), so that only those threads' t.mbox.gz are fetched:
// with hundreds of reviewed threads, polling each every time would be
// hundreds of requests to lore per poll. A reply the gate cannot place (its
// parent never archived, or archived later than the window reaches) is
// still found by the periodic sweep that fetches every watched thread.
import type { AtomEntry } from './atom.ts';

export interface ThreadGateOptions {
  /** The gate's search reaches this far back before the last thread poll. */
  overlapSeconds: number;
  /** Every watched thread is fetched at least this often. */
  sweepSeconds: number;
}

/**
 * The roots among `watched` whose threads gained a message in `entries`:
 * an entry not seen before whose parent is the root, a message seen in
 * the thread, or an entry already placed in it (replies to replies in the
 * same window). Pure.
 */
export function touchedThreads(entries: AtomEntry[], watched: Array<{ root: string; seen: string[] }>): Set<string> {
  const touched = new Set<string>();
  // Oldest first, so a parent is placed before its replies; a second pass
  // catches replies listed before their parent (clock skew in Date).
  const ordered = [...entries].reverse();
  for (const w of watched) {
    const members = new Set([w.root, ...w.seen]);
    for (let pass = 0; pass < 2 && !touched.has(w.root); pass++) {
      for (const e of ordered) {
        if (members.has(e.messageId)) continue;
        if (e.parentId !== undefined && members.has(e.parentId)) {
          members.add(e.messageId);
          touched.add(w.root);
        }
      }
    }
  }
  return touched;
}
