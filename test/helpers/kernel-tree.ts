// Small kernel git trees for whole-function context tests: files at known
// commits, and arch/arm64/mm/mmu.c with the functions the ptdump v1 seed
// changes at the lines its hunks name (fixtures/tree).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fixture } from './fixtures.ts';

const ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x', GIT_AUTHOR_DATE: '2025-06-01T00:00:00Z', GIT_COMMITTER_DATE: '2025-06-01T00:00:00Z' };
const git = (cwd: string, ...args: string[]): string => execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8', env: ENV }).trim();

export const MMU = 'arch/arm64/mm/mmu.c';

/** arch/arm64/mm/mmu.c with pmd_free_pte_page()/pud_free_pmd_page() at line 1251 (+ shift). */
export function arm64MmuC(shift = 0): string {
  const filler = Array.from({ length: 1250 + shift }, (_, i) => `/* arch/arm64/mm/mmu.c line ${i + 1} */`);
  return [...filler, readFileSync(fixture('tree', 'arm64-mmu-pgtable-free.c'), 'utf8')].join('\n');
}

/** A git repo at `dir` with one commit per entry of `commits` (path → text). */
export function kernelTreeRepo(dir: string, commits: Array<Record<string, string>>): { dir: string; commits: string[] } {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q');
  const out: string[] = [];
  for (const [i, files] of commits.entries()) {
    for (const [p, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), text);
    }
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', `commit ${i}`);
    out.push(git(dir, 'rev-parse', 'HEAD'));
  }
  return { dir, commits: out };
}
