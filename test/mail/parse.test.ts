import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isPatchMail, parseRawMessage } from '../../src/mail/parse.ts';
import { threadDir } from '../helpers/fixtures.ts';
import type { PatchMail } from '../../src/mail/types.ts';

async function parseFile(thread: string, file: string) {
  const path = `${threadDir(thread)}/${file}`;
  return parseRawMessage({ bytes: readFileSync(path), origin: { input: path, where: 'message 1' } });
}
async function parseText(text: string | Buffer) {
  return parseRawMessage({ bytes: Buffer.isBuffer(text) ? text : Buffer.from(text), origin: { input: 'x.eml', where: 'message 1' } });
}

test('quoted-printable patch via Google Groups: decoded diff and the real author', async () => {
  const { message, problems } = await parseFile('lazy_mmu_kasan_hazards', '0006.eml');
  assert.deepEqual(problems, []);
  assert.ok(message && isPatchMail(message));
  const m = message as PatchMail;
  assert.deepEqual(m.from, { name: 'Balbir Singh', address: 'balbirs@nvidia.com' });
  assert.equal(m.tag?.title, 'kasan: Fix warnings caused by use of arch_enter_lazy_mmu_mode()');
  // "=20" blank context lines and soft line breaks are decoded.
  assert.match(m.diff, /\n \t}\n \tspin_unlock\(&init_mm\.page_table_lock\);\n \n-\tarch_enter_lazy_mmu_mode\(\);\n\+\t\(void\)arch_enter_lazy_mmu_mode\(\);\n/);
  assert.match(m.diff, /@@ -319,7 \+319,7 @@ static int kasan_populate_vmalloc_pte\(pte_t \*ptep, unsigned long addr,\n/);
  assert.deepEqual(m.files, ['mm/kasan/shadow.c']);
  assert.match(m.commitMessage, /In function ‘kasan_populate_vmalloc_pte’:/);
  assert.deepEqual(m.trailers, [
    { key: 'Fixes', value: 'c519c3c0a113 ("mm/kasan: avoid lazy MMU mode hazards")' },
    { key: 'Signed-off-by', value: 'Balbir Singh <balbirs@nvidia.com>' },
  ]);
  assert.equal(m.patchId.length, 40);
  assert.deepEqual(m.lists, ['kasan-dev.googlegroups.com']);
});

test('a plain git-send-email patch: tag, commit message, files, threading fields', async () => {
  const { message } = await parseFile('arm64_vmalloc_huge_ptdump', '0001.eml');
  assert.ok(message && isPatchMail(message));
  assert.equal(message.messageId, '<20250530082021.18182-1-dev.jain@arm.com>');
  assert.equal(message.tag?.version, 1);
  assert.equal(message.isReply, false);
  assert.deepEqual(message.files, ['arch/arm64/include/asm/vmalloc.h', 'arch/arm64/mm/mmu.c']);
  assert.match(message.commitMessage, /^arm64 disables vmalloc-huge when kernel page table dumping is enabled,/);
  assert.doesNotMatch(message.commitMessage, /files changed/);
  assert.match(message.diff, /^diff --git a\/arch\/arm64\/include\/asm\/vmalloc\.h/);
  assert.doesNotMatch(message.diff, /^-- $/m);
});

test('iso-8859-1 reply decodes; replies are not patches', async () => {
  const { message } = await parseFile('arm64_vmalloc_huge_ptdump', '0002.eml');
  assert.ok(message);
  assert.equal(message.isReply, true);
  assert.equal(isPatchMail(message), false);
  assert.equal(message.inReplyTo, '<4202a03d-dacd-429c-91e6-81a5d05726a4@arm.com>');
  assert.ok(message.references.length >= 1);
  assert.ok(!message.body.includes('\ufffd'), 'no replacement characters after charset decoding');
});

test('base64 multipart with a C attachment: text decoded, attachment not taken for a patch', async () => {
  const { message, problems } = await parseFile('hugh_free_retracted_pgtable_rcu', '0131.eml');
  assert.ok(message);
  assert.equal(message.isReply, true);
  assert.match(message.body, /\S{20}/);
  assert.deepEqual(problems, []);
});

