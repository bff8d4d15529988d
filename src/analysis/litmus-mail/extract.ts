// Finding herd7-format litmus tests in mail text. A test starts at a header
// line (`C pte_free_ptdump`, `AArch64 ptdump`) that is followed, within a
// few lines, by an init block `{`; it ends where its post-condition
// (`exists`, `~exists`, `forall`, with `locations`/`filter` before it) is
// complete: parentheses closed, no `/\` or `\/` left dangling, comments
// closed. A test runs over blank lines but not across a change of quote
// depth, a signature or a scissors line; one that stops there is kept as
// incomplete so the caller can say it was cut short rather than ignore it.
import { isScissors, isSignature, type MailLine } from './mail-lines.ts';

/** Architectures herd7 knows; only C and AArch64 are simulated here. */
export const HERD_ARCHES = ['AArch64', 'C', 'X86_64', 'X86', 'PPC', 'ARM', 'RISCV', 'MIPS', 'LISA'] as const;

export interface FoundLitmus {
  /** Architecture as written in the header (`C`, `AArch64`, `X86`, ...). */
  arch: string;
  name: string;
  /** The test's lines, quote marks and common indentation removed. */
  lines: string[];
  /** Body (or file) line of each entry of `lines`. */
  lineMap: number[];
  /** Quote depth the test was found at (0: the writer's own text). */
  depth: number;
  /** Did the text reach the end of a post-condition? */
  complete: boolean;
}

const ARCH = HERD_ARCHES.join('|');
// `ARCH NAME [(TEXNAME)] ["DOC"] [;]`, SIMULATOR.md §1.1.
const HEADER = new RegExp(`^(${ARCH})[ \\t]+([A-Za-z0-9_./+\\-\\[\\]:]+)(?:[ \\t]+\\([^)]*\\))?(?:[ \\t]+"[^"]*")?[ \\t]*;?[ \\t]*$`);
const QUANTIFIER = /^(?:~\s*exists|exists|forall|final)(?![A-Za-z0-9_])(?!\s*=)/;
const POST_KEYWORD = /^(?:~\s*exists|exists|forall|final|locations|filter)(?![A-Za-z0-9_])(?!\s*=)/;
// Not `with`: herd allows a `with` clause, but prose starting "with" is likelier.
const CONTINUES = /^(?:\/\\|\\\/|=>)/;
const DANGLING = /(?:\/\\|\\\/|=>|~|\bnot|\bexists|\bforall|\bfinal|\bfilter)\s*$/;
/** How far after the header the init block may start (comments, Variant=...). */
const INIT_WITHIN = 15;
/** A test longer than this is not a test someone pasted; stop and call it cut. */
export const MAX_TEST_LINES = 400;

export function parseHeader(text: string): { arch: string; name: string } | null {
  const m = HEADER.exec(text.trim());
  return m === null ? null : { arch: m[1]!, name: m[2]! };
}

// Comment state carried from line to line: herd's `(* *)` nests, C's
// block comments do not.
interface Lexer { ml: number; c: boolean }

/**
 * The code of one line with comments blanked, updating the carried state.
 * `mlComments` says whether herd comments count here (not inside C thread bodies,
 * where `READ_ONCE(*x)` must stay code, as herd's splitter does).
 */
function stripComments(text: string, lx: Lexer, mlComments: boolean): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const two = text.slice(i, i + 2);
    if (lx.ml > 0) {
      if (two === '(*') { lx.ml++; i++; } else if (two === '*)') { lx.ml--; i++; }
      continue;
    }
    if (lx.c) {
      if (two === '*/') { lx.c = false; i++; }
      continue;
    }
    if (mlComments && two === '(*') { lx.ml = 1; i++; continue; }
    if (!mlComments && two === '/*') { lx.c = true; i++; continue; }
    if (!mlComments && two === '//') break;
    out += text[i];
  }
  return out;
}

function balance(code: string): number {
  let d = 0;
  for (const ch of code) {
    if (ch === '(' || ch === '[') d++;
    else if (ch === ')' || ch === ']') d--;
  }
  return d;
}

function endsBlock(l: MailLine, depth: number): boolean {
  return l.depth !== depth || isSignature(l.text) || isScissors(l.text);
}

