// R16: a static key used as a synchronisation gate for a lock. The freer
// takes a lock only `if (static_branch_unlikely(&K))`, and the walker turns K
// on around its walk. static_branch_enable()/disable() are absolute, not
// counted: with two overlapping walkers (two readers of the debugfs file, or
// ptdump and the W^X check) the first to finish turns K off while the second
// still walks, and a freer then skips the lock and frees a table under it.
// static_branch_inc()/dec() count (ptdump v6, merged as fa93b45fd397).
// Each finding carries the two-walker scenario (SEEDS.md §2) filled from the
// post-image: how the key is toggled, whether the walk is locked, the barrier
// between the clear and the key test; its verdict and litmus test go into
// the report.
import {
  defineRule,
  introducedBy,
  lineText,
  reportOn,
  withScenario,
  UPPER_ENTRY_CLEARS,
  type CCall,
  type ImageFunction,
  type PatchUnderReview,
  type RuleReport,
  type StaticKeyFacts,
  type TouchedFunction,
} from '../src/analysis/rule-api.ts';

const GATES = /^(static_branch_unlikely|static_branch_likely|static_key_enabled|static_key_false|static_key_true)$/;
const ABSOLUTE = /^(static_branch_enable|static_branch_disable|static_key_enable|static_key_disable|static_branch_enable_cpuslocked|static_branch_disable_cpuslocked)$/;
const LOCKS = /^(mmap_read_lock|mmap_write_lock|mmap_read_trylock|spin_lock\w*|raw_spin_lock\w*|mutex_lock\w*|down_read|down_write|read_lock|write_lock)$/;

const COUNTED = /^(static_branch_inc|static_branch_dec|static_key_slow_inc|static_key_slow_dec)(_cpuslocked)?$/;
/**
 * The walker's write lock: taken in the toggling function, or inside the
 * generic ptdump_walk_pgd() (mm/ptdump.c takes mmap_write_lock(mm) around
 * the walk), which v4-v6 call between the toggles.
 */
const WALK_LOCKED = /^(mmap_write_lock|mmap_write_lock_killable|ptdump_walk_pgd)$/;

/**
 * A full barrier between the clear and the key test: arm64
 * __flush_tlb_kernel_pgtable() and flush_tlb_kernel_range() end in
 * DSB ISH; ISB. dsb(ishst) orders stores only, not the key's load.
 */
const isFullBarrier = (c: CCall): boolean =>
  /^(smp_mb|mb|__flush_tlb_kernel_pgtable|flush_tlb_kernel_range)$/.test(c.callee) || (c.callee === 'dsb' && /^(ish|sy)$/.test(c.args[0] ?? ''));

const keyOf = (c: CCall): string | undefined => /^&\s*([A-Za-z_][\w.>-]*)$/.exec(c.args[0] ?? '')?.[1];

/** Keys whose gate guards a lock in some touched function: `if (static_branch_unlikely(&K)) { mmap_read_lock(...); ...`. */
function lockGates(fns: TouchedFunction[]): Map<string, { fn: TouchedFunction; gate: CCall; lock: CCall }> {
  const out = new Map<string, { fn: TouchedFunction; gate: CCall; lock: CCall }>();
  for (const fn of fns) {
    const calls = fn.post?.analysis.calls ?? [];
    for (const gate of calls.filter((c) => GATES.test(c.callee))) {
      const key = keyOf(gate);
      const lock = calls.find((c) => LOCKS.test(c.callee) && c.line > gate.line && c.line <= gate.line + 3);
      if (key && lock && !out.has(key)) out.set(key, { fn, gate, lock });
    }
  }
  return out;
}

function toggles(image: ImageFunction, key: string): CCall[] {
  return image.analysis.calls.filter((c) => ABSOLUTE.test(c.callee) && keyOf(c) === key);
}

/**
 * The scenario's facts, read off the post-images with the C front end.
 * Two walkers always: one toggling call site is enough, since two readers
 * of the debugfs file, or ptdump and the W^X check, walk at once. The free
 * is modelled with a full barrier before it (barrierBeforeFree): the table
 * reaches another CPU only through the page allocator, whose own locking
 * Catalin Marinas's test writes as that smp_mb().
 */
