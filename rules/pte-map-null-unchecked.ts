// R06: since 0d940a9b270b pte_offset_map*() may return NULL (the pmd was
// none, a migration entry, trans_huge, bad, or the table was just retracted),
// so the result must be tested before it is used. And the pmd it is given
// must point into a page table, or be a local copy read inside a read-side
// region that is still open (Jann Horn on Hugh Dickins' series): RCU then
// protects the table from the moment the entry was read.
import {
  defineRule,
  introducedBy,
  lineText,
  NULLABLE_MAP_CALLS,
  reportOn,
  sameHunk,
  uncheckedMapUses,
  type CCall,
  type HunkLine,
  type ImageFunction,
  type RuleReport,
  type TouchedFunction,
} from '../src/analysis/rule-api.ts';

/** `BUG_ON(!pte)`: a deliberate crash on NULL is a check (Hugh's assert_pte_locked()). */
function assertsMapped(text: string, v: string): boolean {
  return new RegExp(`^(VM_)?(BUG_ON|WARN_ON(_ONCE)?)\\s*\\(\\s*!\\s*\\(?\\s*${v}\\s*\\)?\\s*\\)`).test(text);
}

/** NULL tests the patch removes: the change that opened the unchecked use. */
function removedTests(fn: TouchedFunction): HunkLine[] {
  return fn.region.fragments.flat().filter((l) => l.kind === 'removed' && /\bif\s*\(.*(!\s*\w+|\w+\s*==\s*NULL)/.test(l.text));
}

function uncheckedReports(fn: TouchedFunction): RuleReport[] {
  const found = introducedBy(
    fn,
    (image) => uncheckedMapUses(image.analysis.cfg).filter((u) => sameHunk(fn, image, u.map.line, u.line) && !assertsMapped(u.text, u.variable)),
    (u, image) => `${lineText(image, u.map.line)}|${lineText(image, u.line)}`,
  );
  return found.flatMap(({ item: u, image }) => {
    const r = reportOn(fn, image, {
      messageId: 'unchecked',
      data: { map: u.map.callee, mapLine: u.map.line, variable: u.variable, line: u.line },
      line: u.line,
      lines: [u.map.line],
      extra: removedTests(fn),
      suggestion: `if (!${u.variable}) return 0; /* or retry: ACTION_AGAIN in a page walk */`,
    });
    return r ? [r] : [];
  });
}

/** Index of the pmd argument of each map helper. */
const PMD_ARG: Readonly<Record<string, number>> = {
  pte_offset_map: 0, __pte_offset_map: 0, ___pte_offset_map: 0, pte_offset_map_lock: 1, __pte_offset_map_lock: 1,
  pte_offset_map_nolock: 1, pte_offset_map_ro_nolock: 1, pte_offset_map_rw_nolock: 1,
};

/** `&pmdval`: the address of a local pmd_t copy, not of an entry in a table. */
function localCopy(fn: ImageFunction, call: CCall): string | undefined {
  const i = PMD_ARG[call.callee];
  const v = i === undefined ? undefined : /^&\s*([A-Za-z_]\w*)$/.exec(call.args[i] ?? '')?.[1];
  if (v === undefined) return undefined;
  const declared = new RegExp(`\\bpmd_t\\s+(\\w+\\s*,\\s*)*${v}\\b`);
  return fn.lines.some((l) => declared.test(l.text)) || fn.analysis.fn.params.some((p) => p.name === v && /\bpmd_t\s+\w/.test(p.text)) ? v : undefined;
}

const READ_SIDES = ['rcu-read-side', 'irqs-off', 'preempt-off'] as const;

function localCopyReports(fn: TouchedFunction): RuleReport[] {
  const outside = (image: ImageFunction): CCall[] =>
    image.analysis.regions.sites
      .filter((s) => NULLABLE_MAP_CALLS.has(s.call.callee) && localCopy(image, s.call) !== undefined)
      .filter((s) => !READ_SIDES.some((r) => image.analysis.regions.callInside(s.call, r, 'every')))
      .map((s) => s.call);
  return introducedBy(fn, outside, (c, image) => lineText(image, c.line)).flatMap(({ item: c, image }) => {
    const r = reportOn(fn, image, {
      messageId: 'localCopyOutsideReadSide',
      data: { map: c.callee, copy: localCopy(image, c) ?? '' },
      line: c.line,
      suggestion: 'read the pmd copy inside rcu_read_lock() (or with IRQs off, as GUP-fast does) and keep it open across the map, or pass the pmd pointer into the table',
    });
    return r ? [r] : [];
  });
}

/**
 * `if (walk->mm == &init_mm) pte_offset_kernel() else pte_offset_map()`:
 * other mms map kernel addresses too (efi_mm), and pte_offset_map()'s user
 * validation (pmd_bad() clears the entry) then hits kernel tables: the
 * espfix pmds in the EFI ptdump walk. Choose by address, not by mm.
 */
function kernelByMmReports(fn: TouchedFunction): RuleReport[] {
  const chosenByMm = (image: ImageFunction): CCall[] =>
    image.analysis.calls.filter((c) => {
      if (!NULLABLE_MAP_CALLS.has(c.callee)) return false;
      const tests = image.lines.filter((l) => {
        const n = l.newLine ?? l.oldLine ?? 0;
        return n < c.line && n >= c.line - 4 && /\bif\s*\(.*\bmm\s*[!=]=\s*&init_mm\b/.test(l.text) && !/TASK_SIZE|is_kernel|addr\s*>=/.test(l.text);
      });
      return tests.length > 0 && image.analysis.calls.some((k) => k.callee === 'pte_offset_kernel' && Math.abs(k.line - c.line) <= 3);
    });
  return introducedBy(fn, chosenByMm, (c, image) => lineText(image, c.line)).flatMap(({ item: c, image }) => {
    const r = reportOn(fn, image, {
      messageId: 'kernelChosenByMm',
      data: { map: c.callee },
      line: c.line,
      suggestion: 'choose pte_offset_kernel() by address too: `if (walk->mm == &init_mm || addr >= TASK_SIZE)`',
    });
    return r ? [r] : [];
  });
}

export default defineRule({
  meta: {
    id: 'pte-map-null-unchecked',
    title: 'pte_offset_map*() result used unchecked, or given a local pmd copy outside a read side',
    severity: 'error',
    hazardClass: 'pte-map',
    contract:
      'Since Hugh Dickins\' 2023 series (0d940a9b270b) pte_offset_map(), pte_offset_map_lock() and the *_nolock variants ' +
      'may return NULL: when the pmd is none, a migration entry, trans_huge or bad, or the table was just removed. Callers ' +
      'test the result before using it. The pmd argument points into a page table, or is a local copy read inside an ' +
      'RCU read side (IRQs or preemption off count) that is still open at the map.',
    arches: ['all'],
    references: [
      {
        title: 'Hugh Dickins, [PATCH v2 00/32] mm: allow pte_offset_map[_lock]() to fail',
        url: 'https://lore.kernel.org/all/c1c9a74a-bc5b-15ea-e5d2-8ec34bc921d@google.com/',
      },
      {
        title: 'Hugh Dickins, [PATCH mm-hotfixes] mm/pagewalk: fix EFI_PGT_DUMP of espfix area',
        url: 'https://lore.kernel.org/all/22bca736-4cab-9ee5-6a52-73a3b2bbe865@google.com/',
      },
      {
        title: 'Hugh Dickins, [PATCH 00/23] arch: allow pte_offset_map[_lock]() to fail',
        url: 'https://lore.kernel.org/all/a4963be9-7aa6-350-66d0-2ba843e1af44@google.com/',
      },
    ],
    docs: 'rules/pte-map-null-unchecked.md',
    messages: {
      unchecked:
        '{{map}}() on line {{mapLine}} may return NULL, but {{variable}} is used on line {{line}} before any NULL test',
      kernelChosenByMm:
        '{{map}}() is chosen for every mm but init_mm, yet other mms map kernel addresses too (efi_mm): its user-pmd validation then treats kernel entries as bad (the espfix pmds under EFI_PGT_DUMP)',
      localCopyOutsideReadSide:
        '{{map}}(&{{copy}}) maps the table of a local pmd copy outside any RCU read side (no rcu_read_lock(), IRQs or preemption off): the table may be freed between reading {{copy}} and the map',
    },
  },
  check(context) {
    return context.functions().flatMap((fn) => [...uncheckedReports(fn), ...localCopyReports(fn), ...kernelByMmReports(fn)]);
  },
});
