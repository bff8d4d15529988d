// `ptbot config check [--config FILE]`: validate and print the merged
// configuration (secrets masked); exit 1 naming every invalid key.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { loadConfig, maskSecrets } from '../config/load.ts';
import { kernelTreeProblem } from '../sources/kernel-tree.ts';

export function registerConfigCheck(program: Command): void {
  program.command('config').description('configuration commands')
    .command('check')
    .description('validate the merged configuration and print it with secrets masked')
    .option('-c, --config <file>', 'configuration file merged over config/default.yaml')
    .action((opts: { config?: string }) => {
      const res = loadConfig(opts.config ? { file: opts.config } : {});
      if (!res.ok) {
        for (const p of res.problems) process.stderr.write(`${p.source}: ${p.key}: ${p.message}\n`);
        process.stderr.write(`ptbot config check: ${res.problems.length} problem(s); configuration not valid\n`);
        process.exitCode = 1;
        return;
      }
      // A kernel tree that is not a repository would fail every analysis: say so here.
      const treeDir = res.config.analysis.kernelTree;
      const problem = treeDir === undefined ? undefined : kernelTreeProblem(treeDir);
      if (problem !== undefined) {
        process.stderr.write(`${problem}\nptbot config check: 1 problem(s); configuration not valid\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`# merged from: ${res.sources.join(', ')}\n`);
      process.stdout.write(stringify(maskSecrets(res.config)));
    });
}
