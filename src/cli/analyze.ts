// `ptbot analyze PATH... [--format text|json|sarif] [--config FILE]`: mail
// in, series and findings out. Exit 0 when no finding of warning or above,
// 1 when there are, 2 on bad usage or unreadable input.
import type { Command } from 'commander';
import { analyzeSeries } from '../analysis/analyze.ts';
import { configOrExit } from './config-option.ts';
import { ingest } from '../mail/ingest.ts';
import { jsonReport, renderSarif, renderText } from '../report/index.ts';
import { seriesListingJson, seriesListingText } from '../report/series-listing.ts';
import { withKernelTree } from '../sources/kernel-tree.ts';
import { isUnreadableInput, readLocalInputs } from '../sources/local-files.ts';

interface AnalyzeOptions { format: string; config?: string; versions?: string; details: boolean }

const FORMATS = ['text', 'json', 'sarif'];

export function registerAnalyze(program: Command): void {
  program.command('analyze')
    .description('analyse patch mail: .eml files, mbox/mboxrd (also .gz), git format-patch files, folders of them, or - for stdin')
    .argument('<path...>', 'inputs')
    .option('-f, --format <format>', 'text, json or sarif', 'text')
    .option('-c, --config <file>', 'configuration file merged over config/default.yaml')
    .option('--versions <which>', 'newest (default from config) or all versions of each series')
    .option('--no-details', 'text: one line per finding, without explanation and evidence')
    .action(async (paths: string[], opts: AnalyzeOptions) => {
      if (!FORMATS.includes(opts.format)) return usage(`unknown format '${opts.format}' (${FORMATS.join(', ')})`);
      if (opts.versions !== undefined && !['newest', 'all'].includes(opts.versions)) return usage(`--versions is newest or all, not '${opts.versions}'`);
      const config = configOrExit(opts.config);
      if (!config) return;
      const mail = await ingest(readLocalInputs(paths, { maxMessageBytes: config.analysis.maxMessageBytes }));
      let result;
      try {
        result = await withKernelTree(config.analysis.kernelTree, (fileProvider) => analyzeSeries(mail.series, {
          relevance: config.relevance,
          rules: config.rules,
          versions: (opts.versions as 'newest' | 'all' | undefined) ?? config.analysis.versions,
          // Replies too: litmus tests posted anywhere in the thread are answered.
          messages: mail.messages,
          ...(fileProvider ? { fileProvider } : {}),
        }));
      } catch (err) {
        return usage(err instanceof Error ? err.message : String(err));
      }
      if (opts.format === 'json') {
        const analysis = jsonReport(result);
        const doc = {
          ...seriesListingJson(mail.series, result.findings, mail.problems, mail.stats),
          rules: analysis.rules,
          suppressed: analysis.suppressed,
          analysed: analysis.series,
          notes: analysis.notes,
        };
        process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
      } else if (opts.format === 'sarif') {
        process.stdout.write(renderSarif(result));
        for (const p of mail.problems) process.stderr.write(`${p.input}: ${p.where}: ${p.message}\n`);
      } else {
        process.stdout.write(seriesListingText(mail.series, mail.problems, mail.stats));
        process.stdout.write('\n' + renderText(result, { details: opts.details }));
      }
      const unreadable = mail.problems.some(isUnreadableInput);
      const serious = result.findings.some((f) => f.severity === 'error' || f.severity === 'warning');
      process.exitCode = unreadable ? 2 : serious ? 1 : 0;
    });
}

function usage(message: string): void {
  process.stderr.write(`ptbot analyze: ${message}\n`);
  process.exitCode = 2;
}
