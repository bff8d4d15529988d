// Whole-function context (issue 6): the 30 patches of bench/analyze.bench.ts
// analysed with a kernel tree, so the rules see every touched function
// whole. No kernel tree is on this machine, so one is built: for each patch
// a commit whose files are the patch's pre-image as its hunks show it, each
// hunk placed inside a function made from its `@@` line (the enclosing
// function's definition as git prints it) opened up to 40 lines above and
// closed up to 20 lines below, with plain statements in between. Each patch
// gets that commit as its base-commit (v5 and v6 of one series cannot both
// apply to one base), and all 30 go through one analyzeSeries() call.
// Goal (issue 6): the 30-patch series with whole-function context in < 1 s.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyzeSeries, type AnalysisOptions } from '../src/analysis/analyze.ts';
import type { PatchMail, Series } from '../src/mail/types.ts';
import { parseUnifiedDiff } from '../src/patch/diff.ts';
import type { FileChange } from '../src/patch/types.ts';
import { GitTreeFileProvider } from '../src/sources/kernel-tree.ts';
import { patchMailFromFile, seriesOf } from '../test/analysis/mail-fixture.ts';
import { RELEVANCE } from '../test/analysis/options.ts';
import { SERIES_30 } from './series-30.ts';

const ENV = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@x' };
const tree = mkdtempSync(join(tmpdir(), 'ptbot-bench-tree-'));
const git = (...args: string[]): string => execFileSync('git', ['-C', tree, ...args], { encoding: 'utf8', env: ENV }).trim();

/** The old file as the hunks show it, each hunk inside a function built from its `@@` line. */
function preImage(file: FileChange): string {
  const hunks = file.hunks;
  const last = Math.max(...hunks.map((h) => h.oldStart + h.oldLines));
  const lines: string[] = Array.from({ length: last + 40 }, () => '');
  let free = 0; // first line index not used by an earlier hunk or its function
  hunks.forEach((h, i) => {
    const start = h.oldStart - 1;
    const nextStart = (hunks[i + 1]?.oldStart ?? last + 40) - 1;
    const defAt = h.section && /\(/.test(h.section) && !/^\s/.test(h.section) ? Math.max(free, start - 40) : -1;
    if (defAt >= 0 && defAt + 3 < start) {
      // git prints only the first line of a signature that spans lines.
      const open = !/\)\s*$/.test(h.section);
      lines[defAt] = h.section;
      if (open) lines[defAt + 1] = '\t\tvoid *data)';
      const brace = defAt + (open ? 2 : 1);
      lines[brace] = '{';
      for (let k = brace + 1; k < start; k++) lines[k] = `\tcpu_relax(); /* base line ${k + 1} */`;
    }
    let n = start;
    for (const l of h.lines) if (l.kind !== 'added') lines[n++] = l.text;
    const close = Math.min(n + 20, nextStart - 1);
    if (defAt >= 0 && close > n) {
      for (let k = n; k < close; k++) lines[k] = `\tcpu_relax(); /* base line ${k + 1} */`;
      lines[close] = '}';
      free = close + 2;
    } else free = n + 1;
  });
  return lines.join('\n') + '\n';
}

const patches: PatchMail[] = [];
for (const path of SERIES_30) {
  const mail = patchMailFromFile(path);
  for (const f of parseUnifiedDiff(mail.diff).files) {
    if (f.status === 'added' || f.status === 'binary' || f.hunks.length === 0) continue;
    mkdirSync(dirname(join(tree, f.oldPath)), { recursive: true });
    writeFileSync(join(tree, f.oldPath), preImage(f));
  }
  if (patches.length === 0) git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '--allow-empty', '-m', `base of ${mail.subject}`);
  patches.push({ ...mail, baseCommit: git('rev-parse', 'HEAD') });
}
const series: Series[] = patches.map((p, i) => {
  const s = seriesOf([p], `bench-tree-${i}`);
  s.versions[0]!.baseCommit = p.baseCommit!;
  return s;
});

