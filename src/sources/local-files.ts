// Sources for a person at a terminal: a single .eml, an mbox/mboxrd file
// (optionally gzipped, as lore's t.mbox.gz), a `git format-patch` file, a
// folder of such files, or stdin (`-`). Every file streams through the
// splitter, so a huge mbox costs memory for one message at a time.
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { MboxSplitter, formatBytes, looksLikeMbox } from './mbox-splitter.ts';
import type { SourceItem } from './raw-message.ts';

export interface LocalInputOptions {
  /** Messages over this size are skipped with a problem (default 32 MiB). */
  maxMessageBytes?: number;
  /** Stream to read for `-` (default process.stdin). */
  stdin?: Readable;
}

const MAIL_FILE = /\.(eml|mbox|mbx|mboxrd|patch|diff|mail|msg|gz)$/i;
export const DEFAULT_MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

/** Places of problems that mean a whole input could not be read (exit 2). */
const UNREADABLE_PLACES = new Set(['open', 'read', 'readdir', 'file', 'folder']);
export function isUnreadableInput(problem: { where: string }): boolean {
  return UNREADABLE_PLACES.has(problem.where);
}

export async function* readLocalInputs(paths: string[], opts: LocalInputOptions = {}): AsyncGenerator<SourceItem> {
  const max = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  for (const path of paths) {
    if (path === '-') {
      yield* readStream('stdin', opts.stdin ?? process.stdin, max);
      continue;
    }
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      yield problem(path, 'open', describeFsError(err));
      continue;
    }
    if (info.isDirectory()) {
      let names: string[];
      try {
        names = (await readdir(path)).filter((n) => MAIL_FILE.test(n)).sort();
      } catch (err) {
        yield problem(path, 'readdir', describeFsError(err));
        continue;
      }
      if (names.length === 0) yield problem(path, 'folder', 'no mail files (.eml, .mbox, .patch, ...) in this folder');
      for (const name of names) yield* readFile(join(path, name), max);
    } else {
      yield* readFile(path, max);
    }
  }
}

async function* readFile(path: string, max: number): AsyncGenerator<SourceItem> {
  let stream: Readable = createReadStream(path);
  if (/\.gz$/i.test(path)) stream = stream.pipe(createGunzip());
  yield* readStream(path, stream, max);
}

/**
 * Reads one input: an mbox when it starts with a `From ` line, otherwise a
 * single RFC 5322 message.
 */
export async function* readStream(input: string, stream: Readable, max: number): AsyncGenerator<SourceItem> {
  let splitter: MboxSplitter | undefined;
  const single: Buffer[] = [];
  let singleSize = 0;
  let decided = false;
  let any = false;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (buf.length === 0) continue;
      any = true;
      if (!decided) {
        decided = true;
        if (looksLikeMbox(buf)) splitter = new MboxSplitter(max);
      }
      if (splitter) {
        for (const item of splitter.push(buf)) yield toSourceItem(input, item);
      } else {
        singleSize += buf.length;
        if (singleSize <= max) single.push(buf);
      }
    }
  } catch (err) {
    yield problem(input, 'read', describeFsError(err));
  }
  if (splitter) {
    for (const item of splitter.end()) yield toSourceItem(input, item);
  } else if (!any) {
    yield problem(input, 'file', 'empty input');
  } else if (singleSize > max) {
    yield problem(input, 'message 1', `message is ${formatBytes(singleSize)}, over the limit of ${formatBytes(max)}: skipped`);
  } else {
    yield { kind: 'message', message: { bytes: Buffer.concat(single), origin: { input, where: 'message 1' } } };
  }
}

function toSourceItem(input: string, item: ReturnType<MboxSplitter['push']>[number]): SourceItem {
  if (item.kind === 'message') {
    const m = item.message;
    return { kind: 'message', message: { bytes: m.bytes, origin: { input, where: `message ${m.index} (line ${m.line})` } } };
  }
  const p = item.problem;
  return problem(input, `message ${p.index} (line ${p.line})`, p.message);
}

function problem(input: string, where: string, message: string): SourceItem {
  return { kind: 'problem', problem: { input, where, message } };
}

function describeFsError(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err) {
    const code = String((err as { code: unknown }).code);
    if (code === 'ENOENT') return 'no such file or directory';
    if (code === 'EACCES') return 'permission denied';
    if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') return 'not valid gzip data (truncated or corrupt)';
    return `${code}: ${err instanceof Error ? err.message : String(err)}`;
  }
  return err instanceof Error ? err.message : String(err);
}
