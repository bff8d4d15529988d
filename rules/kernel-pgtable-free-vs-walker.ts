// R14: a kernel (init_mm) page table is freed while a walker of ranges it
// does not own (ptdump, check_wx, debugfs kernel_page_tables) may be inside
// it. Those walkers hold mmap_write_lock(&init_mm) (and get_online_mems()),
// so every free of a published init_mm table must hold
// mmap_read_lock(&init_mm) around the free, or a trylock that falls back to
// not freeing (2026: vmap huge promotion, x86 CPA collapse). The C front
// end's regions tell whether the free is inside that lock on every path.
import {
  defineRule,
  reportOn,
  withScenario,
  type CCall,
  type ImageFunction,
  type PatchUnderReview,
  type RuleReport,
  type TouchedFunction,
} from '../src/analysis/rule-api.ts';
import { introducedInPatch } from '../src/analysis/moved-code.ts';
import { heldFromUnseenCode, INIT_MM_MMAP_LOCK } from '../src/analysis/unseen-acquisition.ts';
import { derivedVariables, innermostVariable } from '../src/analysis/value-derivation.ts';

/** Arch hooks that clear an entry and free the table below it (HAZARDS F): correct only under the lock. */
const FREEING_HOOK = /^(pmd_free_pte_page|pud_free_pmd_page|p4d_free_pud_page)$/;
/** Frees that are of a kernel table by their name or by init_mm/NULL as the mm. */
const KERNEL_FREE = /^(pte_free_kernel|pagetable_free_kernel)$/;
const MM_FREE = /^(pmd_free|pud_free|p4d_free)$/;
/** Generic page frees: a kernel table when the file keeps kernel tables and the argument is one. */
const PAGE_FREE = /^(pagetable_free|pagetable_dtor_free|__free_page|free_page|free_pages|__free_pages)$/;
const TABLE_ARGUMENT = /ptdesc|pgtable|\b(pte|pmd|pud|p4d)(p|_page|_table)?\b|table/;
/** Files whose generic frees of tables are frees of kernel tables: vmalloc, CPA, arch kernel mappings. */
const KERNEL_TABLE_FILE = /^(mm\/vmalloc\.c|mm\/ioremap\.c|lib\/ioremap\.c|arch\/x86\/mm\/pat\/set_memory\.c|arch\/[^/]+\/mm\/(pageattr|mmu|ioremap|kasan_init)\.c)$/;

/** Allocations: a table freed from one of these in the same function was never published (error path). */
const ALLOCATION = /^(pagetable_alloc\w*|alloc_pages?\w*|__get_free_pages?|get_zeroed_page|pte_alloc_one_kernel|pmd_alloc_one|pud_alloc_one|p4d_alloc_one|alloc_low_pages?|spp_getpage)$/;

