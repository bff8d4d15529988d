// What a branch edge tells us. `if (!pte) return 0;` means: on the true edge
// pte is NULL, so a pte_offset_map() that produced it mapped nothing; on
// `if (!spin_trylock(ptl))` the false edge is where the lock is held.
import type { Node } from 'web-tree-sitter';
import { compactText, namedChildren, unparenthesise } from './syntax.ts';

export type BranchFact =
  /** `variable` is NULL (isNull) or not NULL on this edge. */
  | { kind: 'null'; variable: string; isNull: boolean }
  /** The call on `line` returned non-zero (true) or zero on this edge. */
  | { kind: 'call-result'; callee: string; line: number; nonZero: boolean };

/** Wrappers that pass their argument's truth through unchanged. */
const TRANSPARENT = new Set(['likely', 'unlikely', 'WARN_ON', 'WARN_ON_ONCE', 'VM_WARN_ON', 'VM_WARN_ON_ONCE', 'BUG_ON']);

function isNullLiteral(n: Node): boolean {
  return n.type === 'null' || n.text === 'NULL' || n.text === '0';
}

/** `pte` for `pte` and for `(pte = pte_offset_map(...))`. */
function testedVariable(n: Node): string | undefined {
  const e = unparenthesise(n);
  if (e.type === 'identifier' || e.type === 'field_expression') return compactText(e);
  if (e.type === 'assignment_expression' && e.children[1]?.type === '=') {
    const left = e.childForFieldName('left');
    return left ? compactText(left) : undefined;
  }
  return undefined;
}

/** The call directly tested: `spin_trylock(ptl)`, `(pte = pte_offset_map(...))` has none. */
function testedCall(n: Node): Node | undefined {
  const e = unparenthesise(n);
  if (e.type !== 'call_expression') return undefined;
  const fn = e.childForFieldName('function')?.text ?? '';
  if (TRANSPARENT.has(fn)) {
    const inner = e.childForFieldName('arguments');
    const arg = inner ? namedChildren(inner)[0] : undefined;
    return arg ? testedCall(arg) : undefined;
  }
  return e;
}

/** Facts that hold on the edge where `cond` evaluated to `outcome`. */
export function branchFacts(cond: Node, outcome: boolean): BranchFact[] {
  const e = unparenthesise(cond);
  if (e.type === 'unary_expression' && e.children[0]?.type === '!') {
    const arg = e.childForFieldName('argument');
    return arg ? branchFacts(arg, !outcome) : [];
  }
  if (e.type === 'call_expression') {
    const fn = e.childForFieldName('function')?.text ?? '';
    if (TRANSPARENT.has(fn)) {
      const args = e.childForFieldName('arguments');
      const arg = args ? namedChildren(args)[0] : undefined;
      return arg ? branchFacts(arg, outcome) : [];
    }
    const call = testedCall(e);
    return call ? [{ kind: 'call-result', callee: compactText(call.childForFieldName('function') ?? call), line: call.startPosition.row + 1, nonZero: outcome }] : [];
  }
  if (e.type === 'binary_expression') {
    const op = e.childForFieldName('operator')?.type ?? e.children[1]?.type;
    const left = e.childForFieldName('left');
    const right = e.childForFieldName('right');
    if (!left || !right) return [];
    if (op === '&&') return outcome ? [...branchFacts(left, true), ...branchFacts(right, true)] : [];
    if (op === '||') return outcome ? [] : [...branchFacts(left, false), ...branchFacts(right, false)];
    if (op === '==' || op === '!=') {
      const equal = op === '==' ? outcome : !outcome;
      const [other, lit] = isNullLiteral(right) ? [left, right] : isNullLiteral(left) ? [right, left] : [undefined, undefined];
      if (!other || !lit) return [];
      const v = testedVariable(other);
      if (v !== undefined) return [{ kind: 'null', variable: v, isNull: equal }];
      const call = testedCall(other);
      if (call) return [{ kind: 'call-result', callee: compactText(call.childForFieldName('function') ?? call), line: call.startPosition.row + 1, nonZero: !equal }];
      return [];
    }
    return [];
  }
  const v = testedVariable(e);
  return v !== undefined ? [{ kind: 'null', variable: v, isNull: !outcome }] : [];
}