test('b4 thank-you and tip-bot mail are marked never to review', async () => {
  const ty = await parseFile('arm64_vmalloc_huge_ptdump', '0010.eml');
  assert.equal(ty.message?.noReview, 'applied-reply');
  const tip = await parseFile('x86_tip_pgtable_tlb_commits', '0002.eml');
  assert.equal(tip.message?.noReview, 'commit-notification');
  const human = await parseFile('arm64_vmalloc_huge_ptdump', '0005.eml');
  assert.equal(human.message?.noReview, undefined);
});

const minimal = (headers: string, body = 'hello\n') => `${headers}\n\n${body}`;

test('missing Message-ID: a synthetic id and an error naming input and place', async () => {
  const { message, problems } = await parseText(minimal('From: A <a@example.org>\nSubject: [PATCH] x'));
  assert.ok(message);
  assert.match(message.messageId, /^<missing-[0-9a-f]{16}@ptbot\.invalid>$/);
  assert.equal(problems.length, 1);
  assert.deepEqual({ input: problems[0]?.input, where: problems[0]?.where }, { input: 'x.eml', where: 'message 1' });
  assert.match(problems[0]?.message ?? '', /missing Message-ID/);
});

test('garbage bytes are reported, not thrown', async () => {
  const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
  const { message, problems } = await parseText(garbage);
  assert.equal(message, undefined);
  assert.ok(problems.length >= 1);
  assert.match(problems.map((p) => p.message).join('\n'), /not a mail: the first line is not a header field/);
});

test('a truncated multipart body says its closing boundary is missing', async () => {
  const text = 'From: A <a@example.org>\nMessage-ID: <t@x>\nSubject: s\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="BOUND"\n\n--BOUND\nContent-Type: text/plain\n\nhalf a mess';
  const { message, problems } = await parseText(text);
  assert.ok(message);
  assert.match(message.body, /half a mess/);
  assert.match(problems.map((p) => p.message).join('\n'), /closing boundary "--BOUND--" missing/);
});

test('a binary attachment is named and ignored; the text part is kept', async () => {
  const bin = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 256)).toString('base64');
  const text = `From: A <a@example.org>\nMessage-ID: <b@x>\nSubject: [PATCH] mm: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"\n\n--B\nContent-Type: text/plain\n\nSee the blob.\n--B\nContent-Type: application/octet-stream; name="blob.bin"\nContent-Disposition: attachment; filename="blob.bin"\nContent-Transfer-Encoding: base64\n\n${bin}\n--B--\n`;
  const { message, problems } = await parseText(text);
  assert.match(message?.body ?? '', /See the blob/);
  assert.equal(problems.length, 1);
  assert.match(problems[0]?.message ?? '', /attachment 'blob\.bin' \(application\/octet-stream, 300 bytes\) ignored: binary content/);
});

test('a patch sent as a text/x-patch attachment is read as the patch', async () => {
  const diff = 'diff --git a/mm/memory.c b/mm/memory.c\nindex 1..2 100644\n--- a/mm/memory.c\n+++ b/mm/memory.c\n@@ -1,3 +1,3 @@ f\n a\n-b\n+c\n d\n';
  const text = `From: A <a@example.org>\nMessage-ID: <p@x>\nSubject: [PATCH] mm: y\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"\n\n--B\nContent-Type: text/plain\n\nmm: y\n\nSigned-off-by: A <a@example.org>\n--B\nContent-Type: text/x-patch; name="0001-y.patch"\nContent-Disposition: attachment; filename="0001-y.patch"\n\n${diff}--B--\n`;
  const { message } = await parseText(text);
  assert.ok(message && isPatchMail(message));
  assert.deepEqual(message.files, ['mm/memory.c']);
});

test('self-references and duplicate references are dropped', async () => {
  const { message } = await parseText(minimal('From: A <a@example.org>\nMessage-ID: <me@x>\nIn-Reply-To: <me@x>\nReferences: <r1@x> <r1@x> <me@x> <r2@x>\nSubject: Re: [PATCH] x'));
  assert.deepEqual(message?.references, ['<r1@x>', '<r2@x>']);
  assert.equal(message?.inReplyTo, undefined);
});
