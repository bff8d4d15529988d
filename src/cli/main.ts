// `ptbot`: the command-line front door. Each command lives in its own module
// and registers itself on the program; this file only wires them together.
import { Command, CommanderError } from 'commander';
import { registerAnalyze } from './analyze.ts';
import { registerConfigCheck } from './config-check.ts';
import { registerReplay } from './replay.ts';
import { registerPoll } from './poll.ts';
import { registerLitmus } from './litmus.ts';

export function buildProgram(): Command {
  const program = new Command('ptbot')
    .description('Review bot for Linux kernel page-table patches')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) });
  registerAnalyze(program);
  registerConfigCheck(program);
  registerReplay(program);
  registerPoll(program);
  registerLitmus(program);
  return program;
}

/** Runs the CLI and returns its exit code (2 on bad usage). */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      return 2;
    }
    throw err;
  }
}

const invokedDirectly = process.argv[1] !== undefined &&
  /[/\\](main\.(ts|js)|ptbot(\.js)?)$/.test(process.argv[1]);
if (invokedDirectly) {
  runCli(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => {
      process.stderr.write(`ptbot: internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
