// One configured list as a source of raw messages with cursors: lore over
// HTTP (the default), a public-inbox git mirror (`gitMirror`), or local
// files (`files`: a folder or mbox, for offline runs and the demo).
import type { Config } from '../config/schema.ts';
import { LoreGitMirror, type LoreGitCursor } from '../sources/lore-git/mirror.ts';
import { LoreHttpClient } from '../sources/lore-http/client.ts';
import type { LoreLogger } from '../sources/lore-http/log.ts';
import { listPollOptionsFromConfig, loreHttpOptionsFromConfig, pollLoreHttp } from '../sources/lore-http/source.ts';
import type { LoreHttpCursor, LoreItem } from '../sources/lore-http/types.ts';
import { readLocalInputs } from '../sources/local-files.ts';
import { rawMessageId } from '../sources/raw-headers.ts';
import { createHash } from 'node:crypto';

export type ListSourceKind = 'lore-http' | 'lore-git' | 'files';

export interface ListSource {
  kind: ListSourceKind;
  list: string;
  /** Items after `cursor`; each carries the cursor to store with it. */
  read(cursor: unknown, watchedRoots: string[]): AsyncGenerator<LoreItem<unknown>, unknown>;
  close(): Promise<void>;
}

export interface FilesCursor { source: 'files'; list: string; read: number }

export function openListSource(config: Config, listName: string, inject: { logger?: LoreLogger; fetch?: typeof fetch } = {}): ListSource {
  const list = config.lists.find((l) => l.name === listName);
  if (!list) throw new Error(`config: no list '${listName}' under lists`);
  if (list.files) return filesSource(listName, list.files, config.analysis.maxMessageBytes);
  if (list.gitMirror) {
    const mirror = new LoreGitMirror({ list: listName, inboxDir: list.gitMirror });
    return {
      kind: 'lore-git', list: listName,
      read: (cursor) => mirror.read(cursor as LoreGitCursor | undefined),
      close: () => mirror.close(),
    };
  }
  const client = new LoreHttpClient(loreHttpOptionsFromConfig(config, inject));
  return {
    kind: 'lore-http', list: listName,
    read: (cursor, watchedRoots) => pollLoreHttp(
      listPollOptionsFromConfig(config, client, listName, { watched: watchedRoots.map((root) => ({ root: root.replace(/^<|>$/g, '') })) }),
      cursor as LoreHttpCursor | undefined),
    close: async () => undefined,
  };
}

function filesSource(list: string, path: string, maxMessageBytes: number): ListSource {
  return {
    kind: 'files', list,
    async *read(cursor) {
      const start = (cursor as FilesCursor | undefined)?.read ?? 0;
      let n = 0;
      for await (const item of readLocalInputs([path], { maxMessageBytes })) {
        n++;
        if (n <= start) continue;
        const c: FilesCursor = { source: 'files', list, read: n };
        if (item.kind === 'problem') {
          yield { kind: 'problem', problem: item.problem, cursor: c };
          continue;
        }
        const bytes = item.message.bytes;
        const messageId = rawMessageId(bytes) ?? `missing-${createHash('sha1').update(bytes).digest('hex').slice(0, 16)}@ptbot.invalid`;
        yield { kind: 'message', message: { ...item.message, messageId, via: 'search' }, cursor: c };
      }
      return { source: 'files', list, read: Math.max(n, start) } satisfies FilesCursor;
    },
    close: async () => undefined,
  };
}
