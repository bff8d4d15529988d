// `ptbot config check`: validate and print the merged configuration.
import type { Command } from 'commander';

export function registerConfigCheck(program: Command): void {
  program.command('config').description('configuration commands')
    .command('check').description('validate the configuration')
    .action(() => {
      process.stderr.write('ptbot config check: being written\n');
      process.exitCode = 2;
    });
}