function keyFacts(fns: TouchedFunction[], key: string, freer: TouchedFunction, gate: CCall): StaticKeyFacts {
  const togglers = fns.filter((fn) => (fn.post?.analysis.calls ?? []).some((c) => keyOf(c) === key && (ABSOLUTE.test(c.callee) || COUNTED.test(c.callee))));
  const calls = (fn: TouchedFunction): CCall[] => fn.post?.analysis.calls ?? [];
  const absolute = togglers.some((fn) => calls(fn).some((c) => keyOf(c) === key && ABSOLUTE.test(c.callee)));
  const before = calls(freer).filter((c) => c.line < gate.line);
  const clearLine = Math.max(-1, ...before.filter((c) => UPPER_ENTRY_CLEARS.has(c.callee)).map((c) => c.line));
  return {
    walkers: 2,
    toggle: absolute ? 'enable-disable' : 'inc-dec',
    walkerLock: togglers.some((fn) => calls(fn).some((c) => WALK_LOCKED.test(c.callee))),
    freerLock: 'key-gated',
    barrierAfterClear: before.some((c) => c.line > clearLine && isFullBarrier(c)),
    barrierBeforeFree: true,
    freer: /pud/.test(freer.name ?? '') ? 'pud_free_pmd_page' : 'pmd_free_pte_page',
  };
}

/** Walkers are reached from debugfs show handlers and initcalls at once: concurrently. */
const CONCURRENT = /walk|show|dump|check_wx|debugfs/;

function reports(fns: TouchedFunction[], patch: PatchUnderReview): RuleReport[] {
  const out: RuleReport[] = [];
  for (const [key, { fn: freer, gate, lock }] of lockGates(fns)) {
    let facts: StaticKeyFacts | undefined;
    const sites = fns.flatMap((fn) => introducedBy(fn, (image) => toggles(image, key), (c, image) => lineText(image, c.line)).map((t) => ({ fn, ...t })));
    const togglers = new Set(sites.map((s) => s.fn.name ?? ''));
    // One report per toggling function, at its first absolute toggle.
    for (const name of togglers) {
      const first = sites.find((s) => (s.fn.name ?? '') === name);
      if (!first) continue;
      const concurrent = togglers.size > 1 || CONCURRENT.test(name);
      const r = reportOn(first.fn, first.image, {
        messageId: 'absoluteToggle',
        data: { toggle: first.item.callee, key, function: name || 'file scope', freer: freer.name ?? 'file scope', lock: lock.callee },
        line: first.item.line,
        lines: sites.filter((s) => s.fn === first.fn).map((s) => s.item.line),
        suggestion:
          `static_branch_inc(&${key})/static_branch_dec(&${key}), so the key stays on while any walker runs; ` +
          'the 2026 upstream scheme drops the key and takes the init_mm mmap lock (trylock) in generic vmap code',
      });
      if (!r) continue;
      r.evidence.push(...[gate.line, lock.line].flatMap((n) => freer.post?.lineAt(n) ?? []).filter((l) => !r.evidence.includes(l)));
      if (!concurrent) r.severity = 'warning';
      facts ??= keyFacts(fns, key, freer, gate);
      out.push(withScenario(r, patch, { template: 'static-key-walkers', facts }));
    }
  }
  return out;
}

export default defineRule({
  meta: {
    id: 'static-key-gated-locking',
    title: 'static key gating a lock is toggled with static_branch_enable()/disable()',
    severity: 'error',
    hazardClass: 'static-key',
    contract:
      'A static key that gates a lock (`if (static_branch_unlikely(&K)) { mmap_read_lock(); mmap_read_unlock(); }` in a ' +
      'free path, K on while a walker runs) must be reference-counted: static_branch_enable()/disable() are absolute, so ' +
      'with two overlapping walkers the first to finish turns K off under the second and a freer skips the lock. Use ' +
      'static_branch_inc()/dec(). Toggling may sleep (cpus_read_lock, jump_label_mutex) and needs an explicit ordering ' +
      'argument: the branch is an instruction-stream property, not a memory access.',
    arches: ['arm64'],
    references: [
      {
        title: 'Dev Jain, [PATCH v5] arm64: Enable vmalloc-huge with ptdump',
        url: 'https://lore.kernel.org/all/20250723102905.7894-1-dev.jain@arm.com/',
      },
      {
        title: 'Will Deacon, review of v5: what serialises the key toggling against check_wx()?',
        url: 'https://lore.kernel.org/all/aMk8QhkumtEoPVTh@willie-the-truck/',
      },
      {
        title: 'Ryan Roberts, on static_branch_inc()/dec() and deferred keys',
        url: 'https://lore.kernel.org/all/0686e52a-ee35-4179-ab35-719598c31fef@arm.com/',
      },
    ],
    docs: 'rules/static-key-gated-locking.md',
    messages: {
      absoluteToggle:
        '{{toggle}}(&{{key}}) in {{function}}() is not reference-counted, but {{key}} gates the {{lock}}() that {{freer}}() takes to wait for walkers: with two overlapping walks the first to finish turns the key off while the second still walks, and a freer skips the lock and frees a table under it',
    },
  },
  check(context) {
    return reports(context.functions(), context.patch);
  },
});
