// SEEDS.md section 3: once vmap maps kernel memory with contiguous PTEs
// through set_huge_pte_at(&init_mm, ...) (arch_vmap_pte_range_map_size(),
// Ryan Roberts's 2025 arm64 work; powerpc 8xx and riscv Svnapot do the
// same), the huge/contiguous PTE helpers and the clear_flush() behind them
// see the kernel mm for the first time. Their flush was written for user
// mms (a vma built from mm, an ASID-tagged range flush); for &init_mm it must
// be the kernel invalidation, flush_tlb_kernel_range().
// - helper side: a huge/contiguous PTE helper that flushes a user range and
//   has no `mm == &init_mm` kernel branch, when the patch removes that branch
//   or shows &init_mm reaching the helpers (error);
// - caller side: the patch routes &init_mm into the helpers and shows no
//   helper handling it (info: the helpers are not in the patch).
import {
  defineRule,
  type FileChange,
  type HunkLine,
  type ImageFunction,
  type RuleReport,
  type TouchedFunction,
} from '../src/analysis/rule-api.ts';

/** User-range flushes, built on a vma or an ASID. */
const USER_FLUSH = /^(flush_tlb_range|__flush_tlb_range|__flush_tlb_range_nosync|__flush_hugetlb_tlb_range|flush_hugetlb_tlb_range|flush_tlb_page|flush_tlb_mm)$/;
/** Kernel invalidation. */
const KERNEL_FLUSH = /^(flush_tlb_kernel_range|__flush_tlb_kernel_pgtable|local_flush_tlb_kernel_range|flush_tlb_all)$/;
const HELPER_FILE = /^arch\/[^/]+\/(mm\/(hugetlbpage|contpte)\.c|include\/asm\/(hugetlb|pgtable)\.h)$/;
const HELPER_NAME = /huge_pte|huge_ptep|clear_flush|contig|contpte|_anysz/;
/** &init_mm handed to a huge/contiguous PTE helper, or an arch opting vmap into contiguous PTEs. */
const INIT_MM_REACHES = /\b(set_huge_pte_at|huge_ptep_\w+|huge_pte_clear|set_contptes|__set_ptes_anysz)\s*\(\s*&\s*init_mm\b|\barch_vmap_pte_(range_map_size|supported_shift)\b/;

const codeOf = (text: string): string => text.replace(/\/\*.*?(\*\/|$)/g, '').replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
const archOf = (file: string): string => /^arch\/([^/]+)\//.exec(file)?.[1] ?? 'all';

/** The added lines of the patch that route &init_mm into the huge PTE helpers. */
function initMmRoutes(files: FileChange[]): Array<{ file: string; line: HunkLine }> {
  return files.flatMap((f) =>
    f.hunks.flatMap((h) => h.lines.filter((l) => l.kind === 'added' && INIT_MM_REACHES.test(codeOf(l.text))).map((line) => ({ file: f.path, line }))),
  );
}

/** Does this image select the kernel flush when the mm is init_mm? */
function handlesInitMm(image: ImageFunction): boolean {
  return image.lines.some((l) => /\binit_mm\b/.test(codeOf(l.text))) && image.analysis.calls.some((c) => KERNEL_FLUSH.test(c.callee));
}

/** A huge/contiguous PTE helper of an architecture: by its file, or by its name anywhere in arch/. */
function isHelper(fn: TouchedFunction): boolean {
  if (!fn.file.startsWith('arch/') || fn.name === undefined) return false;
  return HELPER_NAME.test(fn.name) || (HELPER_FILE.test(fn.file) && /^(set_huge_pte_at|huge_pte_\w+|huge_ptep_\w+|flush_\w+)$/.test(fn.name));
}

function helperReports(fn: TouchedFunction, routed: boolean): RuleReport[] {
  const post = fn.post;
  if (!post || !isHelper(fn)) return [];
  const flush = post.analysis.calls.find((c) => USER_FLUSH.test(c.callee));
  if (!flush || handlesInitMm(post)) return [];
  const removedBranch = fn.pre !== undefined && handlesInitMm(fn.pre);
  if (!removedBranch && !routed) return [];
  const at = post.lineAt(flush.line);
  if (!at) return [];
  const changed = fn.region.fragments.flat().filter((l) => l.kind !== 'context' && codeOf(l.text).trim() !== '');
  const r: RuleReport = {
    messageId: 'userFlushForInitMm',
    data: { flush: flush.callee, fn: fn.name ?? '', arch: archOf(fn.file) },
    file: fn.file,
    at,
    evidence: [at, ...changed.filter((l) => l !== at).slice(0, 3)],
    suggestion: 'if (mm == &init_mm) flush_tlb_kernel_range(saddr, addr); else <the user-range flush>;',
    confidence: post.confidence,
  };
  if (fn.name !== undefined) r.function = fn.name;
  return [r];
}

export default defineRule({
  meta: {
    id: 'huge-pte-init-mm-flush',
    title: 'huge/contiguous PTE helper reached with &init_mm flushes as for a user mm',
    severity: 'error',
    hazardClass: 'tlb-invalidate',
    contract:
      'When vmap maps kernel memory with contiguous PTEs (set_huge_pte_at(&init_mm, ...), arch_vmap_pte_range_map_size()), ' +
      'the huge/contiguous PTE helpers and their clear_flush() run on init_mm; their TLB flush must then be the ' +
      'kernel invalidation (flush_tlb_kernel_range()), not a user-range flush built on a vma of init_mm.',
    arches: ['arm64', 'riscv', 'powerpc'],
    references: [
      {
        title: 'Ryan Roberts, [PATCH v4 09/11] arm64/mm: Support huge pte-mapped pages in vmap (06fc959fcff7)',
        url: 'https://lore.kernel.org/all/20250422081822.1836315-10-ryan.roberts@arm.com/',
      },
    ],
    docs: 'rules/huge-pte-init-mm-flush.md',
    messages: {
      userFlushForInitMm:
        '{{flush}}() in {{fn}}() is a user-range flush, but &init_mm reaches this huge/contiguous PTE helper (vmap): ' +
        'with mm == &init_mm it must flush with flush_tlb_kernel_range() ({{arch}}; arm64 contpte vmap, riscv Svnapot, powerpc 8xx)',
      initMmRouted:
        '&init_mm now reaches the huge/contiguous PTE helpers here: confirm that their clear_flush() uses ' +
        'flush_tlb_kernel_range() when mm == &init_mm (arm64 contpte vmap, riscv Svnapot, powerpc 8xx)',
    },
  },
  check(context) {
    const routes = initMmRoutes(context.patch.files);
    const fns = context.functions();
    const helpers = fns.flatMap((fn) => helperReports(fn, routes.length > 0));
    // Helpers shown in the patch answer the question; otherwise one info at the first route.
    const shown = fns.some((fn) => isHelper(fn) && fn.post !== undefined && handlesInitMm(fn.post));
    const first = routes[0];
    if (!first || shown || helpers.length > 0) return helpers;
    return [
      {
        messageId: 'initMmRouted',
        file: first.file,
        at: first.line,
        evidence: [first.line],
        confidence: 'fragment',
        severity: 'info',
      },
    ];
  },
});