/**
 * A branch condition reduced to atoms, so that two branches on the same test
 * (`if (mm == &init_mm) pte = pte_offset_kernel(..); else pte = pte_offset_map(..);`
 * … `if (mm != &init_mm) pte_unmap(pte);`) are taken consistently on a path.
 * An atom is a condition text without `!`, `likely()`, and with `!=` turned
 * into `==`; `x == NULL` is the atom `x` false.
 */
export interface Atom {
  text: string;
  value: boolean;
}

/** What an edge requires: every atom (`all`), or at least one of them (`anyOf`). */
export type EdgeConstraint = { kind: 'all'; atoms: Atom[] } | { kind: 'anyOf'; atoms: Atom[] };

function atomOf(node: Node, value: boolean): Atom | undefined {
  const e = unparenthesise(node);
  if (e.type === 'unary_expression' && e.children[0]?.type === '!') {
    const arg = e.childForFieldName('argument');
    return arg ? atomOf(arg, !value) : undefined;
  }
  if (e.type === 'call_expression' && TRANSPARENT.has(e.childForFieldName('function')?.text ?? '')) {
    const args = e.childForFieldName('arguments');
    const arg = args ? namedChildren(args)[0] : undefined;
    return arg ? atomOf(arg, value) : undefined;
  }
  if (e.type === 'binary_expression') {
    const op = e.children[1]?.type;
    const left = e.childForFieldName('left');
    const right = e.childForFieldName('right');
    if (op === '&&' || op === '||') return undefined;
    if (left && right && (op === '==' || op === '!=')) {
      const eq = op === '==' ? value : !value;
      if (isNullLiteral(right)) return atomOf(left, !eq);
      if (isNullLiteral(left)) return atomOf(right, !eq);
      return { text: `${compactText(left)} == ${compactText(right)}`, value: eq };
    }
  }
  if (e.type === 'assignment_expression') {
    const left = e.childForFieldName('left');
    return left ? { text: compactText(left), value } : undefined;
  }
  return { text: compactText(e), value };
}

function conjuncts(node: Node, op: '&&' | '||'): Node[] {
  const e = unparenthesise(node);
  if (e.type === 'binary_expression' && e.children[1]?.type === op) {
    const l = e.childForFieldName('left');
    const r = e.childForFieldName('right');
    return [...(l ? conjuncts(l, op) : []), ...(r ? conjuncts(r, op) : [])];
  }
  return [e];
}

/** The constraint of the edge where `cond` is `outcome`, or undefined when it has no usable shape. */
export function edgeConstraint(cond: Node, outcome: boolean): EdgeConstraint | undefined {
  const and = conjuncts(cond, '&&');
  const or = conjuncts(cond, '||');
  const parts = and.length > 1 ? and : or;
  const isAnd = and.length > 1;
  const atoms = parts.map((p) => atomOf(p, outcome));
  if (atoms.some((a) => a === undefined)) return undefined;
  const defined = atoms.filter((a): a is Atom => a !== undefined);
  if (parts.length === 1) return { kind: 'all', atoms: defined };
  // a && b: true means all hold, false means at least one fails; a || b the converse.
  return isAnd === outcome ? { kind: 'all', atoms: defined } : { kind: 'anyOf', atoms: defined };
}

/** A bare variable atom that is false says the pointer is NULL. */
export function nullFactOf(atom: Atom): BranchFact | undefined {
  return /^[A-Za-z_][\w]*(?:(?:->|\.)[A-Za-z_]\w*)*$/.test(atom.text) && !atom.value ? { kind: 'null', variable: atom.text, isNull: true } : undefined;
}
