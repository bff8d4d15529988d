// Static checks of a C program, as herd makes them before running anything:
// unknown primitives, wrong argument counts and unknown names are errors at
// their position, whatever path reaches them.
import { LitmusError } from '../source.ts';
import type { CExpr, CStmt, CThread, Pos } from '../types.ts';
import { arity, lookupMacro } from './c-macros.ts';

export function checkCThreads(file: string, threads: readonly CThread[], globals: ReadonlySet<string>): void {
  for (const t of threads) {
    const names = new Set<string>([...globals, ...t.params.map((p) => p.name)]);
    checkBlock(file, t.body, names);
  }
}

function fail(file: string, pos: Pos, detail: string): never {
  throw new LitmusError(file, pos.line, pos.col, detail);
}

function checkBlock(file: string, body: readonly CStmt[], names: Set<string>): void {
  for (const s of body) {
    switch (s.kind) {
      case 'decl':
        if (s.init !== null) checkExpr(file, s.init, names);
        names.add(s.name);
        break;
      case 'assign':
        checkExpr(file, s.value, names);
        if (s.target.kind === 'name') names.add(s.target.name);
        else checkExpr(file, s.target, names);
        break;
      case 'expr':
        checkExpr(file, s.expr, names);
        break;
      case 'if':
        checkExpr(file, s.cond, names);
        checkBlock(file, s.then, names);
        checkBlock(file, s.else, names);
        break;
      case 'while':
        checkExpr(file, s.cond, names);
        checkBlock(file, s.body, names);
        break;
    }
  }
}

function checkExpr(file: string, e: CExpr, names: Set<string>): void {
  switch (e.kind) {
    case 'num': return;
    case 'name':
      if (!names.has(e.name)) fail(file, e.pos, `unknown name '${e.name}'`);
      return;
    case 'addrof':
      if (!names.has(e.name)) fail(file, e.pos, `unknown location '${e.name}'`);
      return;
    case 'deref': case 'unary': checkExpr(file, e.expr, names); return;
    case 'binary': checkExpr(file, e.left, names); checkExpr(file, e.right, names); return;
    case 'call': {
      const m = lookupMacro(e.name);
      if (m === undefined) fail(file, e.pos, `unknown primitive '${e.name}'`);
      if (e.args.length !== arity(m)) fail(file, e.pos, `${e.name} takes ${arity(m)} argument(s), given ${e.args.length}`);
      for (const a of e.args) checkExpr(file, a, names);
      return;
    }
  }
}
