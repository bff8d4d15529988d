// Statement-level control-flow graph of one function (HAZARDS.md P2).
//
// Nodes are statements (or a branch's condition); each carries the events it
// performs in evaluation order: calls, assignments and pointer advances.
// Cleanup guards become events too: `guard(cls)(x)` enters at its statement
// and a synthetic exit event is placed on every way out of its block (falling
// off the end, return, goto out of it, break/continue out of it), which is
// what the compiler's __cleanup does. `scoped_guard(){}` enters at the block
// and exits the same way; `scoped_cond_guard(cls, fail, ...)` has a second
// edge, taken when the trylock fails, that runs the fail action.
import type { Node } from 'web-tree-sitter';
import type { CCall } from './calls.ts';
import type { CFunction } from './functions.ts';
import type { BranchFact } from './conditions.ts';
import type { KernelMacroSite } from './kernel-macros.ts';
import { branchFacts, edgeConstraint } from './conditions.ts';
import type { EdgeConstraint } from './conditions.ts';
import { statementEvents } from './events.ts';
import type { CEvent } from './events.ts';
import { compactText, endLineOf, lineOf, namedChildren, statementChildren } from './syntax.ts';
import type { Cfg, CfgNode, CfgNodeKind } from './cfg-types.ts';
import { hasStatementAfter, STATEMENT_TYPES, ternaryAssignment } from './cfg-shapes.ts';
import type { TernaryAssignment } from './cfg-shapes.ts';

export type { CEvent } from './events.ts';
export type { Cfg, CfgEdge, CfgNode, CfgNodeKind } from './cfg-types.ts';

interface Pred {
  node: number;
  facts: BranchFact[];
  constraint?: EdgeConstraint;
}

interface GuardSite {
  guardClass: string;
  callee: string;
  args: string[];
  line: number;
}

interface Scope {
  astId: number;
  guards: GuardSite[];
}

interface JumpContext {
  kind: 'loop' | 'switch';
  breaks: Pred[];
  continues: Pred[];
  /** Scope depth of the statement itself: jumps release guards deeper than this. */
  depth: number;
}

class CfgBuilder {
  readonly nodes: CfgNode[] = [];
  private readonly scopes: Scope[] = [];
  private readonly jumps: JumpContext[] = [];
  private readonly labels = new Map<string, number>();
  /** Ancestor compound ids of each label, to know which guards a goto leaves. */
  private readonly labelScopes = new Map<string, Set<number>>();
  private readonly macroAt = new Map<number, KernelMacroSite>();
  readonly entry: number;
  readonly exit: number;

  constructor(private readonly fn: CFunction) {
    for (const m of fn.source.macros) this.macroAt.set(m.rewrittenOffset, m);
    this.entry = this.add('entry', fn.startLine, fn.name, []);
    this.exit = this.add('exit', fn.endLine, fn.name, []);
    this.collectLabels(fn.bodyNode, []);
  }

  build(): Cfg {
    const end = this.scoped(this.fn.bodyNode, [{ node: this.entry, facts: [] }], (preds) => this.sequence(this.fn.statements, preds));
    this.connect(end, this.exit);
    return { fn: this.fn, nodes: this.nodes, entry: this.entry, exit: this.exit };
  }

  private add(kind: CfgNodeKind, line: number, text: string, events: CEvent[]): number {
    const id = this.nodes.length;
    this.nodes.push({ id, kind, line, text, events, succ: [] });
    return id;
  }

  private connect(preds: Pred[], to: number, back = false): void {
    for (const p of preds) this.nodes[p.node]?.succ.push({ to, facts: p.facts, back, ...(p.constraint ? { constraint: p.constraint } : {}) });
  }

  private collectLabels(n: Node, stack: number[]): void {
    const inner = n.type === 'compound_statement' || n.type === 'translation_unit' ? [...stack, n.id] : stack;
    if (n.type === 'labeled_statement') {
      const name = n.childForFieldName('label')?.text;
      if (name) this.labelScopes.set(name, new Set(inner));
    }
    for (const c of namedChildren(n)) if (c.type !== 'function_definition') this.collectLabels(c, inner);
  }

