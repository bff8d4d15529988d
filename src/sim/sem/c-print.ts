// C expressions back to text, for event labels in witnesses and graphs.
import type { CExpr } from '../types.ts';

export function printCExpr(e: CExpr): string {
  switch (e.kind) {
    case 'num': return e.value.toString();
    case 'name': return e.name;
    case 'addrof': return `&${e.name}`;
    case 'deref': return `*${wrap(e.expr)}`;
    case 'unary': return `${e.op}${wrap(e.expr)}`;
    case 'binary': return `${wrap(e.left)} ${e.op} ${wrap(e.right)}`;
    case 'call': return `${e.name}(${e.args.map(printCExpr).join(', ')})`;
  }
}

function wrap(e: CExpr): string {
  return e.kind === 'binary' ? `(${printCExpr(e)})` : printCExpr(e);
}
