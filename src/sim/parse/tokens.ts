// herd's lexical conventions for the init block and the post-condition:
// blanks separate, `(* ... *)` comments nest, numbers are decimal or 0x hex,
// names may contain dots, and `label:"..."` / `instr:"..."` are single tokens.
import type { Source } from '../source.ts';

export type TokenKind = 'name' | 'num' | 'label' | 'instr' | 'punct' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly offset: number;
}

const PUNCT3 = ['<=>'];
const PUNCT2 = ['/\\', '\\/', '=>', '==', '!=', '<>', '<=', '>=', '&&', '||'];
const PUNCT1 = '{}()[];,:=*&|~+-^<>!.';

/**
 * Skips blanks and nested `(* ... *)` comments from `i`; returns the next
 * offset. An unterminated comment is an error at its opening.
 */
export function skipBlanks(src: Source, i: number, end: number): number {
  const t = src.text;
  while (i < end) {
    const c = t.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12) { i++; continue; }
    if (c === 40 && t.charCodeAt(i + 1) === 42) { i = skipComment(src, i, end); continue; }
    break;
  }
  return i;
}

/** Skips one `(* ... *)` comment starting at `i`, honouring nesting. */
export function skipComment(src: Source, i: number, end: number): number {
  const t = src.text;
  const start = i;
  let depth = 0;
  while (i < end) {
    if (t.startsWith('(*', i)) { depth++; i += 2; continue; }
    if (t.startsWith('*)', i)) {
      depth--; i += 2;
      if (depth === 0) return i;
      continue;
    }
    i++;
  }
  throw src.error(start, 'unterminated comment');
}

function isNameStart(c: string): boolean {
  return /[A-Za-z_$]/.test(c);
}

function isNameChar(c: string): boolean {
  return /[A-Za-z0-9_.$]/.test(c);
}

/** Tokenises `src.text[start, end)`. */
export function tokenize(src: Source, start: number, end: number): Token[] {
  const t = src.text;
  const out: Token[] = [];
  let i = start;
  for (;;) {
    i = skipBlanks(src, i, end);
    if (i >= end) break;
    const c = t[i]!;
    if ((t.startsWith('label:"', i) || t.startsWith('instr:"', i))) {
      const close = t.indexOf('"', i + 7);
      if (close < 0 || close >= end) throw src.error(i, 'unterminated string');
      out.push({ kind: t.startsWith('label', i) ? 'label' : 'instr', text: t.slice(i + 7, close), offset: i });
      i = close + 1;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^(0[xX][0-9a-fA-F]+|[0-9]+)/.exec(t.slice(i, Math.min(end, i + 80)))!;
      out.push({ kind: 'num', text: m[0], offset: i });
      i += m[0].length;
      continue;
    }
    if (isNameStart(c)) {
      let j = i + 1;
      while (j < end && isNameChar(t[j]!)) j++;
      out.push({ kind: 'name', text: t.slice(i, j), offset: i });
      i = j;
      continue;
    }
    const p = PUNCT3.find((p) => t.startsWith(p, i)) ?? PUNCT2.find((p) => t.startsWith(p, i));
    if (p !== undefined && i + p.length <= end) {
      out.push({ kind: 'punct', text: p, offset: i });
      i += p.length;
      continue;
    }
    if (PUNCT1.includes(c)) {
      out.push({ kind: 'punct', text: c, offset: i });
      i++;
      continue;
    }
    throw src.error(i, `unexpected character '${c}'`);
  }
  out.push({ kind: 'eof', text: '', offset: end });
  return out;
}

/** A cursor over tokens with the usual peek/expect helpers. */
export class TokenStream {
  private i = 0;
  readonly src: Source;
  readonly tokens: readonly Token[];

  constructor(src: Source, tokens: readonly Token[]) {
    this.src = src;
    this.tokens = tokens;
  }

  peek(k = 0): Token {
    return this.tokens[Math.min(this.i + k, this.tokens.length - 1)]!;
  }

  next(): Token {
    const tok = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return tok;
  }

  isPunct(text: string, k = 0): boolean {
    const tok = this.peek(k);
    return tok.kind === 'punct' && tok.text === text;
  }

  isName(text?: string, k = 0): boolean {
    const tok = this.peek(k);
    return tok.kind === 'name' && (text === undefined || tok.text === text);
  }

  eat(text: string): boolean {
    if (this.isPunct(text)) { this.next(); return true; }
    return false;
  }

  expect(text: string): Token {
    const tok = this.peek();
    if (tok.kind !== 'punct' || tok.text !== text) throw this.error(tok, `expected '${text}', found ${describe(tok)}`);
    return this.next();
  }

  error(tok: Token, detail: string): Error {
    return this.src.error(tok.offset, detail);
  }

  atEnd(): boolean {
    return this.peek().kind === 'eof';
  }
}

export function describe(tok: Token): string {
  if (tok.kind === 'eof') return 'end of input';
  if (tok.kind === 'label') return `label:"${tok.text}"`;
  if (tok.kind === 'instr') return `instr:"${tok.text}"`;
  return `'${tok.text}'`;
}

export function parseNumber(text: string): bigint {
  return BigInt(text);
}