/** Does an init block open within a few lines of the header at `i`? */
function initFollows(lines: readonly MailLine[], i: number): boolean {
  const depth = lines[i]!.depth;
  for (let j = i + 1; j < lines.length && j <= i + INIT_WITHIN; j++) {
    const l = lines[j]!;
    if (endsBlock(l, depth) || parseHeader(l.text) !== null) return false;
    if (l.text.trimStart().startsWith('{')) return true;
  }
  return false;
}

function commonIndent(texts: readonly string[]): string {
  let indent: string | null = null;
  for (const t of texts) {
    if (t.trim() === '') continue;
    const lead = /^[ \t]*/.exec(t)![0];
    if (indent === null) { indent = lead; continue; }
    let k = 0;
    while (k < indent.length && k < lead.length && indent[k] === lead[k]) k++;
    indent = indent.slice(0, k);
  }
  return indent ?? '';
}

type Phase = 'head' | 'init' | 'program' | 'post';

/**
 * Collect the test whose header is `lines[start]`: the index after its last
 * line and whether the post-condition was complete.
 */
function scanTest(lines: readonly MailLine[], start: number, arch: string): { end: number; complete: boolean } {
  const depth = lines[start]!.depth;
  const lx: Lexer = { ml: 0, c: false };
  let phase: Phase = 'head';
  let braces = 0;
  let parens = 0;
  let quantified = false;
  for (let j = start + 1; j < lines.length && j < start + MAX_TEST_LINES; j++) {
    const l = lines[j]!;
    if (endsBlock(l, depth) || (phase !== 'post' && lx.ml === 0 && parseHeader(l.text) !== null)) return { end: j, complete: false };
    const ml = !(arch === 'C' && phase === 'program');
    const wasInComment = lx.ml > 0 || lx.c;
    const code = stripComments(l.text, lx, ml).trim();
    if (phase === 'head' || phase === 'init') {
      for (const ch of code) {
        if (ch === '{') { braces++; phase = 'init'; } else if (ch === '}' && braces > 0 && --braces === 0) phase = 'program';
      }
      continue;
    }
    if (phase === 'program') {
      if (wasInComment || !POST_KEYWORD.test(code)) continue;
      phase = 'post';
    }
    if (phase === 'post' && !quantified && code !== '' && !POST_KEYWORD.test(code) && parens === 0 && !wasInComment) {
      // `locations [...]` with no quantifier after it: the test ended above.
      return { end: j, complete: true };
    }
    if (QUANTIFIER.test(code)) quantified = true;
    parens += balance(code);
    if (!quantified || parens > 0 || lx.ml > 0 || DANGLING.test(code)) continue;
    const next = lines.slice(j + 1, j + 20).find((n) => n.text.trim() !== '' || endsBlock(n, depth));
    if (next !== undefined && !endsBlock(next, depth) && CONTINUES.test(stripComments(next.text, { ml: 0, c: false }, true).trim())) continue;
    return { end: j + 1, complete: true };
  }
  return { end: Math.min(lines.length, start + MAX_TEST_LINES), complete: false };
}

/** Every litmus test in `lines`, in order. Never throws on any text. */
export function extractLitmus(lines: readonly MailLine[]): FoundLitmus[] {
  const found: FoundLitmus[] = [];
  let i = 0;
  while (i < lines.length) {
    const header = parseHeader(lines[i]!.text);
    if (header === null || !initFollows(lines, i)) { i++; continue; }
    const { end, complete } = scanTest(lines, i, header.arch);
    let last = end;
    // Trailing blank lines are not part of the test.
    while (last > i + 1 && lines[last - 1]!.text.trim() === '') last--;
    const taken = lines.slice(i, last);
    const indent = commonIndent(taken.map((l) => l.text));
    found.push({
      arch: header.arch,
      name: header.name,
      lines: taken.map((l) => (l.text.startsWith(indent) ? l.text.slice(indent.length) : l.text.trimStart()).trimEnd()),
      lineMap: taken.map((l) => l.line),
      depth: lines[i]!.depth,
      complete,
    });
    i = Math.max(end, i + 1);
  }
  return found;
}

/** The text herd7 would be given. */
export function litmusText(t: FoundLitmus): string {
  return `${t.lines.join('\n')}\n`;
}

/**
 * Whitespace-insensitive identity: the same test quoted in a reply, re-wrapped
 * or re-indented is the same test.
 */
export function litmusKey(t: Pick<FoundLitmus, 'lines'>): string {
  return t.lines.join(' ').replace(/\s+/g, ' ').trim();
}
