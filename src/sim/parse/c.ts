// The C program of a litmus test (SIMULATOR.md §1.4): threads P0, P1, ...
// in order, each a list of declarations and statements over a small C
// subset. Kernel primitives stay calls here; src/sim/sem/c.ts gives them
// their meaning.
import type { Source } from '../source.ts';
import type { CExpr, CParam, CStmt, CThread, Pos } from '../types.ts';
import type { Range } from './split.ts';

interface CToken {
  readonly kind: 'name' | 'num' | 'punct' | 'eof';
  readonly text: string;
  readonly offset: number;
}

const PUNCT = ['<<=', '>>=', '&&', '||', '==', '!=', '<=', '>=', '<<', '>>', '->', '++', '--', '+=', '-=', '{', '}', '(', ')', '[', ']', ';', ',', '=', '*', '&', '|', '^', '!', '~', '+', '-', '/', '%', '<', '>', '?', ':', '.'];
const MAX_DEPTH = 400;
const TYPE_WORDS = new Set([
  'int', 'long', 'unsigned', 'signed', 'char', 'short', 'void', 'bool', '_Bool', 'const', 'volatile', '_Atomic', 'struct',
]);

function isTypeWord(name: string): boolean {
  return TYPE_WORDS.has(name) || /_t$/.test(name) || /^[us](8|16|32|64)$/.test(name);
}

