// One raw message to a MailMessage or PatchMail, with mailparser doing MIME
// (quoted-printable, base64, multipart, encoded words, charsets). Problems
// with the message are returned beside it; only a message that cannot be
// read at all is dropped.
import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type ParsedMail, type HeaderValue } from 'mailparser';
import type { RawMessage } from '../sources/raw-message.ts';
import { classifyNoReview } from './no-review.ts';
import { hasDiff, splitPatchBody } from './patch-body.ts';
import { parsePatchTag, splitSubject } from './subject.ts';
import type { InputError, MailMessage, PatchMail } from './types.ts';

export interface ParseResult {
  message?: MailMessage | PatchMail;
  problems: InputError[];
}

export function isPatchMail(m: MailMessage): m is PatchMail {
  return 'diff' in m;
}

// Signatures and keys ride along on much list mail; they are not content.
const SIGNATURE_PART = /^application\/(pgp-signature|pgp-keys|pkcs7-signature|x-pkcs7-signature)$/i;
const PATCH_ATTACHMENT = /^text\/(x-patch|x-diff|plain)$/i;

export async function parseRawMessage(raw: RawMessage): Promise<ParseResult> {
  const problems: InputError[] = [];
  const note = (message: string) => problems.push({ input: raw.origin.input, where: raw.origin.where, message });

  // A lone message saved from an mbox may still start with its `From ` line.
  if (raw.bytes.toString('latin1', 0, 5) === 'From ') {
    const nl = raw.bytes.indexOf(0x0a);
    raw = { ...raw, bytes: nl < 0 ? Buffer.alloc(0) : raw.bytes.subarray(nl + 1) };
  }
  const headerEnd = findHeaderEnd(raw.bytes);
  if (headerEnd < 0) {
    note('no blank line after the headers: message truncated or not a mail');
  }

  const head = raw.bytes.toString('latin1', 0, Math.min(raw.bytes.length, headerEnd < 0 ? 200 : headerEnd));
  if (!/^[\x21-\x39\x3b-\x7e]+:/.test(head)) {
    note('not a mail: the first line is not a header field');
    return { problems };
  }

  let parsed: ParsedMail;
  try {
    parsed = await simpleParser(raw.bytes, {
      skipHtmlToText: false, skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true,
    });
  } catch (err) {
    note(`unreadable MIME: ${err instanceof Error ? err.message : String(err)}`);
    return { problems };
  }
  const rawHeader = (name: string): string | undefined => {
    const line = parsed.headerLines.find((h) => h.key === name)?.line;
    return line === undefined ? undefined : line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
  };
  // List-* headers are folded into one object by mailparser: read those raw.
  const header = (name: string): string | undefined =>
    name.startsWith('list-') ? rawHeader(name) : headerText(parsed.headers.get(name)) ?? rawHeader(name);

  let messageId = cleanId(parsed.messageId);
  if (!messageId) {
    messageId = `<missing-${createHash('sha1').update(raw.bytes).digest('hex').slice(0, 16)}@ptbot.invalid>`;
    note(`missing Message-ID: using ${messageId}; replies to it cannot be threaded`);
  }
  const subject = (parsed.subject ?? '').replace(/\s+/g, ' ').trim();
  if (!parsed.headers.has('subject')) note('missing Subject');
  const from = realAuthor(parsed, header);
  if (!from.address) note('missing or unreadable From');

  checkMultipartComplete(raw.bytes, parsed, note);

  let body = (parsed.text ?? '').replace(/\r\n?/g, '\n');
  for (const att of parsed.attachments ?? []) {
    const name = att.filename ?? '(unnamed)';
    if (PATCH_ATTACHMENT.test(att.contentType) && /\.(patch|diff)$|^$/i.test(att.filename ?? '') && att.content.length < 16 * 1024 * 1024) {
      body += '\n' + att.content.toString('utf8').replace(/\r\n?/g, '\n');
    } else if (!SIGNATURE_PART.test(att.contentType) && !/^text\//i.test(att.contentType)) {
      note(`attachment '${name}' (${att.contentType}, ${att.size} bytes) ignored: binary content`);
    }
  }

  const inReplyTo = cleanId(parsed.inReplyTo);
  const refs = uniqueIds([...(Array.isArray(parsed.references) ? parsed.references : parsed.references ? [parsed.references] : [])])
    .filter((r) => r !== messageId);
  const split = splitSubject(subject);
  const tag = parsePatchTag(subject);
  const base: MailMessage = {
    messageId,
    subject,
    from,
    to: allAddresses(parsed.to),
    cc: allAddresses(parsed.cc),
    references: refs,
    body,
    isReply: split.isReply,
    origin: raw.origin,
    lists: listsOf(header),
  };
  if (parsed.date && !Number.isNaN(parsed.date.getTime())) base.date = parsed.date.toISOString();
  if (inReplyTo && inReplyTo !== messageId) base.inReplyTo = inReplyTo;
  if (tag) base.tag = tag;
  const noReview = classifyNoReview({
    subject, fromName: from.name, fromAddress: from.address, messageId, body,
    isReply: split.isReply, header,
  });
  if (noReview) base.noReview = noReview;

  if (!hasDiff(body) || split.isReply) return { message: base, problems };
  const pb = splitPatchBody(body);
  const patch: PatchMail = {
    ...base,
    commitMessage: pb.commitMessage,
    trailers: pb.trailers,
    diff: pb.diff,
    files: pb.files,
    patchId: pb.patchId,
  };
  if (pb.inBodyFrom) {
    const m = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(pb.inBodyFrom);
    if (m) patch.from = { name: (m[1] ?? '').trim(), address: (m[2] ?? '').trim().toLowerCase() };
  }
  if (pb.baseCommit) patch.baseCommit = pb.baseCommit;
  if (pb.changeId) patch.changeId = pb.changeId;
  return { message: patch, problems };
}