  private labelNode(name: string, line: number): number {
    let id = this.labels.get(name);
    if (id === undefined) {
      id = this.add('label', line, `${name}:`, []);
      this.labels.set(name, id);
    }
    return id;
  }

  private sequence(stmts: Node[], preds: Pred[]): Pred[] {
    let cur = preds;
    for (const s of stmts) cur = this.statement(s, cur);
    return cur;
  }

  /** Runs `body` inside a new scope; guards entered there are released on fall-through. */
  private scoped(block: Node, preds: Pred[], body: (p: Pred[]) => Pred[], initial: GuardSite[] = []): Pred[] {
    this.scopes.push({ astId: block.id, guards: [...initial] });
    const out = body(preds);
    const scope = this.scopes.pop();
    // A fragment's scope ends at its last statement, not at the text's trailing newline.
    const end = block.type === 'translation_unit' ? this.fn.endLine : endLineOf(block);
    return scope ? this.releaseThrough(out, [scope], end) : out;
  }

  /** Routes `preds` through a node that exits the guards of `scopes` (innermost first). */
  private releaseThrough(preds: Pred[], scopes: Scope[], line: number): Pred[] {
    const events: CEvent[] = [];
    for (const s of scopes) {
      for (const g of [...s.guards].reverse()) {
        const call: CCall = { callee: g.callee, args: g.args, line, endLine: line, text: `${g.callee} (scope exit)`, synthetic: 'guard-exit', guardClass: g.guardClass };
        events.push({ kind: 'call', call });
      }
    }
    if (events.length === 0 || preds.length === 0) return preds;
    const id = this.add('guard-exit', line, 'guard exit', events);
    this.connect(preds, id);
    return [{ node: id, facts: [] }];
  }

  private statementNode(s: Node, preds: Pred[], kind: CfgNodeKind = 'statement'): Pred[] {
    const events = statementEvents(s);
    for (const e of events) {
      if (e.kind === 'call' && e.call.guardClass !== undefined) {
        e.call.synthetic = 'guard-enter';
        this.scopes[this.scopes.length - 1]?.guards.push({ guardClass: e.call.guardClass, callee: e.call.callee, args: e.call.args, line: e.call.line });
      }
    }
    const id = this.add(kind, lineOf(s), compactText(s), events);
    this.connect(preds, id);
    return [{ node: id, facts: [] }];
  }

  private branchNode(s: Node, cond: Node | null, preds: Pred[], kind: CfgNodeKind = 'branch'): number {
    const id = this.add(kind, lineOf(cond ?? s), cond ? compactText(cond) : '', cond ? statementEvents(cond) : []);
    this.connect(preds, id);
    return id;
  }

  private edgeOut(id: number, cond: Node | null, outcome: boolean, correlate = false): Pred {
    const constraint = correlate && cond ? edgeConstraint(cond, outcome) : undefined;
    return { node: id, facts: cond ? branchFacts(cond, outcome) : [], ...(constraint ? { constraint } : {}) };
  }

  private statement(s: Node, preds: Pred[]): Pred[] {
    switch (s.type) {
      case 'compound_statement':
        return this.scoped(s, preds, (p) => this.sequence(statementChildren(s), p));
      case 'if_statement':
        return this.ifStatement(s, preds);
      case 'while_statement':
        return this.whileLoop(s, preds);
      case 'for_statement':
        return this.forLoop(s, preds);
      case 'do_statement':
        return this.doLoop(s, preds);
      case 'switch_statement':
        return this.switchStatement(s, preds);
      case 'return_statement':
        return this.returnStatement(s, preds);
      case 'break_statement':
      case 'continue_statement':
        return this.loopJump(s, preds, s.type === 'break_statement' ? 'break' : 'continue');
      case 'goto_statement':
        return this.gotoStatement(s, preds);
      case 'labeled_statement':
        return this.labeled(s, preds);
      case 'preproc_if':
      case 'preproc_ifdef':
      case 'preproc_else':
      case 'preproc_elif':
      case 'preproc_elifdef':
        return this.preprocessorBlock(s, preds);
      case 'ERROR':
        return this.errorNode(s, preds);
      case 'comment':
      case 'preproc_def':
      case 'preproc_function_def':
      case 'preproc_call':
      case 'preproc_include':
        return preds;
      default: {
        const t = ternaryAssignment(s);
        return t ? this.ternaryStatement(s, t, preds) : this.statementNode(s, preds);
      }
    }
  }