function lexC(src: Source, range: Range): CToken[] {
  const t = src.text;
  const out: CToken[] = [];
  let i = range.start;
  const end = range.end;
  while (i < end) {
    const c = t[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (t.startsWith('//', i)) { const nl = t.indexOf('\n', i); i = nl < 0 || nl > end ? end : nl; continue; }
    if (t.startsWith('/*', i)) {
      const close = t.indexOf('*/', i + 2);
      if (close < 0 || close + 2 > end) throw src.error(i, 'unterminated comment');
      i = close + 2;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^(0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*/.exec(t.slice(i, Math.min(end, i + 80)))!;
      out.push({ kind: 'num', text: m[1]!, offset: i });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < end && /[A-Za-z0-9_]/.test(t[j]!)) j++;
      out.push({ kind: 'name', text: t.slice(i, j), offset: i });
      i = j;
      continue;
    }
    const p = PUNCT.find((p) => t.startsWith(p, i));
    if (p === undefined) throw src.error(i, `unexpected character '${c}' in C code`);
    out.push({ kind: 'punct', text: p, offset: i });
    i += p.length;
  }
  out.push({ kind: 'eof', text: '', offset: end });
  return out;
}

export function parseCProgram(src: Source, range: Range): CThread[] {
  return new CParser(src, lexC(src, range)).program();
}

class CParser {
  private i = 0;
  private depth = 0;
  private readonly src: Source;
  private readonly toks: readonly CToken[];

  constructor(src: Source, toks: readonly CToken[]) {
    this.src = src;
    this.toks = toks;
  }

  private peek(k = 0): CToken {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }

  private next(): CToken {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }

  private is(text: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind !== 'eof' && t.kind !== 'num' && t.text === text;
  }

  private eat(text: string): boolean {
    if (this.is(text)) { this.next(); return true; }
    return false;
  }

  private fail(tok: CToken, detail: string): Error {
    return this.src.error(tok.offset, detail);
  }

  private expect(text: string): CToken {
    const t = this.peek();
    if (!this.is(text)) throw this.fail(t, `expected '${text}', found ${show(t)}`);
    return this.next();
  }

  private name(): CToken {
    const t = this.peek();
    if (t.kind !== 'name') throw this.fail(t, `expected a name, found ${show(t)}`);
    return this.next();
  }

  private pos(tok: CToken): Pos {
    return this.src.position(tok.offset);
  }

  private enter(tok: CToken): void {
    if (++this.depth > MAX_DEPTH) throw this.fail(tok, `code nested too deeply (over ${MAX_DEPTH} levels)`);
  }

  program(): CThread[] {
    const threads: CThread[] = [];
    while (this.peek().kind !== 'eof') {
      this.eat('void');
      const head = this.name();
      const m = /^P([0-9]+)$/.exec(head.text);
      if (m === null) throw this.fail(head, `expected a thread P${threads.length}, found ${show(head)}`);
      const index = Number(m[1]);
      if (index !== threads.length) throw this.fail(head, `threads must be numbered in order: expected P${threads.length}, found ${head.text}`);
      this.expect('(');
      const params: CParam[] = [];
      while (!this.is(')')) {
        params.push(this.param());
        if (!this.eat(',')) break;
      }
      this.expect(')');
      const open = this.expect('{');
      const body = this.blockBody(open);
      threads.push({ index, params, body, pos: this.pos(head) });
    }
    if (threads.length === 0) throw this.fail(this.peek(), 'expected at least one thread P0');
    return threads;
  }

  private param(): CParam {
    let type = '';
    let last: CToken | null = null;
    while (this.peek().kind === 'name' || this.is('*')) {
      const t = this.next();
      if (t.kind === 'name') {
        if (last !== null) type += (type === '' ? '' : ' ') + last.text;
        last = t;
      } else {
        if (last !== null) { type += (type === '' ? '' : ' ') + last.text; last = null; }
        type += '*';
      }
    }
    if (last === null) throw this.fail(this.peek(), `expected a parameter name, found ${show(this.peek())}`);
    return { name: last.text, type };
  }

  /** Statements up to the `}` matching `open` (already consumed). */
  private blockBody(open: CToken): CStmt[] {
    const body: CStmt[] = [];
    while (!this.is('}')) {
      if (this.peek().kind === 'eof') throw this.fail(open, "unbalanced '{': missing '}'");
      body.push(...this.statement());
    }
    this.expect('}');
    return body;
  }

  private statement(): CStmt[] {
    const t = this.peek();
    this.enter(t);
    try {
      return this.statementInner(t);
    } finally {
      this.depth--;
    }
  }

  private statementInner(t: CToken): CStmt[] {
    if (this.eat(';')) return [];
    if (this.is('{')) return this.blockBody(this.next());
    if (this.is('if')) {
      this.next();
      this.expect('(');
      const cond = this.expr();
      this.expect(')');
      const then = this.statement();
      const els = this.eat('else') ? this.statement() : [];
      return [{ kind: 'if', cond, then, else: els, pos: this.pos(t) }];
    }
    if (this.is('while')) {
      this.next();
      this.expect('(');
      const cond = this.expr();
      this.expect(')');
      return [{ kind: 'while', cond, body: this.statement(), pos: this.pos(t) }];
    }
    if (t.kind === 'name' && isTypeWord(t.text) && (this.peek(1).kind === 'name' || this.is('*', 1))) return this.declaration();
    const e = this.expr();
    if (this.is('=')) {
      const eq = this.next();
      if (e.kind !== 'name' && e.kind !== 'deref') throw this.fail(eq, 'left of "=" must be a register or *pointer');
      const value = this.expr();
      this.expect(';');
      return [{ kind: 'assign', target: e, value, pos: this.pos(t) }];
    }
    this.expect(';');
    return [{ kind: 'expr', expr: e, pos: this.pos(t) }];
  }

  private declaration(): CStmt[] {
    const out: CStmt[] = [];
    while (this.peek().kind === 'name' && isTypeWord(this.peek().text) && (this.peek(1).kind === 'name' || this.is('*', 1))) this.next();
    for (;;) {
      while (this.eat('*'));
      const n = this.name();
      let init: CExpr | null = null;
      if (this.eat('=')) init = this.expr();
      out.push({ kind: 'decl', name: n.text, init, pos: this.pos(n) });
      if (!this.eat(',')) break;
    }
    this.expect(';');
    return out;
  }

  expr(): CExpr {
    const t = this.peek();
    this.enter(t);
    try {
      return this.binary(0);
    } finally {
      this.depth--;
    }
  }

  private static readonly LEVELS: readonly (readonly string[])[] = [
    ['||'], ['&&'], ['|'], ['^'], ['&'], ['==', '!='], ['<', '>', '<=', '>='], ['<<', '>>'], ['+', '-'], ['*', '/', '%'],
  ];

  private binary(level: number): CExpr {
    if (level >= CParser.LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct' || !CParser.LEVELS[level]!.includes(t.text)) return left;
      this.next();
      const right = this.binary(level + 1);
      left = { kind: 'binary', op: t.text, left, right, pos: this.pos(t) };
    }
  }

  private unary(): CExpr {
    const t = this.peek();
    this.enter(t);
    try {
      if (this.eat('*')) return { kind: 'deref', expr: this.unary(), pos: this.pos(t) };
      if (this.eat('&')) {
        const n = this.name();
        return { kind: 'addrof', name: n.text, pos: this.pos(t) };
      }
      if (this.is('!') || this.is('-') || this.is('~')) {
        this.next();
        return { kind: 'unary', op: t.text as '!' | '-' | '~', expr: this.unary(), pos: this.pos(t) };
      }
      if (this.is('(') && this.peek(1).kind === 'name' && isTypeWord(this.peek(1).text)) {
        // A cast: types only matter for printing, so it is dropped.
        this.next();
        while (this.peek().kind === 'name' || this.is('*')) this.next();
        this.expect(')');
        return this.unary();
      }
      return this.primary();
    } finally {
      this.depth--;
    }
  }

  private primary(): CExpr {
    const t = this.next();
    if (t.kind === 'num') return { kind: 'num', value: BigInt(t.text), pos: this.pos(t) };
    if (t.kind === 'name') {
      if (this.eat('(')) {
        const args: CExpr[] = [];
        while (!this.is(')')) {
          if (this.peek().kind === 'eof') throw this.fail(t, `unbalanced '(' in call to ${t.text}`);
          args.push(this.expr());
          if (!this.eat(',')) break;
        }
        this.expect(')');
        return { kind: 'call', name: t.text, args, pos: this.pos(t) };
      }
      return { kind: 'name', name: t.text, pos: this.pos(t) };
    }
    if (t.kind === 'punct' && t.text === '(') {
      const e = this.expr();
      if (!this.is(')')) throw this.fail(this.peek(), `expected ')' to match '(' at ${this.src.position(t.offset).line}:${this.src.position(t.offset).col}, found ${show(this.peek())}`);
      this.next();
      return e;
    }
    throw this.fail(t, `expected an expression, found ${show(t)}`);
  }
}

function show(t: CToken): string {
  return t.kind === 'eof' ? 'end of program' : `'${t.text}'`;
}
