// Header facts a source needs before src/mail/ parses anything: the
// Message-ID (to de-duplicate and to build cursors) and, for filtering,
// where the header block ends. Read from raw bytes; no MIME decoding.

const CRLFCRLF = Buffer.from('\r\n\r\n');
const LFLF = Buffer.from('\n\n');

/** Byte length of the header block (up to the first blank line), or the whole message. */
export function headerEnd(bytes: Buffer): number {
  const lf = bytes.indexOf(LFLF);
  const crlf = bytes.indexOf(CRLFCRLF);
  if (lf < 0 && crlf < 0) return bytes.length;
  if (lf < 0) return crlf;
  if (crlf < 0) return lf;
  return Math.min(lf, crlf);
}

/**
 * The Message-ID without angle brackets, as public-inbox uses it in URLs;
 * undefined when the header is missing. Folded headers are unfolded.
 */
export function rawMessageId(bytes: Buffer): string | undefined {
  const head = bytes.toString('latin1', 0, headerEnd(bytes));
  const m = /(?:^|\n)message-id:[ \t]*((?:[^\r\n]|\r?\n[ \t])*)/i.exec(head);
  if (!m || m[1] === undefined) return undefined;
  const value = m[1].replace(/\r?\n[ \t]+/g, ' ').trim();
  const bracketed = /<([^<>\s]+)>/.exec(value);
  if (bracketed?.[1]) return bracketed[1];
  return value.length ? value.split(/\s+/)[0] : undefined;
}

/** Message-IDs named by In-Reply-To and References, without brackets. */
export function rawReferences(bytes: Buffer): string[] {
  const head = bytes.toString('latin1', 0, headerEnd(bytes));
  const out: string[] = [];
  for (const m of head.matchAll(/(?:^|\n)(?:in-reply-to|references):[ \t]*((?:[^\r\n]|\r?\n[ \t])*)/gi)) {
    for (const id of (m[1] ?? '').matchAll(/<([^<>\s]+)>/g)) if (id[1]) out.push(id[1]);
  }
  return out;
}
