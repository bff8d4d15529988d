// From the config's relevance globs to a public-inbox search. The search is
// a coarse first cut: it may find more than the relevance filter keeps (that
// filter runs on parsed diffs later), but it must not find less. Xapian has
// no inner wildcards, so each glob becomes terms that every matching path
// or identifier must contain: its literal path segments, and `prefix*` for a
// segment with a wildcard inside.

export interface RelevanceGlobs {
  paths: string[];
  identifiers: string[];
}

export interface BuiltQuery {
  /** The relevance part, without the time range. */
  query: string;
  /** Globs that give no useful term (a leading wildcard, too short a prefix): found only through paths or threads. */
  unsearchable: string[];
}

/** Shortest literal prefix worth a `prefix*` term (Xapian expands wildcards; `ar*` would be everything). */
const MIN_PREFIX = 3;
const MIN_IDENT_PREFIX = 6;

/** `a/{b,c}*.h` to `a/b*.h`, `a/c*.h` (nested braces too). */
export function expandBraces(glob: string): string[] {
  const open = glob.indexOf('{');
  if (open < 0) return [glob];
  let depth = 0;
  for (let i = open; i < glob.length; i++) {
    if (glob[i] === '{') depth++;
    else if (glob[i] === '}' && --depth === 0) {
      const inner = glob.slice(open + 1, i);
      const alternatives: string[] = [];
      let d = 0;
      let start = 0;
      for (let j = 0; j < inner.length; j++) {
        if (inner[j] === '{') d++;
        else if (inner[j] === '}') d--;
        else if (inner[j] === ',' && d === 0) { alternatives.push(inner.slice(start, j)); start = j + 1; }
      }
      alternatives.push(inner.slice(start));
      const rest = glob.slice(i + 1);
      return alternatives.flatMap((alt) => expandBraces(glob.slice(0, open) + alt + rest));
    }
  }
  return [glob]; // unbalanced: taken literally
}

const WILD = /[*?[]/;

/** Literal text before the first wildcard, without trailing punctuation. */
function literalPrefix(s: string): string {
  const cut = s.search(WILD);
  return (cut < 0 ? s : s.slice(0, cut)).replace(/[^A-Za-z0-9_]+$/, '');
}

/** Terms of one path glob, AND-ed; undefined when nothing is searchable. */
export function pathGlobTerm(glob: string): string | undefined {
  if (!WILD.test(glob)) return `dfn:${glob}`;
  const terms: string[] = [];
  for (const segment of glob.split('/')) {
    if (segment === '' || segment === '**') continue;
    if (!WILD.test(segment)) { terms.push(`dfn:${segment}`); continue; }
    const prefix = literalPrefix(segment);
    if (prefix.length >= MIN_PREFIX) terms.push(`dfn:${prefix}*`);
  }
  if (terms.length === 0) return undefined;
  return terms.length === 1 ? terms[0] : `(${terms.join(' AND ')})`;
}

/**
 * `p?d` is a page-table level in kernel names; expanding it keeps
 * `p?d_free_*` searchable as four prefixes instead of none.
 */
const LEVELS = ['pgd', 'p4d', 'pud', 'pmd'];

function identifierCandidates(glob: string): string[] {
  return glob.includes('p?d') ? LEVELS.flatMap((l) => identifierCandidates(glob.replace('p?d', l))) : [glob];
}

const IDENT_FIELDS = ['dfhh', 'dfa', 'dfb', 'dfctx'];

/** Terms of one identifier glob (hunk header, removed, added or context lines); undefined when not searchable. */
export function identifierGlobTerms(glob: string): string[] | undefined {
  const words: string[] = [];
  for (const candidate of identifierCandidates(glob)) {
    if (!WILD.test(candidate)) { words.push(candidate); continue; }
    const prefix = literalPrefix(candidate);
    if (prefix.length < MIN_IDENT_PREFIX) return undefined;
    words.push(`${prefix}*`);
  }
  return words.flatMap((w) => IDENT_FIELDS.map((f) => `${f}:${w}`));
}

export function buildRelevanceQuery(globs: RelevanceGlobs, listQuery?: string): BuiltQuery {
  const terms: string[] = [];
  const unsearchable: string[] = [];
  for (const glob of globs.paths) {
    const expanded = expandBraces(glob).map(pathGlobTerm);
    if (expanded.some((t) => t === undefined)) unsearchable.push(glob);
    for (const t of expanded) if (t !== undefined) terms.push(t);
  }
  for (const glob of globs.identifiers) {
    const expanded = expandBraces(glob).map(identifierGlobTerms);
    if (expanded.some((t) => t === undefined)) unsearchable.push(glob);
    for (const t of expanded) if (t !== undefined) terms.push(...t);
  }
  const unique = [...new Set(terms)];
  let query = unique.length ? `(${unique.join(' OR ')})` : '';
  if (listQuery && listQuery.trim()) query = query ? `${query} AND (${listQuery.trim()})` : `(${listQuery.trim()})`;
  return { query, unsearchable };
}

/** `rt:` from a unix second on: public-inbox takes 5+ digit numbers as epoch seconds. */
export function receivedSince(query: string, sinceSeconds: number): string {
  const rt = `rt:${Math.max(0, Math.floor(sinceSeconds))}..`;
  return query ? `${query} AND ${rt}` : rt;
}
