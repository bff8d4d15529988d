// R17: init_mm's mmap lock is an rwsem, and rwsem readers do not nest: with
// a writer (ptdump) queued between two read acquisitions, writer
// anti-starvation blocks the second one for good. Since 2026 generic vmap
// code takes the read lock (a trylock guard) around pmd_free_pte_page() and
// pud_free_pmd_page(), so those helpers must not take it again; and vmap
// paths must not sleep on it (trylock and fall back to not freeing).
import {
  defineRule,
  introducedBy,
  lineText,
  mergeApiGenerations,
  probeApiGenerations,
  reportOn,
  type CCall,
  type ImageFunction,
  type RuleReport,
  type TouchedFunction,
} from '../src/analysis/rule-api.ts';

/** The arch hooks generic vmap code calls with the init_mm read lock held (2026). */
const UNDER_VMAP_GUARD = /^(pmd_free_pte_page|pud_free_pmd_page|p4d_free_pud_page)$/;
const BLOCKING = /^(mmap_read_lock|mmap_write_lock)$/;

const initMmLocks = (image: ImageFunction): CCall[] =>
  image.analysis.calls.filter((c) => BLOCKING.test(c.callee) && /^&\s*init_mm$/.test(c.args[0] ?? ''));

function reports(fn: TouchedFunction, guardedVmap: boolean): RuleReport[] {
  const out: RuleReport[] = [];
  const push = (r: RuleReport | undefined, severity?: 'warning'): void => {
    if (!r) return;
    if (severity) r.severity = severity;
    out.push(r);
  };
  const reacquired = introducedBy(
    fn,
    (image) => image.analysis.balance({ resources: ['init-mm-mmap-lock'] }).filter((i) => i.kind === 'reacquired'),
    (i, image) => lineText(image, i.line),
  );
  for (const { item, image } of reacquired) {
    push(reportOn(fn, image, { messageId: 'reacquired', data: { call: item.callee, function: fn.name ?? 'file scope' }, line: item.line, lines: item.path.slice(0, 1) }));
  }
  const added = introducedBy(fn, initMmLocks, (c, image) => lineText(image, c.line));
  if (guardedVmap && UNDER_VMAP_GUARD.test(fn.name ?? '')) {
    for (const { item, image } of added) {
      push(reportOn(fn, image, { messageId: 'underVmapGuard', data: { call: item.callee, function: fn.name ?? '' }, line: item.line, suggestion: 'take the lock in one place: the generic caller already holds it; drop the arch-level acquisition' }));
    }
  }
  if (fn.file === 'mm/vmalloc.c') {
    for (const { item, image } of added) {
      push(reportOn(fn, image, { messageId: 'blockingInVmap', data: { call: item.callee, function: fn.name ?? 'file scope' }, line: item.line, suggestion: 'mmap_read_trylock(&init_mm) (scoped_cond_guard(mmap_read_lock_try, ...)) and fall back to not freeing' }), 'warning');
    }
  }
  return out;
}

export default defineRule({
  meta: {
    id: 'init-mm-mmap-lock-nesting',
    title: "init_mm's mmap lock taken again, or blocking, in a table-freeing path",
    severity: 'error',
    hazardClass: 'walker-sync',
    contract:
      'rwsem readers do not nest: a reader holding mmap_read_lock(&init_mm) that takes it again deadlocks when a writer ' +
      '(ptdump) queues in between. Since 2026 generic vmap code holds the read lock (trylock) around the arch hooks ' +
      'pmd_free_pte_page()/pud_free_pmd_page(), which must not take it themselves; vmap paths use a trylock and fall back ' +
      'to not freeing rather than sleep on the lock.',
    arches: ['all', 'arm64 (the former static-key path)'],
    references: [
      {
        title: 'Lorenzo Stoakes, vmap/ptdump race fix series v3 (mm/vmalloc: acquire init_mm lock on huge vmap)',
        url: 'https://lore.kernel.org/all/20260714-series-vmap-race-fix-v3-0-b812eccfa0f9@kernel.org/',
      },
      {
        title: 'Lorenzo Stoakes, arm64: remove redundant concurrent ptdump UAF mitigation',
        url: 'https://lore.kernel.org/all/20260714-series-vmap-race-fix-v3-4-b812eccfa0f9@kernel.org/',
      },
    ],
    docs: 'rules/init-mm-mmap-lock-nesting.md',
    messages: {
      reacquired:
        "{{call}}(&init_mm) in {{function}}() is reached with init_mm's mmap lock already held: rwsem readers do not nest, so a writer queued in between (ptdump) deadlocks both",
      underVmapGuard:
        "{{call}}(&init_mm) in {{function}}(), which generic vmap code calls with init_mm's mmap read lock held (scoped_cond_guard(mmap_read_lock_try, ...)): a second read acquisition deadlocks against a queued ptdump writer",
      blockingInVmap:
        '{{call}}(&init_mm) in {{function}}() sleeps on the lock in a vmap path: use a trylock and fall back to not freeing the table',
    },
  },
  check(context) {
    const fns = context.functions();
    // Version probe on what the patch shows: the 2026 generic guard.
    const probe = mergeApiGenerations(fns.flatMap((fn) => [fn.pre, fn.post].flatMap((i) => (i ? [probeApiGenerations(i.lines.map((l) => l.text).join('\n'))] : []))));
    return fns.flatMap((fn) => reports(fn, probe.initMmMmapLockGuard));
  },
});
