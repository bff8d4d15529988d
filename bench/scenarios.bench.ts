// Page-table scenarios (src/sim/scenarios): simulation time of each
// template's complete protocol and its flips, and per "patch", a set of
// scenarios a rule run would ask for on one patch, run within one
// PatchBudget. Each row is the median of REPEAT runs (wall clock), plus the
// first (cold) run. Prints markdown to stdout.
// Last, per patch inside a real analysis: the ptdump thread's v4, v5 and v6
// mails through analyzeSeries with the rules' simulations on and off.
// Run: node --import tsx bench/scenarios.bench.ts
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyzeSeries, type AnalysisOptions } from '../src/analysis/analyze.ts';
import { loadConfig } from '../src/config/load.ts';
import { ingest } from '../src/mail/ingest.ts';
import { readLocalInputs } from '../src/sources/local-files.ts';
import {
  ARM64_FLUSH_PROTOCOL, DEFAULT_PATCH_BUDGET, PTDUMP_COMMIT_PROTOCOL, PatchBudget, type ScenarioRequest, V6_PROTOCOL,
  KERNEL_PGTABLE_FLUSH, X86_SHOOTDOWN_PROTOCOL, compileScenario, exploreWalkCache, isDecided, simulatePatchScenarios, walkCacheFree,
} from '../src/sim/scenarios/index.ts';

const REPEAT = 5;
const lazyCpu = { inLazyMode: true, pausedAroundUpdate: false };
const pausedCpu = { inLazyMode: true, pausedAroundUpdate: true };

const scenarios: readonly ScenarioRequest[] = [
  { template: 'static-key-walkers', facts: V6_PROTOCOL },
  { template: 'static-key-walkers', facts: { ...V6_PROTOCOL, toggle: 'enable-disable' } },
  { template: 'static-key-walkers', facts: { ...V6_PROTOCOL, barrierAfterClear: false } },
  { template: 'static-key-walkers', facts: { ...V6_PROTOCOL, walkers: 1, toggle: 'enable-disable' } },
  { template: 'ptdump-ifetch', facts: PTDUMP_COMMIT_PROTOCOL },
  { template: 'ptdump-ifetch', facts: { ...PTDUMP_COMMIT_PROTOCOL, freerDsb: false } },
  { template: 'lockless-walk', facts: { walker: 'rcu', freer: 'synchronize_rcu' } },
  { template: 'lockless-walk', facts: { walker: 'irqs-off', freer: 'none' } },
  { template: 'lazy-mmu-populate', facts: { defersPteStore: true, cpus: [pausedCpu, pausedCpu] } },
  { template: 'lazy-mmu-populate', facts: { defersPteStore: true, cpus: [lazyCpu, lazyCpu, lazyCpu] } },
  { template: 'tlbi-free', facts: ARM64_FLUSH_PROTOCOL },
  { template: 'tlbi-free', facts: { ...ARM64_FLUSH_PROTOCOL, dsbAfterTlbi: false } },
  { template: 'x86-shootdown', facts: X86_SHOOTDOWN_PROTOCOL },
];

const patches: readonly { readonly name: string; readonly requests: readonly ScenarioRequest[] }[] = [
  { name: 'ptdump v4/v5 (key scenario, 1 and 2 walkers, ifetch seed)', requests: [scenarios[1]!, scenarios[3]!, scenarios[4]!] },
  { name: 'ptdump v6 (inc/dec, ifetch seed, arm64 flush)', requests: [scenarios[0]!, scenarios[4]!, scenarios[10]!] },
  { name: 'KASAN lazy MMU populate fix (2 and 3 CPUs)', requests: [scenarios[8]!, scenarios[9]!] },
  { name: 'GUP-fast / pte_free_defer', requests: [scenarios[6]!, scenarios[7]!] },
  { name: 'x86 free_pgtables() (shootdown, lockless walk)', requests: [scenarios[12]!, scenarios[6]!] },
  { name: 'all thirteen scenarios', requests: scenarios },
];

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function ms(x: number): string {
  return x < 10 ? x.toFixed(1) : x.toFixed(0);
}

function timed(requests: readonly ScenarioRequest[]): { wall: number; spent: number; decided: number; verdicts: string[] } {
  const budget = new PatchBudget(DEFAULT_PATCH_BUDGET);
  const t0 = performance.now();
  const runs = simulatePatchScenarios(requests, budget);
  const wall = performance.now() - t0;
  const verdicts = runs.map((r) => (isDecided(r.outcome) ? `${r.outcome.observation} ${r.outcome.positive} ${r.outcome.negative}` : 'not decided'));
  return { wall, spent: DEFAULT_PATCH_BUDGET.maxCandidates - budget.remainingCandidates, decided: runs.filter((r) => isDecided(r.outcome)).length, verdicts };
}

