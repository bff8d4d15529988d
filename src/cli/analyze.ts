// `ptbot analyze PATH...`: mail in, series and findings out.
import type { Command } from 'commander';

export function registerAnalyze(program: Command): void {
  program.command('analyze')
    .description('analyse patch mail (files, folders, mbox, stdin as -)')
    .argument('<path...>')
    .action(() => {
      process.stderr.write('ptbot analyze: being written\n');
      process.exitCode = 2;
    });
}
