// Diff-awareness on the C front end's results: what the post-image has that
// the pre-image did not (compared by statement text, so lines shifted by the
// patch still match), and reports placed on hunk lines with the confidence
// of the image they were made from.
import { callSites, type CallSite, type NameMatcher } from './code.ts';
import type { ImageFunction, TouchedFunction } from './function-context.ts';
import type { HunkLine } from '../patch/types.ts';
import type { RuleReport } from './rule-api.ts';
import { heldCount, type BalanceIssue, type Resource } from '../c/index.ts';

/** One result of the post-image that the pre-image did not have. */
export interface ImageIssue<T> {
  item: T;
  image: ImageFunction;
}

/** Trimmed text of an image line ('' when the hunks do not show it). */
export function lineText(image: ImageFunction, line: number): string {
  return image.lineAt(line)?.text.trim() ?? '';
}

/**
 * Results in the post-image whose key (built from line texts, not numbers)
 * the pre-image lacks, counted as a multiset: two identical leaks before
 * and one after is no new leak.
 */
export function introducedBy<T>(
  fn: TouchedFunction,
  of: (image: ImageFunction) => T[],
  key: (item: T, image: ImageFunction) => string,
): Array<ImageIssue<T>> {
  if (!fn.post) return [];
  const before = new Map<string, number>();
  if (fn.pre) for (const t of of(fn.pre)) before.set(key(t, fn.pre), (before.get(key(t, fn.pre)) ?? 0) + 1);
  const out: Array<ImageIssue<T>> = [];
  for (const item of of(fn.post)) {
    const k = key(item, fn.post);
    const n = before.get(k) ?? 0;
    if (n > 0) before.set(k, n - 1);
    else out.push({ item, image: fn.post });
  }
  return out;
}

/** Calls to `names` on lines the patch removes, in the function's hunks. */
export function removedCalls(fn: TouchedFunction, names: NameMatcher): CallSite[] {
  const removed = fn.region.fragments.map((f) => f.filter((l) => l.kind === 'removed'));
  return callSites(removed, names);
}

/** A report placed by image line numbers; `lines` become its evidence. */
export interface CReport {
  messageId: string;
  data?: Record<string, string | number>;
  /** The line the finding points at (an image line number). */
  line: number;
  /** Further image lines quoted as evidence (the open, the exit). */
  lines?: number[];
  /** Hunk lines quoted as well (a removed call that used to balance). */
  extra?: HunkLine[];
  suggestion?: string;
}

/** The RuleReport for `r` in `image` of `fn`, or undefined when its line is not in the hunks. */
export function reportOn(fn: TouchedFunction, image: ImageFunction, r: CReport): RuleReport | undefined {
  const at = image.lineAt(r.line);
  if (!at) return undefined;
  const evidence: HunkLine[] = [];
  for (const n of [r.line, ...(r.lines ?? [])]) {
    const l = image.lineAt(n);
    if (l && !evidence.includes(l)) evidence.push(l);
  }
  for (const l of r.extra ?? []) if (!evidence.includes(l)) evidence.push(l);
  const out: RuleReport = { messageId: r.messageId, file: fn.file, at, evidence, confidence: image.confidence };
  if (r.data) out.data = r.data;
  if (r.suggestion !== undefined) out.suggestion = r.suggestion;
  if (fn.name !== undefined) out.function = fn.name;
  return out;
}

/** Do two image lines sit in one hunk (nothing unseen between them)? */
export function sameHunk(fn: TouchedFunction, image: ImageFunction, a: number, b: number): boolean {
  if (image.confidence === 'whole-function') return true;
  const x = image.lineAt(a);
  const y = image.lineAt(b);
  return x !== undefined && y !== undefined && fn.region.fragments.some((f) => f.includes(x) && f.includes(y));
}

/**
 * Balance issues of `resources` the patch introduces. On a fragment only what
 * the hunks can show counts: a leak by a `return` in the same hunk as the
 * acquisition (the end of a hunk is no exit, and code between hunks is
 * unseen); underflows need the whole function.
 */
export function introducedBalance(fn: TouchedFunction, resources: readonly Resource[]): Array<ImageIssue<BalanceIssue>> {
  const visible = (image: ImageFunction) => (i: BalanceIssue): boolean => {
    if (i.kind === 'returned' || i.kind === 'reacquired') return false;
    if (image.confidence === 'whole-function') return true;
    // The path must leave by a return that holds the resource: falling off
    // the end of a hunk is no exit, even when the hunk's last line is a return.
    const ret = image.analysis.cfg.nodes.find((n) => n.kind === 'return' && n.line === i.exitLine);
    const held = ret !== undefined && image.analysis.held.statesAt(ret.id).some((st) => heldCount(st, i.resource) > (image.entry[i.resource] ?? 0));
    return i.kind === 'leak' && held && sameHunk(fn, image, i.line, i.exitLine);
  };
  // Keyed by what is held and where the path leaves, not by the acquiring
  // call's text: converting pte_offset_map_nolock() to _ro_nolock() keeps a leak the same leak.
  return introducedBy(
    fn,
    (image) => image.analysis.balance({ resources }).filter(visible(image)),
    (i, image) => `${i.kind}|${i.resource}|${lineText(image, i.kind === 'leak' ? i.exitLine : i.line)}`,
  );
}
