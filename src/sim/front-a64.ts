// The AArch64 front end: memory locations of an AArch64 test (code labels
// included when instructions are fetched) and how to run one of its threads
// along a path.
import type { FrontEnd } from './enumerate.ts';
import { initialMemory } from './front-c.ts';
import { A64_MNEMONICS, codeLocation, instructionValue, isVirtual, runA64Thread } from './sem/aarch64.ts';
import { LitmusError } from './source.ts';
import type { LitmusTest, Value } from './types.ts';

/** Labels named in the init block (`label:"P1:L0"`), per thread. */
function initLabels(test: LitmusTest): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  const values: Value[] = [...test.init.registers.map((r) => r.value), ...test.init.locations.map((l) => l.value)];
  for (const v of values) {
    const m = typeof v === 'string' ? /^label:"P([0-9]+):(.*)"$/.exec(v) : null;
    if (m === null) continue;
    const s = out.get(Number(m[1])) ?? new Set<string>();
    s.add(m[2]!);
    out.set(Number(m[1]), s);
  }
  return out;
}

/**
 * Variant=vmsa: each virtual address x has a page-table entry pte_x, by
 * default mapping it to its own page phy_x, which holds x's initial value.
 * Virtual addresses themselves are not memory.
 */
function vmsaMemory(initial: Map<string, Value>): void {
  const isDescriptor = (v: Value | undefined): boolean => typeof v === 'string' && v.startsWith('(');
  const vas = new Set<string>();
  for (const k of initial.keys()) {
    if (isVirtual(k)) vas.add(k);
    else if (k.startsWith('pte_')) vas.add(k.slice(4));
  }
  for (const va of vas) {
    const value = initial.get(va) ?? 0n;
    if (!initial.has(`phy_${va}`)) initial.set(`phy_${va}`, value);
    if (!isDescriptor(initial.get(`pte_${va}`))) initial.set(`pte_${va}`, `(oa:phy_${va})`);
    initial.delete(va);
  }
}

export function a64FrontEnd(test: LitmusTest, ifetch: boolean, vmsa = false): FrontEnd {
  for (const t of test.a64Threads) {
    for (const ins of t.code) {
      if (!A64_MNEMONICS.has(ins.mnemonic) && !/^B\.[A-Z]{2}$/.test(ins.mnemonic)) {
        throw new LitmusError(test.file, ins.pos.line, ins.pos.col, `unknown instruction '${ins.mnemonic}'`);
      }
    }
  }
  const initial = initialMemory(test, []);
  if (vmsa) vmsaMemory(initial);
  const exposed = ifetch ? initLabels(test) : new Map<number, Set<string>>();
  if (ifetch) {
    // Code locations that are fetched or read hold their instruction initially.
    const named = new Map(exposed);
    for (const t of test.a64Threads) for (const ins of t.code) {
      if (ins.mnemonic === 'ADR' && ins.operands[1] !== undefined) {
        const s = named.get(t.index) ?? new Set<string>();
        s.add(ins.operands[1].trim());
        named.set(t.index, s);
      }
    }
    for (const [thread, labels] of named) {
      const t = test.a64Threads[thread];
      if (t === undefined) continue;
      for (const l of labels) {
        const k = t.code.findIndex((c) => c.labels.includes(l));
        if (k >= 0) initial.set(codeLocation(thread, l), instructionValue(t, k));
      }
    }
  }
  // `Pn.F` columns are fault handlers of thread n, not threads.
  const threads = test.a64Threads.filter((t) => t.handlerFor === null);
  const handlers = new Map(test.a64Threads.filter((t) => t.handlerFor !== null).map((t) => [t.handlerFor!, t.index] as const));
  const initRegs = test.a64Threads.map((t) => new Map(test.init.registers.filter((r) => r.thread === t.index).map((r) => [r.reg, r.value] as const)));
  return {
    threadCount: threads.length,
    initial,
    runThread: (t, universe, choose) => runA64Thread({
      thread: threads[t]!, program: test.a64Threads, initRegs: initRegs[t]!, universe, exposed, handler: handlers.get(t) ?? null, vmsa,
    }, choose),
  };
}
