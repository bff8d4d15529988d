// Applying a file's hunks to its pre-image text, to get the post-image the
// patch produces. Pure. Like `git apply`, a hunk may have moved a little
// (other patches landed): it is looked for near its stated line, context
// and removed lines must match exactly (trailing whitespace aside), and a
// hunk that matches nowhere makes the whole file fail, with the reason.
import type { FileChange, Hunk } from './types.ts';

export type ApplyResult =
  | { ok: true; post: string; offsets: number[] }
  | { ok: false; reason: string };

/** How far from its stated line a hunk is searched for. */
const MAX_OFFSET = 400;

const same = (a: string | undefined, b: string) => a !== undefined && a.trimEnd() === b.trimEnd();

function matchesAt(lines: string[], at: number, expected: string[]): boolean {
  if (at < 0 || at + expected.length > lines.length) return false;
  return expected.every((e, i) => same(lines[at + i], e));
}

export function applyFileChange(pre: string, file: FileChange): ApplyResult {
  const hadFinalNewline = pre.endsWith('\n');
  const lines = pre.split('\n');
  if (hadFinalNewline) lines.pop();
  const out: string[] = [];
  const offsets: number[] = [];
  let cursor = 0; // next pre-image line (0-based) not yet copied
  for (const hunk of file.hunks) {
    const expected = hunk.lines.filter((l) => l.kind !== 'added').map((l) => l.text);
    const stated = Math.max(0, hunk.oldStart - 1 - (hunk.oldLines === 0 ? -1 : 0));
    const at = findHunk(lines, expected, stated, cursor);
    if (at === undefined) {
      return { ok: false, reason: `${file.path}: hunk @@ -${hunk.oldStart},${hunk.oldLines} @@${hunk.section ? ` ${hunk.section}` : ''} does not apply to the base` };
    }
    offsets.push(at - stated);
    out.push(...lines.slice(cursor, at));
    for (const l of hunk.lines) if (l.kind !== 'removed') out.push(l.text);
    cursor = at + expected.length;
  }
  out.push(...lines.slice(cursor));
  return { ok: true, post: out.join('\n') + (hadFinalNewline || out.length === 0 ? '\n' : ''), offsets };
}

function findHunk(lines: string[], expected: string[], stated: number, notBefore: number): number | undefined {
  if (expected.length === 0) return Math.max(stated, notBefore);
  for (let d = 0; d <= MAX_OFFSET; d++) {
    for (const at of d === 0 ? [stated] : [stated - d, stated + d]) {
      if (at >= notBefore && matchesAt(lines, at, expected)) return at;
    }
  }
  return undefined;
}

/** The pre-image lines a hunk says it starts at, for error messages and tests. */
export function hunkOldRange(h: Hunk): [number, number] {
  return [h.oldStart, h.oldStart + h.oldLines - 1];
}
