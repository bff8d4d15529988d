// Which files of a patch touch page-table code, and why. A file is relevant
// when its path matches a path glob, or when an identifier glob matches a
// name on one of its hunk lines (added, removed or context: a change next to
// `flush_tlb_kernel_range()` matters even if that call is unchanged).
import { globToRegExp } from './glob.ts';
import type { FileChange, HunkLine } from './types.ts';

/** The relevance part of the config: plain globs. */
export interface RelevanceConfig {
  paths: string[];
  identifiers: string[];
}

export type RelevanceReason =
  | { kind: 'path'; glob: string; path: string }
  | {
      kind: 'identifier';
      glob: string;
      identifier: string;
      /** New-file line (or, for a removed line, where it was removed). */
      line: number;
      lineKind: HunkLine['kind'];
    };

export interface FileRelevance {
  path: string;
  relevant: boolean;
  reasons: RelevanceReason[];
}

export interface PatchRelevance {
  relevant: boolean;
  files: FileRelevance[];
}

const IDENT = /[A-Za-z_]\w*/g;

export function fileRelevance(file: FileChange, config: RelevanceConfig): FileRelevance {
  const reasons: RelevanceReason[] = [];
  const paths = file.oldPath === file.path ? [file.path] : [file.path, file.oldPath];
  for (const glob of config.paths) {
    const re = globToRegExp(glob, { pathMode: true });
    const hit = paths.find((p) => re.test(p));
    if (hit !== undefined) reasons.push({ kind: 'path', glob, path: hit });
  }
  reasons.push(...identifierReasons(file, config.identifiers));
  return { path: file.path, relevant: reasons.length > 0, reasons };
}

/** One reason per (glob, identifier): its first occurrence in the hunks. */
function identifierReasons(file: FileChange, globs: string[]): RelevanceReason[] {
  if (globs.length === 0) return [];
  const res = globs.map((glob) => ({ glob, re: globToRegExp(glob, { pathMode: false }) }));
  // Each distinct identifier is tested once: its first occurrence is the one reported.
  const seen = new Set<string>();
  const out: RelevanceReason[] = [];
  for (const hunk of file.hunks) {
    for (const line of hunk.lines) {
      for (const identifier of line.text.match(IDENT) ?? []) {
        if (seen.has(identifier)) continue;
        seen.add(identifier);
        for (const { glob, re } of res) {
          if (re.test(identifier)) {
            out.push({ kind: 'identifier', glob, identifier, line: line.anchorLine, lineKind: line.kind });
          }
        }
      }
    }
  }
  return out;
}

export function patchRelevance(files: FileChange[], config: RelevanceConfig): PatchRelevance {
  const rel = files.map((f) => fileRelevance(f, config));
  return { relevant: rel.some((f) => f.relevant), files: rel };
}

/** One line per reason, for text reports and logs. */
export function describeReason(reason: RelevanceReason): string {
  return reason.kind === 'path'
    ? `path ${reason.path} matches ${reason.glob}`
    : `${reason.lineKind} line ${reason.line} names ${reason.identifier} (matches ${reason.glob})`;
}
