// `ptbot replay PATH...`: prints the reply (RFC 5322) the bot would send for
// the mail at PATH; prints nothing and exits 0 when there is nothing to say.
// Several replies are printed as an mboxrd.
import type { Command } from 'commander';
import { analyzeSeries, treesOf } from '../analysis/analyze.ts';
import { configOrExit } from './config-option.ts';
import { ingest } from '../mail/ingest.ts';
import { describeBase, planReplies } from '../report/email/plan.ts';
import { replyOptionsFrom, replyPolicyFrom } from '../report/email/options.ts';
import { withKernelTree } from '../sources/kernel-tree.ts';
import { isUnreadableInput, readLocalInputs } from '../sources/local-files.ts';

export function registerReplay(program: Command): void {
  program.command('replay')
    .description('print the reply the bot would send for the patch mail at PATH (nothing when it has nothing to say)')
    .argument('<path...>', 'mail files, mbox, folders, or - for stdin')
    .option('-c, --config <file>', 'configuration file merged over config/default.yaml')
    .option('--date <iso>', 'date for the Date header (default: now)')
    .action(async (paths: string[], opts: { config?: string; date?: string }) => {
      const config = configOrExit(opts.config);
      if (!config) return;
      const date = opts.date ? new Date(opts.date) : new Date();
      if (Number.isNaN(date.getTime())) {
        process.stderr.write(`ptbot replay: --date '${opts.date}' is not a date\n`);
        process.exitCode = 2;
        return;
      }
      const mail = await ingest(readLocalInputs(paths, { maxMessageBytes: config.analysis.maxMessageBytes }));
      for (const p of mail.problems) process.stderr.write(`${p.input}: ${p.where}: ${p.message}\n`);
      let result;
      try {
        result = await withKernelTree(config.analysis.kernelTree, (fileProvider) =>
          analyzeSeries(mail.series, { relevance: config.relevance, rules: config.rules, versions: 'newest', ...(fileProvider ? { fileProvider } : {}) }));
      } catch (err) {
        process.stderr.write(`ptbot replay: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 2;
        return;
      }
      const replies = mail.series.flatMap((series) => {
        const version = series.versions.at(-1);
        if (!version) return [];
        return planReplies({
          series, version, revision: 0,
          findings: result.findings.filter((f) => f.origin.kind === 'mail' && f.origin.seriesId === series.id),
          previous: [], rules: result.rules,
          analysedAgainst: describeBase(version, config.analysis.kernelTree, treesOf(result, series.id)),
        }, replyPolicyFrom(config), replyOptionsFrom(config, date));
      });
      if (replies.length === 1) process.stdout.write(replies[0]?.rfc822 ?? '');
      else for (const r of replies) process.stdout.write(`From ptbot ${date.toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+) (\S+) GMT$/, '$1 $3 $2 $5 $4')}\n${r.rfc822.replace(/^(>*From )/gm, '>$1')}\n`);
      const unreadable = mail.problems.some(isUnreadableInput);
      process.exitCode = unreadable ? 2 : 0;
    });
}
