// `npm run bench`: runs every bench/*.bench.ts in its own Node process (so
// each one's peak RSS is its own), prints their figures, and keeps the last
// run's output in bench/out/latest.md. bench/RESULTS.md is written by hand
// from these figures, with the goals and the reasons for any miss.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

let out = `# Benchmark run ${new Date().toISOString()}\n\n`;
let failed = 0;
for (const file of files) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', join(benchDir, file)], {
    cwd: join(benchDir, '..'),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  process.stdout.write(res.stdout);
  out += res.stdout + '\n';
  if (res.status !== 0) {
    failed++;
    process.stderr.write(`bench ${file} exited with ${res.status ?? res.signal}\n`);
  }
}
mkdirSync(join(benchDir, 'out'), { recursive: true });
writeFileSync(join(benchDir, 'out', 'latest.md'), out);
process.exitCode = failed ? 1 : 0;
