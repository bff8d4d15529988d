// The C front end: which memory locations a C test has, and how to run one
// of its threads along a path.
import type { FrontEnd } from './enumerate.ts';
import { checkCThreads } from './sem/c-check.ts';
import { runCThread } from './sem/c.ts';
import type { LitmusTest, Prop, RLoc, Value } from './types.ts';

/** Memory locations named by a proposition. */
export function propLocations(p: Prop | null, out: RLoc[] = []): RLoc[] {
  if (p === null) return out;
  switch (p.kind) {
    case 'eq': out.push(p.loc); break;
    case 'eqloc': out.push(p.loc, p.other); break;
    case 'not': propLocations(p.prop, out); break;
    case 'and': case 'or': for (const q of p.props) propLocations(q, out); break;
    case 'implies': propLocations(p.left, out); propLocations(p.right, out); break;
    default: break;
  }
  return out;
}

/** Every location of the test with its initial value (0 unless given). */
export function initialMemory(test: LitmusTest, extraNames: Iterable<string>): Map<string, Value> {
  const mem = new Map<string, Value>();
  for (const l of test.init.locations) mem.set(l.name, l.value);
  const addName = (n: string): void => { if (!mem.has(n)) mem.set(n, 0n); };
  for (const n of extraNames) addName(n);
  for (const l of test.init.locations) if (typeof l.value === 'string' && !l.value.includes('"') && !l.value.startsWith('(')) addName(l.value);
  for (const r of test.init.registers) if (typeof r.value === 'string' && !r.value.includes('"') && !r.value.startsWith('(')) addName(r.value);
  for (const loc of [...propLocations(test.prop), ...propLocations(test.filter), ...test.locationsClause]) {
    if (loc.kind === 'mem') addName(loc.name);
  }
  return new Map([...mem].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function cFrontEnd(test: LitmusTest): FrontEnd {
  const params = test.cThreads.flatMap((t) => t.params.map((p) => p.name));
  const initial = initialMemory(test, params);
  const locations = new Set(initial.keys());
  checkCThreads(test.file, test.cThreads, locations);
  const initRegs = test.cThreads.map((t) => new Map(test.init.registers.filter((r) => r.thread === t.index).map((r) => [r.reg, r.value] as const)));
  return {
    threadCount: test.cThreads.length,
    initial,
    runThread: (t, universe, choose) => runCThread({ thread: test.cThreads[t]!, locations, initRegs: initRegs[t]!, universe }, choose),
  };
}
