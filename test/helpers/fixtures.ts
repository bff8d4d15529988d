// Paths of fixtures, resolved from the repository root whatever the cwd.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const fixture = (...parts: string[]): string => join(ROOT, 'fixtures', ...parts);
export const threadDir = (name: string): string => fixture('lore', 'threads', name);
export const threadNames = (): string[] => readdirSync(fixture('lore', 'threads')).sort();

/** One mboxrd holding every message of the given thread folders. */
export function concatThreads(names: string[]): Buffer {
  const parts: Buffer[] = [];
  for (const name of names) {
    for (const f of readdirSync(threadDir(name)).filter((x) => x.endsWith('.eml')).sort()) {
      const b = readFileSync(join(threadDir(name), f));
      parts.push(b);
      if (b[b.length - 1] !== 0x0a) parts.push(Buffer.from('\n'));
      parts.push(Buffer.from('\n'));
    }
  }
  return Buffer.concat(parts);
}
