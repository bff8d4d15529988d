// The CMODX flag (SIMULATOR.md §5.3 item 9): no corpus test raises it, so
// these check the rule as stated: patching an instruction outside the
// safe list (B, BL, CBZ, CBNZ, ISB, NOP, SVC, TBZ, TBNZ) while another CPU
// may fetch it, unordered, is flagged; B to NOP patching never is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLitmus } from '../../src/sim/parse/litmus.ts';
import { simulate } from '../../src/sim/run.ts';

const patch = (newInstr: string, oldInstr: string): string => `AArch64 CMODX
{ 0:X0=instr:"${newInstr}"; 0:X1=P1:L0; }
 P0          | P1        ;
 STR W0,[X1] | L0:       ;
             | ${oldInstr} ;
             | MOV W8,#1 ;
             | L1:       ;
exists (1:X8=1)
`;

function flags(src: string): readonly string[] {
  return simulate(parseLitmus('cmodx.litmus', src), { model: 'aarch64', variant: ['ifetch'], maxCandidates: 100000 }).flags;
}

test('patching a MOV that another CPU may be fetching violates CMODX', () => {
  assert.ok(flags(patch('MOV W9,#2', 'MOV W9,#1')).includes('violates-CMODX-requirements'));
});

test('patching a B into a NOP does not', () => {
  assert.ok(!flags(patch('NOP', 'B L1')).includes('violates-CMODX-requirements'));
});
