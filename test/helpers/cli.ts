// Runs `ptbot` as a user would: a separate process, real stdout/stderr/exit.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './fixtures.ts';

export interface CliRun { code: number; stdout: string; stderr: string }

export function ptbot(args: string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv } = {}): CliRun {
  const res = spawnSync(process.execPath, [join(ROOT, 'bin', 'ptbot.js'), ...args], {
    cwd: ROOT,
    input: opts.input,
    encoding: 'utf8',
    env: { ...process.env, ...opts.env },
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}