let md = '## Scenarios\n\n';
md += `Per scenario (compile, parse, simulate; median of ${REPEAT} runs and the first run):\n\n`;
md += '| scenario | model | verdict (pos neg) | candidates | median | first |\n| --- | --- | --- | --- | --- | --- |\n';
for (const r of scenarios) {
  const c = compileScenario(r);
  const walls: number[] = [];
  let last = timed([r]);
  walls.push(last.wall);
  for (let k = 1; k < REPEAT; k++) { last = timed([r]); walls.push(last.wall); }
  md += `| ${c.name} | ${c.model}${c.variant.length > 0 ? `, ${c.variant.join(',')}` : ''} | ${last.verdicts[0]} | ${last.spent.toLocaleString('en')} | ${ms(median(walls))} ms | ${ms(walls[0]!)} ms |\n`;
}
for (const f of [KERNEL_PGTABLE_FLUSH, { ...KERNEL_PGTABLE_FLUSH, tlbi: 'last-level' as const }]) {
  const walls: number[] = [];
  let o = walkCacheFree.run(f, DEFAULT_PATCH_BUDGET);
  for (let k = 0; k < REPEAT; k++) {
    const t0 = performance.now();
    o = walkCacheFree.run(f, DEFAULT_PATCH_BUDGET);
    walls.push(performance.now() - t0);
  }
  const v = isDecided(o) ? `${o.observation} ${o.positive} ${o.negative}` : 'not decided';
  md += `| walk-cache-free (TLBI ${f.tlbi}) | abstract-tlb | ${v} | ${exploreWalkCache(f, DEFAULT_PATCH_BUDGET.maxCandidates).explored} states | ${ms(median(walls))} ms | ${ms(walls[0]!)} ms |\n`;
}
md += `\nPer patch (the scenarios of one patch in one PatchBudget of ${DEFAULT_PATCH_BUDGET.maxCandidates.toLocaleString('en')} candidates; repeated tests are simulated once):\n\n`;
md += '| patch | scenarios | decided | candidates | median | first |\n| --- | --- | --- | --- | --- | --- |\n';
for (const p of patches) {
  const walls: number[] = [];
  let last = timed(p.requests);
  walls.push(last.wall);
  for (let k = 1; k < REPEAT; k++) { last = timed(p.requests); walls.push(last.wall); }
  md += `| ${p.name} | ${p.requests.length} | ${last.decided} | ${last.spent.toLocaleString('en')} | ${ms(median(walls))} ms | ${ms(walls[0]!)} ms |\n`;
}
const config = loadConfig();
if (!config.ok) throw new Error(`config: ${config.problems.map((p) => p.message).join('; ')}`);
const THREAD = join(import.meta.dirname, '../fixtures/lore/threads/arm64_vmalloc_huge_ptdump');
const seedMails = [['ptdump v4', '0004.eml'], ['ptdump v5', '0006.eml'], ['ptdump v6 (inc/dec)', '0009.eml']] as const;
md += `\nPer patch inside a real analysis (analyzeSeries on the mail, all rules; simulation on, with the default budget, and off; median of ${REPEAT} runs after one warm-up; the difference is what the rules' scenarios cost that patch):\n\n`;
md += '| patch | findings with a scenario | verdicts | analysis, simulation on | analysis, simulation off | simulation |\n| --- | --- | --- | --- | --- | --- |\n';
for (const [label, file] of seedMails) {
  const mail = await ingest(readLocalInputs([join(THREAD, file)]));
  const base: AnalysisOptions = { relevance: config.config.relevance, rules: {}, versions: 'all' };
  const run = async (simulation: boolean): Promise<{ wall: number; verdicts: string[] }> => {
    const t0 = performance.now();
    const r = await analyzeSeries(mail.series, { ...base, simulation: { enabled: simulation } });
    const wall = performance.now() - t0;
    const verdicts = r.findings.flatMap((f) => (f.simulation ? [f.simulation.observation] : f.simulationNotDecided ? ['not decided'] : []));
    return { wall, verdicts };
  };
  await run(true);
  await run(false);
  const on: number[] = [];
  const off: number[] = [];
  let verdicts: string[] = [];
  for (let k = 0; k < REPEAT; k++) {
    const a = await run(true);
    verdicts = a.verdicts;
    on.push(a.wall);
    off.push((await run(false)).wall);
  }
  const diff = median(on) - median(off);
  md += `| ${label} | ${verdicts.length} | ${verdicts.length > 0 ? verdicts.join(', ') : '—'} | ${ms(median(on))} ms | ${ms(median(off))} ms | ${diff > 0 ? ms(diff) : '0'} ms |\n`;
}
md += `\nPeak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (process.resourceUsage().maxRSS). Node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()[0]?.toFixed(1) ?? '?'} at the end of the run.\n`;
process.stdout.write(md);
