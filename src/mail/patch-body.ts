// The parts of a patch mail's body: commit message, trailers, the diff, the
// files it touches, `base-commit:` / `change-id:`, and a patch-id that is
// insensitive to whitespace, line numbers and file order (the idea of
// `git patch-id --stable`), used to match a patch across versions.
import { createHash } from 'node:crypto';
import type { Trailer } from './types.ts';

export interface PatchBody {
  commitMessage: string;
  trailers: Trailer[];
  diff: string;
  files: string[];
  baseCommit?: string;
  changeId?: string;
  patchId: string;
  /** An in-body `From:` line (sender is not the author), if any. */
  inBodyFrom?: string;
}

const DIFF_GIT = /^diff --git /;

/** Index of the first line of the diff, or -1 when the body has none. */
export function findDiffStart(lines: string[]): number {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (DIFF_GIT.test(line)) return i;
    if (line.startsWith('--- ') && (lines[i + 1] ?? '').startsWith('+++ ') && /^@@ /.test(lines[i + 2] ?? '')) return i;
  }
  return -1;
}

export function hasDiff(body: string): boolean {
  return findDiffStart(body.split('\n')) >= 0;
}

export function splitPatchBody(body: string): PatchBody {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  const diffStart = findDiffStart(lines);
  const cut = diffStart < 0 ? lines.length : diffStart;

  // The commit message ends at the `---` line git puts before the diffstat.
  let msgEnd = lines.findIndex((l, i) => i < cut && l === '---');
  if (msgEnd < 0) msgEnd = cut;
  let msgLines = lines.slice(0, msgEnd);

  // In-body headers (`From:`, `Subject:`, `Date:`) at the top of the body
  // override the mail's own when a patch is sent on someone's behalf.
  let inBodyFrom: string | undefined;
  let h = 0;
  while (h < msgLines.length && /^(From|Subject|Date): /.test(msgLines[h] ?? '')) {
    const m = /^From: (.+)$/.exec(msgLines[h] ?? '');
    if (m) inBodyFrom = m[1];
    h++;
  }
  if (h > 0 && (msgLines[h] ?? '') === '') msgLines = msgLines.slice(h + 1);
  else if (h > 0) inBodyFrom = undefined;

  const commitMessage = trimBlankLines(msgLines).join('\n');
  const trailers = parseTrailers(commitMessage);

  let diffLines: string[] = [];
  if (diffStart >= 0) {
    let end = lines.length;
    for (let i = diffStart; i < lines.length; i++) {
      if (lines[i] === '-- ') { end = i; break; }
    }
    diffLines = lines.slice(diffStart, end);
    // `base-commit:` and friends trail the diff; they are not part of it.
    while (diffLines.length && /^(base-commit|prerequisite-patch-id|change-id|prerequisite-change-id): |^$/.test(diffLines[diffLines.length - 1] ?? '')) {
      diffLines.pop();
    }
  }
  const diff = diffLines.length ? diffLines.join('\n') + '\n' : '';
  const result: PatchBody = {
    commitMessage, trailers, diff,
    files: diffFiles(diffLines),
    patchId: computePatchId(diffLines),
  };
  const base = /^base-commit: ([0-9a-f]{7,40})\s*$/m.exec(body);
  if (base?.[1]) result.baseCommit = base[1];
  const change = /^change-id: (\S+)\s*$/m.exec(body);
  if (change?.[1]) result.changeId = change[1];
  if (inBodyFrom) result.inBodyFrom = inBodyFrom;
  return result;
}

function trimBlankLines(lines: string[]): string[] {
  let a = 0;
  let b = lines.length;
  while (a < b && (lines[a] ?? '').trim() === '') a++;
  while (b > a && (lines[b - 1] ?? '').trim() === '') b--;
  return lines.slice(a, b);
}

const TRAILER = /^([A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]):\s*(.*)$/;

/** Trailers: the last paragraph of the commit message, when it is all `Key: value`. */
export function parseTrailers(commitMessage: string): Trailer[] {
  const paragraphs = commitMessage.split(/\n\s*\n/);
  const last = paragraphs[paragraphs.length - 1] ?? '';
  const out: Trailer[] = [];
  for (const line of last.split('\n')) {
    if (/^\s+\S/.test(line) && out.length) {
      const prev = out[out.length - 1];
      if (prev) prev.value += ' ' + line.trim();
      continue;
    }
    if (/^\[.*\]$/.test(line.trim()) || line.trim() === '') continue; // maintainer notes `[akpm: ...]`
    const m = TRAILER.exec(line);
    if (!m) return [];
    out.push({ key: m[1] ?? '', value: (m[2] ?? '').trim() });
  }
  return out;
}

/** Paths the diff touches: the new path, or the old one for a deletion. */
export function diffFiles(diffLines: string[]): string[] {
  const files: string[] = [];
  let current: { a?: string; b?: string; deleted: boolean } | undefined;
  const flush = () => {
    if (!current) return;
    const path = current.deleted ? current.a : (current.b ?? current.a);
    if (path && !files.includes(path)) files.push(path);
    current = undefined;
  };
  for (let i = 0; i < diffLines.length; i++) {
    const line = diffLines[i] ?? '';
    const git = /^diff --git (?:"?a\/)?(\S+?)"? (?:"?b\/)?(\S+?)"?$/.exec(line);
    if (git) {
      flush();
      current = { a: git[1], b: git[2], deleted: false };
      continue;
    }
    if (line.startsWith('--- ') && (diffLines[i + 1] ?? '').startsWith('+++ ')) {
      const a = stripPrefix(line.slice(4));
      const b = stripPrefix((diffLines[i + 1] ?? '').slice(4));
      if (!current) current = { deleted: false };
      if (a !== '/dev/null') current.a = a;
      if (b !== '/dev/null') current.b = b; else current.deleted = true;
      if (b === '/dev/null') current.b = undefined;
      i++;
      // A plain diff (no `diff --git` lines) has one ---/+++ pair a file.
      if (!DIFF_GIT.test(diffLines[i - 2] ?? '') && !/^(index|new|deleted|similarity|rename|old) /.test(diffLines[i - 2] ?? '')) flush();
      continue;
    }
    if (line.startsWith('deleted file mode') && current) current.deleted = true;
  }
  flush();
  return files;
}

function stripPrefix(path: string): string {
  const p = path.split('\t')[0]?.trim() ?? '';
  if (p === '/dev/null') return p;
  return p.replace(/^[ab]\//, '');
}

/** Whitespace-, line-number- and file-order-insensitive id of a diff. */
export function computePatchId(diffLines: string[]): string {
  const perFile: string[] = [];
  let hash = createHash('sha1');
  let any = false;
  const close = () => {
    if (any) perFile.push(hash.digest('hex'));
    hash = createHash('sha1');
    any = false;
  };
  for (const line of diffLines) {
    if (DIFF_GIT.test(line)) {
      close();
      hash.update(line.replace(/\s+/g, ''));
      any = true;
      continue;
    }
    if (line.startsWith('+++ ') || line.startsWith('--- ') || line.startsWith('@@')) continue;
    if (line.startsWith('+') || line.startsWith('-')) {
      hash.update(line.replace(/\s+/g, ''));
      any = true;
    }
  }
  close();
  if (perFile.length === 0) return '';
  return createHash('sha1').update(perFile.sort().join('')).digest('hex');
}