  /** `pte = kernel ? pte_offset_kernel(..) : pte_offset_map(..);` as a branch with one arm per value. */
  private ternaryStatement(s: Node, t: TernaryAssignment, preds: Pred[]): Pred[] {
    const id = this.branchNode(s, t.condition, preds);
    const arm = (expr: Node, outcome: boolean): Pred => {
      const events: CEvent[] = [...statementEvents(expr), { kind: 'assign', target: t.target, value: compactText(expr), line: lineOf(expr) }];
      const n = this.add('statement', lineOf(s), compactText(s), events);
      this.connect([this.edgeOut(id, t.condition, outcome, true)], n);
      return { node: n, facts: [] };
    };
    return [arm(t.consequence, true), arm(t.alternative, false)];
  }

  private ifStatement(s: Node, preds: Pred[]): Pred[] {
    const cond = s.childForFieldName('condition');
    const condCall = cond ? namedChildren(cond).find((c) => c.type === 'call_expression') : undefined;
    const macro = condCall ? this.macroAt.get(condCall.startIndex) : undefined;
    if (macro && macro.kind !== 'loop') return this.scopedGuardBlock(s, macro, preds);
    const id = this.branchNode(s, cond, preds);
    const cons = s.childForFieldName('consequence');
    const alt = s.childForFieldName('alternative');
    const yes = this.edgeOut(id, cond, true, true);
    const no = this.edgeOut(id, cond, false, true);
    const thenOut = cons ? this.statement(cons, [yes]) : [yes];
    const altStmt = alt ? (alt.type === 'else_clause' ? statementChildren(alt)[0] : alt) : undefined;
    const elseOut = altStmt ? this.statement(altStmt, [no]) : [no];
    return [...thenOut, ...elseOut];
  }

  /** scoped_guard(cls, args) body / scoped_cond_guard(cls, fail, args) body. */
  private scopedGuardBlock(s: Node, macro: KernelMacroSite, preds: Pred[]): Pred[] {
    const guardClass = macro.args[0] ?? '';
    const args = macro.kind === 'scoped-cond-guard' ? macro.args.slice(2) : macro.args.slice(1);
    const guard: GuardSite = { guardClass, callee: `${macro.name}(${guardClass})`, args, line: macro.line };
    const enterCall: CCall = { callee: guard.callee, args, line: macro.line, endLine: macro.line, text: `${macro.name}(${macro.args.join(', ')})`, synthetic: 'guard-enter', guardClass };
    const body = s.childForFieldName('consequence');
    let entryPreds = preds;
    const out: Pred[] = [];
    if (macro.kind === 'scoped-cond-guard') {
      const id = this.add('branch', macro.line, enterCall.text, []);
      this.connect(preds, id);
      const ok: BranchFact = { kind: 'call-result', callee: guard.callee, line: macro.line, nonZero: true };
      const fail: BranchFact = { ...ok, nonZero: false };
      entryPreds = [{ node: id, facts: [ok] }];
      out.push(...this.failAction(macro.args[1] ?? '', macro.line, [{ node: id, facts: [fail] }]));
    }
    const enter = this.add('statement', macro.line, enterCall.text, [{ kind: 'call', call: enterCall }]);
    this.connect(entryPreds, enter);
    const bodyOut = this.scoped(body ?? s, [{ node: enter, facts: [] }], (p) => (body ? this.statement(body, p) : p), [guard]);
    return [...out, ...bodyOut];
  }

