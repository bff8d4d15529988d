// R16: a static key used as a synchronisation gate for a lock. The freer
// takes a lock only `if (static_branch_unlikely(&K))`, and the walker turns K
// on around its walk. static_branch_enable()/disable() are absolute, not
// counted: with two overlapping walkers (two readers of the debugfs file, or
// ptdump and the W^X check) the first to finish turns K off while the second
// still walks, and a freer then skips the lock and frees a table under it.
// static_branch_inc()/dec() count (ptdump v6, merged as fa93b45fd397).
import {
  defineRule,
  introducedBy,
  lineText,
  reportOn,
  type CCall,
  type ImageFunction,
  type RuleReport,
  type TouchedFunction,
} from '../src/analysis/rule-api.ts';

const GATES = /^(static_branch_unlikely|static_branch_likely|static_key_enabled|static_key_false|static_key_true)$/;
const ABSOLUTE = /^(static_branch_enable|static_branch_disable|static_key_enable|static_key_disable|static_branch_enable_cpuslocked|static_branch_disable_cpuslocked)$/;
const LOCKS = /^(mmap_read_lock|mmap_write_lock|mmap_read_trylock|spin_lock\w*|raw_spin_lock\w*|mutex_lock\w*|down_read|down_write|read_lock|write_lock)$/;

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

/** Walkers are reached from debugfs show handlers and initcalls at once: concurrently. */
const CONCURRENT = /walk|show|dump|check_wx|debugfs/;

function reports(fns: TouchedFunction[]): RuleReport[] {
  const out: RuleReport[] = [];
  for (const [key, { fn: freer, gate, lock }] of lockGates(fns)) {
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
      out.push(r);
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
    return reports(context.functions());
  },
});
