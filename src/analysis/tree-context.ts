// Whole-function context from a kernel tree (HAZARDS P1, issue 6): before
// the rules run, each patch's files are read at the series' base through a
// FileProvider, the series' earlier patches are applied on top (patch 3
// applies to base + 1 + 2, the way `git am` would), the patch itself is
// applied for the post-image, and its hunks are widened to whole functions.
// A file that cannot be read or does not apply stays on fragments and the
// patch's notes say why. This is the I/O step; the analysis stays pure.
import type { PatchMail, Series, SeriesVersion } from '../mail/types.ts';
import { applyFileChange } from '../patch/apply.ts';
import { parseUnifiedDiff } from '../patch/diff.ts';
import type { FileProvider } from '../patch/file-provider.ts';
import type { FileChange } from '../patch/types.ts';
import { widenToFunctions } from '../patch/whole-function.ts';

export interface PatchTreeContext {
  /** The commit the series was applied to. */
  base: string;
  from: 'base-commit' | 'head';
  /** Files shown as whole functions, by path: the widened change. */
  files: Map<string, FileChange>;
  /** Files left on fragments, with the reason. */
  fragments: Array<{ path: string; reason: string }>;
  notes: string[];
}

/** Per patch Message-ID. */
export type TreeContextIndex = Map<string, PatchTreeContext>;

/** Largest file read whole; bigger ones (generated tables) stay on fragments. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** One version's files as the series builds them up: path → text, or why it is unknown. */
type Overlay = Map<string, { text: string } | { unknown: string }>;

async function textAt(overlay: Overlay, provider: FileProvider, commit: string, path: string): Promise<{ text: string } | { unknown: string }> {
  const known = overlay.get(path);
  if (known) return known;
  const text = await provider.fileAt(commit, path);
  if (text === undefined) return { unknown: `${path} does not exist at ${commit.slice(0, 12)}` };
  if (text.length > MAX_FILE_BYTES) return { unknown: `${path} is over ${MAX_FILE_BYTES / 1024 / 1024} MiB` };
  return { text };
}

async function contextOfPatch(patch: PatchMail, overlay: Overlay, provider: FileProvider, base: { commit: string; from: 'base-commit' | 'head' }): Promise<PatchTreeContext> {
  const ctx: PatchTreeContext = { base: base.commit, from: base.from, files: new Map(), fragments: [], notes: [] };
  for (const f of parseUnifiedDiff(patch.diff).files) {
    if (f.status === 'binary' || f.hunks.length === 0) continue;
    const pre = f.status === 'added' ? { text: '' } : await textAt(overlay, provider, base.commit, f.oldPath);
    if ('unknown' in pre) {
      ctx.fragments.push({ path: f.path, reason: pre.unknown });
      overlay.set(f.path, pre);
      continue;
    }
    const applied = applyFileChange(pre.text, f);
    if (!applied.ok) {
      ctx.fragments.push({ path: f.path, reason: applied.reason });
      overlay.set(f.path, { unknown: `an earlier patch of the series did not apply to ${f.path}` });
      continue;
    }
    if (f.status === 'renamed') overlay.delete(f.oldPath);
    overlay.set(f.path, f.status === 'deleted' ? { unknown: `${f.path} was deleted by an earlier patch` } : { text: applied.post });
    const widened = widenToFunctions(f, pre.text, applied.post, applied.offsets);
    ctx.files.set(f.path, widened.file);
    if (widened.renumbered) ctx.notes.push(`${f.path}: hunks applied at different offsets; line numbers are the tree's`);
  }
  const where = `${base.from === 'base-commit' ? 'base-commit' : 'HEAD'} ${base.commit.slice(0, 12)} of the kernel tree`;
  if (ctx.files.size > 0) ctx.notes.push(`whole functions from ${where}: ${[...ctx.files.keys()].join(', ')}`);
  for (const f of ctx.fragments) ctx.notes.push(`${f.path}: analysed on fragments (${f.reason})`);
  return ctx;
}

/** The patches of one version in the order `git am` applies them: the series, then fixups. */
const inOrder = (v: SeriesVersion): PatchMail[] => [...v.patches, ...v.fixups];

/**
 * Tree context for every patch of `versions` of each series. Each version
 * starts from its own base: `base-commit:` of the cover or first patch when
 * the tree has it, else the tree's HEAD.
 */
export async function treeContext(series: Series[], versions: (s: Series) => SeriesVersion[], provider: FileProvider): Promise<TreeContextIndex> {
  const index: TreeContextIndex = new Map();
  for (const s of series) {
    for (const v of versions(s)) {
      const patches = inOrder(v);
      const baseCommit = v.baseCommit ?? patches.find((p) => p.baseCommit !== undefined)?.baseCommit;
      const base = await provider.resolveBase(baseCommit);
      if (!base) {
        for (const p of patches) index.set(p.messageId, { base: '', from: 'head', files: new Map(), fragments: [], notes: ['the kernel tree has no commit to apply the patch to: analysed on fragments'] });
        continue;
      }
      const overlay: Overlay = new Map();
      for (const p of patches) {
        const ctx = await contextOfPatch(p, overlay, provider, base);
        if (baseCommit !== undefined && base.from === 'head') ctx.notes.unshift(`base-commit ${baseCommit.slice(0, 12)} is not in the kernel tree: applied to its HEAD instead`);
        index.set(p.messageId, ctx);
      }
    }
  }
  return index;
}
