// The init block (SIMULATOR.md §1.2): typed and untyped locations, register
// values, addresses (`&x` or a bare name), labels and instruction values.
import type { Source } from '../source.ts';
import type { Arch, InitState, LocationInit, RegisterInit, Value } from '../types.ts';
import type { Range } from './split.ts';
import { type Token, TokenStream, describe, parseNumber, tokenize } from './tokens.ts';

export function parseInit(src: Source, range: Range, arch: Arch): InitState {
  const ts = new TokenStream(src, tokenize(src, range.start, range.end));
  const locations = new Map<string, LocationInit>();
  const registers = new Map<string, RegisterInit>();
  while (!ts.atEnd()) {
    if (ts.eat(';')) continue;
    const item = collectItem(ts);
    parseItem(ts, item, arch, locations, registers);
  }
  return { locations: [...locations.values()], registers: [...registers.values()] };
}

/** The tokens of one item, up to a `;` outside parentheses and braces. */
function collectItem(ts: TokenStream): Token[] {
  const out: Token[] = [];
  let depth = 0;
  while (!ts.atEnd()) {
    const tok = ts.peek();
    if (tok.kind === 'punct') {
      if (tok.text === '(' || tok.text === '{') depth++;
      if (tok.text === ')' || tok.text === '}') depth--;
      if (tok.text === ';' && depth <= 0) break;
    }
    out.push(ts.next());
  }
  return out;
}

function isRegRef(toks: readonly Token[], i: number): boolean {
  const a = toks[i];
  const colon = toks[i + 1];
  const b = toks[i + 2];
  return a !== undefined && colon?.kind === 'punct' && colon.text === ':' && b?.kind === 'name' &&
    (a.kind === 'num' || (a.kind === 'name' && /^P[0-9]+$/.test(a.text)));
}

export function threadOf(tok: Token): number {
  return Number(tok.kind === 'num' ? tok.text : tok.text.slice(1));
}

/** herd prints AArch64 registers by their 64-bit name. */
export function normaliseRegister(reg: string, arch: Arch): string {
  if (arch !== 'AArch64') return reg;
  const m = /^[WwXx]([0-9]+)$/.exec(reg);
  if (m !== null) return `X${m[1]}`;
  if (/^[wx]zr$/i.test(reg)) return 'XZR';
  return reg.toUpperCase() === 'SP' ? 'SP' : reg;
}

function parseItem(
  ts: TokenStream, toks: Token[], arch: Arch,
  locations: Map<string, LocationInit>, registers: Map<string, RegisterInit>,
): void {
  const first = toks[0]!;
  let eq = -1;
  let depth = 0;
  for (let k = 0; k < toks.length; k++) {
    const tk = toks[k]!;
    if (tk.kind === 'punct' && (tk.text === '(' || tk.text === '[' || tk.text === '{')) depth++;
    if (tk.kind === 'punct' && (tk.text === ')' || tk.text === ']' || tk.text === '}')) depth--;
    if (depth === 0 && tk.kind === 'punct' && tk.text === '=') { eq = k; break; }
  }
  const left = eq < 0 ? toks : toks.slice(0, eq);
  const right = eq < 0 ? [] : toks.slice(eq + 1);
  if (left.length === 0) throw ts.error(first, 'expected a location or register before "="');
  if (eq >= 0 && right.length === 0) throw ts.error(toks[eq]!, 'expected a value after "="');

  // Find the target at the end of the left side; what precedes is the type.
  let target: { kind: 'reg'; thread: number; reg: string } | { kind: 'mem'; name: string; size?: number };
  let typeEnd: number;
  const n = left.length;
  if (n >= 3 && isRegRef(left, n - 3)) {
    target = { kind: 'reg', thread: threadOf(left[n - 3]!), reg: normaliseRegister(left[n - 1]!.text, arch) };
    typeEnd = n - 3;
  } else if (n >= 3 && left[n - 1]!.text === ']' && left[n - 3]!.text === '[' && left[n - 2]!.kind === 'name') {
    target = { kind: 'mem', name: left[n - 2]!.text };
    typeEnd = n - 3;
  } else if (n >= 4 && left[n - 1]!.text === ']' && left[n - 3]!.text === '[' && left[n - 2]!.kind === 'num' && left[n - 4]!.kind === 'name') {
    target = { kind: 'mem', name: left[n - 4]!.text, size: Number(left[n - 2]!.text) };
    typeEnd = n - 4;
  } else if (left[n - 1]!.kind === 'name') {
    target = { kind: 'mem', name: left[n - 1]!.text };
    typeEnd = n - 1;
  } else {
    throw ts.error(left[n - 1]!, `expected a location or register, found ${describe(left[n - 1]!)}`);
  }
  const typeToks = left.slice(0, typeEnd);
  for (const tk of typeToks) {
    if (tk.kind !== 'name' && !(tk.kind === 'punct' && tk.text === '*')) throw ts.error(tk, `unexpected ${describe(tk)} in a declaration`);
  }
  const type = typeToks.length === 0 ? null : typeToks.map((t) => t.text).join(' ').replace(/ \*/g, '*');
  const value: Value = right.length === 0 ? 0n : parseValue(ts, right, arch);

  if (target.kind === 'reg') {
    const key = `${target.thread}:${target.reg}`;
    const old = registers.get(key);
    if (old !== undefined && old.value !== value) throw ts.error(first, `conflicting initial values for ${key}`);
    registers.set(key, { thread: target.thread, reg: target.reg, type, value });
  } else {
    const old = locations.get(target.name);
    if (old !== undefined && old.value !== value && right.length > 0 && old.value !== 0n) {
      throw ts.error(first, `conflicting initial values for ${target.name}`);
    }
    const merged: LocationInit = {
      name: target.name,
      type: type ?? old?.type ?? null,
      value: right.length > 0 ? value : (old?.value ?? 0n),
      ...(target.size !== undefined ? { size: target.size } : {}),
    };
    locations.set(target.name, merged);
  }
}

/** A value on the right of `=` (also used by conditions). */
export function parseValue(ts: TokenStream, toks: readonly Token[], arch: Arch): Value {
  const t0 = toks[0]!;
  const only = (k: number): void => {
    if (toks.length !== k) throw ts.error(toks[k]!, `unexpected ${describe(toks[k]!)} after the value`);
  };
  if (t0.kind === 'num') { only(1); return parseNumber(t0.text); }
  if (t0.kind === 'punct' && t0.text === '-' && toks[1]?.kind === 'num') { only(2); return -parseNumber(toks[1].text); }
  if (t0.kind === 'label') { only(1); return `label:"${t0.text.replace(/^P?([0-9]+):/, 'P$1:')}"`; }
  if (t0.kind === 'instr') { only(1); return `instr:"${t0.text}"`; }
  if (t0.kind === 'punct' && t0.text === '&' && toks[1]?.kind === 'name') { only(2); return toks[1].text; }
  if (t0.kind === 'punct' && t0.text === '(') {
    // A page-table descriptor, e.g. (oa:phy_x, valid:0): kept as text.
    return toks.map((t) => t.text).join('').replace(/,/g, ', ');
  }
  if (isRegRef(toks, 0) && toks.length === 3) return `label:"P${threadOf(t0)}:${toks[2]!.text}"`;
  if (t0.kind === 'name') {
    only(1);
    if (arch === 'AArch64' && /^nop$/i.test(t0.text)) return 'instr:"NOP"';
    return t0.text;
  }
  throw ts.error(t0, `expected a value, found ${describe(t0)}`);
}
