// AArch64 code as data: code labels as locations, instructions as values
// (herd prints branch targets relative, `B .+4`), operand decoding, and the
// arithmetic and conditions the semantics needs.
import type { PathFault } from '../events.ts';
import type { A64Instr, A64Thread, Pos, Value } from '../types.ts';

/** An error on one path (not a static error): reported only if the path is realised. */
export class A64Fault extends Error {
  readonly fault: PathFault;
  constructor(pos: Pos, message: string) {
    super(message);
    this.fault = { pos, message };
  }
}

/** The location of a code label, as herd names it. */
export function codeLocation(thread: number, label: string): string {
  return `label:"P${thread}:${label}"`;
}

const BRANCHES = new Set(['B', 'BL', 'CBZ', 'CBNZ']);

/** An instruction as a value, branch targets relative (`B .+4`), as herd prints it. */
export function instructionValue(thread: A64Thread, k: number): string {
  const ins = thread.code[k]!;
  const labels = new Map<string, number>();
  thread.code.forEach((c, j) => { for (const l of c.labels) labels.set(l, j); });
  for (const l of thread.trailingLabels) labels.set(l, thread.code.length);
  const ops = ins.operands.map((o, j) => {
    const target = labels.get(o);
    const isTarget = j === ins.operands.length - 1 && (BRANCHES.has(ins.mnemonic) || /^B\.[A-Z]{2}$/.test(ins.mnemonic));
    if (!isTarget || target === undefined) return o;
    const off = (target - k) * 4;
    return off >= 0 ? `.+${off}` : `.${off}`;
  });
  return `instr:"${ops.length === 0 ? ins.mnemonic : `${ins.mnemonic} ${ops.join(',')}`}"`;
}

/** Reads an instruction value back as an instruction at `at`. */
export function decodeInstruction(value: Value, at: A64Instr): A64Instr | null {
  if (typeof value !== 'string') return null;
  const m = /^instr:"(\S+)\s*(.*)"$/.exec(value);
  if (m === null) return null;
  const mnemonic = m[1]!.toUpperCase();
  const operands = m[2]!.trim() === '' ? [] : m[2]!.split(',').map((o) => o.trim());
  return { mnemonic, operands, text: m[1]! + (m[2] ? ` ${m[2]}` : ''), labels: at.labels, pos: at.pos };
}

/** Mnemonics the semantics knows (checked before any run). */
export const A64_MNEMONICS = new Set([
  'MOV', 'ADD', 'SUB', 'EOR', 'AND', 'ORR', 'CMP', 'CSEL', 'B', 'CBZ', 'CBNZ', 'BR', 'ADR', 'NOP',
  'LDR', 'LDAR', 'LDAPR', 'LDXR', 'LDAXR', 'STR', 'STLR', 'STXR', 'STLXR',
  'SWP', 'SWPA', 'SWPL', 'SWPAL', 'CAS', 'CASA', 'CASL', 'CASAL',
  'LDADD', 'LDADDA', 'LDADDL', 'LDADDAL', 'STADD', 'STADDL', 'DMB', 'DSB', 'ISB',
  'BL', 'BLR', 'RET', 'DC', 'IC', 'UDF', 'MSR', 'ERET', 'LSR', 'TLBI',
]);

export function regName(op: string, pos: Pos): string {
  const m = /^([XxWw])([0-9]+)$/.exec(op.trim());
  if (m !== null) return `X${m[2]}`;
  if (/^[XxWw]ZR$/i.test(op.trim())) return 'XZR';
  if (/^SP$/i.test(op.trim())) return 'SP';
  throw new A64Fault(pos, `expected a register, found '${op}'`);
}

export function immediate(op: string): bigint | null {
  const m = /^#(-?(?:0x[0-9a-fA-F]+|[0-9]+))$/.exec(op.trim());
  return m === null ? null : BigInt(m[1]!);
}

export function addValues(a: Value, b: Value, pos: Pos): Value {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a + b;
  throw new A64Fault(pos, 'arithmetic on an address');
}

export function condition(cond: string, a: Value, b: Value, pos: Pos): boolean {
  const c = cond.trim().toUpperCase();
  if (c === 'EQ') return a === b;
  if (c === 'NE') return a !== b;
  if (typeof a !== 'bigint' || typeof b !== 'bigint') throw new A64Fault(pos, `cannot compare addresses with ${c}`);
  switch (c) {
    case 'GT': return a > b;
    case 'GE': return a >= b;
    case 'LT': return a < b;
    case 'LE': return a <= b;
    default: throw new A64Fault(pos, `unsupported condition ${c}`);
  }
}
