// Shared by the tests of R21, R22, R24, R25 and huge-pte-kernel-flush: the
// real patches that must stay quiet (clean patches and both sides of each bug
// pair's fix), the thread mails, and a short where/severity view of findings.
import { readdirSync } from 'node:fs';
import type { Finding } from '../../src/analysis/finding.ts';

/** fixtures/lore/clean/*.patch and every fixtures/lore/bugs/<pair>/fix.patch. */
export function cleanAndBugPatches(): string[] {
  const clean = readdirSync('fixtures/lore/clean').filter((f) => f.endsWith('.patch')).map((f) => `fixtures/lore/clean/${f}`);
  const fixes = readdirSync('fixtures/lore/bugs', { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(`fixtures/lore/bugs/${d.name}`).filter((f) => f === 'fix.patch').map((f) => `fixtures/lore/bugs/${d.name}/${f}`));
  return [...clean, ...fixes];
}

/** Every thread mail under fixtures/lore/threads. */
export function threadMails(): string[] {
  return readdirSync('fixtures/lore/threads').flatMap((t) =>
    readdirSync(`fixtures/lore/threads/${t}`).filter((f) => f.endsWith('.eml')).map((f) => `fixtures/lore/threads/${t}/${f}`),
  );
}

export const where = (fs: Finding[]): string[] => fs.map((f) => `${f.file}:${f.line} ${f.function ?? '-'} ${f.severity}`);
