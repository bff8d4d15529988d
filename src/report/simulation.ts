// What the reports say about a finding's simulation (issue 10), in one
// place for text, SARIF and email: the verdict in words, the herd7 command
// the author can run the generated test with, and the test's lines laid out
// for plain text (tabs expanded, so the columns and a mail's width are what
// the reader sees).
import type { Finding, SimulationSummary, UndecidedSimulation } from '../analysis/finding.ts';

/** The test's name: the second word of its first line (`C NAME`, `AArch64 NAME`). */
export function litmusName(litmus: string): string {
  return /^\S+\s+(\S+)/.exec(litmus)?.[1] ?? 'test';
}

/** `lkmm` or `aarch64, ifetch`: the model and its variants, for a verdict line. */
export function modelLabel(s: { model: string; variant: string }): string {
  return s.variant && s.variant !== '-' ? `${s.model}, ${s.variant}` : s.model;
}

/**
 * How to run the test with herd7, or undefined for the abstract walk-cache
 * model (SIMULATOR.md §8.3), which herd has no counterpart of. LKMM tests
 * run from the kernel's tools/memory-model; AArch64 ones with herd's
 * default aarch64.cat and the variants the test needs.
 */
export function herdCommand(s: { model: string; variant: string; litmus: string }): string | undefined {
  const file = `${litmusName(s.litmus)}.litmus`;
  if (s.model === 'lkmm') return `herd7 -conf linux-kernel.cfg ${file} (in tools/memory-model)`;
  if (s.model === 'aarch64') return `herd7 ${s.variant && s.variant !== '-' ? `-variant ${s.variant} ` : ''}${file}`;
  return undefined;
}

/** `Sometimes: 4 of 276 final states reach the race (positive 4, negative 272)`. */
export function verdictText(s: SimulationSummary): string {
  const states = s.positive + s.negative;
  const reach = s.observation === 'Never' ? 'no final state reaches the race' : `${s.positive} of ${states} final states reach the race`;
  return `${s.observation}: ${reach} (positive ${s.positive}, negative ${s.negative})`;
}

/** The decided or undecided scenario of a finding, if any. */
export function scenarioOf(f: Finding): { decided?: SimulationSummary; undecided?: UndecidedSimulation } | undefined {
  if (f.simulation) return { decided: f.simulation };
  if (f.simulationNotDecided) return { undecided: f.simulationNotDecided };
  return undefined;
}

/** Expand tabs to `tab`-column stops: herd7 reads spaces as well, and a reader sees the layout as meant. */
export function expandTabs(line: string, tab = 8): string {
  let out = '';
  for (const ch of line) out += ch === '\t' ? ' '.repeat(tab - (out.length % tab)) : ch;
  return out;
}

/** The test's lines for plain text, each with `indent` in front, trailing blanks dropped. */
export function testLines(litmus: string, indent: string, tab = 8): string[] {
  return litmus.trimEnd().split('\n').map((l) => {
    const x = expandTabs(l, tab).trimEnd();
    return x === '' ? '' : `${indent}${x}`;
  });
}
