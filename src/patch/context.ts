// Code context from the hunks alone: which function each hunk line belongs
// to, and the pre-image (what the old file showed) and post-image (what the
// new file shows) of that function as far as the hunks reveal it. When a
// caller later hands in whole files, regions become whole functions; until
// then every region is a fragment and rules must say so.
import type { FileChange, HunkLine } from './types.ts';

export type Image = 'pre' | 'post';

/** The visible part of one function (or of file scope) in one file. */
export interface FunctionRegion {
  file: string;
  /** Function name; undefined for file scope or when no hunk names it. */
  name?: string;
  /** One fragment per hunk that reaches into the function, in file order. */
  fragments: HunkLine[][];
  confidence: 'whole-function' | 'fragment';
}

const NOT_FUNCTIONS = new Set(['if', 'for', 'while', 'switch', 'return', 'sizeof', 'do', 'else', 'case']);

/**
 * Does this line open a function definition? Kernel style puts the return
 * type and name at column 0 and never ends a definition line with `;`
 * (that would be a prototype or a macro use).
 */
export function definedFunction(text: string): string | undefined {
  if (/^[\s#}{/*]/.test(text) || text.trimEnd().endsWith(';')) return undefined;
  if (/^(typedef|struct\s+\w+\s*\{|enum|union)\b/.test(text)) return undefined;
  const m = /^[A-Za-z_][\w\s*]*?\b([A-Za-z_]\w*)\s*\(/.exec(text) ?? /^([A-Za-z_]\w*)\s*\(/.exec(text);
  const name = m?.[1];
  return name && !NOT_FUNCTIONS.has(name) ? name : undefined;
}

/** A `}` at column 0 closes the function the post-image is in. */
function closesFunction(line: HunkLine): boolean {
  return line.kind !== 'removed' && /^\}\s*(;\s*)?$/.test(line.text);
}

/**
 * Split a file's hunks into function regions. A hunk starts in the function
 * its `@@` section names; a definition line inside it moves to the next
 * function, and a closing brace at column 0 to file scope.
 */
export function functionRegions(file: FileChange): FunctionRegion[] {
  const byName = new Map<string, FunctionRegion>();
  const regionFor = (name: string | undefined): FunctionRegion => {
    const key = name ?? '';
    let region = byName.get(key);
    if (!region) {
      region = { file: file.path, fragments: [], confidence: 'fragment' };
      if (name !== undefined) region.name = name;
      byName.set(key, region);
    }
    return region;
  };
  // A definition the patch renames (`-int pmd_free_pte_page(` then
  // `+static int __pmd_free_pte_page(`): later hunks' `@@` sections, taken
  // from the old file, still name the old function, but their lines belong
  // to the renamed one.
  const renamed = new Map<string, string>();
  let removedDefinition: string | undefined;
  for (const hunk of file.hunks) {
    let current = hunk.sectionFunction === undefined ? undefined : (renamed.get(hunk.sectionFunction) ?? hunk.sectionFunction);
    let fragment: HunkLine[] = [];
    let owner = regionFor(current);
    const flush = (): void => {
      if (fragment.length > 0) owner.fragments.push(fragment);
      fragment = [];
    };
    for (const line of hunk.lines) {
      const defined = definedFunction(line.text);
      if (defined !== undefined && line.kind === 'removed') removedDefinition = defined;
      else if (defined !== undefined && line.kind === 'added' && removedDefinition !== undefined) {
        if (removedDefinition !== defined) renamed.set(removedDefinition, defined);
        removedDefinition = undefined;
      } else if (defined !== undefined) removedDefinition = undefined;
      if (defined !== undefined && defined !== current) {
        flush();
        current = defined;
        owner = regionFor(current);
      }
      fragment.push(line);
      if (closesFunction(line)) {
        flush();
        current = undefined;
        owner = regionFor(undefined);
      }
    }
    flush();
  }
  return [...byName.values()].filter((r) => r.fragments.length > 0);
}

const images = { pre: new WeakMap<HunkLine[], HunkLine[]>(), post: new WeakMap<HunkLine[], HunkLine[]>() };

/**
 * The lines of one image: pre = removed + context, post = added + context.
 * The same array comes back for the same fragment, so per-run caches
 * (calls, code) built on it are shared by every rule.
 */
export function imageOf(lines: HunkLine[], image: Image): HunkLine[] {
  const hit = images[image].get(lines);
  if (hit) return hit;
  const drop = image === 'pre' ? 'added' : 'removed';
  const out = lines.filter((l) => l.kind !== drop);
  images[image].set(lines, out);
  return out;
}

/** Is the line part of what the patch changes? */
export function isChanged(line: HunkLine): boolean {
  return line.kind !== 'context';
}
