// Functions in a parsed text, and the pseudo-function a hunk fragment is.
import type { Node } from 'web-tree-sitter';
import type { ParsedC } from './parser.ts';
import { callsIn } from './events.ts';
import type { CCall } from './calls.ts';
import { compactText, declaredName, endLineOf, lineOf, namedChildren } from './syntax.ts';

export interface CParam {
  name: string;
  /** Declaration text, e.g. `pte_t *pte`. */
  text: string;
}

export interface CFunction {
  /** Function name; `<fragment>` for statements outside any function. */
  name: string;
  /** True for the statements of a hunk that are not inside a function. */
  isFragment: boolean;
  startLine: number;
  endLine: number;
  params: CParam[];
  /** Kernel attributes on the head: `__init`, `__must_check`, `__acquires(ptl)`. */
  attributes: string[];
  /** The body's statements (the compound's children, or a fragment's top-level items). */
  statements: Node[];
  /** The node that scopes the body (compound_statement, or the translation unit). */
  bodyNode: Node;
  /** Where kernel macros were rewritten: the CFG reads loop and guard blocks from here. */
  source: ParsedC;
}

function functionDeclarator(def: Node): Node | undefined {
  let d: Node | null = def.childForFieldName('declarator');
  while (d && d.type !== 'function_declarator') d = d.childForFieldName('declarator');
  return d ?? undefined;
}

function paramsOf(decl: Node | undefined): CParam[] {
  const list = decl?.childForFieldName('parameters');
  if (!list) return [];
  return namedChildren(list)
    .filter((p) => p.type === 'parameter_declaration')
    .map((p) => ({ name: declaredName(p.childForFieldName('declarator')) ?? '', text: compactText(p) }));
}

/** All function definitions, including ones nested in preprocessor blocks or error recovery. */
function functionDefinitions(root: Node): Node[] {
  const out: Node[] = [];
  const visit = (n: Node): void => {
    if (n.type === 'function_definition') {
      out.push(n);
      return;
    }
    for (const c of namedChildren(n)) visit(c);
  };
  visit(root);
  return out;
}

function attributesBefore(parsed: ParsedC, def: Node, previousEnd: number): string[] {
  return parsed.attributes
    .filter((a) => a.rewrittenOffset >= previousEnd && a.rewrittenOffset < (def.childForFieldName('body')?.startIndex ?? def.endIndex))
    .map((a) => (a.arg === undefined ? a.name : `${a.name}(${a.arg})`));
}

/**
 * `SYSCALL_DEFINE3(mprotect, ...) { ... }` at file level parses as a call
 * with a MISSING `;` and a bare block: a function named by the macro (the
 * syscall's name for the SYSCALL_DEFINE family).
 */
function macroDefinedFunctions(parsed: ParsedC): Array<{ head: Node; body: Node; name: string }> {
  const top = namedChildren(parsed.root);
  const out: Array<{ head: Node; body: Node; name: string }> = [];
  top.forEach((n, i) => {
    const next = top[i + 1];
    if (n.type !== 'expression_statement' || next?.type !== 'compound_statement') return;
    const call = namedChildren(n)[0];
    const last = n.child(n.childCount - 1);
    if (call?.type !== 'call_expression' || !last?.isMissing) return;
    const macro = call.childForFieldName('function')?.text ?? '';
    if (!/^[A-Z_][A-Z0-9_]*$/.test(macro)) return;
    const first = call.childForFieldName('arguments')?.namedChildren[0]?.text;
    out.push({ head: n, body: next, name: /SYSCALL_DEFINE/.test(macro) && first ? first : macro });
  });
  return out;
}

/** The functions defined in a parsed text, in source order. */
export function extractFunctions(parsed: ParsedC): CFunction[] {
  const defs = functionDefinitions(parsed.root);
  let previousEnd = 0;
  const out: CFunction[] = [];
  for (const def of defs) {
    const body = def.childForFieldName('body');
    const decl = functionDeclarator(def);
    if (!body || !decl) continue;
    out.push({
      name: declaredName(decl.childForFieldName('declarator')) ?? '<anonymous>',
      isFragment: false,
      startLine: lineOf(def),
      endLine: endLineOf(def),
      params: paramsOf(decl),
      attributes: attributesBefore(parsed, def, previousEnd),
      statements: namedChildren(body).filter((c) => c.type !== 'comment'),
      bodyNode: body,
      source: parsed,
    });
    previousEnd = def.endIndex;
  }
  for (const m of macroDefinedFunctions(parsed)) {
    out.push({
      name: m.name,
      isFragment: false,
      startLine: lineOf(m.head),
      endLine: endLineOf(m.body),
      params: [],
      attributes: [],
      statements: namedChildren(m.body).filter((c) => c.type !== 'comment'),
      bodyNode: m.body,
      source: parsed,
    });
  }
  return out.sort((a, b) => a.startLine - b.startLine);
}

const NON_STATEMENT_TOP_LEVEL = new Set(['function_definition', 'comment', 'preproc_include', 'preproc_def', 'preproc_function_def']);

/**
 * A hunk's lines that are not inside a complete function: top-level
 * statements and ERROR nodes, analysed as one straight sequence. Returns
 * undefined when there are none (the text held only whole functions).
 */
export function extractFragment(parsed: ParsedC): CFunction | undefined {
  const inMacroFunction = new Set(macroDefinedFunctions(parsed).flatMap((m) => [m.head.id, m.body.id]));
  const statements = namedChildren(parsed.root).filter((c) => !NON_STATEMENT_TOP_LEVEL.has(c.type) && !isFunctionPrototype(c) && !inMacroFunction.has(c.id));
  if (statements.length === 0) return undefined;
  const first = statements[0];
  const last = statements[statements.length - 1];
  if (!first || !last) return undefined;
  return {
    name: '<fragment>',
    isFragment: true,
    startLine: lineOf(first),
    endLine: endLineOf(last),
    params: [],
    attributes: [],
    statements,
    bodyNode: parsed.root,
    source: parsed,
  };
}

function isFunctionPrototype(n: Node): boolean {
  return n.type === 'declaration' && namedChildren(n).some((c) => c.type === 'function_declarator') && !n.hasError;
}

/** Every call in a function, in source order. */
export function callsOf(fn: CFunction): CCall[] {
  return fn.statements.flatMap((s) => callsIn(s));
}
