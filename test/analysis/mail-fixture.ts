// Test helper until src/mail/ lands: a PatchMail (and a one-version Series)
// from a fixture file holding one patch mail, read just well enough for the
// analysis tests (8-bit bodies; the diff from `diff --git` to the signature).
import { readFileSync } from 'node:fs';
import type { PatchMail, Series } from '../../src/mail/types.ts';

function header(head: string, name: string): string | undefined {
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(unfolded);
  return m?.[1]?.trim();
}

/** The diff part of a patch mail body: from `diff --git` to `-- ` or the end. */
export function diffPart(body: string): string {
  const start = body.search(/^diff --git /m);
  if (start < 0) return '';
  const rest = body.slice(start);
  const sig = rest.search(/^-- $/m);
  return sig < 0 ? rest : rest.slice(0, sig);
}

export function patchMailFromText(text: string, input: string): PatchMail {
  const split = text.search(/\r?\n\r?\n/);
  const head = text.slice(0, split);
  const body = text.slice(split).replace(/^\r?\n\r?\n/, '');
  const subject = header(head, 'Subject') ?? input;
  // With its angle brackets, as src/mail/ keeps it.
  const messageId = header(head, 'Message-ID') ?? `<${input}>`;
  const tag = /\[PATCH(?: v(\d+))?(?: (\d+)\/(\d+))?\]/.exec(subject);
  const diff = diffPart(body);
  const mail: PatchMail = {
    messageId,
    subject,
    from: { name: header(head, 'From') ?? '', address: '' },
    references: [],
    body,
    isReply: false,
    origin: { input, where: 'message 1' },
    lists: [],
    commitMessage: body.slice(0, Math.max(0, body.search(/^---$/m))),
    trailers: [],
    diff,
    files: [...diff.matchAll(/^diff --git a\/\S+ b\/(\S+)$/gm)].map((m) => m[1] as string),
    patchId: messageId,
  };
  if (tag) {
    mail.tag = {
      version: Number(tag[1] ?? 1),
      versionExplicit: tag[1] !== undefined,
      rfc: false,
      resend: false,
      prefixes: [],
      title: subject.replace(/^.*\]\s*/, ''),
      raw: tag[0].slice(1, -1),
      ...(tag[2] !== undefined ? { index: Number(tag[2]), total: Number(tag[3]) } : {}),
    };
  }
  return mail;
}

export function patchMailFromFile(path: string): PatchMail {
  return patchMailFromText(readFileSync(path, 'utf8'), path);
}

/** A one-version series of `patches`, as src/mail/ would assemble it. */
export function seriesOf(patches: PatchMail[], id = 'test-series'): Series {
  const first = patches[0];
  const version = first?.tag?.version ?? 1;
  return {
    id,
    subject: first?.tag?.title ?? first?.subject ?? id,
    author: first?.from ?? { name: '', address: '' },
    versions: [
      { version, patches, fixups: [], missing: [], resend: false, rfc: false, messageIds: patches.map((p) => p.messageId) },
    ],
    patchLineage: patches.map((p) => ({ title: p.tag?.title ?? p.subject, byVersion: { [version]: p.messageId } })),
  };
}
