// Statement shapes the CFG builder recognises before it descends.
import type { Node } from 'web-tree-sitter';
import { compactText, declaredName, namedChildren, unparenthesise } from './syntax.ts';

export function hasStatementAfter(n: Node): boolean {
  for (let x = n.nextNamedSibling; x; x = x.nextNamedSibling) {
    if (x.type !== 'comment' && !(x.type === 'ERROR' && /^[\s}]*$/.test(x.text))) return true;
  }
  return false;
}

export interface TernaryAssignment {
  target: string;
  condition: Node;
  consequence: Node;
  alternative: Node;
}

/** `x = c ? a : b;` or `T *x = c ? a : b;`, where the arms are what differ (map or not). */
export function ternaryAssignment(s: Node): TernaryAssignment | undefined {
  let target: string | undefined;
  let value: Node | null | undefined;
  if (s.type === 'expression_statement') {
    const e = namedChildren(s)[0];
    if (e?.type !== 'assignment_expression' || e.children[1]?.type !== '=') return undefined;
    const left = e.childForFieldName('left');
    target = left ? compactText(left) : undefined;
    value = e.childForFieldName('right');
  } else if (s.type === 'declaration') {
    const inits = namedChildren(s).filter((c) => c.type === 'init_declarator');
    if (inits.length !== 1 || !inits[0]) return undefined;
    target = declaredName(inits[0].childForFieldName('declarator'));
    value = inits[0].childForFieldName('value');
  }
  const v = value ? unparenthesise(value) : undefined;
  if (!target || v?.type !== 'conditional_expression') return undefined;
  const condition = v.childForFieldName('condition');
  const consequence = v.childForFieldName('consequence');
  const alternative = v.childForFieldName('alternative');
  if (!condition || !consequence || !alternative) return undefined;
  return { target, condition, consequence, alternative };
}

export const STATEMENT_TYPES = new Set([
  'compound_statement', 'if_statement', 'while_statement', 'for_statement', 'do_statement', 'switch_statement',
  'return_statement', 'break_statement', 'continue_statement', 'goto_statement', 'labeled_statement',
  'expression_statement', 'declaration', 'ERROR',
]);
