// The `--config FILE` option every command takes: load and validate, or
// print each problem and set exit code 2.
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';

export function configOrExit(file: string | undefined): Config | undefined {
  const cfg = loadConfig(file ? { file } : {});
  if (cfg.ok) return cfg.config;
  for (const p of cfg.problems) process.stderr.write(`${p.source}: ${p.key}: ${p.message}\n`);
  process.exitCode = 2;
  return undefined;
}
