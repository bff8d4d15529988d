// Whole-function context from a kernel git tree (issue 6): a small repo is
// built at a known commit with the arm64 functions the ptdump v1 seed
// changes (fixtures/tree), and the real patch mail is analysed with and
// without it. Without the tree the design finding rests on fragments and is
// lowered to info; with it both functions are whole and it is a warning.
// Trees the patch does not fit, base-commit resolution, and a series whose
// second patch only applies on top of the first are checked too.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { analyzeSeries } from '../../src/analysis/analyze.ts';
import type { PatchMail, Series } from '../../src/mail/types.ts';
import { GitTreeFileProvider } from '../../src/sources/kernel-tree.ts';
import { fixture } from '../helpers/fixtures.ts';
import { MMU, arm64MmuC, kernelTreeRepo } from '../helpers/kernel-tree.ts';
import { patchMailFromFile, patchMailFromText, seriesOf } from './mail-fixture.ts';
import { options } from './options.ts';

const dir = mkdtempSync(join(tmpdir(), 'ptbot-tree-context-'));
const providers: GitTreeFileProvider[] = [];
after(async () => {
  for (const p of providers) await p.close();
  rmSync(dir, { recursive: true, force: true });
});

const repo = (name: string, commits: Array<Record<string, string>>) => kernelTreeRepo(join(dir, name), commits);

function provider(treeDir: string): GitTreeFileProvider {
  const p = new GitTreeFileProvider(treeDir);
  providers.push(p);
  return p;
}

const V1 = fixture('lore', 'threads', 'arm64_vmalloc_huge_ptdump', '0001.eml');
const seed = (): Series[] => [seriesOf([patchMailFromFile(V1)])];
const designFindings = (r: Awaited<ReturnType<typeof analyzeSeries>>) => r.findings.filter((f) => f.ruleId === 'core-path-debug-lock');

test('ptdump v1 without a tree: the design finding rests on fragments and is info', async () => {
  const r = await analyzeSeries(seed(), options());
  const design = designFindings(r);
  assert.equal(design.length, 2);
  for (const f of design) {
    assert.equal(f.confidence, 'fragment');
    assert.equal(f.severity, 'info');
  }
  assert.equal(r.series[0]!.versions[0]!.patches[0]!.tree, undefined);
});

test('ptdump v1 with the kernel tree: both functions whole, the design finding is a warning at the same lines', async () => {
  const tree = repo('exact', [{ [MMU]: arm64MmuC() }]);
  const without = designFindings(await analyzeSeries(seed(), options()));
  const r = await analyzeSeries(seed(), options({ fileProvider: provider(tree.dir) }));
  const design = designFindings(r);
  assert.deepEqual(design.map((f) => [f.function, f.line, f.confidence, f.severity]), [
    ['pmd_free_pte_page', 1266, 'whole-function', 'warning'],
    ['pud_free_pmd_page', 1297, 'whole-function', 'warning'],
  ]);
  // The same finding as on fragments: same fingerprint, so a later tree-less run does not call it new.
  assert.deepEqual(design.map((f) => f.fingerprint), without.map((f) => f.fingerprint));
  const patch = r.series[0]!.versions[0]!.patches[0]!;
  assert.deepEqual(patch.tree, { base: tree.commits[0], from: 'head', wholeFunctionFiles: [MMU] });
  assert.ok(patch.notes.includes(`whole functions from HEAD ${tree.commits[0]!.slice(0, 12)} of the kernel tree: ${MMU}`), patch.notes.join('\n'));
  // vmalloc.h is not in this tree: that file stays on fragments, and the note says why.
  assert.ok(patch.notes.some((n) => n.startsWith('arch/arm64/include/asm/vmalloc.h: analysed on fragments (arch/arm64/include/asm/vmalloc.h does not exist at')), patch.notes.join('\n'));
});

test('a tree whose file moved by a few lines still gives whole functions at the patch\'s line numbers', async () => {
  const tree = repo('moved', [{ [MMU]: arm64MmuC(7) }]);
  const r = await analyzeSeries(seed(), options({ fileProvider: provider(tree.dir) }));
  assert.deepEqual(designFindings(r).map((f) => [f.line, f.severity]), [[1266, 'warning'], [1297, 'warning']]);
});

test('a tree the patch does not apply to: analysed on fragments, and the patch says so', async () => {
  const other = arm64MmuC().replace('\tpmd_clear(pmdp);', '\tpmd_clear(pmdp); /* changed since */');
  const tree = repo('other', [{ [MMU]: other }]);
  const r = await analyzeSeries(seed(), options({ fileProvider: provider(tree.dir) }));
  assert.deepEqual(designFindings(r).map((f) => [f.confidence, f.severity]), [['fragment', 'info'], ['fragment', 'info']]);
  const patch = r.series[0]!.versions[0]!.patches[0]!;
  assert.deepEqual(patch.tree?.wholeFunctionFiles, []);
  assert.ok(patch.notes.some((n) => n.startsWith(`${MMU}: analysed on fragments (${MMU}: hunk @@ -1261,7 @@ int pmd_free_pte_page(pmd_t *pmdp, unsigned long addr) does not apply to the base)`)), patch.notes.join('\n'));
});