  /** The fail action of scoped_cond_guard: `return 0`, `goto out`, `break`. */
  private failAction(text: string, line: number, preds: Pred[]): Pred[] {
    const t = text.trim();
    const id = this.add(t.startsWith('return') ? 'return' : 'statement', line, t, []);
    this.connect(preds, id);
    const here = [{ node: id, facts: [] }];
    if (t.startsWith('return')) {
      this.connect(this.releaseThrough(here, [...this.scopes].reverse(), line), this.exit);
      return [];
    }
    const g = /^goto\s+(\w+)/.exec(t);
    if (g?.[1]) return this.jumpToLabel(g[1], line, here);
    if (t === 'break' || t === 'continue') return this.jumpOut(t, line, here);
    return here;
  }

  private loopContext(depth: number): JumpContext {
    return { kind: 'loop', breaks: [], continues: [], depth };
  }

  private whileLoop(s: Node, preds: Pred[]): Pred[] {
    const cond = s.childForFieldName('condition');
    const head = this.branchNode(s, cond, preds, 'loop-head');
    const ctx = this.loopContext(this.scopes.length);
    this.jumps.push(ctx);
    const body = s.childForFieldName('body');
    const bodyOut = body ? this.statement(body, [this.edgeOut(head, cond, true)]) : [this.edgeOut(head, cond, true)];
    this.jumps.pop();
    this.connect([...bodyOut, ...ctx.continues], head, true);
    return [this.edgeOut(head, cond, false), ...ctx.breaks];
  }

  private forLoop(s: Node, preds: Pred[]): Pred[] {
    const init = s.childForFieldName('initializer');
    const cond = s.childForFieldName('condition');
    const update = s.childForFieldName('update');
    const before = init ? this.statementNode(init, preds) : preds;
    const head = this.branchNode(s, cond, before, 'loop-head');
    const ctx = this.loopContext(this.scopes.length);
    this.jumps.push(ctx);
    const body = s.childForFieldName('body');
    const bodyOut = body ? this.statement(body, [this.edgeOut(head, cond, true)]) : [this.edgeOut(head, cond, true)];
    this.jumps.pop();
    const tail = update ? this.statementNode(update, [...bodyOut, ...ctx.continues]) : [...bodyOut, ...ctx.continues];
    this.connect(tail, head, true);
    // `for (;;)` leaves only through break, return or goto.
    return cond ? [this.edgeOut(head, cond, false), ...ctx.breaks] : ctx.breaks;
  }

  private doLoop(s: Node, preds: Pred[]): Pred[] {
    const head = this.add('loop-head', lineOf(s), 'do', []);
    this.connect(preds, head);
    const ctx = this.loopContext(this.scopes.length);
    this.jumps.push(ctx);
    const body = s.childForFieldName('body');
    const bodyOut = body ? this.statement(body, [{ node: head, facts: [] }]) : [{ node: head, facts: [] }];
    this.jumps.pop();
    const cond = s.childForFieldName('condition');
    const condId = this.branchNode(s, cond, [...bodyOut, ...ctx.continues]);
    this.connect([this.edgeOut(condId, cond, true)], head, true);
    return [this.edgeOut(condId, cond, false), ...ctx.breaks];
  }

  private switchStatement(s: Node, preds: Pred[]): Pred[] {
    const cond = s.childForFieldName('condition');
    const id = this.branchNode(s, cond, preds);
    const ctx: JumpContext = { kind: 'switch', breaks: [], continues: [], depth: this.scopes.length };
    this.jumps.push(ctx);
    const body = s.childForFieldName('body');
    let fall: Pred[] = [];
    let hasDefault = false;
    const cases = body ? statementChildren(body) : [];
    const out = this.scoped(body ?? s, [], () => {
      for (const c of cases) {
        if (c.type !== 'case_statement') {
          fall = this.statement(c, fall);
          continue;
        }
        if (!c.childForFieldName('value')) hasDefault = true;
        const value = c.childForFieldName('value');
        const stmts = statementChildren(c).filter((x) => x.id !== value?.id);
        fall = this.sequence(stmts, [{ node: id, facts: [] }, ...fall]);
      }
      return fall;
    });
    this.jumps.pop();
    return [...out, ...ctx.breaks, ...(hasDefault ? [] : [{ node: id, facts: [] }])];
  }

