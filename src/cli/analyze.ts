// `ptbot analyze PATH... [--format text|json] [--config FILE]`: mail in,
// series and findings out. Exit 0 when no finding of warning or above,
// 1 when there are, 2 on bad usage or unreadable input.
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import { ingest } from '../mail/ingest.ts';
import { seriesListingJson, seriesListingText } from '../report/series-listing.ts';
import { readLocalInputs } from '../sources/local-files.ts';

interface AnalyzeOptions { format: string; config?: string }

const UNREADABLE = new Set(['open', 'read', 'readdir', 'file', 'folder']);

export function registerAnalyze(program: Command): void {
  program.command('analyze')
    .description('analyse patch mail: .eml files, mbox/mboxrd (also .gz), git format-patch files, folders of them, or - for stdin')
    .argument('<path...>', 'inputs')
    .option('-f, --format <format>', 'text or json', 'text')
    .option('-c, --config <file>', 'configuration file merged over config/default.yaml')
    .action(async (paths: string[], opts: AnalyzeOptions) => {
      if (!['text', 'json'].includes(opts.format)) {
        process.stderr.write(`ptbot analyze: unknown format '${opts.format}' (text, json)\n`);
        process.exitCode = 2;
        return;
      }
      const cfg = loadConfig(opts.config ? { file: opts.config } : {});
      if (!cfg.ok) {
        for (const p of cfg.problems) process.stderr.write(`${p.source}: ${p.key}: ${p.message}\n`);
        process.exitCode = 2;
        return;
      }
      const result = await ingest(readLocalInputs(paths, { maxMessageBytes: cfg.config.analysis.maxMessageBytes }));
      const findings: never[] = [];
      if (opts.format === 'json') {
        process.stdout.write(JSON.stringify(seriesListingJson(result.series, findings, result.problems, result.stats), null, 2) + '\n');
      } else {
        process.stdout.write(seriesListingText(result.series, result.problems, result.stats));
      }
      const unreadable = result.problems.some((p) => UNREADABLE.has(p.where));
      process.exitCode = unreadable ? 2 : 0;
    });
}
