// R24: promoting a vmap/ioremap range to a PMD/PUD/P4D leaf. A present
// table may be replaced only after p?d_free_*_page() has cleared the entry,
// invalidated the walk caches and freed the table, and its 0 return ("cannot
// free": x86-PAE, a failed trylock) must send the caller back to smaller
// mappings. Two findings:
// - a p?d_free_*_page() whose result is dropped or never tested, in a
//   function that then installs the leaf with p?d_set_huge();
// - an arch diff that changes arch_vmap_*_supported(): an info asking the
//   author to confirm the arch hooks behind it (the opt-in is only as good
//   as pmd_free_pte_page()/pud_free_pmd_page()).
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
import { mentions } from '../src/analysis/path-state.ts';

const FREE_TABLE = /^(pmd_free_pte_page|pud_free_pmd_page|p4d_free_pud_page)$/;
const SET_HUGE = /^(pmd|pud|p4d)_set_huge$/;
const OPT_IN = /\barch_vmap_(pmd|pud|p4d|pte)_supported\b/;

/** What happens to a free's result: dropped, kept in a variable nobody tests, or tested. */
function useOf(image: ImageFunction, call: CCall): 'dropped' | 'untested' | 'used' {
  const node = image.analysis.cfg.nodes.find((n) => n.events.some((e) => e.kind === 'call' && e.call.line === call.line && e.call.text === call.text));
  if (!node) return 'used';
  if (node.kind === 'branch' || node.kind === 'loop-head' || node.kind === 'return') return 'used';
  const stmt = node.text.replace(/;$/, '').replace(/^\(void\)\s*/, '');
  if (stmt === call.text) return 'dropped';
  const v = call.assignedTo;
  if (v === undefined) return 'used';
  const tested = image.analysis.cfg.nodes.some((n) => n !== node && (n.kind === 'branch' || n.kind === 'return' || n.kind === 'loop-head') && mentions(n.text, v));
  return tested ? 'used' : 'untested';
}

function unusedFrees(image: ImageFunction): Array<{ free: CCall; install: CCall; use: 'dropped' | 'untested' }> {
  const installs = image.analysis.calls.filter((c) => SET_HUGE.test(c.callee));
  return image.analysis.calls.flatMap((free) => {
    if (!FREE_TABLE.test(free.callee)) return [];
    const install = installs.find((i) => i.line >= free.line);
    const use = install ? useOf(image, free) : 'used';
    return install && use !== 'used' ? [{ free, install, use }] : [];
  });
}

function archOf(file: string): string {
  return /^arch\/([^/]+)\//.exec(file)?.[1] ?? 'all';
}

function resultReports(fn: TouchedFunction): RuleReport[] {
  const found = introducedBy(fn, unusedFrees, (v, image) => `${lineText(image, v.free.line)}\0${lineText(image, v.install.line)}`);
  return found.flatMap(({ item: v, image }) => {
    const r = reportOn(fn, image, {
      messageId: v.use === 'dropped' ? 'resultDropped' : 'resultUntested',
      data: { free: v.free.callee, install: v.install.callee, installLine: v.install.line },
      line: v.free.line,
      lines: [v.install.line],
      suggestion: `test the result and fall back to smaller mappings when ${v.free.callee}() returns 0, as vmap_try_huge_pmd() does: ` +
        '`if (pmd_present(*pmd) && !pmd_free_pte_page(pmd, addr)) return 0;`',
    });
    return r ? [r] : [];
  });
}

/** Code (not comment) lines the patch changes inside or at an arch_vmap_*_supported() definition. */
function optInReports(fn: TouchedFunction): RuleReport[] {
  if (!fn.file.startsWith('arch/')) return [];
  const lines = fn.region.fragments.flat();
  const inOptIn = fn.name !== undefined && OPT_IN.test(fn.name);
  const changed = lines.filter((l) => {
    if (l.kind === 'context') return false;
    const code = l.text.replace(/\/\*.*?(\*\/|$)/g, '').replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '').trim();
    if (code === '') return false;
    return inOptIn || OPT_IN.test(code);
  });
  const at = changed.find((l) => l.kind === 'added') ?? changed[0];
  if (!at) return [];
  const name = OPT_IN.exec(inOptIn ? (fn.name as string) : at.text)?.[0] ?? 'arch_vmap_*_supported';
  const r: RuleReport = {
    messageId: 'optInChanged',
    data: { optIn: name, arch: archOf(fn.file) },
    file: fn.file,
    at,
    evidence: changed.slice(0, 4),
    confidence: fn.post?.confidence ?? fn.pre?.confidence ?? 'fragment',
    severity: 'info',
  };
  if (fn.name !== undefined) r.function = fn.name;
  return [r];
}

export default defineRule({
  meta: {
    id: 'vmap-huge-contract',
    title: 'huge vmap/ioremap promotion without honouring p?d_free_*_page()',
    severity: 'warning',
    hazardClass: 'table-free',
    contract:
      'Promotion of a vmap/ioremap range to a PMD/PUD/P4D leaf needs the arch opt-in (arch_vmap_p?d_supported()), ' +
      'alignment, and, where a table is present, a successful p?d_free_*_page(), which clears the entry, invalidates ' +
      'the walk caches and frees the table; its 0 return means the table could not be freed (x86-PAE, a failed ' +
      'trylock) and the caller must fall back to smaller mappings instead of calling p?d_set_huge() over it.',
    arches: ['all'],
    references: [
      {
        title: 'Toshi Kani, [PATCH v4 3/3] x86/mm: add TLB purge to free pmd/pte page interfaces (series of b6bdb7517c3d, 28ee90fe6048)',
        url: 'https://lore.kernel.org/all/20180627141348.21777-4-toshi.kani@hpe.com/',
      },
      {
        title: 'Toshi Kani, x86/mm: disable ioremap free page handling on x86-PAE (same series)',
        url: 'https://lore.kernel.org/all/20180627141348.21777-1-toshi.kani@hpe.com/',
      },
      {
        title: 'Dev Jain, [PATCH v5] arm64: Enable vmalloc-huge with ptdump (fa93b45fd397 changes arch_vmap_p?d_supported)',
        url: 'https://lore.kernel.org/all/20250723102905.7894-1-dev.jain@arm.com/',
      },
    ],
    docs: 'rules/vmap-huge-contract.md',
    messages: {
      resultDropped:
        '{{free}}() result is dropped before {{install}}() on line {{installLine}}: a 0 return (table not freed: x86-PAE, ' +
        'a failed trylock) must make the caller fall back to smaller mappings, not install a leaf over the table (all architectures)',
      resultUntested:
        '{{free}}() result is stored but never tested before {{install}}() on line {{installLine}}: a 0 return (table not ' +
        'freed: x86-PAE, a failed trylock) must make the caller fall back to smaller mappings (all architectures)',
      optInChanged:
        '{{optIn}}() changes on {{arch}}: confirm that the arch pmd_free_pte_page()/pud_free_pmd_page() clear the entry, ' +
        'invalidate the walk cache before freeing, and exclude kernel page-table walkers (ptdump)',
    },
  },
  check(context) {
    const fns = context.functions();
    // One opt-in notice per file: arm64 changes its pud and pmd opt-ins together (fa93b45fd397).
    const optIns = new Map<string, RuleReport>();
    for (const r of fns.flatMap(optInReports)) if (!optIns.has(r.file)) optIns.set(r.file, r);
    return [...fns.flatMap(resultReports), ...optIns.values()];
  },
});