/** Cover letters carry `base-commit:` and `change-id:` too. */
export function coverMetadata(m: MailMessage): { baseCommit?: string; changeId?: string } {
  const out: { baseCommit?: string; changeId?: string } = {};
  const base = /^base-commit: ([0-9a-f]{7,40})\s*$/m.exec(m.body);
  if (base?.[1]) out.baseCommit = base[1];
  const change = /^change-id: (\S+)\s*$/m.exec(m.body);
  if (change?.[1]) out.changeId = change[1];
  return out;
}

function findHeaderEnd(bytes: Buffer): number {
  const lf = bytes.indexOf('\n\n');
  const crlf = bytes.indexOf('\r\n\r\n');
  if (lf < 0) return crlf;
  if (crlf < 0) return lf;
  return Math.min(lf, crlf);
}

function headerText(v: HeaderValue | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ');
  if (typeof v === 'object' && 'text' in v && typeof v.text === 'string') return v.text;
  if (typeof v === 'object' && 'value' in v && typeof v.value === 'string') return v.value;
  return String(v);
}

function cleanId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  const m = /<[^<>\s]+>/.exec(id);
  if (m) return m[0];
  const bare = id.trim();
  return bare && !/\s/.test(bare) ? `<${bare}>` : undefined;
}

function uniqueIds(ids: string[]): string[] {
  const out: string[] = [];
  for (const raw of ids) {
    for (const id of raw.match(/<[^<>\s]+>/g) ?? (cleanId(raw) ? [cleanId(raw) as string] : [])) {
      if (!out.includes(id)) out.push(id);
    }
  }
  return out;
}

function allAddresses(a: AddressObject | AddressObject[] | undefined): Array<{ name: string; address: string }> {
  const objs = Array.isArray(a) ? a : a ? [a] : [];
  const out: Array<{ name: string; address: string }> = [];
  const walk = (list: AddressObject['value']) => {
    for (const v of list) {
      if (v.group) walk(v.group);
      else if (v.address) out.push({ name: (v.name ?? '').trim(), address: v.address.trim().toLowerCase() });
    }
  };
  for (const o of objs) walk(o.value);
  return out;
}

function firstAddress(a: AddressObject | AddressObject[] | undefined): { name: string; address: string } {
  const obj = Array.isArray(a) ? a[0] : a;
  const v = obj?.value[0];
  return { name: (v?.name ?? '').trim(), address: (v?.address ?? '').trim().toLowerCase() };
}

/**
 * Google Groups and some lists rewrite From to the list's address
 * ("'Jane' via kasan-dev <kasan-dev@googlegroups.com>") and keep the
 * author in X-Original-From.
 */
function realAuthor(parsed: ParsedMail, header: (n: string) => string | undefined): { name: string; address: string } {
  const from = firstAddress(parsed.from);
  const original = header('x-original-from');
  if (original) {
    const m = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(original) ?? /^\s*()(\S+@\S+)\s*$/.exec(original);
    if (m) return { name: (m[1] ?? '').trim(), address: (m[2] ?? '').trim().toLowerCase() };
  }
  const via = /^'?(.*?)'? via \S+$/.exec(from.name);
  if (via) return { name: via[1] ?? from.name, address: from.address };
  return from;
}

function listsOf(header: (n: string) => string | undefined): string[] {
  const out: string[] = [];
  const listId = header('list-id');
  const m = listId ? /<([^>]+)>/.exec(listId) : null;
  if (m?.[1]) out.push(m[1]);
  const ml = header('x-mailing-list');
  if (ml) {
    const addr = /([^\s<>]+@[^\s<>]+)/.exec(ml)?.[1];
    if (addr && !out.includes(addr)) out.push(addr);
  }
  return out;
}

/** A multipart body whose closing boundary never comes was cut short. */
function checkMultipartComplete(bytes: Buffer, parsed: ParsedMail, note: (m: string) => void): void {
  const ct = parsed.headers.get('content-type');
  if (!ct || typeof ct !== 'object' || !('value' in ct) || typeof ct.value !== 'string') return;
  if (!/^multipart\//i.test(ct.value)) return;
  const params = 'params' in ct ? (ct.params as Record<string, string>) : {};
  const boundary = params.boundary;
  if (!boundary) {
    note('multipart message without a boundary parameter');
    return;
  }
  if (bytes.indexOf(`--${boundary}--`) < 0) note(`multipart body truncated: closing boundary "--${boundary}--" missing`);
}
