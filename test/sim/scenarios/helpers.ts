// Shared by the scenario tests: herd7's numbers for a corpus test
// (fixtures/litmus/expected.tsv, or a spec example's golden output) and a
// structural comparison of a generated test with a corpus test.
import assert from 'node:assert/strict';
import { parseLitmus } from '../../../src/sim/parse/litmus.ts';
import { PatchBudget } from '../../../src/sim/scenarios/budget.ts';
import { type CompiledScenario, type ScenarioSimulation, isDecided } from '../../../src/sim/scenarios/types.ts';
import type { LitmusTest } from '../../../src/sim/types.ts';
import { expectedRows, readCorpus } from '../corpus-helpers.ts';

export interface HerdNumbers {
  readonly observation: string;
  readonly positive: number;
  readonly negative: number;
}

/** herd7's verdict for a corpus test, from expected.tsv. */
export function herdCorpus(file: string): HerdNumbers {
  const row = expectedRows().find((r) => r.file === file);
  assert.ok(row, `${file} is in expected.tsv`);
  return { observation: row.expected, positive: row.positive, negative: row.negative };
}

/** herd7's verdict for a spec example, from its golden output's Observation line. */
export function herdGolden(name: string): HerdNumbers {
  const out = readCorpus('spec-examples', 'golden', `${name}.herd758.out`);
  const m = /^Observation \S+ (Never|Sometimes|Always) (\d+) (\d+)$/m.exec(out);
  assert.ok(m, `${name}: golden has an Observation line`);
  return { observation: m[1]!, positive: Number(m[2]), negative: Number(m[3]) };
}

/** The parts of a test that decide its executions: no name, comments, layout or positions. */
export function essence(t: LitmusTest): unknown {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (typeof v === 'bigint' || v === null || typeof v !== 'object') return v;
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (k !== 'pos' && k !== 'text') o[k] = strip(x);
    return o;
  };
  return strip({ arch: t.arch, init: t.init, c: t.cThreads, a: t.a64Threads, q: t.quantifier, p: t.prop, f: t.filter, l: t.locationsClause });
}

/**
 * The generated test is the corpus test up to its name, comments and layout:
 * same init, same threads statement by statement (instruction by
 * instruction), same condition. Then herd7's result for the corpus test is
 * herd7's result for the generated one.
 */
export function assertSameTest(c: CompiledScenario, ...corpusPath: string[]): void {
  const ours = parseLitmus(`${c.name}.litmus`, c.litmus);
  const theirs = parseLitmus(corpusPath.at(-1)!, readCorpus(...corpusPath));
  assert.deepEqual(essence(ours), essence(theirs), `${c.name} is ${corpusPath.join('/')}`);
}

/** Run with a budget large enough for every template; the run must decide. */
export function decided(c: CompiledScenario): ScenarioSimulation {
  const o = new PatchBudget({ maxCandidates: 200_000 }).run(c);
  assert.ok(isDecided(o), `${c.name} decided: ${'notDecided' in o ? o.notDecided : ''}`);
  return o;
}

export function verdict(s: ScenarioSimulation): HerdNumbers {
  return { observation: s.observation, positive: s.positive, negative: s.negative };
}
