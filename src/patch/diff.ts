// Unified diffs (as `git format-patch` writes them) into FileChange/Hunk.
// parse-diff does the hunk scanning; this module adds what it leaves out:
// renames, binary files, the `@@ ... @@ function` section and trustworthy
// line numbers (taken from the hunk header counts, so a mail signature
// after the last hunk is never read as a removed line).
import parseDiff from 'parse-diff';
import type { FileChange, FileStatus, Hunk, HunkLine, ParsedDiff } from './types.ts';

const DIFF_GIT = /^diff --git /m;

/** Parse `diff` (the diff part of one patch mail); `input` names it in notes. */
export function parseUnifiedDiff(diff: string, input = 'diff'): ParsedDiff {
  const notes: string[] = [];
  const files: FileChange[] = [];
  for (const section of splitFileSections(diff)) {
    const change = parseFileSection(section, input, notes);
    if (change) files.push(change);
  }
  return { files, notes };
}

/** Split at each `diff --git` line; a diff without them is one section. */
export function splitFileSections(diff: string): string[] {
  const text = diff.replace(/\r\n/g, '\n');
  if (!DIFF_GIT.test(text)) return text.trim() === '' ? [] : [text];
  const starts: number[] = [];
  const re = /^diff --git /gm;
  for (let m = re.exec(text); m; m = re.exec(text)) starts.push(m.index);
  return starts.map((s, i) => text.slice(s, starts[i + 1] ?? text.length));
}

interface GitHeader {
  from?: string;
  to?: string;
  renameFrom?: string;
  renameTo?: string;
  similarity?: number;
  binary: boolean;
  isNew: boolean;
  isDeleted: boolean;
}

/** The extended header lines git writes between `diff --git` and the first hunk. */
function readGitHeader(section: string): GitHeader {
  const header: GitHeader = { binary: false, isNew: false, isDeleted: false };
  for (const line of section.split('\n')) {
    if (line.startsWith('@@')) break;
    let m: RegExpMatchArray | null;
    if ((m = /^diff --git a\/(.+?) b\/(.+)$/.exec(line))) {
      header.from = m[1];
      header.to = m[2];
    } else if ((m = /^rename from (.+)$/.exec(line))) header.renameFrom = m[1];
    else if ((m = /^rename to (.+)$/.exec(line))) header.renameTo = m[1];
    else if ((m = /^similarity index (\d+)%/.exec(line))) header.similarity = Number(m[1]);
    else if (/^new file mode /.test(line)) header.isNew = true;
    else if (/^deleted file mode /.test(line)) header.isDeleted = true;
    else if (/^Binary files .* differ$/.test(line) || line === 'GIT binary patch') header.binary = true;
  }
  return header;
}

function parseFileSection(section: string, input: string, notes: string[]): FileChange | undefined {
  const header = readGitHeader(section);
  const parsed = parseDiff(section)[0];
  const oldPath = header.renameFrom ?? cleanPath(parsed?.from) ?? header.from;
  const newPath = header.renameTo ?? cleanPath(parsed?.to) ?? header.to;
  const path = (header.isDeleted || parsed?.deleted ? oldPath : newPath) ?? oldPath;
  if (!path || !oldPath) {
    notes.push(`${input}: a diff section without file names was skipped`);
    return undefined;
  }
  const status = fileStatus(header, parsed);
  if (status === 'binary') {
    notes.push(`${input}: ${path}: binary file skipped`);
    return { path, oldPath, status, hunks: [], additions: 0, deletions: 0, note: 'binary file skipped' };
  }
  const hunks = (parsed?.chunks ?? []).map(toHunk);
  const change: FileChange = {
    path,
    oldPath: status === 'added' ? path : oldPath,
    status,
    hunks,
    additions: count(hunks, 'added'),
    deletions: count(hunks, 'removed'),
  };
  if (header.similarity !== undefined) change.similarity = header.similarity;
  if (hunks.length === 0) change.note = status === 'renamed' ? 'pure rename' : 'no hunks (mode change only)';
  return change;
}

function fileStatus(header: GitHeader, parsed: parseDiff.File | undefined): FileStatus {
  if (header.binary) return 'binary';
  if (header.isNew || parsed?.new) return 'added';
  if (header.isDeleted || parsed?.deleted) return 'deleted';
  if (header.renameFrom !== undefined && header.renameFrom !== header.renameTo) return 'renamed';
  return 'modified';
}

function cleanPath(p: string | undefined): string | undefined {
  if (p === undefined || p === '/dev/null') return undefined;
  return p.replace(/^[ab]\//, '');
}

function count(hunks: Hunk[], kind: HunkLine['kind']): number {
  return hunks.reduce((n, h) => n + h.lines.filter((l) => l.kind === kind).length, 0);
}

/** The section text git prints after `@@ -a,b +c,d @@`. */
function sectionOf(header: string): string {
  return /^@@ [^@]*@@ ?(.*)$/.exec(header)?.[1]?.trim() ?? '';
}

const NOT_FUNCTIONS = new Set(['if', 'for', 'while', 'switch', 'return', 'sizeof', 'do', 'else']);

/** `static int vmap_pte_range(pmd_t *pmd, ...` names `vmap_pte_range`. */
export function functionNameOf(section: string): string | undefined {
  const m = /([A-Za-z_]\w*)\s*\(/.exec(section);
  const name = m?.[1];
  return name && !NOT_FUNCTIONS.has(name) ? name : undefined;
}

/**
 * Number the lines from the hunk header, not from the parser, and stop when
 * the header's counts are used up: what follows is not part of the hunk.
 */
function toHunk(chunk: parseDiff.Chunk): Hunk {
  const lines: HunkLine[] = [];
  let oldPos = chunk.oldStart;
  let newPos = chunk.newStart === 0 ? 1 : chunk.newStart;
  if (chunk.oldStart === 0) oldPos = 1;
  let oldLeft = chunk.oldLines;
  let newLeft = chunk.newLines;
  for (const change of chunk.changes) {
    if (oldLeft <= 0 && newLeft <= 0) break;
    // `\ No newline at end of file` is a marker, not a line.
    if (change.content.startsWith('\\')) continue;
    const text = change.content.slice(1);
    if (change.type === 'add') {
      lines.push({ kind: 'added', text, newLine: newPos, anchorLine: newPos });
      newPos++;
      newLeft--;
    } else if (change.type === 'del') {
      lines.push({ kind: 'removed', text, oldLine: oldPos, anchorLine: newPos });
      oldPos++;
      oldLeft--;
    } else {
      lines.push({ kind: 'context', text, oldLine: oldPos, newLine: newPos, anchorLine: newPos });
      oldPos++;
      newPos++;
      oldLeft--;
      newLeft--;
    }
  }
  const section = sectionOf(chunk.content);
  const hunk: Hunk = {
    oldStart: chunk.oldStart,
    oldLines: chunk.oldLines,
    newStart: chunk.newStart,
    newLines: chunk.newLines,
    section,
    lines,
  };
  const fn = functionNameOf(section);
  if (fn) hunk.sectionFunction = fn;
  return hunk;
}
