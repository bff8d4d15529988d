// Whole files for code context (DESIGN.md: src/patch gets whole files from
// a FileProvider the caller hands in; src/sources implements it over a
// local kernel git tree). With them, a touched function is seen whole in
// the pre-image (the base) and the post-image (the base with the patch
// applied); without them, or when the patch does not apply, analysis is
// on the hunks' fragments and says so.
import { applyFileChange } from './apply.ts';
import type { FileChange } from './types.ts';

export interface FileProvider {
  /** The commit analysis is based on: `base-commit:` when the tree has it, else HEAD. */
  resolveBase(baseCommit: string | undefined): Promise<{ commit: string; from: 'base-commit' | 'head' } | undefined>;
  /** A file's text at a commit; undefined when it does not exist there. */
  fileAt(commit: string, path: string): Promise<string | undefined>;
}

export type WholeFile =
  | { kind: 'whole'; path: string; pre: string; post: string; base: string }
  | { kind: 'fragments'; path: string; reason: string };

/** Pre- and post-image of each changed file, or why there are none. */
export async function wholeFiles(files: FileChange[], provider: FileProvider, base: string): Promise<WholeFile[]> {
  const out: WholeFile[] = [];
  for (const f of files) {
    if (f.status === 'binary') continue;
    if (f.status === 'added') {
      const applied = applyFileChange('', f);
      out.push(applied.ok ? { kind: 'whole', path: f.path, pre: '', post: applied.post, base } : { kind: 'fragments', path: f.path, reason: applied.reason });
      continue;
    }
    const pre = await provider.fileAt(base, f.oldPath);
    if (pre === undefined) {
      out.push({ kind: 'fragments', path: f.path, reason: `${f.oldPath} does not exist at ${base.slice(0, 12)}` });
      continue;
    }
    if (f.status === 'deleted') {
      out.push({ kind: 'whole', path: f.path, pre, post: '', base });
      continue;
    }
    const applied = applyFileChange(pre, f);
    out.push(applied.ok ? { kind: 'whole', path: f.path, pre, post: applied.post, base } : { kind: 'fragments', path: f.path, reason: applied.reason });
  }
  return out;
}