  private returnStatement(s: Node, preds: Pred[]): Pred[] {
    const out = this.statementNode(s, preds, 'return');
    this.connect(this.releaseThrough(out, [...this.scopes].reverse(), lineOf(s)), this.exit);
    return [];
  }

  private loopJump(s: Node, preds: Pred[], kind: 'break' | 'continue'): Pred[] {
    const id = this.add('statement', lineOf(s), kind, []);
    this.connect(preds, id);
    return this.jumpOut(kind, lineOf(s), [{ node: id, facts: [] }]);
  }

  private jumpOut(kind: 'break' | 'continue', line: number, preds: Pred[]): Pred[] {
    const ctx = [...this.jumps].reverse().find((j) => kind === 'break' || j.kind === 'loop');
    if (!ctx) return preds; // break outside a loop: a fragment's piece of one.
    const leaving = this.scopes.slice(ctx.depth).reverse();
    (kind === 'break' ? ctx.breaks : ctx.continues).push(...this.releaseThrough(preds, leaving, line));
    return [];
  }

  private gotoStatement(s: Node, preds: Pred[]): Pred[] {
    const label = s.childForFieldName('label')?.text ?? '';
    const id = this.add('statement', lineOf(s), compactText(s), []);
    this.connect(preds, id);
    return this.jumpToLabel(label, lineOf(s), [{ node: id, facts: [] }]);
  }

  private jumpToLabel(label: string, line: number, preds: Pred[]): Pred[] {
    const target = this.labelScopes.get(label);
    if (!target) {
      // A label outside this text (a fragment): the path leaves what we can see.
      this.connect(this.releaseThrough(preds, [...this.scopes].reverse(), line), this.exit);
      return [];
    }
    const leaving = this.scopes.filter((sc) => !target.has(sc.astId)).reverse();
    this.connect(this.releaseThrough(preds, leaving, line), this.labelNode(label, line));
    return [];
  }

  private labeled(s: Node, preds: Pred[]): Pred[] {
    const name = s.childForFieldName('label')?.text ?? '';
    const id = this.labelNode(name, lineOf(s));
    const node = this.nodes[id];
    if (node) node.line = lineOf(s);
    this.connect(preds, id);
    const inner = statementChildren(s).filter((c) => c.type !== 'statement_identifier');
    return this.sequence(inner, [{ node: id, facts: [] }]);
  }

  /** `#ifdef CONFIG_X … #else … #endif` inside a body: both configurations are paths. */
  private preprocessorBlock(s: Node, preds: Pred[]): Pred[] {
    const id = this.add('branch', lineOf(s), compactText(s).split(' ').slice(0, 2).join(' '), []);
    this.connect(preds, id);
    const alt = s.childForFieldName('alternative');
    const condition = s.childForFieldName('condition') ?? s.childForFieldName('name');
    const stmts = statementChildren(s).filter((c) => c.id !== alt?.id && c.id !== condition?.id);
    const thenOut = this.sequence(stmts, [{ node: id, facts: [] }]);
    const elseOut = alt ? this.statement(alt, [{ node: id, facts: [] }]) : [{ node: id, facts: [] }];
    return [...thenOut, ...elseOut];
  }

  /** Error recovery: keep the statements tree-sitter still recognised, and the calls of the rest. */
  private errorNode(s: Node, preds: Pred[]): Pred[] {
    const kids = statementChildren(s);
    // A fragment's unmatched `}` closes a block whose head is outside the
    // hunk (`if (…) { … return 1; }`): what follows is reachable without it.
    const closesUnseenBlock = this.fn.isFragment && s.parent?.type === 'translation_unit' && s.children.some((c) => c.type === '}') && hasStatementAfter(s);
    const from = closesUnseenBlock ? [...preds, { node: this.entry, facts: [] }] : preds;
    if (kids.length === 0) return from;
    let cur = from;
    for (const k of kids) {
      cur = STATEMENT_TYPES.has(k.type) ? this.statement(k, cur) : statementEvents(k).length ? this.statementNode(k, cur) : cur;
    }
    return cur;
  }
}


/** Builds the statement-level CFG of a function or fragment. */
export function buildCfg(fn: CFunction): Cfg {
  return new CfgBuilder(fn).build();
}
