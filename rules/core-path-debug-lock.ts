// SEEDS section 1 (ptdump v1, Will Deacon's review): a lock taken on every
// call of a core page-table free path, only so that a rarely used debug
// walker (ptdump, which holds mmap_write_lock(&init_mm)) never walks a table
// being freed. Correct, but every vmap/ioremap huge-mapping promotion pays
// for a debug option: a design finding, not a race.
import {
  defineRule,
  introducedBy,
  lineText,
  reportOn,
  TABLE_FREES,
  type CCall,
  type ImageFunction,
  type RuleReport,
  type TouchedFunction,
} from '../src/analysis/rule-api.ts';

const FREE_PATH = /^(p[mu4g]d_free_p[tmu4]\w*_page|vmap_try_huge_p\w+|__?p[mu]d_free\w*)$/;
const INIT_MM_LOCKS = /^(mmap_read_lock|mmap_write_lock|mmap_read_lock_killable)$/;

/** Frees page tables: by name (the arch hooks) or by calling a table free. */
function freesTables(image: ImageFunction, name: string | undefined): boolean {
  return FREE_PATH.test(name ?? '') || image.analysis.calls.some((c) => TABLE_FREES.has(c.callee) && c.callee !== 'free_page' && c.callee !== 'free_pages');
}

/** Taken at the function body's own level (one tab in kernel style): on every call, not behind a gate. */
function unconditional(image: ImageFunction, c: CCall): boolean {
  return /^\t(?!\t)\S/.test(image.lineAt(c.line)?.text ?? '');
}

function reports(fn: TouchedFunction): RuleReport[] {
  const post = fn.post;
  if (!post || !freesTables(post, fn.name)) return [];
  const locks = (image: ImageFunction): CCall[] =>
    image.analysis.calls.filter((c) => INIT_MM_LOCKS.test(c.callee) && /^&\s*init_mm$/.test(c.args[0] ?? '') && unconditional(image, c));
  const first = introducedBy(fn, locks, (c, image) => lineText(image, c.line))[0];
  if (!first) return [];
  const r = reportOn(fn, first.image, {
    messageId: 'unconditionalLock',
    data: { lock: first.item.callee, function: fn.name ?? 'file scope' },
    line: first.item.line,
    suggestion:
      'take it only while a walk runs: a static key the walker turns on with static_branch_inc()/dec() ' +
      '(as the hugetlb vmemmap optimisation does), or make the walker safe against concurrent frees as GUP-fast is (RCU); ' +
      'on 2026 trees generic vmap code already takes the init_mm lock with a trylock, and an arch-level lock under it can deadlock',
  });
  return r ? [r] : [];
}

export default defineRule({
  meta: {
    id: 'core-path-debug-lock',
    title: 'unconditional lock in a core page-table free path for a debug walker',
    severity: 'warning',
    hazardClass: 'design',
    contract:
      'Core mm routines do not pay unconditional locking overhead for a rarely used debug option: a page-table free path ' +
      '(pmd_free_pte_page(), pud_free_pmd_page(), vmap huge-mapping promotion) that must exclude the ptdump walker takes ' +
      'the init_mm mmap lock only while a walk may run (a reference-counted static key), or the walker is made safe ' +
      'against concurrent frees (an RCU-like walk, as GUP-fast does).',
    arches: ['arm64'],
    references: [
      {
        title: 'Dev Jain, [PATCH] arm64: Enable vmalloc-huge with ptdump (v1)',
        url: 'https://lore.kernel.org/all/20250530082021.18182-1-dev.jain@arm.com/',
      },
      {
        title: 'Dev Jain, [PATCH v5] arm64: Enable vmalloc-huge with ptdump (the static-key form)',
        url: 'https://lore.kernel.org/all/20250723102905.7894-1-dev.jain@arm.com/',
      },
    ],
    docs: 'rules/core-path-debug-lock.md',
    messages: {
      unconditionalLock:
        '{{lock}}(&init_mm) is taken on every call of {{function}}(), a core page-table free path, only to exclude a debug walker: correct, but every vmap/ioremap huge-mapping promotion now pays for a rarely used debug option',
    },
  },
  check(context) {
    return context.functions().flatMap(reports);
  },
});
