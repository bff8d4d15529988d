// The post-condition (SIMULATOR.md §1.5): `locations [...]`, `filter P`,
// and one quantified proposition. Precedence, loosest first: `\/`, `/\`,
// `=>` (right-associative), then `~`/`not`, so `a /\ b => c` is
// `a /\ (b => c)`, as herd parses it.
import type { Source } from '../source.ts';
import type { Arch, Prop, Quantifier, RLoc, Value } from '../types.ts';
import { normaliseRegister, parseValue, threadOf } from './init.ts';
import type { Range } from './split.ts';
import { type Token, TokenStream, describe, tokenize } from './tokens.ts';

export interface PostCondition {
  readonly locations: RLoc[];
  readonly filter: Prop | null;
  readonly quantifier: Quantifier;
  readonly prop: Prop;
}

/** Deep propositions are legal but a stack is not unbounded. */
const MAX_DEPTH = 400;

export function parsePostCondition(src: Source, range: Range, arch: Arch): PostCondition {
  const ts = new TokenStream(src, tokenize(src, range.start, range.end));
  const p = new CondParser(ts, arch);
  const locations: RLoc[] = [];
  let filter: Prop | null = null;
  if (ts.isName('locations')) {
    ts.next();
    ts.expect('[');
    while (!ts.isPunct(']')) {
      if (ts.atEnd()) throw ts.error(ts.peek(), "expected ']' to close 'locations ['");
      if (ts.eat(';')) continue;
      locations.push(p.rloc());
    }
    ts.expect(']');
  }
  if (ts.isName('filter')) {
    ts.next();
    filter = p.prop();
  }
  let quantifier: Quantifier = 'forall';
  let prop: Prop = { kind: 'true' };
  if (ts.isName('exists') || ts.isName('final')) {
    ts.next();
    quantifier = 'exists';
    prop = p.prop();
  } else if (ts.isPunct('~') && ts.isName('exists', 1)) {
    ts.next(); ts.next();
    quantifier = '~exists';
    prop = p.prop();
  } else if (ts.isName('forall')) {
    ts.next();
    prop = p.prop();
  } else if (ts.isPunct('(')) {
    quantifier = 'exists';
    prop = p.prop();
  } else if (!ts.atEnd()) {
    throw ts.error(ts.peek(), `expected 'exists', '~exists' or 'forall', found ${describe(ts.peek())}`);
  }
  ts.eat(';');
  if (ts.isName('with')) {
    while (!ts.atEnd()) ts.next();
  }
  if (!ts.atEnd()) throw ts.error(ts.peek(), `unexpected ${describe(ts.peek())} after the condition`);
  return { locations, filter, quantifier, prop };
}

class CondParser {
  private depth = 0;
  private readonly ts: TokenStream;
  private readonly arch: Arch;

  constructor(ts: TokenStream, arch: Arch) {
    this.ts = ts;
    this.arch = arch;
  }

  prop(): Prop {
    if (++this.depth > MAX_DEPTH) throw this.ts.error(this.ts.peek(), `condition nested too deeply (over ${MAX_DEPTH} levels)`);
    try {
      return this.disjunction();
    } finally {
      this.depth--;
    }
  }

  private disjunction(): Prop {
    const props = [this.conjunction()];
    while (this.ts.eat('\\/') || this.ts.eat('||')) props.push(this.conjunction());
    return props.length === 1 ? props[0]! : { kind: 'or', props };
  }

  private conjunction(): Prop {
    const props = [this.implication()];
    while (this.ts.eat('/\\') || this.ts.eat('&&')) props.push(this.implication());
    return props.length === 1 ? props[0]! : { kind: 'and', props };
  }

  private implication(): Prop {
    const left = this.unary();
    if (this.ts.eat('=>')) return { kind: 'implies', left, right: this.withDepth(() => this.implication()) };
    return left;
  }

