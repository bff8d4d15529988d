// Paired-call balance on what the hunks show (HAZARDS P3, hunk edition).
// Hunks rarely show every path, so the question asked is diff-relative:
// does the patch change the net count of opens minus closes that the
// function's visible lines carry? A balanced change (both sides converted,
// or untouched) keeps the same net count in the pre- and post-image and is
// silent, whatever lies outside the hunks.
//
// Calls on a branch that jumps away (`lazy_mmu_mode_disable(); return -E;`,
// or disable ... enable ... `continue;`) are left out of the count when the
// fragment shows the section's open above them: they do not change what the
// fall-through path holds. Early returns without a close are
// section-exits.ts's question.
import { callSites, codeOf, type CallSite, type NameMatcher } from './code.ts';
import { indentWidth } from './section-exits.ts';
import { imageOf, type FunctionRegion, type Image } from '../patch/context.ts';
import type { HunkLine } from '../patch/types.ts';

export interface PairSpec {
  open: NameMatcher;
  close: NameMatcher;
}

export interface ImageBalance {
  /** Opens minus closes on the visible lines, branch exits left out. */
  net: number;
  opens: CallSite[];
  closes: CallSite[];
  /** Calls on branches that jump away, not counted in `net`. */
  branchExits: CallSite[];
}

const JUMP = /\b(return|goto|break|continue)\b/;
const JUMP_STATEMENT = /^\s*(return|goto|break|continue)\b/;

/** Does the block holding `site` end in a jump before it falls through? */
function endsInJump(lines: HunkLine[], code: string[], site: CallSite): boolean {
  const text = code[site.index] ?? '';
  if (JUMP.test(text.slice(site.column))) return true;
  const depth = indentWidth(site.line.text);
  for (let r = site.index + 1; r < lines.length; r++) {
    const c = code[r] ?? '';
    if (c.trim() === '') continue;
    const d = indentWidth(lines[r]!.text);
    if (d < depth) return false;
    if (d === depth && JUMP_STATEMENT.test(c)) return true;
  }
  return false;
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
  const out: ImageBalance = { net: 0, opens: [], closes: [], branchExits: [] };
  for (const fragment of region.fragments) {
    const lines = imageOf(fragment, image);
    const code = codeOf(lines);
    const opens = callSites([lines], spec.open);
    const closes = callSites([lines], spec.close);
    const first = opens[0];
    const base = first ? indentWidth(first.line.text) : Infinity;
    const isExit = (s: CallSite): boolean =>
      first !== undefined && s.index > first.index && indentWidth(s.line.text) > base && endsInJump(lines, code, s);
    for (const s of opens) (isExit(s) ? out.branchExits : out.opens).push(s);
    for (const s of closes) (isExit(s) ? out.branchExits : out.closes).push(s);
  }
  out.net = out.opens.length - out.closes.length;
  return out;
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
