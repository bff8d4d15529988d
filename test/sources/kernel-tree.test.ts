// Whole-file context from a local kernel git tree: a small repo is built
// from the pre-image the real x86 patch shows (its context and removed
// lines at their line numbers), committed at a known commit; the patch is
// applied to it for the post-image, also when its hunks moved, and a base
// it does not fit is reported as such.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseRawMessage, isPatchMail } from '../../src/mail/parse.ts';
import { parseUnifiedDiff } from '../../src/patch/diff.ts';
import { wholeFiles } from '../../src/patch/file-provider.ts';
import type { FileChange } from '../../src/patch/types.ts';
import { GitTreeFileProvider } from '../../src/sources/kernel-tree.ts';
import { fixture } from '../helpers/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'ptbot-tree-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x', GIT_AUTHOR_DATE: '2018-03-14T00:00:00Z', GIT_COMMITTER_DATE: '2018-03-14T00:00:00Z' } }).trim();

async function x86Patch(): Promise<FileChange[]> {
  const path = fixture('lore', 'bugs', 'x86_free_pmd_pte_page_no_tlb_purge', 'introducing.patch');
  const { message } = await parseRawMessage({ bytes: readFileSync(path), origin: { input: path, where: 'message 1' } });
  assert.ok(message && isPatchMail(message));
  return parseUnifiedDiff(message.diff).files;
}

/** The old file as far as the hunks show it; `shift` filler lines on top. */
function preImageFromHunks(file: FileChange, shift = 0): string {
  const last = Math.max(...file.hunks.map((h) => h.oldStart + h.oldLines));
  const lines = Array.from({ length: last + 20 }, (_, i) => `/* line ${i + 1} of the base */`);
  for (const h of file.hunks) {
    let n = h.oldStart - 1;
    for (const l of h.lines) if (l.kind !== 'added') lines[n++] = l.text;
  }
  return [...Array.from({ length: shift }, (_, i) => `/* moved ${i} */`), ...lines].join('\n') + '\n';
}

function repo(name: string, files: Record<string, string>): { dir: string; commit: string } {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  git(d, 'init', '-q');
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(d, p)), { recursive: true });
    writeFileSync(join(d, p), text);
  }
  git(d, 'add', '-A');
  git(d, 'commit', '-q', '-m', 'base');
  return { dir: d, commit: git(d, 'rev-parse', 'HEAD') };
}

test('the patch applied to its base gives the post-image; base-commit resolves, or HEAD', async () => {
  const files = await x86Patch();
  const pgtable = files[0];
  assert.ok(pgtable);
  assert.equal(pgtable.path, 'arch/x86/mm/pgtable.c');
  const base = repo('exact', { [pgtable.path]: preImageFromHunks(pgtable) });
  const provider = new GitTreeFileProvider(base.dir);
  try {
    assert.deepEqual(await provider.resolveBase(base.commit), { commit: base.commit, from: 'base-commit' });
    assert.deepEqual(await provider.resolveBase('0123456789abcdef0123456789abcdef01234567'), { commit: base.commit, from: 'head' });
    const [whole] = await wholeFiles(files, provider, base.commit);
    assert.equal(whole?.kind, 'whole');
    if (whole?.kind !== 'whole') return;
    const post = whole.post.split('\n');
    // Every added line is in the post-image at its new line number.
    for (const h of pgtable.hunks) for (const l of h.lines) if (l.kind === 'added') assert.equal(post[(l.newLine ?? 0) - 1], l.text);
    assert.ok(post.includes('\tpud_clear(pud);'));
    assert.equal(await provider.fileAt(base.commit, 'no/such/file.c'), undefined);
  } finally {
    await provider.close();
  }
});

test('hunks that moved still apply (offset); a base they do not fit is analysed on fragments', async () => {
  const files = await x86Patch();
  const pgtable = files[0];
  assert.ok(pgtable);
  const moved = repo('moved', { [pgtable.path]: preImageFromHunks(pgtable, 7) });
  const p1 = new GitTreeFileProvider(moved.dir);
  const [w1] = await wholeFiles(files, p1, moved.commit);
  await p1.close();
  assert.equal(w1?.kind, 'whole');

  const broken = preImageFromHunks(pgtable).replace('int pud_free_pmd_page(pud_t *pud)', 'int pud_free_pmd_page(pud_t *pud, unsigned long addr)');
  const other = repo('other', { [pgtable.path]: broken });
  const p2 = new GitTreeFileProvider(other.dir);
  const [w2] = await wholeFiles(files, p2, other.commit);
  await p2.close();
  assert.equal(w2?.kind, 'fragments');
  if (w2?.kind === 'fragments') assert.match(w2.reason, /^arch\/x86\/mm\/pgtable\.c: hunk @@ -\d+,\d+ @@.* does not apply to the base$/);

  const missing = repo('missing', { 'README': 'x\n' });
  const p3 = new GitTreeFileProvider(missing.dir);
  const [w3] = await wholeFiles(files, p3, missing.commit);
  await p3.close();
  assert.deepEqual(w3, { kind: 'fragments', path: pgtable.path, reason: `${pgtable.path} does not exist at ${missing.commit.slice(0, 12)}` });
});

test('many files through one cat-file process keep their order', async () => {
  const texts = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`mm/f${i}.c`, `int f${i};\n`.repeat(i + 1)]));
  const r = repo('many', texts);
  const p = new GitTreeFileProvider(r.dir);
  const got = await Promise.all(Object.keys(texts).map((f) => p.fileAt(r.commit, f)));
  await p.close();
  assert.deepEqual(got, Object.values(texts));
});

test('paths from mail that are not tree paths are never sent down the batch pipe, and later answers stay in order', async () => {
  const r = repo('hostile-paths', { 'mm/a.c': 'int a;\n', 'mm/b.c': 'int b;\n' });
  const p = new GitTreeFileProvider(r.dir);
  const hostile = ['mm/a.c\nHEAD:mm/b.c', '../../etc/passwd', '/etc/passwd', 'mm/../mm/a.c', 'mm//a.c', '', 'mm/a.c\u0000'];
  const got = await Promise.all([...hostile, 'mm/b.c', 'mm/a.c'].map((f) => p.fileAt(r.commit, f)));
  assert.deepEqual(got, [...hostile.map(() => undefined), 'int b;\n', 'int a;\n']);
  // A commit that is not a hash is not asked for either.
  assert.equal(await p.fileAt('HEAD --batch-all-objects', 'mm/a.c'), undefined);
  await p.close();
});
