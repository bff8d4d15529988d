// C semantics (SIMULATOR.md §2): runs one thread of a C litmus test along
// one path, turning kernel primitives into events with their tags and the
// addr/data/ctrl dependencies herd computes (taint of registers by reads;
// ctrl only for events inside the branch taken, not after the `if`).
import type { Oracle, PathFault, ThreadEvent, ThreadPath } from '../events.ts';
import type { CExpr, CStmt, CThread, Pos, Value } from '../types.ts';
import { type AddrMode, type Macro, type Op, arity, lookupMacro } from './c-macros.ts';
import { printCExpr } from './c-print.ts';

/** What a thread may read: the candidate values of each location. */
export type ValueUniverse = ReadonlyMap<string, readonly Value[]>;

interface Tainted {
  readonly v: Value;
  readonly taint: readonly number[];
}

class Fault extends Error {
  readonly fault: PathFault;
  constructor(pos: Pos, message: string) {
    super(message);
    this.fault = { pos, message };
  }
}

class LoopCut extends Error {}

const UNROLL = 2;

export interface CThreadContext {
  readonly thread: CThread;
  /** Names that denote memory locations (parameters and globals). */
  readonly locations: ReadonlySet<string>;
  readonly initRegs: ReadonlyMap<string, Value>;
  readonly universe: ValueUniverse;
}

/** Runs `ctx.thread` once, asking `choose` at every nondeterministic point. */
export function runCThread(ctx: CThreadContext, choose: Oracle): ThreadPath {
  const run = new CRun(ctx, choose);
  let fault: PathFault | null = null;
  let loopCut = false;
  try {
    run.block(ctx.thread.body);
  } catch (err) {
    if (err instanceof Fault) fault = err.fault;
    else if (err instanceof LoopCut) loopCut = true;
    else throw err;
  }
  const regs = new Map<string, Value>();
  for (const [k, t] of run.regs) regs.set(k, t.v);
  return { thread: ctx.thread.index, events: run.events, regs, fault, loopCut };
}

class CRun {
  readonly events: ThreadEvent[] = [];
  readonly regs = new Map<string, Tainted>();
  private readonly ctrl: (readonly number[])[] = [];
  private readonly ctx: CThreadContext;
  private readonly choose: Oracle;

  constructor(ctx: CThreadContext, choose: Oracle) {
    this.ctx = ctx;
    this.choose = choose;
    for (const [k, v] of ctx.initRegs) this.regs.set(k, { v, taint: [] });
  }

  block(body: readonly CStmt[]): void {
    for (const s of body) this.stmt(s);
  }

  private stmt(s: CStmt): void {
    switch (s.kind) {
      case 'decl':
        this.regs.set(s.name, s.init === null ? (this.regs.get(s.name) ?? { v: 0n, taint: [] }) : this.expr(s.init));
        return;
      case 'assign': {
        if (s.target.kind === 'name') {
          this.regs.set(this.register(s.target.name, s.target.pos), this.expr(s.value));
          return;
        }
        if (s.target.kind !== 'deref') throw new Fault(s.pos, 'invalid assignment target');
        const addr = this.expr(s.target.expr);
        const val = this.expr(s.value);
        this.access('W', this.location(addr, s.target.pos), val.v, [], addr.taint, val.taint, null, printCExpr(s.target) + ' = ' + printCExpr(s.value), s.pos);
        return;
      }
      case 'expr':
        this.expr(s.expr);
        return;
      case 'if': {
        const c = this.expr(s.cond);
        this.ctrl.push(c.taint);
        this.block(truthy(c.v, s.pos) ? s.then : s.else);
        this.ctrl.pop();
        return;
      }
      case 'while': {
        for (let k = 0; ; k++) {
          const c = this.expr(s.cond);
          if (!truthy(c.v, s.pos)) return;
          if (k >= UNROLL) throw new LoopCut();
          this.ctrl.push(c.taint);
          this.block(s.body);
          this.ctrl.pop();
        }
      }
    }
  }

  private register(name: string, pos: Pos): string {
    if (this.ctx.locations.has(name) && !this.regs.has(name)) throw new Fault(pos, `cannot assign to location '${name}': write *${name} = ...`);
    return name;
  }

  private ctrlTaint(): number[] {
    const out = new Set<number>();
    for (const t of this.ctrl) for (const i of t) out.add(i);
    return [...out];
  }

  private location(addr: Tainted, pos: Pos): string {
    if (typeof addr.v === 'string' && !addr.v.includes('"')) return addr.v;
    throw new Fault(pos, `dereferencing ${String(addr.v)}, which is not the address of a location`);
  }

  /** Adds an event; a read picks its value from the universe unless `forced`. */
  private access(
    kind: 'R' | 'W', loc: string, value: Value | null, tags: readonly string[],
    addr: readonly number[], data: readonly number[], rmwRead: number | null, text: string, pos: Pos,
  ): Tainted {
    let v = value;
    if (kind === 'R' && v === null) {
      const options = this.ctx.universe.get(loc) ?? [0n];
      v = options[this.choose(options.length)]!;
    }
    this.events.push({
      kind, loc, value: v!, tags: new Set(tags), addr: [...addr], data: [...data], ctrl: this.ctrlTaint(),
      rmwRead, text, pos,
    });
    return { v: v!, taint: kind === 'R' ? [this.events.length - 1] : [] };
  }