test('base-commit: in the tree it is the base; unknown, HEAD is used and the note says so', async () => {
  const good = arm64MmuC();
  const tree = repo('history', [{ [MMU]: good }, { [MMU]: good.replace('\tpmd_clear(pmdp);', '\tpmd_clear(pmdp); /* later */') }]);
  const withBase = (base: string): Series[] => {
    const s = seed();
    const v = s[0]!.versions[0]!;
    v.baseCommit = base;
    return s;
  };
  const known = await analyzeSeries(withBase(tree.commits[0]!), options({ fileProvider: provider(tree.dir) }));
  assert.deepEqual(known.series[0]!.versions[0]!.patches[0]!.tree, { base: tree.commits[0], from: 'base-commit', wholeFunctionFiles: [MMU] });
  assert.deepEqual(designFindings(known).map((f) => f.severity), ['warning', 'warning']);
  const unknown = await analyzeSeries(withBase('0123456789abcdef0123456789abcdef01234567'), options({ fileProvider: provider(tree.dir) }));
  const patch = unknown.series[0]!.versions[0]!.patches[0]!;
  assert.equal(patch.tree?.from, 'head');
  assert.equal(patch.notes[0]?.startsWith('base-commit 0123456789ab is not in the kernel tree: applied to its HEAD instead'), true, patch.notes.join('\n'));
  // HEAD has the later change: the patch no longer applies there.
  assert.deepEqual(designFindings(unknown).map((f) => f.severity), ['info', 'info']);
});

test('patch 2 of a series is applied on top of patch 1, as git am would', async () => {
  const first = patchMailFromFile(V1);
  const diff2 = `diff --git a/${MMU} b/${MMU}
--- a/${MMU}
+++ b/${MMU}
@@ -1264,8 +1264,8 @@ int pmd_free_pte_page(pmd_t *pmdp, unsigned long addr)
 
 \t/* Synchronize against ptdump_walk_pgd() */
-\tmmap_read_lock(&init_mm);
+\tmmap_write_lock(&init_mm);
 \tpmd_clear(pmdp);
-\tmmap_read_unlock(&init_mm);
+\tmmap_write_unlock(&init_mm);
 \t__flush_tlb_kernel_pgtable(addr);
 \tpte_free_kernel(NULL, table);
 \treturn 1;
`;
  const second: PatchMail = patchMailFromText(
    `From: Test <t@example.org>\nSubject: [PATCH 2/2] arm64/mm: take the write lock\nMessage-ID: <second@example.org>\nDate: Mon, 2 Jun 2025 00:00:00 +0000\n\nTake the write lock.\n\nSigned-off-by: Test <t@example.org>\n---\n${diff2}`,
    'second',
  );
  const tree = repo('series', [{ [MMU]: arm64MmuC() }]);
  const series = seriesOf([{ ...first, tag: { ...first.tag!, index: 1, total: 2 } } as PatchMail, { ...second, tag: { ...second.tag!, index: 2, total: 2 } } as PatchMail]);
  const r = await analyzeSeries([series], options({ fileProvider: provider(tree.dir) }));
  const patches = r.series[0]!.versions[0]!.patches;
  assert.equal(patches.length, 2);
  assert.deepEqual(patches[1]!.tree?.wholeFunctionFiles, [MMU], patches[1]!.notes.join('\n'));
  // Alone, against the bare base, patch 2 does not apply.
  const alone = await analyzeSeries([seriesOf([second])], options({ fileProvider: provider(tree.dir) }));
  assert.deepEqual(alone.series[0]!.versions[0]!.patches[0]!.tree?.wholeFunctionFiles, []);
});

test('ptbot analyze with analysis.kernelTree (PTBOT_KERNEL_TREE): whole functions, said in the output; a bad tree path is a usage error', async () => {
  const { ptbot } = await import('../helpers/cli.ts');
  const tree = repo('cli', [{ [MMU]: arm64MmuC() }]);
  const run = ptbot(['analyze', '--format', 'json', V1], { env: { PTBOT_KERNEL_TREE: tree.dir } });
  assert.equal(run.code, 1, run.stderr);
  const doc = JSON.parse(run.stdout) as { findings: Array<{ ruleId: string; severity: string; confidence: string }>; analysed: Array<{ versions: Array<{ patches: Array<{ tree?: unknown; notes: string[] }> }> }> };
  const design = doc.findings.filter((f) => f.ruleId === 'core-path-debug-lock');
  assert.deepEqual(design.map((f) => [f.severity, f.confidence]), [['warning', 'whole-function'], ['warning', 'whole-function']]);
  const patch = doc.analysed[0]!.versions[0]!.patches[0]!;
  assert.deepEqual(patch.tree, { base: tree.commits[0], from: 'head', wholeFunctionFiles: [MMU] });
  const text = ptbot(['analyze', V1], { env: { PTBOT_KERNEL_TREE: tree.dir } });
  assert.match(text.stdout, /whole functions from HEAD [0-9a-f]{12} of the kernel tree: arch\/arm64\/mm\/mmu\.c/);
  const bad = ptbot(['analyze', V1], { env: { PTBOT_KERNEL_TREE: join(dir, 'no-such-tree') } });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /analysis\.kernelTree: .*no-such-tree is not a git repository/);
});

