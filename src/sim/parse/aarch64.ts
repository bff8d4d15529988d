// The AArch64 program table (SIMULATOR.md §1.3): a header row `P0 | P1 ;`
// then rows of cells, read column-wise; a cell holds an optional label and
// an optional instruction. Instructions are kept as mnemonic + operand
// texts; their meaning belongs to the AArch64 semantics.
import type { Source } from '../source.ts';
import type { A64Instr, A64Thread } from '../types.ts';
import type { Range } from './split.ts';
import { skipComment } from './tokens.ts';

interface Cell {
  readonly text: string;
  readonly offset: number;
}

/** Splits the table into rows of cells, dropping `(* *)` comments. */
function rows(src: Source, range: Range): Cell[][] {
  const t = src.text;
  const out: Cell[][] = [];
  let row: Cell[] = [];
  let cell = '';
  let cellStart = range.start;
  let i = range.start;
  const flushCell = (): void => {
    row.push({ text: cell, offset: cellStart });
    cell = '';
  };
  while (i < range.end) {
    if (t.startsWith('(*', i)) {
      const e = skipComment(src, i, range.end);
      cell += ' ';
      i = e;
      continue;
    }
    const c = t[i]!;
    if (c === '|') { flushCell(); i++; cellStart = i; continue; }
    if (c === ';') {
      flushCell();
      out.push(row);
      row = [];
      i++;
      cellStart = i;
      continue;
    }
    if (cell.trim() === '' && /\s/.test(c)) { cell = ''; i++; cellStart = i; continue; }
    cell += c;
    i++;
  }
  if (cell.trim() !== '' || row.length > 0) {
    flushCell();
    if (row.some((c) => c.text.trim() !== '')) throw src.error(row[0]!.offset, "program row not terminated by ';'");
  }
  return out;
}

export function parseA64Program(src: Source, range: Range): A64Thread[] {
  const table = rows(src, range);
  if (table.length === 0) throw src.error(range.start, 'expected a program header row "P0 | P1 ... ;"');
  const header = table[0]!;
  // A column `Pn.F` is the fault handler of thread n (herd's exception tests).
  const handlerFor: (number | null)[] = header.map((c, k) => {
    const h = c.text.trim();
    const m = /^P([0-9]+)\.F$/.exec(h);
    if (m !== null) return Number(m[1]);
    if (h !== `P${k}`) throw src.error(c.offset, `expected thread header P${k}, found '${h}'`);
    return null;
  });
  const n = header.length;
  const code: A64Instr[][] = Array.from({ length: n }, () => []);
  const pending: string[][] = Array.from({ length: n }, () => []);
  for (const row of table.slice(1)) {
    if (row.length > n) throw src.error(row[n]!.offset, `row has ${row.length} columns but the program has ${n} threads`);
    row.forEach((cell, k) => {
      let text = cell.text.trim();
      let offset = cell.offset;
      for (;;) {
        const m = /^([A-Za-z_.][A-Za-z0-9_.]*)\s*:(?!")/.exec(text);
        if (m === null) break;
        pending[k]!.push(m[1]!);
        text = text.slice(m[0].length).trimStart();
        offset += m[0].length;
      }
      if (text === '') return;
      const sp = /^(\S+)\s*(.*)$/.exec(text)!;
      const mnemonic = sp[1]!.toUpperCase();
      if (!/^[A-Z][A-Z0-9.]*$/.test(mnemonic)) throw src.error(cell.offset, `unknown instruction '${sp[1]}'`);
      code[k]!.push({
        mnemonic,
        operands: splitOperands(sp[2]!),
        text,
        labels: pending[k]!,
        pos: src.position(offset),
      });
      pending[k] = [];
    });
  }
  return code.map((c, index) => ({ index, code: c, trailingLabels: pending[index]!, handlerFor: handlerFor[index] ?? null }));
}

/** Splits `W1, [X0, X2]` at commas outside brackets. */
function splitOperands(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of text) {
    if (c === '[') depth++;
    if (c === ']') depth--;
    if (c === ',' && depth === 0) { out.push(cur.trim()); cur = ''; continue; }
    cur += c;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}
