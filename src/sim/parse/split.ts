// The five parts of a litmus file (SIMULATOR.md §1.1): header line, info
// lines, init block, program, post-condition. Each part is returned as an
// offset range into the source so later errors keep their positions.
import type { Source } from '../source.ts';
import type { Arch } from '../types.ts';
import { skipComment } from './tokens.ts';

export interface Range {
  readonly start: number;
  readonly end: number;
}

export interface SplitTest {
  readonly arch: Arch;
  readonly name: string;
  readonly info: Map<string, string>;
  readonly init: Range;
  readonly program: Range;
  readonly post: Range;
}

const POST_KEYWORDS = ['forall', 'exists', 'final', 'locations', 'filter', 'observed', 'cases'];

export function splitLitmus(src: Source): SplitTest {
  const t = src.text;
  let i = 0;
  while (i < t.length && /\s/.test(t[i]!)) i++;
  if (i >= t.length) throw src.error(i, 'empty litmus file: expected a header line "ARCH NAME"');
  const lineEnd = endOfLine(t, i);
  const header = t.slice(i, lineEnd);
  const m = /^(\S+)\s+(\S+)/.exec(header);
  if (m === null) throw src.error(i, 'expected a header line "ARCH NAME"');
  const archText = m[1]!;
  const arch = archText === 'C' ? 'C' : archText.toLowerCase() === 'aarch64' ? 'AArch64' : null;
  if (arch === null) throw src.error(i, `unsupported architecture '${archText}' (expected C or AArch64)`);
  const name = m[2]!;
  if (!/^[A-Za-z0-9_./+\-[\]:=!]+$/.test(name)) throw src.error(i + m[0].length - name.length, `invalid test name '${name}'`);

  const initStart = findInitBlock(src, lineEnd);
  const info = parseInfo(src, lineEnd, initStart);
  const initEnd = matchBrace(src, initStart);
  const programStart = initEnd + 1;
  const postStart = findPostCondition(src, programStart, arch);
  let postEnd = t.length;
  const cut = /^<</m.exec(t.slice(postStart));
  if (cut !== null) postEnd = postStart + cut.index;
  return {
    arch,
    name,
    info,
    init: { start: initStart + 1, end: initEnd },
    program: { start: programStart, end: postStart },
    post: { start: postStart, end: postEnd },
  };
}

function endOfLine(t: string, i: number): number {
  const nl = t.indexOf('\n', i);
  return nl < 0 ? t.length : nl;
}

/** The offset of the init block's `{`, skipping comments and doc strings. */
function findInitBlock(src: Source, from: number): number {
  const t = src.text;
  let i = from;
  while (i < t.length) {
    if (t.startsWith('(*', i)) { i = skipComment(src, i, t.length); continue; }
    const c = t[i]!;
    if (c === '"') {
      const close = t.indexOf('"', i + 1);
      if (close < 0) throw src.error(i, 'unterminated string');
      i = close + 1;
      continue;
    }
    if (c === '{') return i;
    i++;
  }
  throw src.error(t.length, 'missing init block "{ ... }"');
}

/** `KEY = VALUE` lines between the header and the init block. */
function parseInfo(src: Source, from: number, to: number): Map<string, string> {
  const info = new Map<string, string>();
  let text = '';
  // Blank out comments, keeping offsets, then read line by line.
  let i = from;
  while (i < to) {
    if (src.text.startsWith('(*', i)) {
      const e = skipComment(src, i, to);
      text += src.text.slice(i, e).replace(/[^\n]/g, ' ');
      i = e;
    } else {
      text += src.text[i];
      i++;
    }
  }
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z][A-Za-z0-9_./-]*)\s*=(.*)$/.exec(line);
    if (m !== null) info.set(m[1]!, m[2]!.trim());
  }
  return info;
}

/** The offset of the `}` matching the `{` at `open`. */
function matchBrace(src: Source, open: number): number {
  const t = src.text;
  let depth = 0;
  let i = open;
  while (i < t.length) {
    if (t.startsWith('(*', i)) { i = skipComment(src, i, t.length); continue; }
    const c = t[i]!;
    if (c === '"') {
      const close = t.indexOf('"', i + 1);
      if (close < 0) throw src.error(i, 'unterminated string');
      i = close + 1;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i;
    }
    i++;
  }
  throw src.error(open, "unbalanced '{' in the init block");
}

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_]/.test(c);
}

/**
 * The start of the post-condition: the first keyword of POST_KEYWORDS (or
 * `~ exists`) at a word boundary. C programs skip strings and C comments;
 * AArch64 programs skip `(* *)` comments.
 */
function findPostCondition(src: Source, from: number, arch: Arch): number {
  const t = src.text;
  let i = from;
  while (i < t.length) {
    const c = t[i]!;
    if (arch === 'C') {
      if (t.startsWith('//', i)) { i = endOfLine(t, i); continue; }
      if (t.startsWith('/*', i)) {
        const close = t.indexOf('*/', i + 2);
        if (close < 0) throw src.error(i, 'unterminated comment');
        i = close + 2;
        continue;
      }
      if (c === '"') {
        const close = t.indexOf('"', i + 1);
        if (close < 0) throw src.error(i, 'unterminated string');
        i = close + 1;
        continue;
      }
    } else if (t.startsWith('(*', i)) { i = skipComment(src, i, t.length); continue; }
    if (c === '~') {
      let j = i + 1;
      while (j < t.length && /\s/.test(t[j]!)) j++;
      if (t.startsWith('exists', j) && !isWordChar(t[j + 6])) return i;
    }
    if (!isWordChar(t[i - 1]) && /[a-z]/.test(c)) {
      for (const k of POST_KEYWORDS) if (t.startsWith(k, i) && !isWordChar(t[i + k.length])) return i;
    }
    i++;
  }
  return t.length;
}
