// The events one statement performs, in evaluation order: calls, plain
// assignments (`start_pte = pte`) and pointer advances (`pte++`,
// `pte += nr`). Provenance follows the last two; everything else follows calls.
import type { Node } from 'web-tree-sitter';
import { guardClassOf, toCCall } from './calls.ts';
import type { CCall } from './calls.ts';
import { compactText, declaredName, lineOf, namedChildren } from './syntax.ts';

export type CEvent =
  | { kind: 'call'; call: CCall }
  /** `target = value` (also a declaration's initialiser). */
  | { kind: 'assign'; target: string; value: string; line: number }
  /** `target++`, `target--`, `target += n`, `target -= n`. */
  | { kind: 'advance'; target: string; op: '++' | '--' | '+=' | '-='; amount: string; line: number };

function operatorOf(n: Node): string {
  return n.childForFieldName('operator')?.type ?? n.children.find((c) => !c.isNamed)?.type ?? '';
}

/** Events under `node`, not descending into nested function definitions. */
export function statementEvents(node: Node): CEvent[] {
  const out: CEvent[] = [];
  const visit = (n: Node): void => {
    if (n.type === 'function_definition') return;
    for (const c of namedChildren(n)) visit(c);
    switch (n.type) {
      case 'call_expression': {
        const fn = n.childForFieldName('function');
        // The inner `guard(cls)` of `guard(cls)(&lock)` is not a call of its own.
        if (fn?.text === 'guard' && n.parent?.type === 'call_expression' && n.parent.childForFieldName('function')?.equals(n)) return;
        const cls = guardClassOf(n);
        out.push({ kind: 'call', call: cls === undefined ? toCCall(n) : { ...toCCall(n), callee: `guard(${cls})`, guardClass: cls } });
        return;
      }
      case 'assignment_expression': {
        const left = n.childForFieldName('left');
        const right = n.childForFieldName('right');
        const op = operatorOf(n);
        if (!left || !right) return;
        if (op === '=') out.push({ kind: 'assign', target: compactText(left), value: compactText(right), line: lineOf(n) });
        else if (op === '+=' || op === '-=') out.push({ kind: 'advance', target: compactText(left), op, amount: compactText(right), line: lineOf(n) });
        return;
      }
      case 'init_declarator': {
        const name = declaredName(n.childForFieldName('declarator'));
        const value = n.childForFieldName('value');
        if (name && value) out.push({ kind: 'assign', target: name, value: compactText(value), line: lineOf(n) });
        return;
      }
      case 'update_expression': {
        const arg = n.childForFieldName('argument');
        const op = operatorOf(n);
        if (arg && (op === '++' || op === '--')) out.push({ kind: 'advance', target: compactText(arg), op, amount: '1', line: lineOf(n) });
        return;
      }
      default:
        return;
    }
  };
  visit(node);
  return out;
}

/** The calls among a list of events. */
export function callEvents(events: CEvent[]): CCall[] {
  return events.flatMap((e) => (e.kind === 'call' ? [e.call] : []));
}

/** Calls under `node` in evaluation order (arguments before the call that takes them). */
export function callsIn(node: Node): CCall[] {
  return callEvents(statementEvents(node));
}