const ms = (t: number): string => `${t.toFixed(0)} ms`;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

type Result = Awaited<ReturnType<typeof analyzeSeries>>;
interface Timing { first: number; median: number; slowest: number; result: Result }

/**
 * The four configurations: each one's first run (the cold process: JIT,
 * rule loading for the first) apart, then `rounds` rounds taking them in
 * turn, so a warming JIT or a load spike does not favour whichever ran last.
 */
async function timeAll(configs: AnalysisOptions[], rounds: number): Promise<Timing[]> {
  const out: Array<{ first: number; times: number[]; result?: Result }> = configs.map(() => ({ first: 0, times: [] }));
  for (const [i, c] of configs.entries()) {
    const t = performance.now();
    out[i]!.result = await analyzeSeries(series, c);
    out[i]!.first = performance.now() - t;
  }
  for (let r = 0; r < rounds; r++) {
    for (const [i, c] of configs.entries()) {
      const t = performance.now();
      await analyzeSeries(series, c);
      out[i]!.times.push(performance.now() - t);
    }
  }
  return out.map((o) => ({ first: o.first, median: median(o.times), slowest: Math.max(...o.times), result: o.result! }));
}

const base: AnalysisOptions = { relevance: RELEVANCE, rules: {}, simulation: { enabled: false } };
const simulating: AnalysisOptions = { relevance: RELEVANCE, rules: {} };
const provider = new GitTreeFileProvider(tree);
const [fragments, whole, fragmentsSim, wholeSim] = (await timeAll([base, { ...base, fileProvider: provider }, simulating, { ...simulating, fileProvider: provider }], 9)) as [Timing, Timing, Timing, Timing];
// The I/O step alone: reading, applying and widening, without the rules.
const { treeContext } = await import('../src/analysis/tree-context.ts');
const readTimes: number[] = [];
for (let i = 0; i < 9; i++) {
  const t = performance.now();
  await treeContext(series, (s) => s.versions, provider);
  readTimes.push(performance.now() - t);
}

const analysed = whole.result.series.flatMap((s) => s.versions.flatMap((v) => v.patches)).filter((p) => p.analysed);
const wholeFiles = analysed.reduce((n, p) => n + (p.tree?.wholeFunctionFiles.length ?? 0), 0);
const relevantFiles = analysed.reduce((n, p) => n + p.relevance.files.filter((f) => f.relevant).length, 0);
const rssMiB = process.resourceUsage().maxRSS / 1024;

console.log('## Whole-function context (kernel tree)\n');
console.log(`30 patches, ${analysed.length} with relevant files; ${wholeFiles} of their ${relevantFiles} relevant files seen as whole functions.\n`);
// Finding counts are left out on purpose: the built tree's function bodies
// are filler, so what the rules find in them says nothing about the rules.
console.log('| context | scenario simulation | first run | median of 9 | slowest of 9 |');
console.log('| --- | --- | --- | --- | --- |');
console.log(`| hunks only | off | ${ms(fragments.first)} | ${ms(fragments.median)} | ${ms(fragments.slowest)} |`);
console.log(`| kernel tree | off | ${ms(whole.first)} | ${ms(whole.median)} | ${ms(whole.slowest)} |`);
console.log(`| hunks only | on | ${ms(fragmentsSim.first)} | ${ms(fragmentsSim.median)} | ${ms(fragmentsSim.slowest)} |`);
console.log(`| kernel tree | on | ${ms(wholeSim.first)} | ${ms(wholeSim.median)} | ${ms(wholeSim.slowest)} |`);
console.log(`\nOf which reading the files through git cat-file, applying the patches and widening the hunks: median ${ms(median(readTimes))}.`);
console.log(`\nPeak RSS ${rssMiB.toFixed(0)} MiB; node ${process.version}; load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)}\n`);
await provider.close();
rmSync(tree, { recursive: true, force: true });
