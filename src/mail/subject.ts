// Subject lines of kernel mail: reply prefixes and the `[PATCH ...]` tag.
// The tag's words are free-form in practice (`[RFC PATCH net-next v2 0/3]`,
// `[PATCH RESEND v3 2/4]`, `[v2 PATCH 1/2]`, `[RESEND] [PATCH v2]`,
// `[PATCH v2 07/23 replacement]`, `[PATCH V3]`, `[PATCHv2 1/2]`), so each
// bracket group is split into words and each word is recognised alone.
import type { PatchTag } from './types.ts';

const REPLY_PREFIX = /^\s*(?:(?:re|fwd?|aw|antw|sv|vs)\s*(?:\[\d+\])?\s*:\s*)+/i;
const BRACKET_GROUP = /^\s*\[([^\]]*)\]/;

export interface SplitSubject {
  isReply: boolean;
  /** Bracket groups at the start, after any reply prefix, in order. */
  groups: string[];
  /** The rest: the title. */
  title: string;
}

export function splitSubject(subject: string): SplitSubject {
  let rest = subject.replace(/\s+/g, ' ').trim();
  let isReply = false;
  const groups: string[] = [];
  for (;;) {
    const reply = REPLY_PREFIX.exec(rest);
    if (reply) {
      isReply = true;
      rest = rest.slice(reply[0].length);
      continue;
    }
    const group = BRACKET_GROUP.exec(rest);
    if (group) {
      groups.push((group[1] ?? '').trim());
      rest = rest.slice(group[0].length);
      continue;
    }
    break;
  }
  return { isReply, groups, title: rest.trim() };
}

/** Is this bracket group a patch tag (as opposed to `[tip: x86/mm]`)? */
function isPatchGroup(words: string[]): boolean {
  return words.some((w) => /^(patch(v\d+)?|rfc|resend)$/i.test(w));
}

/**
 * Parses the patch tag of a subject; undefined when the subject has none.
 * Several bracket groups that are all patch-ish (`[RESEND] [PATCH v2]`) are
 * read as one tag.
 */
export function parsePatchTag(subject: string): PatchTag | undefined {
  const split = splitSubject(subject);
  const tagGroups = split.groups.filter((g) => isPatchGroup(g.split(/[\s,]+/)));
  if (tagGroups.length === 0) return undefined;
  const tag: PatchTag = {
    version: 1, rfc: false, resend: false, versionExplicit: false, prefixes: [],
    title: split.title, raw: tagGroups.join('] ['),
  };
  for (const word of tagGroups.join(' ').split(/[\s,]+/).filter(Boolean)) {
    const patchV = /^patch(?:v(\d+))?$/i.exec(word);
    const version = /^v(\d+)$/i.exec(word);
    const index = /^(\d+)\/(\d+)$/.exec(word);
    if (patchV) {
      if (patchV[1]) { tag.version = Number(patchV[1]); tag.versionExplicit = true; }
    } else if (version) {
      tag.version = Number(version[1]);
      tag.versionExplicit = true;
    } else if (index) {
      tag.index = Number(index[1]);
      tag.total = Number(index[2]);
    } else if (/^rfc(v\d+)?$/i.test(word)) {
      tag.rfc = true;
      const rfcV = /^rfcv(\d+)$/i.exec(word);
      if (rfcV) { tag.version = Number(rfcV[1]); tag.versionExplicit = true; }
    } else if (/^resend$/i.test(word)) {
      tag.resend = true;
    } else if (/^(fix\d*|fixup\d*|incremental)$/i.test(word)) {
      tag.amendment = 'fixup';
      tag.prefixes.push(word);
    } else if (/^replacement$/i.test(word)) {
      tag.amendment = 'replacement';
      tag.prefixes.push(word);
    } else {
      tag.prefixes.push(word);
    }
  }
  return tag;
}

/** `[tip: x86/mm]`, `[tip:x86/mm]`: the tip tree's commit notification tag. */
export function tipBranch(subject: string): string | undefined {
  const split = splitSubject(subject);
  for (const g of split.groups) {
    const m = /^tip\s*:\s*(\S+)/i.exec(g);
    if (m) return m[1];
  }
  return undefined;
}

/** Title normalised for matching across versions: case, spaces, punctuation. */
export function normalizeTitle(title: string): string {
  return title.toLowerCase().replace(/[\s\p{P}]+/gu, ' ').trim();
}
