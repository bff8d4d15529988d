// The patch model every later stage reads: files a diff touches, their hunks
// and each hunk line with its place in the old and the new file.

/** One line of a hunk, as the diff shows it. */
export interface HunkLine {
  kind: 'added' | 'removed' | 'context';
  /** Text without the leading `+`, `-` or space. */
  text: string;
  /** Line in the old file (removed and context lines). */
  oldLine?: number;
  /** Line in the new file (added and context lines). */
  newLine?: number;
  /**
   * Where the line sits in the new file: its own line for added and context
   * lines; for a removed line, the new-file line that follows the removal,
   * so a finding on a removal can still point into the new file.
   */
  anchorLine: number;
}

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** The text after the second `@@`: usually the enclosing function's line. */
  section: string;
  /** Function name found in `section`, when it names one. */
  sectionFunction?: string;
  lines: HunkLine[];
}

export type FileStatus = 'modified' | 'added' | 'deleted' | 'renamed' | 'binary';

export interface FileChange {
  /** Path in the new tree (the old path for a deletion). */
  path: string;
  /** Path in the old tree; differs from `path` for a rename. */
  oldPath: string;
  status: FileStatus;
  /** Renames and copies: the `similarity index` percentage. */
  similarity?: number;
  hunks: Hunk[];
  additions: number;
  deletions: number;
  /** Why a file is shown without hunks (binary, pure rename, mode change). */
  note?: string;
}

/** A diff split into file changes, with what was stepped over. */
export interface ParsedDiff {
  files: FileChange[];
  /** Human-readable notes: skipped binary files, unparsable sections. */
  notes: string[];
}