test('ptbot replay with the kernel tree: the reply says what it was analysed against', async () => {
  const { ptbot } = await import('../helpers/cli.ts');
  const tree = repo('replay', [{ [MMU]: arm64MmuC() }]);
  const run = ptbot(['replay', '--date', '2026-12-01T10:00:00Z', V1], { env: { PTBOT_KERNEL_TREE: tree.dir } });
  assert.equal(run.code, 0, run.stderr);
  const unfolded = run.stdout.replace(/\n(?!\n)/g, ' ');
  assert.match(unfolded, new RegExp(`analysed against the HEAD \\(${tree.commits[0]!.slice(0, 12)}\\) of the configured kernel tree, with whole functions`));
  const other = repo('replay-other', [{ [MMU]: arm64MmuC().replace('\tpmd_clear(pmdp);', '\tpmd_clear(pmdp); /* changed */') }]);
  const frag = ptbot(['replay', '--date', '2026-12-01T10:00:00Z', V1], { env: { PTBOT_KERNEL_TREE: other.dir } });
  // On fragments the design finding is info, under the default reply threshold: no reply at all.
  assert.equal(frag.code, 0, frag.stderr);
  assert.equal(frag.stdout, '');
});

test('hostile input from the mail and the tree: a path leaving the tree, an option-like base-commit, a file over 4 MiB, non-UTF-8 bytes', async () => {
  const big = `/* ${'x'.repeat(4 * 1024 * 1024)} */\n`;
  const tree = repo('hostile', [{ [MMU]: arm64MmuC(), 'mm/huge.c': big, 'mm/latin1.c': '' }]);
  writeFileSync(join(tree.dir, 'mm/latin1.c'), Buffer.from([0x2f, 0x2a, 0x20, 0xe9, 0xff, 0x20, 0x2a, 0x2f, 0x0a, 0x69, 0x6e, 0x74, 0x20, 0x78, 0x3b, 0x0a]));
  const diffOf = (path: string, old: string, neu: string): string =>
    `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n@@ -1,1 +1,1 @@\n-${old}\n+${neu}\n`;
  const mail = (id: string, diff: string): PatchMail => patchMailFromText(
    `From: Test <t@example.org>\nSubject: [PATCH] mm: hostile ${id}\nMessage-ID: <${id}@example.org>\nDate: Mon, 2 Jun 2025 00:00:00 +0000\n\nHostile input.\n\nSigned-off-by: Test <t@example.org>\n---\n${diff}`,
    id,
  );
  const patches = [
    mail('escape', diffOf('../../etc/passwd', 'root:x:0:0', 'root::0:0')),
    mail('huge', diffOf('mm/huge.c', big.trimEnd(), '/* small */')),
    mail('latin1', diffOf('mm/latin1.c', '/* \u00e9 */', '/* e */')),
  ];
  const p = provider(tree.dir);
  const series = patches.map((m, i) => seriesOf([m], `hostile-${i}`));
  // The mail parser keeps only hex base-commits; the provider must not trust its callers either.
  for (const s of series) s.versions[0]!.baseCommit = '--output=/tmp/ptbot-evil';
  const r = await analyzeSeries(series, options({ fileProvider: p, relevance: { paths: ['**'], identifiers: [] } }));
  const notes = r.series.map((s) => s.versions[0]!.patches[0]!.notes.join('\n'));
  assert.match(notes[0]!, /\.\.\/\.\.\/etc\/passwd: analysed on fragments \(\.\.\/\.\.\/etc\/passwd does not exist at [0-9a-f]{12}\)/);
  assert.match(notes[1]!, /mm\/huge\.c: analysed on fragments \(mm\/huge\.c is over 4 MiB\)/);
  // Not valid UTF-8: read with replacement characters, so the hunk does not match and the file stays on fragments.
  assert.match(notes[2]!, /mm\/latin1\.c: analysed on fragments \(mm\/latin1\.c: hunk @@ -1,1 @@ does not apply to the base\)/);
  // The option-like base-commit never reached git: HEAD was used, and said so.
  for (const n of notes) assert.match(n, /base-commit --output=\/tm is not in the kernel tree: applied to its HEAD instead/);
  // The batch pipe still answers in order afterwards.
  assert.equal((await p.fileAt(tree.commits[0]!, MMU))?.split('\n')[1250], 'int pmd_free_pte_page(pmd_t *pmdp, unsigned long addr)');
});