  private withDepth<T>(f: () => T): T {
    if (++this.depth > MAX_DEPTH) throw this.ts.error(this.ts.peek(), `condition nested too deeply (over ${MAX_DEPTH} levels)`);
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  private unary(): Prop {
    const ts = this.ts;
    if (ts.eat('~') || (ts.isName('not') && (ts.next(), true))) {
      return { kind: 'not', prop: this.withDepth(() => this.unary()) };
    }
    if (ts.eat('(')) {
      const inner = this.prop();
      ts.expect(')');
      return inner;
    }
    if (ts.isName('true')) { ts.next(); return { kind: 'true' }; }
    if (ts.isName('false')) { ts.next(); return { kind: 'false' }; }
    if (ts.isName('fault') && ts.isPunct('(', 1)) return this.fault();
    return this.atom();
  }

  private fault(): Prop {
    const ts = this.ts;
    ts.next();
    ts.expect('(');
    let text = '';
    while (!ts.isPunct(')')) {
      if (ts.atEnd()) throw ts.error(ts.peek(), "expected ')' to close 'fault('");
      text += ts.next().text;
    }
    ts.expect(')');
    return { kind: 'fault', text };
  }

  private atom(): Prop {
    const ts = this.ts;
    const loc = this.rloc();
    const op = ts.peek();
    if (op.kind !== 'punct' || !['=', '==', '!=', '<>'].includes(op.text)) {
      throw ts.error(op, `expected '=' after ${printRLocPlain(loc)}, found ${describe(op)}`);
    }
    ts.next();
    const negate = op.text === '!=' || op.text === '<>';
    let atom: Prop;
    if (this.startsRegRef()) {
      atom = { kind: 'eqloc', loc, other: this.rloc() };
    } else {
      atom = { kind: 'eq', loc, value: this.value() };
    }
    return negate ? { kind: 'not', prop: atom } : atom;
  }

  /** `N:REG` on the right of `=`: a register in C; in AArch64 only X/W names (else a label). */
  private startsRegRef(): boolean {
    const ts = this.ts;
    const a = ts.peek();
    if (!((a.kind === 'num' || (a.kind === 'name' && /^P[0-9]+$/.test(a.text))) && ts.isPunct(':', 1))) return false;
    const b = ts.peek(2);
    return b.kind === 'name' && (this.arch === 'C' || /^[XWxw][0-9]+$/.test(b.text));
  }

  private value(): Value {
    const ts = this.ts;
    const toks: Token[] = [];
    if (ts.isPunct('-')) toks.push(ts.next());
    if (ts.isPunct('&')) toks.push(ts.next());
    const tok = ts.next();
    if (tok.kind === 'eof') throw ts.error(tok, 'expected a value, found end of input');
    toks.push(tok);
    if ((tok.kind === 'num' || tok.kind === 'name') && ts.isPunct(':') && ts.peek(1).kind === 'name' &&
        (tok.kind === 'num' || /^P[0-9]+$/.test(tok.text))) {
      toks.push(ts.next(), ts.next());
    }
    return parseValue(ts, toks, this.arch);
  }

  rloc(): RLoc {
    const ts = this.ts;
    const a = ts.peek();
    if ((a.kind === 'num' || (a.kind === 'name' && /^P[0-9]+$/.test(a.text))) && ts.isPunct(':', 1)) {
      ts.next(); ts.next();
      const reg = ts.next();
      if (reg.kind !== 'name') throw ts.error(reg, `expected a register name, found ${describe(reg)}`);
      return { kind: 'reg', thread: threadOf(a), reg: normaliseRegister(reg.text, this.arch) };
    }
    if (ts.eat('[')) {
      const name = ts.next();
      if (name.kind !== 'name') throw ts.error(name, `expected a location name, found ${describe(name)}`);
      ts.expect(']');
      return { kind: 'mem', name: name.text };
    }
    if (a.kind === 'name') {
      ts.next();
      if (ts.isPunct('[') && ts.peek(1).kind === 'num' && ts.isPunct(']', 2)) {
        ts.next();
        const idx = ts.next().text;
        ts.next();
        return { kind: 'mem', name: `${a.text}[${idx}]` };
      }
      return { kind: 'mem', name: a.text };
    }
    throw ts.error(a, `expected a location or register, found ${describe(a)}`);
  }
}

function printRLocPlain(loc: RLoc): string {
  return loc.kind === 'reg' ? `${loc.thread}:${loc.reg}` : loc.name;
}
