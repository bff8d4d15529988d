// Analysis: a 30-patch series of real page-table patches (Kevin Brodsky's
// lazy_mmu series v5 and v6, the hand-made unbalanced variant and five bug
// patches) through diff parsing, relevance, hunk regions and both rules.
// Mail parsing is not timed (bench/mail.bench.ts measures it); the patches
// are read with the tests' light reader so this process's peak RSS is the
// analysis's own. Goal (issue 3): the 30-patch series in under 1 s.
import { performance } from 'node:perf_hooks';
import { analyzeSeriesWith, type AnalysisOptions } from '../src/analysis/analyze.ts';
import { loadRules } from '../src/analysis/loader.ts';
import type { PatchMail, Series } from '../src/mail/types.ts';
import { patchMailFromFile, seriesOf } from '../test/analysis/mail-fixture.ts';
import { RELEVANCE } from '../test/analysis/options.ts';
import { SERIES_30 } from './series-30.ts';

const FILES = SERIES_30;

/** `copies` copies of the 30 patches as one series, each with its own Message-ID. */
function buildSeries(copies: number): Series {
  const base = FILES.map(patchMailFromFile);
  const patches: PatchMail[] = [];
  for (let c = 0; c < copies; c++) {
    for (const p of base) patches.push({ ...p, messageId: `<c${c}.${p.messageId.replace(/^<|>$/g, '')}>` });
  }
  return seriesOf(patches, `bench-${copies}`);
}

const options: AnalysisOptions = { relevance: RELEVANCE, rules: {} };
const ms = (t: number): string => `${t.toFixed(1)} ms`;

const t0 = performance.now();
const rules = await loadRules();
const loadMs = performance.now() - t0;

const rows: string[] = [];
for (const copies of [1, 10]) {
  const series = buildSeries(copies);
  const patches = series.versions[0]!.patches;
  const diffLines = patches.reduce((n, p) => n + p.diff.split('\n').length, 0);
  const c0 = performance.now();
  const first = analyzeSeriesWith(rules, [series], options);
  const cold = performance.now() - c0;
  const runs: number[] = [];
  for (let i = 0; i < 15; i++) {
    const w0 = performance.now();
    analyzeSeriesWith(rules, [series], options);
    runs.push(performance.now() - w0);
  }
  runs.sort((a, b) => a - b);
  const analysed = first.series[0]!.versions[0]!.patches.filter((p) => p.analysed).length;
  rows.push(
    `| ${patches.length} patches | ${diffLines.toLocaleString('en')} | ${analysed} | ${first.findings.length} | ` +
      `${ms(cold)} | ${ms(runs[Math.floor(runs.length / 2)]!)} | ${ms(runs.at(-1)!)} |`,
  );
}
const rssMiB = process.resourceUsage().maxRSS / 1024;

console.log('## Analysis (diff parse + relevance + regions + rules)\n');
console.log('| series | diff lines | relevant patches | findings | first run | median of 15 | slowest of 15 |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);
console.log(`\nLoading ${rules.length} rules from rules/: ${ms(loadMs)}.`);
console.log(`Peak RSS of the process (reading fixtures, both series): ${rssMiB.toFixed(0)} MiB; node ${process.version}\n`);
