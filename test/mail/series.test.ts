// Series assembly on real lore threads. Expected values were checked by
// hand against the messages (MANIFEST.tsv of each fixture thread).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { ingest } from '../../src/mail/ingest.ts';
import { readLocalInputs, readStream } from '../../src/sources/local-files.ts';
import { threadDir, threadNames, concatThreads } from '../helpers/fixtures.ts';

const ingestDirs = (...names: string[]) => ingest(readLocalInputs(names.map(threadDir)));

test('ptdump threads: one series, versions 1, 2, 4, 5, 6; the b4 thank-you is never reviewed', async () => {
  const r = await ingestDirs('arm64_vmalloc_huge_ptdump');
  assert.equal(r.series.length, 1);
  const s = r.series[0];
  assert.ok(s);
  assert.equal(s.subject, 'arm64: Enable vmalloc-huge with ptdump');
  assert.equal(s.author.address, 'dev.jain@arm.com');
  assert.deepEqual(s.versions.map((v) => v.version), [1, 2, 4, 5, 6]);
  assert.deepEqual(s.versions.map((v) => v.patches[0]?.messageId), [
    '<20250530082021.18182-1-dev.jain@arm.com>', '<20250610160048.11254-1-dev.jain@arm.com>',
    '<20250626052524.332-1-dev.jain@arm.com>', '<20250723102905.7894-1-dev.jain@arm.com>',
    '<20250922064126.63016-1-dev.jain@arm.com>',
  ]);
  assert.equal(r.stats.noReview, 1);
  assert.equal(r.messages.find((m) => m.noReview)?.messageId, '<175853832495.3123711.10100627692023962115.b4-ty@kernel.org>');
});

test('a RESEND is the same version, not a new one', async () => {
  const r = await ingestDirs('hugetlb_pmd_unshare_mmu_gather_2025');
  const s = r.series.find((x) => /fixes for PMD table sharing/.test(x.subject));
  assert.ok(s);
  assert.deepEqual(s.versions.map((v) => [v.version, v.resend]), [[1, false], [2, false], [3, true]]);
  const v3 = s.versions[2];
  assert.ok(v3?.cover);
  // v3 was posted with 3 patches, then resent with 4: the resend wins.
  assert.equal(v3?.total, 4);
});

