// Diff-awareness across the files of one patch: code moved from one file to
// another (x86's "Move the memtype related files to arch/x86/mm/pat/" shows
// pageattr.c deleted and set_memory.c added) is not new code. As in
// introducedBy(), an issue of a post-image counts as introduced only when the
// pre-image lacks it (a multiset); in addition, a function that only appears
// (no pre-image) is compared with the functions of the same name that only
// disappear (no post-image) anywhere in the patch.
import type { ImageFunction, TouchedFunction } from './function-context.ts';

export interface PatchIssue<T> {
  item: T;
  fn: TouchedFunction;
  image: ImageFunction;
}

export function introducedInPatch<T>(
  fns: readonly TouchedFunction[],
  of: (fn: TouchedFunction, image: ImageFunction) => T[],
  key: (item: T, image: ImageFunction) => string,
): Array<PatchIssue<T>> {
  const count = (m: Map<string, number>, k: string): void => {
    m.set(k, (m.get(k) ?? 0) + 1);
  };
  const take = (m: Map<string, number>, k: string): boolean => {
    const n = m.get(k) ?? 0;
    if (n > 0) m.set(k, n - 1);
    return n > 0;
  };
  // Functions that only disappear, by name: where moved code comes from.
  const vanished = new Map<string, number>();
  for (const fn of fns) {
    if (fn.pre && !fn.post) for (const t of of(fn, fn.pre)) count(vanished, `${fn.name ?? ''}\0${key(t, fn.pre)}`);
  }
  const out: Array<PatchIssue<T>> = [];
  for (const fn of fns) {
    if (!fn.post) continue;
    const before = new Map<string, number>();
    if (fn.pre) for (const t of of(fn, fn.pre)) count(before, key(t, fn.pre));
    for (const item of of(fn, fn.post)) {
      const k = key(item, fn.post);
      if (take(before, k)) continue;
      if (!fn.pre && take(vanished, `${fn.name ?? ''}\0${k}`)) continue;
      out.push({ item, fn, image: fn.post });
    }
  }
  return out;
}

/** introducedInPatch() for one function of `fns`: its own pre-image, or the vanished functions of its name. */
export function introducedInFunction<T>(
  fn: TouchedFunction,
  fns: readonly TouchedFunction[],
  of: (fn: TouchedFunction, image: ImageFunction) => T[],
  key: (item: T, image: ImageFunction) => string,
): Array<PatchIssue<T>> {
  const vanished = fn.pre ? [] : fns.filter((f) => f !== fn && f.pre && !f.post && f.name === fn.name);
  return introducedInPatch([fn, ...vanished], of, key);
}
