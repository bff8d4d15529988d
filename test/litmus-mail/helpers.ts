// Test helpers: herd7's expected results from the corpus, corpus tests as
// text, and hand-made messages (a reply quoting a test, a patch adding a
// litmus file) for the cases the fixture threads do not show.
import { readFileSync } from 'node:fs';
import { ingest, type Ingested } from '../../src/mail/ingest.ts';
import type { MailMessage, PatchMail } from '../../src/mail/types.ts';
import { readLocalInputs } from '../../src/sources/local-files.ts';
import { fixture, threadDir } from '../helpers/fixtures.ts';

export interface HerdExpectation { observation: string; states: number; positive: number; negative: number }

/** A row of fixtures/litmus/expected.tsv (herd7 7.58+1's results). */
export function herdExpected(file: string): HerdExpectation {
  const rows = readFileSync(fixture('litmus', 'expected.tsv'), 'utf8').split('\n').map((l) => l.split('\t'));
  const row = rows.find((r) => r[0] === file);
  if (row === undefined) throw new Error(`expected.tsv has no row for ${file}`);
  return { observation: row[4]!, states: Number(row[5]), positive: Number(row[6]), negative: Number(row[7]) };
}

export function corpusTest(file: string): string {
  return readFileSync(fixture('litmus', file), 'utf8');
}

export async function thread(name: string): Promise<Ingested> {
  return ingest(readLocalInputs([threadDir(name)]));
}

/** `text` with `prefix` in front of every line, as a mailer quotes. */
export function quote(text: string, prefix = '> '): string {
  return text.split('\n').map((l) => (l === '' ? prefix.trimEnd() : `${prefix}${l}`)).join('\n');
}

export function message(id: string, body: string, extra: Partial<MailMessage> = {}): MailMessage {
  return {
    messageId: `<${id}>`,
    subject: 'Re: [PATCH] mm: a change',
    from: { name: 'A Reviewer', address: 'reviewer@example.org' },
    references: [],
    body,
    isReply: true,
    origin: { input: 'test', where: id },
    lists: [],
    ...extra,
  };
}

export function patchMail(id: string, commitMessage: string, diff: string): PatchMail {
  const body = `${commitMessage}\n---\n${diff}`;
  return {
    ...message(id, body, { subject: '[PATCH] tools/memory-model: add a test', isReply: false }),
    commitMessage,
    trailers: [],
    diff,
    files: [...diff.matchAll(/^diff --git a\/\S+ b\/(\S+)$/gm)].map((m) => m[1]!),
    patchId: id,
  };
}

/** A diff adding `path` with `text` as its content. */
export function addFileDiff(path: string, text: string): string {
  const lines = text.replace(/\n$/, '').split('\n');
  return [
    `diff --git a/${path} b/${path}`,
    'new file mode 100644',
    'index 0000000..1111111',
    '--- /dev/null',
    `+++ b/${path}`,
    `@@ -0,0 +1,${lines.length} @@`,
    ...lines.map((l) => `+${l}`),
    '',
  ].join('\n');
}