  private fence(tag: string, text: string, pos: Pos): void {
    this.events.push({ kind: 'F', loc: null, value: 0n, tags: new Set([tag]), addr: [], data: [], ctrl: this.ctrlTaint(), rmwRead: null, text, pos });
  }

  expr(e: CExpr): Tainted {
    switch (e.kind) {
      case 'num': return { v: e.value, taint: [] };
      case 'addrof': return { v: e.name, taint: [] };
      case 'name': {
        const r = this.regs.get(e.name);
        if (r !== undefined) return r;
        if (this.ctx.locations.has(e.name)) return { v: e.name, taint: [] };
        throw new Fault(e.pos, `unknown name '${e.name}'`);
      }
      case 'deref': {
        const a = this.expr(e.expr);
        return this.access('R', this.location(a, e.pos), null, [], a.taint, [], null, printCExpr(e), e.pos);
      }
      case 'unary': {
        const a = this.expr(e.expr);
        return { v: unaryOp(e.op, a.v, e.pos), taint: a.taint };
      }
      case 'binary': {
        const a = this.expr(e.left);
        const b = this.expr(e.right);
        return { v: binaryOp(e.op, a.v, b.v, e.pos), taint: union(a.taint, b.taint) };
      }
      case 'call': return this.call(e);
    }
  }

  private addressArg(arg: CExpr, mode: AddrMode): Tainted {
    if (mode === 'lval') {
      if (arg.kind !== 'deref') throw new Fault(arg.pos, 'expected *pointer as the first argument');
      return this.expr(arg.expr);
    }
    return this.expr(arg);
  }

  private call(e: Extract<CExpr, { kind: 'call' }>): Tainted {
    const m = lookupMacro(e.name);
    if (m === undefined) throw new Fault(e.pos, `unknown primitive '${e.name}'`);
    if (e.args.length !== arity(m)) throw new Fault(e.pos, `${e.name} takes ${arity(m)} argument(s), given ${e.args.length}`);
    const text = printCExpr(e);
    return this.primitive(m, e, text);
  }

  private primitive(m: Macro, e: Extract<CExpr, { kind: 'call' }>, text: string): Tainted {
    const args = e.args;
    const pos = e.pos;
    const none: Tainted = { v: 0n, taint: [] };
    switch (m.kind) {
      case 'fence':
        this.fence(m.tag, text, pos);
        return none;
      case 'load': {
        const a = this.addressArg(args[0]!, m.mode);
        return this.access('R', this.location(a, pos), null, [m.tag], a.taint, [], null, text, pos);
      }
      case 'store': {
        const a = this.addressArg(args[0]!, m.mode);
        const v = this.expr(args[1]!);
        this.access('W', this.location(a, pos), v.v, [m.tag], a.taint, v.taint, null, text, pos);
        if (m.fenceAfter !== undefined) this.fence(m.fenceAfter, text, pos);
        return none;
      }
      case 'xchg': {
        const a = this.expr(args[0]!);
        const v = this.expr(args[1]!);
        const loc = this.location(a, pos);
        const r = this.access('R', loc, null, [m.tag, 'RMW'], a.taint, [], null, text, pos);
        this.access('W', loc, v.v, [m.tag, 'RMW'], a.taint, v.taint, this.events.length - 1, text, pos);
        return r;
      }
      case 'cmpxchg': {
        const a = this.expr(args[0]!);
        const o = this.expr(args[1]!);
        const n = this.expr(args[2]!);
        const loc = this.location(a, pos);
        const r = this.access('R', loc, null, [m.tag, 'RMW'], a.taint, [], null, text, pos);
        if (r.v === o.v) this.access('W', loc, n.v, [m.tag, 'RMW'], a.taint, n.taint, this.events.length - 1, text, pos);
        return r;
      }
      case 'atomic': {
        const ptrArg = m.operand === 'arg' ? args[1]! : args[0]!;
        const operand = m.operand === 'arg' ? this.expr(args[0]!) : { v: m.operand, taint: [] };
        const a = this.expr(ptrArg);
        const loc = this.location(a, pos);
        const r = this.access('R', loc, null, [m.tag, 'RMW'], a.taint, [], null, text, pos);
        const nv = atomicOp(m.op, r.v, operand.v, pos);
        this.access('W', loc, nv, [m.tag, 'RMW'], a.taint, operand.taint, this.events.length - 1, text, pos);
        if (m.returns === 'none') return none;
        const ret = m.returns === 'old' ? r.v : nv;
        if (m.test === 'eq0') return { v: ret === 0n ? 1n : 0n, taint: r.taint };
        if (m.test === 'lt0') return { v: typeof ret === 'bigint' && ret < 0n ? 1n : 0n, taint: r.taint };
        return { v: ret, taint: r.taint };
      }
      case 'add_unless': {
        const a = this.expr(args[0]!);
        const add = this.expr(args[1]!);
        const unless = this.expr(args[2]!);
        const loc = this.location(a, pos);
        const r = this.access('R', loc, null, [m.tag, 'RMW'], a.taint, [], null, text, pos);
        if (r.v === unless.v) return { v: 0n, taint: r.taint };
        this.access('W', loc, atomicOp('+', r.v, add.v, pos), [m.tag, 'RMW'], a.taint, add.taint, this.events.length - 1, text, pos);
        return { v: 1n, taint: r.taint };
      }
      case 'lock': {
        const a = this.expr(args[0]!);
        const loc = this.location(a, pos);
        this.access('R', loc, 0n, ['LKR'], a.taint, [], null, text, pos);
        this.access('W', loc, 1n, ['LKW'], a.taint, [], this.events.length - 1, text, pos);
        return none;
      }
      case 'unlock': {
        const a = this.expr(args[0]!);
        this.access('W', this.location(a, pos), 0n, ['UL'], a.taint, [], null, text, pos);
        return none;
      }
      case 'trylock': {
        const a = this.expr(args[0]!);
        const loc = this.location(a, pos);
        if (this.choose(2) === 0) {
          this.access('R', loc, 0n, ['LKR'], a.taint, [], null, text, pos);
          this.access('W', loc, 1n, ['LKW'], a.taint, [], this.events.length - 1, text, pos);
          return { v: 1n, taint: [] };
        }
        this.access('R', loc, 1n, ['LF'], a.taint, [], null, text, pos);
        return { v: 0n, taint: [] };
      }
      case 'sync-srcu': {
        const a = this.expr(args[0]!);
        const loc = this.location(a, pos);
        this.events.push({ kind: 'F', loc, value: 0n, tags: new Set(['sync-srcu']), addr: [...a.taint], data: [], ctrl: this.ctrlTaint(), rmwRead: null, text, pos });
        return none;
      }
      case 'islocked': {
        const a = this.expr(args[0]!);
        const loc = this.location(a, pos);
        const locked = this.choose(2) === 0;
        const r = this.access('R', loc, locked ? 1n : 0n, [locked ? 'RL' : 'RU'], a.taint, [], null, text, pos);
        return { v: locked ? 1n : 0n, taint: r.taint };
      }
    }
  }
}