test("Kevin Brodsky's lazy_mmu nesting: one series v1..v6, generic helpers matched across renumbering", async () => {
  const r = await ingestDirs('lazy_mmu_nesting');
  const kevin = r.series.filter((s) => s.author.address === 'kevin.brodsky@arm.com' && /Nesting support for lazy MMU mode/.test(s.subject));
  assert.equal(kevin.length, 1);
  const s = kevin[0];
  assert.ok(s);
  assert.deepEqual(s.versions.map((v) => v.version), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(s.versions.map((v) => v.total), [7, 7, 13, 12, 12, 14]);
  const helpers = s.patchLineage.find((l) => l.title === 'mm: introduce generic lazy_mmu helpers');
  assert.ok(helpers, 'lineage entry for the generic helpers patch');
  const indexOf = (v: number) => s.versions.find((x) => x.version === v)?.patches.find((p) => p.messageId === helpers.byVersion[v])?.tag?.index;
  assert.deepEqual([3, 4, 5, 6].map(indexOf), [6, 6, 6, 7]);
  // Balbir's kasan fix in the same folder is a series of its own, by its real author.
  assert.ok(r.series.some((x) => x.author.address === 'balbirs@nvidia.com' && x.versions.length === 1));
});

test('fixups posted on top of a patch stay beside it, not in its place', async () => {
  const r = await ingestDirs('hugh_free_retracted_pgtable_rcu');
  assert.equal(r.series.length, 1);
  const v3 = r.series[0]?.versions.find((v) => v.version === 3);
  assert.ok(v3);
  assert.equal(v3.patches.find((p) => p.tag?.index === 10)?.subject, '[PATCH v3 10/13] mm/khugepaged: collapse_pte_mapped_thp() with mmap_read_lock()');
  assert.deepEqual(v3.fixups.map((f) => f.tag?.prefixes.join(' ')).sort(), ['fix', 'fix', 'fix', 'fix', 'fix2']);
});

test('the tip commits corpus: every [tip: ...] commit mail is a commit notification', async () => {
  const r = await ingestDirs('x86_tip_pgtable_tlb_commits');
  assert.equal(r.messages.length, 524);
  const tip = r.messages.filter((m) => /^\[tip[: ]/.test(m.subject));
  assert.equal(tip.length, 209);
  assert.ok(tip.every((m) => m.noReview === 'commit-notification'));
  // Replies to them are people talking: those are not notifications.
  const replies = r.messages.filter((m) => /^Re: \[tip/.test(m.subject));
  assert.ok(replies.length > 0);
  assert.ok(replies.every((m) => m.noReview !== 'commit-notification'));
  assert.ok(r.series.every((s) => s.versions.every((v) => v.patches.every((p) => !p.noReview))));
});

test('every thread folder assembles without a crash and with no lost message', async () => {
  for (const name of threadNames()) {
    const r = await ingestDirs(name);
    const files = r.messages.length + r.problems.filter((p) => /skipped/.test(p.message)).length;
    assert.ok(files > 0, name);
    for (const s of r.series) {
      assert.ok(s.versions.length > 0, `${name}: ${s.subject}`);
      assert.match(s.id, /^[0-9a-f]{12}$/);
    }
  }
});

test('broken input: 50 MB mail, missing Message-ID, garbage, loop in References; the rest is processed', async () => {
  const good = concatThreads(['arm64_vmalloc_huge_ptdump']);
  const sep = 'From mboxrd@z Thu Jan  1 00:00:00 1970\n';
  const huge = sep + 'From: X <x@example.org>\nMessage-ID: <huge@x>\nSubject: [PATCH] huge\n\n' + ('y'.repeat(99) + '\n').repeat(520_000) + '\n';
  const noId = sep + 'From: X <x@example.org>\nSubject: [PATCH] no id\n\nbody\n\n';
  const garbage = sep + '\u0000\u0001\u0002 not a header at all \u00ff\n\n';
  const loopA = sep + 'From: L <l@example.org>\nMessage-ID: <loop-a@x>\nIn-Reply-To: <loop-b@x>\nReferences: <loop-b@x>\nSubject: Re: a\n\na\n\n';
  const loopB = sep + 'From: L <l@example.org>\nMessage-ID: <loop-b@x>\nIn-Reply-To: <loop-a@x>\nReferences: <loop-a@x>\nSubject: Re: b\n\nb\n\n';
  const input = Buffer.concat([Buffer.from(huge), Buffer.from(noId), Buffer.from(garbage), Buffer.from(loopA), Buffer.from(loopB), good]);
  const r = await ingest(readStream('broken.mbox', Readable.from([input]), 32 * 1024 * 1024));
  const msg = (re: RegExp) => r.problems.find((p) => re.test(p.message));
  const big = msg(/over the limit/);
  assert.deepEqual([big?.input, big?.where], ['broken.mbox', 'message 1 (line 1)']);
  assert.match(msg(/missing Message-ID/)?.where ?? '', /^message 2 \(line \d+\)$/);
  assert.ok(msg(/not a mail: the first line is not a header field/), 'garbage reported');
  assert.match(msg(/loop in In-Reply-To\/References/)?.message ?? '', /<loop-a@x> -> <loop-b@x> -> <loop-a@x>|<loop-b@x> -> <loop-a@x> -> <loop-b@x>/);
  // The ptdump series after all of that is intact.
  const s = r.series.find((x) => x.subject === 'arm64: Enable vmalloc-huge with ptdump');
  assert.deepEqual(s?.versions.map((v) => v.version), [1, 2, 4, 5, 6]);
});
