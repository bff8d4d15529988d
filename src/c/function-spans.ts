// Where the functions of a whole file are, found by brace matching alone, so
// that a caller with a kernel tree can hand src/c just the touched functions
// (parse(text, name, { firstLine })) instead of parsing a 7,000-line file.
import { codeMask, lineIndex } from './lexical.ts';

export interface FunctionSpan {
  /** First line of the head (return type, name, attributes). */
  startLine: number;
  /** Line of the body's `{`. */
  bodyLine: number;
  /** Line of the body's closing `}`. */
  endLine: number;
}

/**
 * Top-level `{ … }` blocks that follow a `)` (a function head, possibly with
 * trailing attributes such as `__acquires(l)`), with the head's first line:
 * the line after the previous top-level `;`, `}` or preprocessor line,
 * leaving out blank lines and comments before the head.
 */
export function functionSpans(text: string): FunctionSpan[] {
  const mask = codeMask(text);
  const lineAt = lineIndex(text);
  const out: FunctionSpan[] = [];
  let depth = 0;
  let open = -1;
  let boundary = 0; // offset just after the last top-level `;`, `}` or preprocessor line
  let lastCode = '';
  let closeParenBeforeOpen = false;
  let lineStart = true; // only blanks since the last newline
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 10) {
      lineStart = true;
      continue;
    }
    if (code === 32 || code === 9 || code === 13 || code === 12 || code === 11) continue;
    const c = text[i] ?? '';
    const atLineStart = lineStart;
    lineStart = false;
    if (!mask[i]) {
      // A preprocessor line ends a head, like `;` does.
      if (depth === 0 && c === '#' && atLineStart) boundary = text.indexOf('\n', i) + 1 || text.length;
      continue;
    }
    if (c === '{') {
      if (depth === 0) {
        open = i;
        closeParenBeforeOpen = lastCode === ')' || /\w/.test(lastCode);
      }
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0 && open >= 0) {
        if (closeParenBeforeOpen && headLooksLikeFunction(text, mask, boundary, open)) {
          out.push({ startLine: firstCodeLine(text, mask, boundary, lineAt), bodyLine: lineAt(open), endLine: lineAt(i) });
        }
        open = -1;
        boundary = i + 1;
      }
      if (depth < 0) depth = 0;
    } else if (c === ';' && depth === 0) {
      boundary = i + 1;
    }
    lastCode = c;
  }
  return out;
}

/** `name(...)` somewhere in the head, and not `struct x {`, `= {`, `enum {`. */
function headLooksLikeFunction(text: string, mask: Uint8Array, from: number, to: number): boolean {
  let head = '';
  for (let i = from; i < to; i++) if (mask[i]) head += text[i];
  if (/=\s*$/.test(head) || /\b(struct|union|enum)\s+\w*\s*$/.test(head)) return false;
  return /[A-Za-z_]\w*\s*\(/.test(head);
}

function firstCodeLine(text: string, mask: Uint8Array, from: number, lineAt: (o: number) => number): number {
  for (let i = from; i < text.length; i++) if (mask[i] && text.charCodeAt(i) > 32) return lineAt(i);
  return lineAt(from);
}

/** The span of the function that contains `line`, if any. */
export function functionSpanAt(spans: readonly FunctionSpan[], line: number): FunctionSpan | undefined {
  return spans.find((s) => s.startLine <= line && line <= s.endLine);
}

/** The text of a span's lines, to parse with `{ firstLine: span.startLine }`. */
export function spanText(text: string, span: FunctionSpan): string {
  return text.split('\n').slice(span.startLine - 1, span.endLine).join('\n') + '\n';
}
