// Small helpers over web-tree-sitter nodes, so the rest of src/c reads as C.
import type { Node } from 'web-tree-sitter';

/** 1-based line of a node's first character. */
export function lineOf(node: Node): number {
  return node.startPosition.row + 1;
}

/** 1-based line of a node's last character. */
export function endLineOf(node: Node): number {
  return node.endPosition.row + 1;
}

// The array getters cross into wasm once per node; namedChild(i) crosses once per child.
export function namedChildren(node: Node): Node[] {
  return node.namedChildren;
}

export function children(node: Node): Node[] {
  return node.children;
}

/** Statement-level children, leaving out comments. */
export function statementChildren(node: Node): Node[] {
  return namedChildren(node).filter((c) => c.type !== 'comment');
}

/** Strips `( … )` around an expression. */
export function unparenthesise(node: Node): Node {
  let n = node;
  while (n.type === 'parenthesized_expression') {
    const inner = namedChildren(n).filter((c) => c.type !== 'comment')[0];
    if (!inner) break;
    n = inner;
  }
  return n;
}

/** Whitespace-collapsed source text of a node (argument texts, conditions). */
export function compactText(node: Node): string {
  return node.text.replace(/\s+/g, ' ').trim();
}

/** The identifier a declarator declares (`*pte`, `pte[4]`, `(*fn)(void)` → the name). */
export function declaredName(declarator: Node | null): string | undefined {
  let d = declarator;
  while (d) {
    if (d.type === 'identifier' || d.type === 'field_identifier') return d.text;
    d = d.childForFieldName('declarator') ?? namedChildren(d).find((c) => c.type.endsWith('declarator') || c.type === 'identifier') ?? null;
  }
  return undefined;
}