/** Who holds the lock for the function: the arch hooks run under the generic caller's guard. */
const CALLER_HOLDS = /^_*(pmd_free_pte_page|pud_free_pmd_page|p4d_free_pud_page)$/;
/** Boot-time construction and memory hot-remove (excluded by the hotplug lock; kasan_remove_zero_shadow() is called from it): HAZARDS false positives. */
const EXEMPT_FUNCTION = /^kasan_(free|remove)_|early|boot|hotplug|hot_remove|remove_(pte|pmd|pud|p4d|pgd)_table|remove_pagetable|free_empty_\w+|unmap_hotplug|vmemmap_free|stop_machine/;
const ASSERTS_LOCK = /\b(mmap_assert_(write_)?locked|lockdep_assert_held(_read|_write)?)\s*\(\s*&\s*init_mm\b/;

function isKernelTableFree(c: CCall, file: string): boolean {
  if (FREEING_HOOK.test(c.callee) || KERNEL_FREE.test(c.callee)) return true;
  if (MM_FREE.test(c.callee)) return /^(&\s*init_mm|NULL)$/.test(c.args[0] ?? '');
  return PAGE_FREE.test(c.callee) && KERNEL_TABLE_FILE.test(file) && TABLE_ARGUMENT.test(c.args[0] ?? '');
}

const freedArgument = (c: CCall): string => (MM_FREE.test(c.callee) || KERNEL_FREE.test(c.callee) ? c.args[1] ?? c.args[0] ?? '' : c.args[0] ?? '');

interface UnguardedFree {
  call: CCall;
  /** Held on some path to the free but not on all: a conditional or compiled-out guard. */
  partly: boolean;
  /** The function shows an `#if`/`IS_ENABLED()` on CONFIG_ symbols: the guard depends on the configuration. */
  configDependent: boolean;
}

function unguardedFrees(fn: TouchedFunction, image: ImageFunction): UnguardedFree[] {
  const fa = image.analysis;
  if (CALLER_HOLDS.test(fn.name ?? '') || EXEMPT_FUNCTION.test(fn.name ?? '')) return [];
  if (image.lines.some((l) => ASSERTS_LOCK.test(l.text))) return [];
  // __init code builds tables before any walker can run.
  if (fn.name !== undefined && image.lines.some((l) => /\b__init\b/.test(l.text) && l.text.includes(`${fn.name}(`))) return [];
  const frees = fa.calls.filter((c) => isKernelTableFree(c, fn.file));
  if (frees.length === 0) return [];
  const allocated = derivedVariables(fa, fa.calls.filter((c) => ALLOCATION.test(c.callee) && c.assignedTo).map((c) => c.assignedTo as string));
  const configDependent = image.lines.some((l) => /^\s*#\s*if.*\bCONFIG_|\bIS_ENABLED\s*\(\s*CONFIG_/.test(l.text));
  const out: UnguardedFree[] = [];
  for (const call of frees) {
    const freed = innermostVariable(freedArgument(call));
    if (freed !== undefined && allocated.has(freed) && !FREEING_HOOK.test(call.callee)) continue;
    const locked = (q: 'every' | 'some'): boolean => fa.regions.callInside(call, 'init-mm-mmap-lock', q) === true;
    const hotplug = fa.regions.sites.some((s) => s.call.line === call.line && s.call.callee === call.callee && s.states.length > 0 && s.states.every((st) => st.holds.some((h) => h.resource === 'online-mems')));
    if (locked('every') || hotplug || heldFromUnseenCode(image, call, INIT_MM_MMAP_LOCK)) continue;
    out.push({ call, partly: locked('some'), configDependent });
  }
  return out;
}

function reports(fns: readonly TouchedFunction[], patch: PatchUnderReview): RuleReport[] {
  // Across the patch: code moved to another file (a deleted file's function
  // reappearing in a new one) keeps the frees it had.
  const found = introducedInPatch(
    fns,
    unguardedFrees,
    // By what is freed, not by the free helper's name: __free_page(ptdesc_page(p)) → pagetable_free(p) is the same free.
    (u) => `${FREEING_HOOK.test(u.call.callee) ? u.call.callee : 'free'}|${innermostVariable(freedArgument(u.call)) ?? ''}|${u.partly}`,
  );
  return found.flatMap(({ item: u, image, fn }) => {
    // A lock the patch removes is what makes an untouched free unguarded: quote it.
    const removedLock = fn.region.fragments
      .flat()
      .filter((l) => l.kind === 'removed' && /\binit_mm\b/.test(l.text) && /mmap_(read|write)_(un)?lock|mmap_read_trylock|mmap_read_lock_try/.test(l.text));
    const compiledOut = u.partly && u.configDependent;
    const r = reportOn(fn, image, {
      messageId: compiledOut ? 'guardCompiledOut' : u.partly ? 'freedOnUnlockedPath' : 'freedWithoutInitMmLock',
      data: { free: u.call.callee },
      line: u.call.line,
      extra: removedLock,
      suggestion: compiledOut
        ? 'take the init_mm lock on every configuration, or say in the code why this one has no non-owning walker (ptdump, check_wx)'
        : 'hold mmap_read_lock(&init_mm) around the free and the new entry install; in vmap paths a trylock ' +
          '(scoped_cond_guard(mmap_read_lock_try, return 0, &init_mm)) that falls back to not freeing',
    });
    if (!r) return [];
    if (compiledOut) r.severity = 'warning';
    // The race as a litmus test: the walker holds the lock (mmap_write_lock(&init_mm) as the template's lock), the freer none.
    return [withScenario(r, patch, { template: 'lockless-walk', facts: { walker: 'ptl', freer: 'none' } })];
  });
}

export default defineRule({
  meta: {
    id: 'kernel-pgtable-free-vs-walker',
    title: 'kernel page table freed without excluding ptdump-style walkers (init_mm mmap lock)',
    severity: 'error',
    hazardClass: 'walker-sync',
    contract:
      'Walkers of kernel ranges they do not own (ptdump_walk_pgd(), check_wx, debugfs kernel_page_tables, EFI ptdump) ' +
      'hold mmap_write_lock(&init_mm) and get_online_mems(). Every path that frees a published init_mm page table ' +
      '(vmap_try_huge_p?d() → p?d_free_p?d_page(), x86 CPA collapse, pagetable_free() of kernel tables) must hold ' +
      'mmap_read_lock(&init_mm) around the free and the new entry install, or a trylock that falls back to not ' +
      'freeing; memory hot-remove excludes them with the hotplug lock instead.',
    arches: ['x86', 'arm64', 'powerpc', 'riscv', 'all'],
    references: [
      {
        title: 'Lorenzo Stoakes, mm/vmalloc: acquire init_mm lock on huge vmap to avoid ptdump UAF (series v3)',
        url: 'https://lore.kernel.org/all/20260714-series-vmap-race-fix-v3-0-b812eccfa0f9@kernel.org/',
      },
      {
        title: 'Lorenzo Stoakes, x86/mm/pat: acquire mmap lock on page table free to avoid ptdump UAF (fixes 41d88484c71c)',
        url: 'https://lore.kernel.org/all/20260710-fix-cpa-ptdump-race-v1-1-d898699a7417@kernel.org/',
      },
      {
        title: 'syzbot report of the ptdump vs huge vmap use-after-free',
        url: 'https://lore.kernel.org/all/6a287988.39669fcc.33b062.00a0.GAE@google.com/',
      },
    ],
    docs: 'rules/kernel-pgtable-free-vs-walker.md',
    messages: {
      freedWithoutInitMmLock:
        '{{free}}() frees a kernel page table without mmap_read_lock(&init_mm): ptdump, check_wx and the debugfs ' +
        'page-table dumps walk it under mmap_write_lock(&init_mm) and read the freed table (use-after-free; x86 CPA ' +
        'collapse, arm64/x86/powerpc/riscv huge vmap)',
      freedOnUnlockedPath:
        '{{free}}() frees a kernel page table on a path that does not hold mmap_read_lock(&init_mm) (a failed trylock ' +
        'must fall back to not freeing): a concurrent ptdump walk reads the freed table (x86, arm64, powerpc, riscv)',
      guardCompiledOut:
        "{{free}}() is inside the init_mm mmap lock only on some configurations: the guard is compiled out or " +
        'conditional per architecture, so ptdump may walk a freed table there; justify it or take the lock everywhere',
    },
  },
  check(context) {
    return reports(context.functions(), context.patch);
  },
});
