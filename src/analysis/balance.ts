// Paired-call balance on what the hunks show (HAZARDS P3, hunk edition).
// Hunks rarely show every path, so the question asked is diff-relative:
// does the patch change the net count of opens minus closes that the
// function's visible lines carry? A balanced change (both sides converted,
// or untouched) keeps the same net count in the pre- and post-image and is
// silent, whatever lies outside the hunks.
import { callSites, type CallSite, type NameMatcher } from './code.ts';
import { imageOf, type FunctionRegion, type Image } from '../patch/context.ts';
import type { HunkLine } from '../patch/types.ts';

export interface PairSpec {
  open: NameMatcher;
  close: NameMatcher;
}

export interface ImageBalance {
  /** Opens minus closes on the visible lines. */
  net: number;
  opens: CallSite[];
  closes: CallSite[];
}

export interface PairedBalance {
  pre: ImageBalance;
  post: ImageBalance;
  /** post.net - pre.net: what the patch adds to the count (0: balanced change). */
  introduced: number;
  /**
   * The changed line that best explains a non-zero `introduced`: the last
   * added open (surplus of opens), the first added close (surplus of
   * closes), or else where a balancing call was removed.
   */
  culprit?: HunkLine;
}

export function imageBalance(region: FunctionRegion, image: Image, spec: PairSpec): ImageBalance {
  const fragments = region.fragments.map((f) => imageOf(f, image));
  const opens = callSites(fragments, spec.open);
  const closes = callSites(fragments, spec.close);
  return { net: opens.length - closes.length, opens, closes };
}

export function pairedBalance(region: FunctionRegion, spec: PairSpec): PairedBalance {
  const pre = imageBalance(region, 'pre', spec);
  const post = imageBalance(region, 'post', spec);
  const introduced = post.net - pre.net;
  const result: PairedBalance = { pre, post, introduced };
  const culprit = introduced === 0 ? undefined : findCulprit(pre, post, introduced > 0);
  if (culprit) result.culprit = culprit;
  return result;
}

function findCulprit(pre: ImageBalance, post: ImageBalance, surplusOfOpens: boolean): HunkLine | undefined {
  const added = (sites: CallSite[]): CallSite[] => sites.filter((s) => s.line.kind === 'added');
  const removed = (sites: CallSite[]): CallSite[] => sites.filter((s) => s.line.kind === 'removed');
  if (surplusOfOpens) return added(post.opens).at(-1)?.line ?? removed(pre.closes)[0]?.line;
  return added(post.closes)[0]?.line ?? removed(pre.opens)[0]?.line;
}
