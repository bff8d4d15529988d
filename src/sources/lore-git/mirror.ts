// Reading a public-inbox v2 mirror (what grokmirror keeps of lore): epochs
// `git/0.git`, `git/1.git`, ..., each message one commit whose tree holds
// it as blob `m` (a removal commit holds `d` instead). Reads go on from the
// last commit read in each epoch, through one long-lived cat-file process
// per epoch, and only messages passing the raw-byte filter are yielded.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { rawMessageId, rawReferences } from '../raw-headers.ts';
import { contentKey } from '../lore-http/discovery.ts';
import type { LoreItem } from '../lore-http/types.ts';
import { CatFileBatch, type CatFileAnswer } from './cat-file.ts';
import { commitsAfter } from './rev-list.ts';
import { acceptAll, type RawFilter } from './raw-filter.ts';

export interface LoreGitCursor {
  source: 'lore-git';
  list: string;
  /** Epoch number (as a string key) to the last commit read in it. */
  epochs: Record<string, string>;
}

export function emptyGitCursor(list: string): LoreGitCursor {
  return { source: 'lore-git', list, epochs: {} };
}

export interface LoreGitMirrorOptions {
  list: string;
  /** The v2 inbox folder (holding `git/N.git`). */
  inboxDir: string;
  filter?: RawFilter;
  /**
   * Also yield a message that replies to one yielded earlier in the same
   * read (In-Reply-To/References), even when the filter says no: a review
   * of a patch found in this read names no path. Default true.
   */
  followReplies?: boolean;
  gitBin?: string;
  /** Objects asked for ahead of the one being yielded (pipelining). */
  window?: number;
}

export interface MirrorStats {
  commits: number;
  yielded: number;
  filteredOut: number;
  removals: number;
}

/** Epoch numbers present in the inbox, in order. */
export async function listEpochs(inboxDir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(join(inboxDir, 'git'));
  } catch (err) {
    throw new Error(`lore mirror ${inboxDir}: no git/ folder of epochs (${err instanceof Error ? err.message : String(err)})`);
  }
  return names.flatMap((n) => { const m = /^(\d+)\.git$/.exec(n); return m ? [Number(m[1])] : []; }).sort((a, b) => a - b);
}

export class LoreGitMirror {
  private readonly batches = new Map<number, CatFileBatch>();
  readonly stats: MirrorStats = { commits: 0, yielded: 0, filteredOut: 0, removals: 0 };

  constructor(readonly options: LoreGitMirrorOptions) {}

  epochDir(epoch: number): string {
    return join(this.options.inboxDir, 'git', `${epoch}.git`);
  }

  /** The epoch's cat-file process, started on first use and kept until close(). */
  private batch(epoch: number): CatFileBatch {
    let b = this.batches.get(epoch);
    if (!b || b.broken) {
      b = new CatFileBatch(this.epochDir(epoch), this.options.gitBin);
      this.batches.set(epoch, b);
    }
    return b;
  }

  /** Process ids of the running cat-file processes (for tests). */
  get catFilePids(): number[] {
    return [...this.batches.values()].flatMap((b) => (b.pid === undefined ? [] : [b.pid]));
  }

  /**
   * Every message committed after the cursor, epoch by epoch, oldest
   * first. Each item carries the cursor to store with it.
   */
  async *read(cursor?: LoreGitCursor): AsyncGenerator<LoreItem<LoreGitCursor>, LoreGitCursor> {
    const { list } = this.options;
    const start = cursor ?? emptyGitCursor(list);
    if (start.source !== 'lore-git' || start.list !== list) {
      throw new Error(`lore cursor for ${start.source} list '${start.list}' given to the git mirror of list '${list}'`);
    }
    const epochs = { ...start.epochs };
    const filter = this.options.filter ?? acceptAll;
    const window = Math.max(1, this.options.window ?? 64);
    const follow = this.options.followReplies ?? true;
    const yieldedIds = new Set<string>();
    const passes = (bytes: Buffer): boolean =>
      filter(bytes) || (follow && yieldedIds.size > 0 && rawReferences(bytes).some((id) => yieldedIds.has(id)));
    for (const epoch of await listEpochs(this.options.inboxDir)) {
      const dir = this.epochDir(epoch);
      const key = String(epoch);
      const cat = this.batch(epoch);
      const inflight: Array<{ commit: string; answer: Promise<CatFileAnswer> }> = [];
      // One answered request to an item, or nothing for a removal or a filtered message.
      const settle = async (item: { commit: string; answer: Promise<CatFileAnswer> }): Promise<LoreItem<LoreGitCursor> | undefined> => {
        const answer = await item.answer;
        this.stats.commits++;
        epochs[key] = item.commit;
        if (answer.kind === 'missing') { this.stats.removals++; return undefined; } // a removal commit: no `m`
        const bytes = answer.content;
        if (!passes(bytes)) { this.stats.filteredOut++; return undefined; }
        this.stats.yielded++;
        const messageId = rawMessageId(bytes) ?? contentKey(bytes);
        if (follow && filter !== acceptAll) yieldedIds.add(messageId);
        return {
          kind: 'message',
          message: { bytes, origin: { input: dir, where: `commit ${item.commit}` }, messageId, via: 'git' },
          cursor: { source: 'lore-git', list, epochs: { ...epochs } },
        };
      };
      try {
        for await (const commit of commitsAfter(dir, epochs[key], this.options.gitBin)) {
          inflight.push({ commit, answer: cat.get(`${commit}:m`) });
          if (inflight.length >= window) {
            const head = inflight.shift();
            const out = head && await settle(head);
            if (out) yield out;
          }
        }
        for (let head = inflight.shift(); head; head = inflight.shift()) {
          const out = await settle(head);
          if (out) yield out;
        }
      } catch (err) {
        yield { kind: 'problem', problem: { input: dir, where: epochs[key] ? `after commit ${epochs[key]}` : 'start',
          message: `${err instanceof Error ? err.message : String(err)}; this epoch is left at its cursor` },
        cursor: { source: 'lore-git', list, epochs: { ...epochs } } };
      }
    }
    return { source: 'lore-git', list, epochs: { ...epochs } };
  }

  /** Ends every cat-file process. */
  async close(): Promise<void> {
    const all = [...this.batches.values()];
    this.batches.clear();
    await Promise.all(all.map((b) => b.close()));
  }
}