function union(a: readonly number[], b: readonly number[]): number[] {
  if (b.length === 0) return [...a];
  if (a.length === 0) return [...b];
  return [...new Set([...a, ...b])];
}

function truthy(v: Value, pos: Pos): boolean {
  if (typeof v === 'bigint') return v !== 0n;
  if (v.includes('"')) throw new Fault(pos, `cannot test ${v}`);
  return true;
}

function unaryOp(op: '!' | '-' | '~', v: Value, pos: Pos): Value {
  if (op === '!') return truthy(v, pos) ? 0n : 1n;
  if (typeof v !== 'bigint') throw new Fault(pos, `arithmetic on the address ${v}`);
  return op === '-' ? -v : ~v;
}

function binaryOp(op: string, a: Value, b: Value, pos: Pos): Value {
  const bool = (x: boolean): bigint => (x ? 1n : 0n);
  if (op === '==') return bool(a === b);
  if (op === '!=') return bool(a !== b);
  if (op === '&&') return bool(truthy(a, pos) && truthy(b, pos));
  if (op === '||') return bool(truthy(a, pos) || truthy(b, pos));
  if (typeof a !== 'bigint' || typeof b !== 'bigint') {
    // Address arithmetic that keeps the address, as herd allows for offsets of 0.
    if (typeof a === 'string' && b === 0n && (op === '+' || op === '-')) return a;
    if (typeof b === 'string' && a === 0n && op === '+') return b;
    if (a === b && (op === '-' || op === '^')) return 0n;
    throw new Fault(pos, `arithmetic on the address ${typeof a === 'string' ? a : String(b)}`);
  }
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': if (b === 0n) throw new Fault(pos, 'division by zero'); return a / b;
    case '%': if (b === 0n) throw new Fault(pos, 'division by zero'); return a % b;
    case '&': return a & b;
    case '|': return a | b;
    case '^': return a ^ b;
    case '<<': return a << b;
    case '>>': return a >> b;
    case '<': return bool(a < b);
    case '>': return bool(a > b);
    case '<=': return bool(a <= b);
    case '>=': return bool(a >= b);
    default: throw new Fault(pos, `unsupported operator '${op}'`);
  }
}

function atomicOp(op: Op, old: Value, operand: Value, pos: Pos): Value {
  if (op === '&~') {
    if (typeof old !== 'bigint' || typeof operand !== 'bigint') throw new Fault(pos, 'arithmetic on an address');
    return old & ~operand;
  }
  return binaryOp(op, old, operand, pos);
}
