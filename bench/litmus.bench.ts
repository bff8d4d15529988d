// Litmus simulator: every test of the corpus copy (fixtures/litmus) that the
// simulator runs, in one process, beside the summed herd7_seconds of the same
// tests from expected.tsv. Each test runs REPEAT times; its time is the median
// of those runs (wall clock, and CPU time since the machine is shared).
// Prints markdown to stdout.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseLitmus } from '../src/sim/parse/litmus.ts';
import { type ModelName, simulate } from '../src/sim/run.ts';

const root = join(import.meta.dirname, '..');
const corpus = join(root, 'fixtures', 'litmus');
const REPEAT = 3;

interface Row {
  readonly file: string;
  readonly model: string;
  readonly variant: string;
  readonly herd: number;
}

const rows: Row[] = readFileSync(join(corpus, 'expected.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => {
  const c = l.split('\t');
  return { file: c[0]!, model: c[2]!, variant: c[3]!, herd: Number(c[8]) };
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

interface Timing { readonly file: string; readonly wall: number; readonly first: number; readonly cpu: number; readonly herd: number }

function runModel(model: ModelName): { timings: Timing[]; skipped: number } {
  const timings: Timing[] = [];
  let skipped = 0;
  for (const r of rows.filter((r) => r.model === model)) {
    const text = readFileSync(join(corpus, r.file), 'utf8');
    const walls: number[] = [];
    const cpus: number[] = [];
    let supported = true;
    for (let k = 0; k < REPEAT && supported; k++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      try {
        const t = parseLitmus(r.file, text);
        simulate(t, { model, variant: r.variant === '-' ? [] : r.variant.split(','), maxCandidates: 2_000_000 });
      } catch {
        supported = false;
        break;
      }
      const c = process.cpuUsage(c0);
      walls.push(performance.now() - t0);
      cpus.push((c.user + c.system) / 1000);
    }
    if (!supported) { skipped++; continue; }
    timings.push({ file: r.file, wall: median(walls), first: walls[0]!, cpu: median(cpus), herd: r.herd });
  }
  return { timings, skipped };
}

const ms = (x: number): string => `${x.toFixed(1)} ms`;
let out = '## Litmus\n\n';
out += `Node ${process.version}, ${REPEAT} runs per test (median), one process.\n\n`;
out += '| model | tests | total (wall) | total (CPU) | first runs only (wall) | median / max per test (wall) | slowest | herd7 summed | ratio (wall) |\n';
out += '| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n';
const everything: Timing[] = [];
for (const model of ['lkmm', 'aarch64'] as const) {
  const { timings, skipped } = runModel(model);
  everything.push(...timings);
  if (timings.length === 0) {
    out += `| ${model} | 0 (${skipped} not supported) | | | | | | | |\n`;
    continue;
  }
  const wall = timings.reduce((s, t) => s + t.wall, 0);
  const cpu = timings.reduce((s, t) => s + t.cpu, 0);
  const first = timings.reduce((s, t) => s + t.first, 0);
  const herd = timings.reduce((s, t) => s + t.herd, 0);
  const slow = timings.reduce((a, b) => (b.wall > a.wall ? b : a));
  out += `| ${model} | ${timings.length}${skipped > 0 ? ` (+${skipped} not supported)` : ''} | ${ms(wall)} | ${ms(cpu)} | ${ms(first)} | ${ms(median(timings.map((t) => t.wall)))} / ${ms(slow.wall)} | ${slow.file} | ${(herd * 1000).toFixed(0)} ms | ${(wall / (herd * 1000)).toFixed(2)} |\n`;
}
{
  const wall = everything.reduce((s, t) => s + t.wall, 0);
  const cpu = everything.reduce((s, t) => s + t.cpu, 0);
  const first = everything.reduce((s, t) => s + t.first, 0);
  const herd = everything.reduce((s, t) => s + t.herd, 0);
  const slow = everything.reduce((a, b) => (b.wall > a.wall ? b : a));
  out += `| all | ${everything.length} | ${ms(wall)} | ${ms(cpu)} | ${ms(first)} | ${ms(median(everything.map((t) => t.wall)))} / ${ms(slow.wall)} | ${slow.file} | ${(herd * 1000).toFixed(0)} ms | ${(wall / (herd * 1000)).toFixed(2)} |\n`;
}
out += `\nPeak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB.\n`;
process.stdout.write(out);
