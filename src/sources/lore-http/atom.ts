// Reading public-inbox Atom feeds (new.atom, search with x=A): only what
// discovery needs, the Message-ID of each entry (from its link), its title
// and its date. public-inbox writes the feed in a fixed shape; a regular
// scan of <entry> blocks is enough and keeps us free of an XML dependency.

export interface AtomEntry {
  messageId: string;
  title: string;
  /** As written in <updated> (the message's Date, in UTC). */
  updated: string;
  /** The parent public-inbox threads it under (`thr:in-reply-to`), if any. */
  parentId?: string;
}

const ENTRY = /<entry>([\s\S]*?)<\/entry>/g;

export function parseAtomEntries(feed: string): AtomEntry[] {
  const out: AtomEntry[] = [];
  for (const m of feed.matchAll(ENTRY)) {
    const block = m[1] ?? '';
    // The entry's own link comes before <content>; links inside the body come after.
    const head = block.split('<content')[0] ?? block;
    // The entry's link is the first <link>; <thr:in-reply-to> has an href too.
    const href = /<link\s[^>]*?href="([^"]*)"/.exec(head)?.[1];
    const parentHref = /<thr:in-reply-to\s[^>]*?href="([^"]*)"/.exec(head)?.[1];
    if (!href) continue;
    const messageId = messageIdFromHref(unescapeXml(href));
    if (!messageId) continue;
    out.push({
      messageId,
      title: unescapeXml(/<title>([\s\S]*?)<\/title>/.exec(head)?.[1] ?? ''),
      updated: /<updated>([^<]*)<\/updated>/.exec(head)?.[1] ?? '',
      ...(parentHref ? { parentId: messageIdFromHref(unescapeXml(parentHref)) } : {}),
    });
  }
  return out;
}

/** `http://host/list/MSGID/` to the Message-ID (public-inbox escapes it like a path segment). */
export function messageIdFromHref(href: string): string | undefined {
  const path = href.replace(/[?#].*$/, '').replace(/^[a-z]+:\/\/[^/]+/i, '');
  const segments = path.split('/').filter((s) => s.length > 0);
  const last = segments[segments.length - 1];
  if (!last) return undefined;
  try {
    return decodeURIComponent(last);
  } catch {
    return undefined;
  }
}

/** A Message-ID as a URL path segment, the way public-inbox links it. */
export function escapeMessageId(mid: string): string {
  return encodeURIComponent(mid).replace(/%40/g, '@');
}

function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_all, e: string) => {
    const lower = e.toLowerCase();
    if (lower === 'amp') return '&';
    if (lower === 'lt') return '<';
    if (lower === 'gt') return '>';
    if (lower === 'quot') return '"';
    if (lower === 'apos') return "'";
    const code = lower.startsWith('#x') ? parseInt(lower.slice(2), 16) : parseInt(lower.slice(1), 10);
    return Number.isFinite(code) ? String.fromCodePoint(code) : '';
  });
}
