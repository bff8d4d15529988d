// Token-level reading of hunk lines: the code left after comments, strings
// and preprocessor lines are taken out, and the calls it makes. Good enough
// for hunks, which never parse as C; src/c/ takes over once whole functions
// are at hand.
import type { HunkLine } from '../patch/types.ts';

/** One call as written on a hunk line. */
export interface CallSite {
  name: string;
  line: HunkLine;
  /** 0-based column of the name in the line's text. */
  column: number;
  /** Index of the line in the sequence it was found in (for ordering). */
  index: number;
  /** Which fragment (contiguous run of hunk lines) the call is in. */
  fragment: number;
}

/**
 * Code text of each line, comments and literals blanked out. `lines` is one
 * contiguous run (one hunk fragment of one image); a hunk may start inside
 * a block comment, so a line that reads like a comment continuation
 * (` * text`) counts as one.
 */
const codeCache = new WeakMap<HunkLine[], string[]>();

export function codeOf(lines: HunkLine[]): string[] {
  const hit = codeCache.get(lines);
  if (hit) return hit;
  const code = blankNonCode(lines);
  codeCache.set(lines, code);
  return code;
}

function blankNonCode(lines: HunkLine[]): string[] {
  let inComment = false;
  let inMacro = false;
  return lines.map((line) => {
    const text = line.text;
    const trimmed = text.trim();
    if (inMacro || (!inComment && trimmed.startsWith('#'))) {
      inMacro = trimmed.endsWith('\\');
      return '';
    }
    if (!inComment && /^\*(\s|$)/.test(trimmed) && !trimmed.includes('*/')) return '';
    // Most lines hold no comment and no literal: nothing to blank out.
    if (!inComment && !/[/"']/.test(text)) return text;
    let out = '';
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (inComment) {
        if (c === '*' && text[i + 1] === '/') {
          inComment = false;
          i++;
        }
        continue;
      }
      if (c === '/' && text[i + 1] === '*') {
        inComment = true;
        i++;
      } else if (c === '/' && text[i + 1] === '/') {
        break;
      } else if (c === '"' || c === "'") {
        const end = closingQuote(text, i);
        out += ' '.repeat(end - i + 1);
        i = end;
      } else {
        out += c;
      }
    }
    return out;
  });
}

function closingQuote(text: string, start: number): number {
  const q = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === q) return i;
  }
  return text.length - 1;
}

/** A name set a rule asks about: exact names or one pattern. */
export type NameMatcher = readonly string[] | RegExp;

const matchers = new WeakMap<object, (name: string) => boolean>();

function matcherTest(m: NameMatcher): (name: string) => boolean {
  const cached = matchers.get(m);
  if (cached) return cached;
  let test: (name: string) => boolean;
  if (m instanceof RegExp) {
    const anchored = new RegExp(`^(?:${m.source})$`, m.flags.replace('g', ''));
    test = (n) => anchored.test(n);
  } else {
    const set = new Set(m);
    test = (n) => set.has(n);
  }
  matchers.set(m, test);
  return test;
}

interface Call {
  name: string;
  line: number;
  column: number;
}

/**
 * Every call in one contiguous run, computed once per run: rules and
 * services ask about the same fragment many times with different names.
 */
const callsOf = new WeakMap<HunkLine[], Call[]>();

function allCalls(fragment: HunkLine[]): Call[] {
  const hit = callsOf.get(fragment);
  if (hit) return hit;
  const code = codeOf(fragment);
  const calls: Call[] = [];
  fragment.forEach((line, i) => {
    const text = code[i] ?? '';
    let skipFirst = declaresAtColumn0(line.text);
    const re = /\b([A-Za-z_]\w*)\s*\(/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (skipFirst) {
        skipFirst = false;
        continue;
      }
      calls.push({ name: m[1] as string, line: i, column: m.index });
    }
  });
  callsOf.set(fragment, calls);
  return calls;
}

/**
 * The name a column-0 line declares: kernel style indents every statement,
 * so at column 0 `name(` is a definition, a prototype or a top-level macro
 * use (`EXPORT_SYMBOL(x);`), never a call.
 */
function declaresAtColumn0(text: string): boolean {
  return /^[A-Za-z_]/.test(text);
}

/** Calls to `names` in `fragments` (contiguous runs of one image), in order. */
export function callSites(fragments: HunkLine[][], names: NameMatcher): CallSite[] {
  const test = matcherTest(names);
  const out: CallSite[] = [];
  let base = 0;
  fragments.forEach((fragment, fragmentIndex) => {
    for (const c of allCalls(fragment)) {
      if (test(c.name)) {
        out.push({ name: c.name, line: fragment[c.line] as HunkLine, column: c.column, index: base + c.line, fragment: fragmentIndex });
      }
    }
    base += fragment.length;
  });
  return out;
}
