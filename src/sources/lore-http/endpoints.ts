// The public-inbox endpoints the bot uses, each one function over the
// client: the feed of new messages, search as Atom (paged) and as a gzipped
// mboxrd, a whole thread as t.mbox.gz, and one message raw.
import { MboxSplitter } from '../mbox-splitter.ts';
import { rawMessageId } from '../raw-headers.ts';
import { escapeMessageId, parseAtomEntries, type AtomEntry } from './atom.ts';
import { LoreHttpError, type LoreHttpClient } from './client.ts';

/** public-inbox answers at most this many entries per search page. */
export const SEARCH_PAGE_SIZE = 200;

export interface MboxMessage {
  /** From the Message-ID header; undefined when it has none. */
  messageId?: string;
  bytes: Buffer;
  /** `message N (line L)` within the mbox. */
  where: string;
}

/** `/LIST/new.atom`: the newest messages of the list. */
export async function fetchNewAtom(client: LoreHttpClient, list: string): Promise<AtomEntry[]> {
  const answer = await client.request({ url: client.listUrl(list, 'new.atom'), expect: 'atom' });
  return parseAtomEntries(answer.body.toString('utf8'));
}

export function searchUrl(client: LoreHttpClient, list: string, query: string, extra: string): string {
  return client.listUrl(list, `?q=${encodeURIComponent(query)}${extra}`);
}

/** One page of `/LIST/?q=...&x=A` from `offset` (newest first). */
export async function searchAtomPage(client: LoreHttpClient, list: string, query: string, offset: number): Promise<AtomEntry[]> {
  const url = searchUrl(client, list, query, `&x=A${offset > 0 ? `&o=${offset}` : ''}`);
  const answer = await client.request({ url, expect: 'atom', notFoundIsEmpty: true });
  return answer.body.length ? parseAtomEntries(answer.body.toString('utf8')) : [];
}

/**
 * Every hit of a search, paging with `&o=` until a short page. Results are
 * newest first, so a message arriving while we page pushes older ones to
 * later offsets: we may see one twice (de-duplicated here), never miss one.
 */
export async function searchAtomAll(client: LoreHttpClient, list: string, query: string, pageSize = SEARCH_PAGE_SIZE): Promise<AtomEntry[]> {
  const seen = new Set<string>();
  const out: AtomEntry[] = [];
  for (let offset = 0; ; offset += pageSize) {
    const page = await searchAtomPage(client, list, query, offset);
    for (const e of page) {
      if (seen.has(e.messageId)) continue;
      seen.add(e.messageId);
      out.push(e);
    }
    if (page.length < pageSize) return out;
  }
}

/** `POST /LIST/?q=...&x=m`: the hits as one gzipped mboxrd, split. */
export async function searchMbox(client: LoreHttpClient, list: string, query: string, maxMessageBytes: number): Promise<MboxMessage[]> {
  const url = searchUrl(client, list, query, '&x=m');
  const answer = await client.request({ url, method: 'POST', expect: 'mbox-gz', notFoundIsEmpty: true });
  return splitMbox(answer.body, maxMessageBytes).messages;
}

export interface ThreadAnswer {
  status: 200 | 304;
  messages: MboxMessage[];
  problems: string[];
  etag?: string;
  lastModified?: string;
}

/** `/LIST/MSGID/t.mbox.gz`, conditional on the validators the caller kept. */
export async function fetchThreadMbox(
  client: LoreHttpClient, list: string, messageId: string, maxMessageBytes: number,
  validators: { etag?: string; lastModified?: string } = {},
): Promise<ThreadAnswer> {
  const url = client.listUrl(list, `${escapeMessageId(messageId)}/t.mbox.gz`);
  const answer = await client.request({ url, expect: 'mbox-gz', ...validators });
  if (answer.status === 304) return { status: 304, messages: [], problems: [], ...validators };
  const split = splitMbox(answer.body, maxMessageBytes);
  return { status: 200, ...split, etag: answer.etag, lastModified: answer.lastModified };
}

/** `/LIST/MSGID/raw`: one message as stored (public-inbox sends it as a one-message mboxrd). */
export async function fetchRaw(client: LoreHttpClient, list: string, messageId: string, maxMessageBytes: number): Promise<Buffer> {
  const url = client.listUrl(list, `${escapeMessageId(messageId)}/raw`);
  const answer = await client.request({ url, expect: 'raw' });
  if (answer.body.toString('latin1', 0, 5) !== 'From ') return answer.body;
  const { messages, problems } = splitMbox(answer.body, maxMessageBytes);
  const first = messages[0];
  if (!first) throw new LoreHttpError(url, problems[0] ?? 'empty mbox', 1);
  return first.bytes;
}

export function splitMbox(mbox: Buffer, maxMessageBytes: number): { messages: MboxMessage[]; problems: string[] } {
  const splitter = new MboxSplitter(maxMessageBytes);
  const messages: MboxMessage[] = [];
  const problems: string[] = [];
  for (const item of [...splitter.push(mbox), ...splitter.end()]) {
    if (item.kind === 'message') {
      const m = item.message;
      messages.push({ messageId: rawMessageId(m.bytes), bytes: m.bytes, where: `message ${m.index} (line ${m.line})` });
    } else {
      problems.push(`message ${item.problem.index} (line ${item.problem.line}): ${item.problem.message}`);
    }
  }
  return { messages, problems };
}
