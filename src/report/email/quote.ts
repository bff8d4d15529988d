// Interleaved quoting: only the hunk lines a finding is about, with a few
// lines of context, `> [...]` where something was cut, the way a careful
// reviewer trims a patch before answering.
import type { FileChange, Hunk, HunkLine } from '../../patch/types.ts';

export interface QuoteTarget {
  file: string;
  line: number;
  endLine?: number;
}

const CONTEXT = 3;

function diffLine(l: HunkLine): string {
  const mark = l.kind === 'added' ? '+' : l.kind === 'removed' ? '-' : ' ';
  return `${mark}${l.text}`;
}

function hunkHeader(h: Hunk): string {
  return `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@${h.section ? ` ${h.section}` : ''}`;
}

/** The hunk holding `target`, or undefined when the diff does not show it. */
export function hunkFor(files: FileChange[], target: QuoteTarget): { file: FileChange; hunk: Hunk } | undefined {
  const file = files.find((f) => f.path === target.file);
  if (!file) return undefined;
  const hunk = file.hunks.find((h) => h.lines.some((l) => l.anchorLine === target.line));
  return hunk ? { file, hunk } : undefined;
}

/**
 * The quoted lines for a finding (without the `> ` prefix): the file and
 * hunk headers, then the lines around [line, endLine].
 */
export function quoteForFinding(files: FileChange[], target: QuoteTarget): string[] {
  const found = hunkFor(files, target);
  if (!found) return [];
  const { file, hunk } = found;
  const end = target.endLine ?? target.line;
  const idx = hunk.lines.map((l, i) => ({ l, i })).filter(({ l }) => l.anchorLine >= target.line && l.anchorLine <= end).map(({ i }) => i);
  const first = Math.max(0, (idx[0] ?? 0) - CONTEXT);
  const last = Math.min(hunk.lines.length - 1, (idx[idx.length - 1] ?? 0) + CONTEXT);
  const out = [`diff --git a/${file.oldPath} b/${file.path}`, '[...]', hunkHeader(hunk)];
  if (first > 0) out.push('[...]');
  for (let i = first; i <= last; i++) {
    const l = hunk.lines[i];
    if (l) out.push(diffLine(l));
  }
  if (last < hunk.lines.length - 1) out.push('[...]');
  return out;
}
