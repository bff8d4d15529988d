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

const BASE64 = /content-transfer-encoding:[ \t]*base64/i;
const QP = /content-transfer-encoding:[ \t]*quoted-printable/i;

/** Undoes quoted-printable on the whole text (headers untouched in practice: they have no `=XX` at line ends). */
export function undoQuotedPrintable(text: string): string {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export function relevanceRawFilter(spec: RawFilterSpec): RawFilter {
  // Each alternative needs all its pieces; the longest is tried first, as it is the rarest.
  const needles: Buffer[][] = [];
  const textNeedles: string[][] = [];
  let matchesAll = false;
  for (const glob of [...spec.paths, ...spec.identifiers]) {
    for (const pieces of globPieces(glob)) {
      if (pieces.length === 0) { matchesAll = true; continue; }
      const sorted = [...pieces].sort((a, b) => b.length - a.length);
      needles.push(sorted.map((p) => Buffer.from(p, 'latin1')));
      textNeedles.push(sorted);
    }
  }
  const watched = [...(spec.watchedMessageIds ?? [])].map((id) => Buffer.from(`<${id}>`, 'latin1'));
  if (matchesAll) return () => true;
  return (bytes) => {
    for (const w of watched) if (bytes.includes(w)) return true;
    for (const alt of needles) if (alt.every((n) => bytes.includes(n))) return true;
    // Only now look at the encoding: most mail is 8-bit text and was decided above.
    const text = bytes.toString('latin1');
    if (BASE64.test(text)) return true;
    if (QP.test(text)) {
      const plain = undoQuotedPrintable(text);
      return textNeedles.some((alt) => alt.every((n) => plain.includes(n)));
    }
    return false;
  };
}

export const acceptAll: RawFilter = () => true;
