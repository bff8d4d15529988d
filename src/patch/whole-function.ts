// Whole-function hunks: given the whole pre- and post-image of a file (from
// a kernel tree, the patch applied), widen each hunk with context lines
// until it shows every function it touches from its definition line to its
// closing brace, like `git diff --function-context`. Everything downstream
// (regions, images, rules, quoting) then reads ordinary hunks, and a
// function shown whole is analysed as a whole function. Pure.
import { functionSpans as braceSpans } from '../c/function-spans.ts';
import { definedFunction } from './context.ts';
import { functionNameOf } from './diff.ts';
import type { FileChange, Hunk, HunkLine } from './types.ts';

/** A function's extent in a file: 0-based indexes of its definition line and closing brace. */
export interface FunctionSpan {
  name?: string;
  start: number;
  end: number;
}

/**
 * Function definitions of a C file, from src/c's brace matching (checked
 * against tree-sitter on whole kernel files). A span starts at the line
 * that names the function (`early_fixmap_init_pte(pmd_t *pmdp, ...)` under
 * `static void __init`), where the regions of src/patch/context.ts switch
 * to it, so the return-type line above stays with what precedes it.
 */
export function functionSpans(lines: readonly string[]): FunctionSpan[] {
  return braceSpans(lines.join('\n')).map((s) => {
    let start = s.startLine - 1;
    let name: string | undefined;
    for (let k = start; k < s.bodyLine; k++) {
      name = definedFunction(lines[k] ?? '');
      if (name !== undefined) { start = k; break; }
    }
    return name === undefined ? { start, end: s.endLine - 1 } : { name, start, end: s.endLine - 1 };
  });
}

const spanAt = (spans: readonly FunctionSpan[], index: number): FunctionSpan | undefined =>
  spans.find((s) => s.start <= index && index <= s.end);

export interface WidenedFile {
  file: FileChange;
  /** True when the hunks moved by different amounts and line numbers are the tree's, not the patch's. */
  renumbered: boolean;
}

const linesOf = (text: string): string[] => {
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  return lines;
};

/**
 * `file` with each hunk widened to whole functions. `offsets` are what
 * applyFileChange reported (how far each hunk moved in this base). When all
 * offsets are equal, line numbers stay the patch's (a finding points where
 * the mail shows it); otherwise they become the tree's.
 */
export function widenToFunctions(file: FileChange, pre: string, post: string, offsets: readonly number[]): WidenedFile {
  const preLines = linesOf(pre);
  const postLines = linesOf(post);
  const preSpans = functionSpans(preLines);
  const postSpans = functionSpans(postLines);
  const uniform = offsets.every((o) => o === offsets[0]);
  const numberShift = uniform ? (offsets[0] ?? 0) : 0;

  // Each hunk's place in both images (0-based, actual), and how far to
  // widen it: to the functions its added or removed lines are in, not those
  // only its context lines reach into.
  let delta = 0; // post index - pre index, after the hunks so far
  const placed = file.hunks.map((hunk, i) => {
    const offset = offsets[i] ?? 0;
    const stated = hunk.oldLines === 0 ? hunk.oldStart : hunk.oldStart - 1;
    const preStart = stated + offset;
    const preEnd = preStart + hunk.oldLines; // exclusive
    const deltaBefore = delta;
    delta += hunk.newLines - hunk.oldLines;
    let from = preStart;
    let to = preEnd - 1;
    for (const l of hunk.lines) {
      // A removed line's function in the pre-image, an added line's in the
      // post-image; post indexes above the hunk map back by the delta
      // before it, below it by the delta after it.
      const span = l.kind === 'removed' && l.oldLine !== undefined ? spanAt(preSpans, l.oldLine - 1 + offset)
        : l.kind === 'added' && l.newLine !== undefined ? spanAt(postSpans, l.newLine - 1 + offset) : undefined;
      if (!span) continue;
      const shiftUp = l.kind === 'added' ? deltaBefore : 0;
      const shiftDown = l.kind === 'added' ? delta : 0;
      from = Math.min(from, span.start - shiftUp);
      to = Math.max(to, span.end - shiftDown);
    }
    // The widened run in the pre-image: [widenFrom, widenTo).
    return { hunk, offset, preStart, preEnd, deltaBefore, deltaAfter: delta, widenFrom: from, widenTo: to + 1 };
  });

  const renumber = (l: HunkLine, offset: number): HunkLine => {
    if (uniform || offset === 0) return l;
    const out: HunkLine = { ...l, anchorLine: l.anchorLine + offset };
    if (l.oldLine !== undefined) out.oldLine = l.oldLine + offset;
    if (l.newLine !== undefined) out.newLine = l.newLine + offset;
    return out;
  };
  const contextLine = (preIndex: number, deltaBefore: number): HunkLine => {
    const newLine = preIndex + deltaBefore + 1 - numberShift;
    return { kind: 'context', text: preLines[preIndex] ?? '', oldLine: preIndex + 1 - numberShift, newLine, anchorLine: newLine };
  };

  const hunks: Hunk[] = [];
  let current: { lines: HunkLine[]; preFrom: number; preTo: number; deltaFrom: number } | undefined;
  for (const [i, p] of placed.entries()) {
    const from = Math.max(0, p.widenFrom, current ? current.preTo : 0);
    // Trailing context stops where the next hunk starts: it will be merged.
    const to = Math.min(preLines.length, p.widenTo, placed[i + 1]?.preStart ?? Infinity);
    if (current && from > current.preTo) {
      hunks.push(toHunk(current, preLines, numberShift));
      current = undefined;
    }
    if (!current) current = { lines: [], preFrom: from, preTo: from, deltaFrom: p.deltaBefore };
    // Context between the previous hunk (or the widened top) and this one.
    for (let k = current.preTo; k < p.preStart; k++) current.lines.push(contextLine(k, p.deltaBefore));
    current.lines.push(...p.hunk.lines.map((l) => renumber(l, p.offset)));
    for (let k = p.preEnd; k < to; k++) current.lines.push(contextLine(k, p.deltaAfter));
    current.preTo = Math.max(to, p.preEnd);
  }
  if (current) hunks.push(toHunk(current, preLines, numberShift));
  return { file: { ...file, hunks }, renumbered: !uniform };
}

/** The hunk header of a widened run of lines; its section is the function line above it, as git shows. */
function toHunk(run: { lines: HunkLine[]; preFrom: number; deltaFrom: number }, preLines: readonly string[], numberShift: number): Hunk {
  const old = run.lines.filter((l) => l.kind !== 'added');
  const neu = run.lines.filter((l) => l.kind !== 'removed');
  const oldStart = old[0]?.oldLine ?? run.preFrom + 1 - numberShift;
  const newStart = neu[0]?.newLine ?? run.preFrom + run.deltaFrom + 1 - numberShift;
  let section = '';
  for (let k = run.preFrom - 1; k >= 0; k--) {
    const text = preLines[k] ?? '';
    if (definedFunction(text) !== undefined) { section = text.trimEnd(); break; }
  }
  const hunk: Hunk = { oldStart, oldLines: old.length, newStart, newLines: neu.length, section, lines: run.lines };
  const name = section ? functionNameOf(section) : undefined;
  if (name !== undefined) hunk.sectionFunction = name;
  return hunk;
}
