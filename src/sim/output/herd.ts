// herd7's text output (SIMULATOR.md §6), line for line, so that users can
// diff ours against theirs after dropping the Time and Hash lines.
import { createHash } from 'node:crypto';
import type { SimResult } from '../run.ts';
import type { LitmusTest, Prop, Quantifier, RLoc, Value } from '../types.ts';

const KIND: Record<Quantifier, string> = { exists: 'Allowed', '~exists': 'Forbidden', forall: 'Required' };

function memoryType(test: LitmusTest, name: string): string | null {
  return test.init.locations.find((l) => l.name === name)?.type ?? null;
}

export function printValue(v: Value, type: string | null = null): string {
  if (typeof v === 'string') return v === 'instr:"NOP"' ? 'NOP' : v;
  if (type !== null && /^(uint64_t|u64|unsigned long)$/.test(type) && v < 0n) return (v + (1n << 64n)).toString();
  return v.toString();
}

export function printRLoc(l: RLoc): string {
  return l.kind === 'reg' ? `${l.thread}:${l.reg}` : `[${l.name}]`;
}

export function stateLine(r: SimResult, values: readonly Value[]): string {
  const bindings = r.observed.map((l, k) => {
    const type = l.kind === 'mem' ? memoryType(r.test, l.name) : null;
    return `${printRLoc(l)}=${printValue(values[k]!, type)};`;
  }).join(' ');
  // herd appends fault atoms as ` Fault(...);` or `  ~Fault(...);`.
  const faults = r.faults.map((f, k) => {
    const e = values[r.observed.length + k];
    return typeof e === 'string' ? ` Fault(${e});` : `  ~Fault(${f});`;
  }).join('');
  return bindings + faults;
}

/** herd's `is_paren`: which children of a connective get parentheses. */
export function printProp(p: Prop): string {
  switch (p.kind) {
    case 'true': return 'true';
    case 'false': return 'false';
    case 'eq': return `${printRLoc(p.loc)}=${printValue(p.value)}`;
    case 'eqloc': return `${printRLoc(p.loc)}=${printRLoc(p.other)}`;
    case 'fault': return `fault(${p.text})`;
    case 'not': return `not (${printProp(p.prop)})`;
    case 'and': return p.props.map((q) => (q.kind === 'or' || q.kind === 'implies' ? `(${printProp(q)})` : printProp(q))).join(' /\\ ');
    case 'or': return p.props.map((q) => (q.kind === 'implies' ? `(${printProp(q)})` : printProp(q))).join(' \\/ ');
    case 'implies': {
      const side = (q: Prop): string => (q.kind === 'and' || q.kind === 'or' ? `(${printProp(q)})` : printProp(q));
      return `${side(p.left)} => ${side(p.right)}`;
    }
  }
}

export function testHash(test: LitmusTest): string {
  const given = test.info.get('Hash');
  if (given !== undefined) return given;
  return createHash('md5').update(JSON.stringify({
    init: test.init, c: test.cThreads, a: test.a64Threads, q: test.quantifier, p: test.prop,
  }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).digest('hex');
}

export function printHerd(r: SimResult, seconds: number): string {
  const t = r.test;
  const lines: string[] = [`Test ${t.name} ${KIND[t.quantifier]}`];
  if (r.budgetExceeded !== null) {
    lines.push(r.budgetExceeded, '');
    return lines.join('\n') + '\n';
  }
  lines.push(`States ${r.states.length}`);
  for (const s of r.states) lines.push(stateLine(r, s));
  lines.push(`${r.loop ? 'Loop ' : ''}${r.ok ? 'Ok' : 'No'}`);
  lines.push('Witnesses');
  const [a, b] = t.quantifier === '~exists' ? [r.negative, r.positive] : [r.positive, r.negative];
  lines.push(`Positive: ${a} Negative: ${b}`);
  for (const f of r.flags) lines.push(`Flag ${f}`);
  lines.push(`Condition ${t.quantifier} (${printProp(t.prop)})`);
  lines.push(`Observation ${t.name} ${r.observation} ${r.positive} ${r.negative}`);
  lines.push(`Time ${t.name} ${seconds.toFixed(2)}`);
  lines.push(`Hash=${testHash(t)}`);
  lines.push('');
  return lines.join('\n') + '\n';
}
