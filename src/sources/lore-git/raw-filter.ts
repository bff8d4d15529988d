// Deciding from raw bytes, before any MIME parsing, whether a message from
// a mirror can matter: it names a relevant path or identifier, or refers to
// a watched thread. The test must never say no to a message that matters:
// a glob's literal pieces (`arch/*/mm/**` has "arch/" and "/mm/") must all
// appear in any text that matches it, so "all pieces present" is a safe
// test. Encoded bodies can hide text: base64 parts cannot be searched
// without decoding, so a message with one always passes; quoted-printable
// soft line breaks and =XX escapes are undone on a copy before searching.
import { expandBraces } from '../lore-http/search-query.ts';

export type RawFilter = (bytes: Buffer) => boolean;

export interface RawFilterSpec {
  paths: string[];
  identifiers: string[];
  /** Message-IDs of watched threads (without brackets): replies name them in In-Reply-To/References. */
  watchedMessageIds?: Iterable<string>;
}

/** Pieces shorter than this say nothing ("p", ".h"). */
const MIN_PIECE = 3;

/** The literal pieces a match of the glob must contain, for each brace alternative. */
export function globPieces(glob: string): string[][] {
  return expandBraces(glob).map((alt) => alt.split(/\*+|\?|\[[^\]]*\]/).filter((p) => p.length >= MIN_PIECE));
}


/** Undoes quoted-printable on the whole text (headers untouched in practice: they have no `=XX` at line ends). */
export function undoQuotedPrintable(text: string): string {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * One scan finds the first piece of any alternative (a watched Message-ID
 * is an alternative of one piece); only where one occurs are that
 * alternative's other pieces looked for. Dozens of globs then cost about
 * one pass over the message instead of one pass each.
 */
function anyAlternative(alternatives: string[][]): (text: string) => boolean {
  const byFirst = new Map<string, string[][]>();
  for (const alt of alternatives) {
    const first = alt[0];
    if (first === undefined) continue;
    const rest = alt.slice(1);
    byFirst.set(first, [...(byFirst.get(first) ?? []), rest]);
  }
  if (byFirst.size === 0) return () => false;
  const firsts = [...byFirst.keys()];
  const scan = new RegExp(firsts.map(escapeRegExp).join('|'), 'g');
  return (text) => {
    scan.lastIndex = 0;
    for (let m = scan.exec(text); m; m = scan.exec(text)) {
      // Every needle starting here, not only the one the scan reported (one may be a prefix of another).
      for (const first of firsts) {
        if (!text.startsWith(first, m.index)) continue;
        for (const rest of byFirst.get(first) ?? []) if (rest.every((p) => text.includes(p))) return true;
      }
      scan.lastIndex = m.index + 1;
    }
    return false;
  };
}

const TRANSFER_ENCODING = /content-transfer-encoding:[ \t]*(base64|quoted-printable)/gi;

export function relevanceRawFilter(spec: RawFilterSpec): RawFilter {
  // Each alternative needs all its pieces; the longest is looked for first, as it is the rarest.
  const alternatives: string[][] = [];
  for (const glob of [...spec.paths, ...spec.identifiers]) {
    for (const pieces of globPieces(glob)) {
      if (pieces.length === 0) return () => true; // a glob with no literal piece matches anything
      alternatives.push([...pieces].sort((a, b) => b.length - a.length));
    }
  }
  for (const id of spec.watchedMessageIds ?? []) alternatives.push([`<${id}>`]);
  const matches = anyAlternative(alternatives);
  return (bytes) => {
    const text = bytes.toString('latin1');
    if (matches(text)) return true;
    // Only now look at the encoding: most mail is 8-bit text and was decided above.
    let qp = false;
    TRANSFER_ENCODING.lastIndex = 0;
    for (let m = TRANSFER_ENCODING.exec(text); m; m = TRANSFER_ENCODING.exec(text)) {
      if ((m[1] ?? '').toLowerCase() === 'base64') return true;
      qp = true;
    }
    return qp && matches(undoQuotedPrintable(text));
  };
}

export const acceptAll: RawFilter = () => true;
