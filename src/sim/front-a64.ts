// The AArch64 front end: memory locations of an AArch64 test and how to run
// one of its threads along a path.
import type { FrontEnd } from './enumerate.ts';
import { initialMemory } from './front-c.ts';
import { A64_MNEMONICS, runA64Thread } from './sem/aarch64.ts';
import { LitmusError } from './source.ts';
import type { LitmusTest } from './types.ts';

export function a64FrontEnd(test: LitmusTest): FrontEnd {
  for (const t of test.a64Threads) {
    for (const ins of t.code) {
      if (!A64_MNEMONICS.has(ins.mnemonic) && !/^B\.[A-Z]{2}$/.test(ins.mnemonic)) {
        throw new LitmusError(test.file, ins.pos.line, ins.pos.col, `unknown instruction '${ins.mnemonic}'`);
      }
    }
  }
  const initial = initialMemory(test, []);
  const initRegs = test.a64Threads.map((t) => new Map(test.init.registers.filter((r) => r.thread === t.index).map((r) => [r.reg, r.value] as const)));
  return {
    threadCount: test.a64Threads.length,
    initial,
    runThread: (t, universe, choose) => runA64Thread({ thread: test.a64Threads[t]!, initRegs: initRegs[t]!, universe }, choose),
  };
}
