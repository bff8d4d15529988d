// `ptbot litmus FILE...`: runs litmus tests through the simulator and prints
// herd7-shaped results (or JSON). File reading and graph writing live here;
// src/sim stays pure.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { printHerd } from '../sim/output/herd.ts';
import { errorJson, type LitmusJson, resultJson } from '../sim/output/json.ts';
import { executionDot, forbiddenExplanation, interleaving } from '../sim/output/witness.ts';
import { parseLitmus } from '../sim/parse/litmus.ts';
import { DEFAULT_MAX_CANDIDATES, type ModelName, type SimResult, simulate } from '../sim/run.ts';
import { LitmusError } from '../sim/source.ts';

interface LitmusOptions {
  model?: string;
  variant?: string;
  json?: boolean;
  graph?: string;
  witness?: boolean;
  maxExecutions?: string;
  herdBuild?: string;
}

const MODELS: readonly ModelName[] = ['lkmm', 'aarch64', 'sc'];

export function registerLitmus(program: Command): void {
  program.command('litmus')
    .description('simulate litmus tests (C/LKMM, AArch64) with herd7-compatible output')
    .argument('<file...>', 'litmus test files')
    .option('--model <model>', 'memory model: lkmm, aarch64 or sc (default: lkmm for C, aarch64 for AArch64)')
    .option('--variant <variants>', 'model variants, comma-separated (added to the test\'s Variant= line)')
    .option('--json', 'print a JSON array, one object per test')
    .option('--graph <dir>', 'write the witness execution of each allowed outcome as DOT (and SVG with Graphviz)')
    .option('--witness', 'after each result, print the witness interleaving or the axioms that forbid the outcome')
    .option('--max-executions <n>', `candidate budget per test (default ${DEFAULT_MAX_CANDIDATES})`)
    .option('--herd-build <rev>', 'mirror the output of herd7 build 5feffe4e (default) or 61e77efd where they differ')
    .action((files: string[], opts: LitmusOptions) => {
      process.exitCode = runLitmus(files, opts);
    });
}

function parseBudget(text: string | undefined): number | string {
  if (text === undefined) return DEFAULT_MAX_CANDIDATES;
  if (!/^[0-9]+$/.test(text) || Number(text) < 1) return `--max-executions must be a positive integer, got '${text}'`;
  return Number(text);
}

function runLitmus(files: string[], opts: LitmusOptions): number {
  if (opts.model !== undefined && !MODELS.includes(opts.model as ModelName)) {
    process.stderr.write(`ptbot litmus: unknown model '${opts.model}' (expected ${MODELS.join(', ')})\n`);
    return 2;
  }
  const budget = parseBudget(opts.maxExecutions);
  if (typeof budget === 'string') {
    process.stderr.write(`ptbot litmus: ${budget}\n`);
    return 2;
  }
  if (opts.herdBuild !== undefined && opts.herdBuild !== '5feffe4e' && opts.herdBuild !== '61e77efd') {
    process.stderr.write(`ptbot litmus: unknown herd build '${opts.herdBuild}' (expected 5feffe4e or 61e77efd)\n`);
    return 2;
  }
  const herdBuild = opts.herdBuild === '61e77efd' ? '61e77efd' : '5feffe4e';
  const extraVariants = (opts.variant ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');
  const json: LitmusJson[] = [];
  let status = 0;
  for (const file of files) {
    const modelName = (opts.model ?? '') as ModelName | '';
    let result: SimResult;
    let seconds: number;
    try {
      const text = readFileSync(file, 'utf8');
      const test = parseLitmus(file, text);
      const model: ModelName = modelName === '' ? (test.arch === 'C' ? 'lkmm' : 'aarch64') : modelName;
      const fileVariants = (test.info.get('Variant') ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');
      const t0 = performance.now();
      result = simulate(test, { model, variant: [...new Set([...fileVariants, ...extraVariants])], maxCandidates: budget, herdBuild });
      seconds = (performance.now() - t0) / 1000;
    } catch (err) {
      const message = err instanceof LitmusError ? err.message
        : (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${file}: no such file`
        : `${file}: ${err instanceof Error ? err.message : String(err)}`;
      if (opts.json) json.push(errorJson(file, modelName, message));
      else process.stderr.write(`${message}\n`);
      status = 1;
      continue;
    }
    if (result.budgetExceeded !== null) status = 1;
    if (opts.graph !== undefined) writeGraph(opts.graph, result);
    if (opts.json) {
      json.push(resultJson(result));
      continue;
    }
    process.stdout.write(printHerd(result, seconds));
    if (opts.witness) {
      const lines = [...interleaving(result), ...forbiddenExplanation(result)];
      if (lines.length > 0) process.stdout.write(`Witness ${result.test.name}\n${lines.join('\n')}\n\n`);
    }
  }
  if (opts.json) process.stdout.write(JSON.stringify(json, null, 2) + '\n');
  return status;
}

function writeGraph(dir: string, r: SimResult): void {
  const dot = executionDot(r);
  if (dot === null) return;
  mkdirSync(dir, { recursive: true });
  const stem = basename(r.test.name).replace(/[^A-Za-z0-9_.+-]/g, '_');
  const dotFile = join(dir, `${stem}.dot`);
  writeFileSync(dotFile, dot);
  const probe = spawnSync('dot', ['-V'], { stdio: 'ignore' });
  if (probe.status === 0) spawnSync('dot', ['-Tsvg', dotFile, '-o', join(dir, `${stem}.svg`)], { stdio: 'ignore' });
}
