// Calls inside a piece of C: who is called, with which argument texts, on
// which line, and which variable receives the result (map helpers return the
// mapped pte; the engine follows that variable).
import type { Node } from 'web-tree-sitter';
import { compactText, declaredName, endLineOf, lineOf, namedChildren, unparenthesise } from './syntax.ts';

export interface CCall {
  /** Called name as written: `pte_offset_map_lock`, `ops->pte_entry`. */
  callee: string;
  /** Argument texts, whitespace collapsed. */
  args: string[];
  line: number;
  endLine: number;
  /** Whitespace-collapsed text of the whole call. */
  text: string;
  /** `pte` in `pte = pte_offset_map(...)` or `pte_t *pte = pte_offset_map(...)`. */
  assignedTo?: string;
  /** Set on the lock/unlock calls a `guard()`/`scoped_guard()` stands for. */
  synthetic?: 'guard-enter' | 'guard-exit';
  /** The guard class (`spinlock`, `rcu`) for synthetic calls. */
  guardClass?: string;
}

/** `guard(spinlock)` in `guard(spinlock)(&lock)`: the class name, else undefined. */
export function guardClassOf(call: Node): string | undefined {
  const fn = call.childForFieldName('function');
  if (fn?.type !== 'call_expression') return undefined;
  const inner = fn.childForFieldName('function');
  if (inner?.text !== 'guard') return undefined;
  const cls = fn.childForFieldName('arguments');
  const first = cls ? namedChildren(cls)[0] : undefined;
  return first?.text;
}

export function argumentTexts(call: Node): string[] {
  const list = call.childForFieldName('arguments');
  if (!list) return [];
  return namedChildren(list)
    .filter((a) => a.type !== 'comment')
    .map(compactText);
}

/** The variable a call's value is stored into, looking through casts and parentheses. */
function assignmentTarget(call: Node): string | undefined {
  let child: Node = call;
  let parent = call.parent;
  // `pte = kernel ? pte_offset_kernel(...) : pte_offset_map(...)`: either arm lands in pte.
  const passesValue = (p: Node, c: Node): boolean =>
    p.type === 'parenthesized_expression' || p.type === 'cast_expression' ||
    (p.type === 'conditional_expression' && !p.childForFieldName('condition')?.equals(c));
  while (parent && passesValue(parent, child)) {
    child = parent;
    parent = parent.parent;
  }
  if (!parent) return undefined;
  if (parent.type === 'assignment_expression' && parent.childForFieldName('right')?.equals(child)) {
    const left = parent.childForFieldName('left');
    return left ? compactText(left) : undefined;
  }
  if (parent.type === 'init_declarator' && parent.childForFieldName('value')?.equals(child)) {
    return declaredName(parent.childForFieldName('declarator'));
  }
  return undefined;
}

export function toCCall(node: Node): CCall {
  const fn = node.childForFieldName('function');
  const call: CCall = {
    callee: fn ? compactText(unparenthesise(fn)) : '',
    args: argumentTexts(node),
    line: lineOf(node),
    endLine: endLineOf(node),
    text: compactText(node),
  };
  const target = assignmentTarget(node);
  if (target !== undefined) call.assignedTo = target;
  return call;
}
