// `ptbot poll [--once] [--list NAME] [--since DATE] [--config FILE]`: the
// main job. With --once it polls every enabled list once and exits; else
// it polls on the configured cron schedule (overlapping runs skipped)
// until SIGTERM/SIGINT, finishing the step in hand before it exits.
import type { Command } from 'commander';
import cron from 'node-cron';
import { configOrExit } from './config-option.ts';
import { openListSource } from '../service/list-source.ts';
import { jsonLogger, type Logger } from '../service/log.ts';
import { pollOnce, type PollReport } from '../service/poll.ts';
import { openSink } from '../service/sinks.ts';
import { openStore } from '../store/open.ts';

interface PollOptions { once?: boolean; list?: string[]; since?: string; config?: string }

export function registerPoll(program: Command): void {
  program.command('poll')
    .description('poll the configured lists, analyse new series versions, plan and send replies')
    .option('--once', 'poll once and exit')
    .option('-l, --list <name...>', 'only these lists')
    .option('--since <date>', 'on a list never polled before, look back to this date')
    .option('-c, --config <file>', 'configuration file merged over config/default.yaml')
    .action(async (opts: PollOptions) => {
      const config = configOrExit(opts.config);
      if (!config) return;
      if (opts.since) {
        const t = Date.parse(opts.since);
        if (Number.isNaN(t)) { process.stderr.write(`ptbot poll: --since '${opts.since}' is not a date\n`); process.exitCode = 2; return; }
        config.lore.firstLookbackSeconds = Math.max(0, Math.floor((Date.now() - t) / 1000));
      }
      for (const l of opts.list ?? []) {
        if (!config.lists.some((x) => x.name === l)) {
          process.stderr.write(`ptbot poll: no list '${l}' in the configuration (${config.lists.map((x) => x.name).join(', ')})\n`);
          process.exitCode = 2;
          return;
        }
      }
      if (!opts.once && !cron.validate(config.lore.schedule)) {
        process.stderr.write(`ptbot poll: lore.schedule '${config.lore.schedule}' is not a cron expression\n`);
        process.exitCode = 2;
        return;
      }
      const log = jsonLogger();
      const store = await openStore(config.store);
      const sink = openSink(config);
      let stopping = false;
      const onSignal = (sig: string) => { log('info', 'poll.stopping', { signal: sig }); stopping = true; };
      process.once('SIGTERM', () => onSignal('SIGTERM'));
      process.once('SIGINT', () => onSignal('SIGINT'));
      const progress = process.stderr.isTTY
        ? (list: string, n: number) => process.stderr.write(`\r${list}: ${n} new message(s)   `)
        : undefined;
      const once = async (): Promise<PollReport> => pollOnce({
        store, config, sink, log, stopping: () => stopping,
        openSource: (list) => openListSource(config, list, { logger: (e) => log(e.level, e.event, { ...e }) }),
        ...(progress ? { progress } : {}),
      }, opts.list ? { lists: opts.list } : {});
      try {
        if (opts.once) {
          const r = await once();
          if (progress) process.stderr.write('\n');
          printSummary(r, log);
        } else {
          const task = cron.schedule(config.lore.schedule, async () => { printSummary(await once(), log); }, { noOverlap: true, name: 'ptbot-poll' });
          log('info', 'poll.scheduled', { schedule: config.lore.schedule });
          await task.execute();
          while (!stopping) await new Promise((r) => setTimeout(r, 500));
          await task.stop();
        }
      } finally {
        await sink.close();
        await store.close();
      }
    });
}

function printSummary(r: PollReport, log: Logger): void {
  log('info', 'poll.done', {
    lists: r.lists, parsed: r.parsed, queued: r.queued, analysed: r.analysis.done, analysisFailed: r.analysis.failed,
    repliesPlanned: r.analysis.replies, repliesSent: r.replies.sent, repliesRetried: r.replies.retried, repliesFailed: r.replies.failed,
  });
}
