// Whole-function hunks: given the whole pre- and post-image of a file (from
// a kernel tree, the patch applied), widen each hunk with context lines
// until it shows every function it touches from its definition line to its
// closing brace, like `git diff --function-context`. Everything downstream
// (regions, images, rules, quoting) then reads ordinary hunks, and a
// function shown whole is analysed as a whole function. Pure.
import { definedFunction } from './context.ts';
import { functionNameOf } from './diff.ts';
import type { FileChange, Hunk, HunkLine } from './types.ts';

/** A function's extent in a file: 0-based indexes of its definition line and closing brace. */
export interface FunctionSpan {
  name: string;
  start: number;
  end: number;
}

/** How far below a definition line kernel style puts the body's `{`. */
const MAX_SIGNATURE_LINES = 12;

/**
 * Function definitions of a C file in kernel style: the name line at column
 * 0 (`static int foo(...)`, `SYSCALL_DEFINE2(...)`), the body's `{` alone at
 * column 0 a few lines below with no `;` in between (else it was a
 * prototype), and the first `}` at column 0 after it closing the body.
 */
export function functionSpans(lines: readonly string[]): FunctionSpan[] {
  const spans: FunctionSpan[] = [];
  for (let i = 0; i < lines.length; i++) {
    const name = definedFunction(lines[i] ?? '');
    if (name === undefined) continue;
    // A one-line body (`static inline int f(void) { return 0; }`, in headers).
    if (/\{.*\}\s*$/.test(lines[i] ?? '')) {
      spans.push({ name, start: i, end: i });
      continue;
    }
    let open = -1;
    for (let j = i; j < Math.min(lines.length, i + MAX_SIGNATURE_LINES); j++) {
      const text = lines[j] ?? '';
      if (j > i && /^\{\s*(\/[*/].*)?$/.test(text)) { open = j; break; }
      if (/;\s*(\/[*/].*)?$/.test(text) || (j > i && (/^[}#]/.test(text) || definedFunction(text) !== undefined))) break;
    }
    if (open < 0) continue;
    let end = -1;
    for (let j = open + 1; j < lines.length; j++) {
      if (/^\}/.test(lines[j] ?? '')) { end = j; break; }
    }
    if (end < 0) continue;
    spans.push({ name, start: i, end });
    i = end;
  }
  return spans;
}

const spanAt = (spans: readonly FunctionSpan[], index: number): FunctionSpan | undefined =>
  spans.find((s) => s.start <= index && index <= s.end);

/** Where a hunk was applied: its first pre-image line (0-based) in the base. */
export interface AppliedHunk {
  hunk: Hunk;
  /** 0-based index in the pre-image of the hunk's first non-added line (or insertion point). */
  at: number;
}

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

  // Each hunk's place in both images (0-based, actual), and how far to widen it.
  let delta = 0; // post index - pre index, after the hunks so far
  const placed = file.hunks.map((hunk, i) => {
    const offset = offsets[i] ?? 0;
    const stated = hunk.oldLines === 0 ? hunk.oldStart : hunk.oldStart - 1;
    const preStart = stated + offset;
    const preEnd = preStart + hunk.oldLines; // exclusive
    const postStart = preStart + delta;
    const postEnd = postStart + hunk.newLines;
    delta += hunk.newLines - hunk.oldLines;
    const up = Math.max(
      preStart - (spanAt(preSpans, preStart)?.start ?? preStart),
      postStart - (spanAt(postSpans, postStart)?.start ?? postStart),
      0,
    );
    const down = Math.max(
      (spanAt(preSpans, Math.max(preStart, preEnd - 1))?.end ?? preEnd - 1) - (preEnd - 1),
      (spanAt(postSpans, Math.max(postStart, postEnd - 1))?.end ?? postEnd - 1) - (postEnd - 1),
      0,
    );
    return { hunk, offset, preStart, preEnd, deltaBefore: postStart - preStart, up, down };
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
    const from = Math.max(0, p.preStart - p.up, current ? current.preTo : 0);
    // Trailing context stops where the next hunk starts: it will be merged.
    const to = Math.min(preLines.length, p.preEnd + p.down, placed[i + 1]?.preStart ?? Infinity);
    if (current && from > current.preTo) {
      hunks.push(toHunk(current, preLines, numberShift));
      current = undefined;
    }
    if (!current) current = { lines: [], preFrom: from, preTo: from, deltaFrom: p.deltaBefore };
    // Context between the previous hunk (or the widened top) and this one.
    for (let k = current.preTo; k < p.preStart; k++) current.lines.push(contextLine(k, p.deltaBefore));
    current.lines.push(...p.hunk.lines.map((l) => renumber(l, p.offset)));
    const deltaAfter = p.deltaBefore + p.hunk.newLines - p.hunk.oldLines;
    for (let k = p.preEnd; k < to; k++) current.lines.push(contextLine(k, deltaAfter));
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
