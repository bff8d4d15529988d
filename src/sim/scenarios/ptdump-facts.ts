// Facts for the static-key template (static-key.ts) read off a patch's
// post-image, for the ptdump lock-key protocol of SEEDS.md §2. Textual, on
// purpose: a rule that has the parsed functions can fill StaticKeyFacts
// itself; this is the fallback that needs only lines.
import type { StaticKeyFacts } from './static-key.ts';

function isComment(line: string): boolean {
  return /^\s*(?:\/\*|\*|\/\/)/.test(line);
}

/**
 * The static-key scenario for a post-image, or null when the patch has no
 * key toggles (v1, v2: an unconditional lock, a design question, no race).
 *
 * - toggle: static_branch_inc()/dec() (or static_key_slow_inc()) counts
 *   references; static_branch_enable()/disable() does not.
 * - walkers: always two. One call site is enough, since two readers of the
 *   debugfs file, or ptdump and the W^X check, walk at once (SEEDS.md §2).
 * - freerLock: key-gated when mmap_read_lock(&init_mm) follows an
 *   `if (static_branch_unlikely(`; unconditional when it appears alone.
 * - barrierAfterClear: __flush_tlb_kernel_pgtable() (DSB ISH; TLBI; DSB ISH;
 *   ISB), an explicit dsb(ish) or smp_mb() before the key test.
 * - walkerLock and barrierBeforeFree are not in the diff: the generic
 *   ptdump_walk_pgd() takes mmap_write_lock(&init_mm), and a freed table
 *   reaches another CPU only through the page allocator's own locking,
 *   which Catalin Marinas's test writes as the smp_mb() before the free.
 */
export function ptdumpStaticKeyFacts(postImage: readonly string[]): StaticKeyFacts | null {
  const code = postImage.filter((l) => !isComment(l));
  const has = (re: RegExp): boolean => code.some((l) => re.test(l));
  const counted = has(/\bstatic_(?:branch_inc|key_slow_inc)\s*\(/);
  const plain = has(/\bstatic_branch_enable\s*\(/);
  if (!counted && !plain) return null;
  const gate = code.findIndex((l) => /\bif\s*\(\s*static_branch_unlikely\s*\(/.test(l));
  const gatedLock = gate >= 0 && code.slice(gate, gate + 4).some((l) => /\bmmap_read_lock\s*\(\s*&init_mm\s*\)/.test(l));
  const anyLock = has(/\bmmap_read_lock\s*\(\s*&init_mm\s*\)/);
  const before = gate >= 0 ? code.slice(0, gate) : code;
  return {
    walkers: 2,
    toggle: counted ? 'inc-dec' : 'enable-disable',
    walkerLock: true,
    freerLock: gatedLock ? 'key-gated' : anyLock ? 'always' : 'none',
    barrierAfterClear: before.some((l) => /\b(?:__flush_tlb_kernel_pgtable\s*\(|dsb\s*\(\s*ish\s*\)|smp_mb\s*\()/.test(l)),
    barrierBeforeFree: true,
    freer: has(/\bpud_free_pmd_page\s*\(/) ? 'pud_free_pmd_page' : 'pmd_free_pte_page',
  };
}
