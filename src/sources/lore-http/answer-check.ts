// Is an answer what we asked for? lore's front end can answer a 200 with
// an HTML page (a bot wall, a maintenance notice) where Atom or mbox was
// expected, and a connection cut mid-transfer leaves a truncated gzip.
// Each of these is a retryable failure, named here. Pure functions.
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';

const gunzipAsync = promisify(gunzip);

export type LoreExpect = 'atom' | 'mbox-gz' | 'raw';

export const EXPECT_NAME: Record<LoreExpect, string> = {
  atom: 'Atom',
  'mbox-gz': 'a gzipped mbox',
  raw: 'a raw message',
};

/** Does this body start like an HTML page (after whitespace and a BOM)? */
export function looksLikeHtml(body: Buffer): boolean {
  const head = body.toString('latin1', 0, Math.min(body.length, 512)).replace(/^\uFEFF?\s*/, '').toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html') ||
    (head.startsWith('<?xml') && /<html[\s>]/.test(head));
}

function isHtmlType(contentType: string | null): boolean {
  return contentType !== null && /^\s*text\/html\b/i.test(contentType);
}

export type CheckResult = { ok: true; body: Buffer } | { ok: false; reason: string };

/**
 * Checks a 200 answer against what was expected and returns the payload
 * (for `mbox-gz`, the gunzipped mbox).
 */
export async function checkAnswer(expect: LoreExpect, contentType: string | null, body: Buffer): Promise<CheckResult> {
  const gzipMagic = body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b;
  if (!gzipMagic && (isHtmlType(contentType) || looksLikeHtml(body))) {
    return { ok: false, reason: `HTML bot-wall page instead of ${EXPECT_NAME[expect]}` };
  }
  switch (expect) {
    case 'atom': {
      const head = body.toString('utf8', 0, Math.min(body.length, 2048));
      if (!/<feed[\s>]/.test(head)) return { ok: false, reason: 'answer is not an Atom feed (no <feed> element)' };
      // A cut transfer of a chunked answer can still be a 200: the feed must be complete.
      const tail = body.toString('utf8', Math.max(0, body.length - 64)).trimEnd();
      if (!tail.endsWith('</feed>')) return { ok: false, reason: 'truncated Atom feed (no closing </feed>)' };
      return { ok: true, body };
    }
    case 'mbox-gz': {
      if (!gzipMagic) return { ok: false, reason: 'answer is not gzip data' };
      let mbox: Buffer;
      try {
        mbox = await gunzipAsync(body);
      } catch (err) {
        const code = err && typeof err === 'object' && 'code' in err ? String((err as { code: unknown }).code) : '';
        return { ok: false, reason: code === 'Z_BUF_ERROR' ? 'truncated gzip (unexpected end of data)' : `corrupt gzip (${err instanceof Error ? err.message : String(err)})` };
      }
      if (mbox.length > 0 && mbox.toString('latin1', 0, 5) !== 'From ') {
        return { ok: false, reason: 'gunzipped answer is not an mbox (no From line first)' };
      }
      return { ok: true, body: mbox };
    }
    case 'raw': {
      // public-inbox answers /raw as a one-message mboxrd; a bare message is accepted too.
      if (body.toString('latin1', 0, 5) !== 'From ' && !/^[\x21-\x39\x3b-\x7e]+:/.test(body.toString('latin1', 0, Math.min(body.length, 200)))) {
        return { ok: false, reason: 'answer is not a raw message (no header line first)' };
      }
      return { ok: true, body };
    }
  }
}
