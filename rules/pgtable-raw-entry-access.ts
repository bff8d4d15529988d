// R09: generic code reads page-table entries through ptep_get()/pmdp_get()
// (c33c794828f2), which arm64 contpte overrides to gather access/dirty bits
// across a block; lockless walkers use ptep_get_lockless()/pmdp_get_lockless()
// so 32-bit PAE split entries read consistently; and one decision reads the
// entry once. Ryan Roberts found three raw dereferences had crept back in
// within months, with "no reliable automated mechanism to catch these".
// A token rule on added lines (HAZARDS P1 allows hunk-only analysis here).
import {
  codeLines,
  defineRule,
  type HunkLine,
  type RuleReport,
  type TouchedFunction,
} from '../src/analysis/rule-api.ts';

const ENTRY_TYPES = /\b(pte|pmd|pud|p4d|pgd)_t\s*\*\s*(\w+)/g;
const OFFSET_HELPERS = /\b(\w+)\s*=\s*(pte_offset_\w+|pmd_offset|pud_offset|p4d_offset|pgd_offset\w*)\s*\(/g;
const GETTER: Record<string, string> = { pte: 'ptep_get', pmd: 'pmdp_get', pud: 'pudp_get', p4d: 'p4dp_get', pgd: 'pgdp_get' };

/** Entry pointers the hunks declare or assign from an offset helper: name → level. */
function entryPointers(fn: TouchedFunction): Map<string, string> {
  const out = new Map<string, string>();
  const texts = [...fn.region.fragments.flat().map((l) => l.text), ...(fn.post?.analysis.fn.params.map((p) => p.text) ?? [])];
  for (const t of texts) {
    for (const m of t.matchAll(ENTRY_TYPES)) if (m[1] && m[2]) out.set(m[2], m[1]);
    for (const m of t.matchAll(OFFSET_HELPERS)) if (m[1] && m[2]) out.set(m[1], m[2].replace(/_offset.*$/, ''));
    // What the code hands to a getter is an entry pointer: `ptep_get(pte)`.
    for (const m of t.matchAll(/\b(pte|pmd|pud|p4d|pgd)p_get(?:_lockless)?\s*\(\s*([A-Za-z_]\w*)\s*\)/g)) if (m[1] && m[2]) out.set(m[2], m[1]);
  }
  // Kernel naming: `pmdp`, `ptep`, ... are entry pointers unless declared otherwise.
  for (const t of texts) for (const m of t.matchAll(/\b(ptep|pmdp|pudp|p4dp|pgdp)\b/g)) if (m[1] && !out.has(m[1])) out.set(m[1], m[1].slice(0, -1));
  for (const t of texts) for (const m of t.matchAll(/\b(pte|pmd|pud|p4d|pgd)_t\s+(?!\*)(\w+)/g)) if (m[2]) out.delete(m[2]);
  return out;
}

/** `*ptep` read or written as a value: not a declaration (`pte_t *ptep`) and not a product (`a * b`). */
function rawDerefs(code: string, names: Map<string, string>): string[] {
  const out: string[] = [];
  for (const m of code.matchAll(/(^|[^\w)\]\s]|\b(?:return|if|while)\b)\s*\*\s*\(?\s*([A-Za-z_]\w*)\b(?!\s*\()/g)) {
    const name = m[2] ?? '';
    if (!names.has(name)) continue;
    if (/\b(pte|pmd|pud|p4d|pgd)_t\s*$/.test(code.slice(0, m.index + (m[1]?.length ?? 0)))) continue;
    out.push(name);
  }
  return out;
}

const LOCKLESS = /^(gup_fast\w*|lockless_pages_from_mm|___pte_offset_map|perf_get_pgtable_size|ptdump_\w*_entry|note_page\w*)$/;

function reports(fn: TouchedFunction, accessorsInTree: boolean): RuleReport[] {
  const names = entryPointers(fn);
  const out: RuleReport[] = [];
  for (const fragment of fn.region.fragments) {
    const added = fragment.filter((l) => l.kind === 'added');
    const code = codeLines(added);
    added.forEach((line: HunkLine, i) => {
      const text = code[i] ?? '';
      // Arch code below the accessor layer implements the getters (HAZARDS R09, false positives).
      for (const name of fn.file.startsWith('arch/') ? [] : new Set(rawDerefs(text, names))) {
        const level = names.get(name) ?? 'pte';
        const lockless = LOCKLESS.test(fn.name ?? '');
        const report: RuleReport = {
          messageId: lockless ? 'rawInLockless' : 'rawDeref',
          data: { name, getter: lockless ? `${GETTER[level] ?? 'ptep_get'}_lockless` : (GETTER[level] ?? 'ptep_get'), function: fn.name ?? 'file scope' },
          file: fn.file,
          at: line,
          evidence: [line],
          confidence: 'fragment',
          suggestion: `read it once: ${level}_t entry = ${GETTER[level] ?? 'ptep_get'}(${name}); and test the local`,
        };
        if (fn.name !== undefined) report.function = fn.name;
        // Trees from before the ptep_get() conversion: the accessor is the advice, not the rule.
        if (!lockless && !accessorsInTree) report.severity = 'info';
        else if (lockless) report.severity = 'error';
        out.push(report);
      }
      const twice = [...text.matchAll(/\b(ptep_get|pmdp_get|pudp_get)\s*\(\s*([^()]+?)\s*\)/g)].map((m) => `${m[1]}(${m[2]})`);
      const dup = twice.find((t, k) => twice.indexOf(t) !== k);
      if (dup) {
        const report: RuleReport = { messageId: 'readTwice', data: { read: dup }, file: fn.file, at: line, evidence: [line], confidence: 'fragment' };
        if (fn.name !== undefined) report.function = fn.name;
        out.push(report);
      }
    });
  }
  return out;
}

export default defineRule({
  meta: {
    id: 'pgtable-raw-entry-access',
    title: 'page-table entry dereferenced directly, or read twice in one decision',
    severity: 'warning',
    hazardClass: 'ordering',
    contract:
      'Generic code reads entries through ptep_get()/pmdp_get()/pudp_get() (overridable per arch: arm64 contpte gathers ' +
      'access/dirty bits across the block); lockless walkers (GUP-fast, ptdump) use ptep_get_lockless()/pmdp_get_lockless() ' +
      'so split 32-bit PAE entries read consistently; a value used in one decision is read once into a local.',
    arches: ['arm64 (contpte)', 'x86 (32-bit PAE)', 'all'],
    references: [
      {
        title: 'Ryan Roberts, [PATCH] mm: More ptep_get() conversion',
        url: 'https://lore.kernel.org/all/20231114154945.490401-1-ryan.roberts@arm.com/',
      },
      {
        title: "Anshuman Khandual, mm: Use pxdp_get() for accessing page table entries",
        url: 'https://lore.kernel.org/all/20240917073117.1531207-1-anshuman.khandual@arm.com/',
      },
    ],
    docs: 'rules/pgtable-raw-entry-access.md',
    messages: {
      rawDeref: '*{{name}} reads a page-table entry directly in {{function}}(): generic code uses {{getter}}({{name}}), which the architecture may override (arm64 contpte)',
      rawInLockless: '*{{name}} in {{function}}(), a lockless walker: read the entry once with {{getter}}({{name}}) so a concurrent update cannot tear or change it between tests',
      readTwice: '{{read}} is read twice in one expression: a concurrent update between the reads makes the decision inconsistent; read it once into a local',
    },
  },
  check(context) {
    const fns = context.functions();
    // Version probe on what the patch shows: accessors in use mean a tree after c33c794828f2.
    const accessors = fns.some((fn) => fn.region.fragments.flat().some((l) => /\b(ptep_get|pmdp_get|pudp_get)\s*\(/.test(l.text)));
    return fns.flatMap((fn) => reports(fn, accessors));
  },
});
