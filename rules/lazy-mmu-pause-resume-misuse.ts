// R02: the old leave/enter idiom. A pte_fn_t callback that must leave its
// caller's lazy MMU section (to make a locked PTE update visible) used
// arch_leave_lazy_mmu_mode() ... arch_enter_lazy_mmu_mode(); once the
// generic layer exists (Kevin Brodsky, 2025) that is lazy_mmu_mode_pause()/
// resume(), which leave the mode whatever the nesting depth and come back at
// the same depth, where the arch hooks end every level at once. Generic code
// calling the arch hooks directly on such a tree should use the wrappers.
import {
  defineRule,
  introducedBy,
  lineLocal,
  lineText,
  mergeApiGenerations,
  probeApiGenerations,
  reportOn,
  type CCall,
  type ImageFunction,
  type RuleReport,
  type TouchedFunction,
} from '../src/analysis/rule-api.ts';

const ARCH_HOOK = /^arch_(enter|leave)_lazy_mmu_mode$/;
/** Generic code: the arch hooks belong to arch/ and to the generic layer's own helpers. */
const GENERIC = /^(mm|fs|kernel|lib)\//;

interface Idiom {
  leave: CCall;
  enter: CCall;
}

/** arch_leave_lazy_mmu_mode() followed by arch_enter_lazy_mmu_mode() in a callback that runs in a section. */
function oldIdiom(image: ImageFunction): Idiom[] {
  if ((image.entry['lazy-mmu'] ?? 0) === 0) return [];
  const calls = image.analysis.calls;
  const leave = calls.find((c) => c.callee === 'arch_leave_lazy_mmu_mode');
  const enter = leave && calls.find((c) => c.callee === 'arch_enter_lazy_mmu_mode' && c.line > leave.line);
  return leave && enter ? [{ leave, enter }] : [];
}


function directCalls(image: ImageFunction): CCall[] {
  return image.analysis.calls.filter((c) => ARCH_HOOK.test(c.callee));
}

function reports(fn: TouchedFunction, genericApi: boolean): RuleReport[] {
  if (!GENERIC.test(fn.file) || /lazy_mmu/.test(fn.name ?? '')) return [];
  const idiom = introducedBy(fn, oldIdiom, (c, image) => lineText(image, c.leave.line));
  const out: RuleReport[] = [];
  for (const { item, image } of idiom) {
    const r = reportOn(fn, image, {
      messageId: genericApi ? 'oldIdiomGeneric' : 'oldIdiom',
      data: { function: fn.name ?? 'file scope' },
      line: item.leave.line,
      lines: [item.enter.line],
      suggestion: 'lazy_mmu_mode_pause() at entry and lazy_mmu_mode_resume() on every exit',
    });
    // The idiom's verdict rests on its own lines: generic code (the file's path) calling both arch hooks in a
    // pte_fn_t callback (the signature on the hunk's section line). When the patch adds both calls, no code the
    // hunks leave out can make them right: line-local, the warning is kept on a fragment.
    if (r) out.push(lineLocal(r));
  }
  if (genericApi && idiom.length === 0) {
    for (const { item, image } of introducedBy(fn, directCalls, (c, i) => lineText(i, c.line))) {
      const r = reportOn(fn, image, {
        messageId: 'directArchCall',
        data: { call: item.callee, function: fn.name ?? 'file scope' },
        line: item.line,
        suggestion: item.callee === 'arch_enter_lazy_mmu_mode' ? 'lazy_mmu_mode_enable()' : 'lazy_mmu_mode_disable()',
      });
      if (r) {
        r.severity = 'info';
        out.push(r);
      }
    }
  }
  return out;
}

export default defineRule({
  meta: {
    id: 'lazy-mmu-pause-resume-misuse',
    title: 'old arch leave/enter idiom where lazy_mmu_mode_pause()/resume() belong',
    severity: 'warning',
    hazardClass: 'lazy-mmu',
    contract:
      'A pte_fn_t callback (run by apply_to_page_range() inside a lazy MMU section) that must leave the mode temporarily ' +
      'uses lazy_mmu_mode_pause()/lazy_mmu_mode_resume(), which leave the mode whatever the nesting depth and re-enter it at ' +
      'the same depth; arch_leave_lazy_mmu_mode()/arch_enter_lazy_mmu_mode() are the arch hooks behind the generic layer ' +
      'and end every nesting level at once. Generic code does not call the arch hooks once the generic API exists.',
    arches: ['all'],
    references: [
      {
        title: 'Kevin Brodsky, [PATCH v6 07/14] mm: introduce generic lazy_mmu helpers',
        url: 'https://lore.kernel.org/all/20251215150323.2218608-8-kevin.brodsky@arm.com/',
      },
      {
        title: 'Balbir Singh, [PATCH] kasan: Fix warnings caused by use of arch_enter_lazy_mmu_mode()',
        url: 'https://lore.kernel.org/all/20250912235515.367061-1-balbirs@nvidia.com/',
      },
    ],
    docs: 'rules/lazy-mmu-pause-resume-misuse.md',
    messages: {
      oldIdiomGeneric:
        '{{function}}() leaves its caller\'s lazy MMU section with arch_leave_lazy_mmu_mode() and re-enters with arch_enter_lazy_mmu_mode(): on a tree with the generic lazy_mmu API that is lazy_mmu_mode_pause()/resume(), which keep the nesting depth',
      oldIdiom:
        '{{function}}() leaves its caller\'s lazy MMU section with the arch hooks directly: generic code calling arch_leave/arch_enter_lazy_mmu_mode() ends every nesting level at once, and breaks when the hooks change (their return value on arm64, the generic pause/resume layer)',
      directArchCall: '{{call}}() called directly from generic code in {{function}}(): this tree has the generic lazy_mmu_mode_*() wrappers',
    },
  },
  check(context) {
    const fns = context.functions();
    // Version probe on what the patch shows: both the post-images and their context.
    const probe = mergeApiGenerations(fns.flatMap((fn) => (fn.post ? [probeApiGenerations(fn.post.lines.map((l) => l.text).join('\n'))] : [])));
    return fns.flatMap((fn) => reports(fn, probe.lazyMmu === 'generic' || probe.lazyMmuMixed));
  },
});
