// R12 (mmu_gather half) / R20: an architecture's tlb_flush(), or a helper
// that computes its scope from the gather, narrows the invalidation (a range
// flush over tlb->start..end, a TTL level from tlb->cleared_*) without
// looking at tlb->freed_tables. When the gather freed page tables, a narrowed
// or leaf-level flush leaves walk-cache entries that point at the freed tables.
import {
  defineRule,
  type HunkLine,
  type ImageFunction,
  type RuleReport,
  type TouchedFunction,
} from '../src/analysis/rule-api.ts';

/** `tlb` in `struct mmu_gather *tlb`. */
const GATHER_PARAM = /\bstruct\s+mmu_gather\s*\*\s*(\w+)/;

/** Code of a line without its comments (a crude cut is enough for member tokens). */
function code(text: string): string {
  return text.replace(/\/\*.*?(\*\/|$)/g, '').replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
}

/** The gather parameter's name, from the C front end or, on a fragment, from the definition line in the hunk. */
function gatherName(image: ImageFunction, fn: TouchedFunction): string | undefined {
  const param = image.analysis.fn.params.find((p) => GATHER_PARAM.test(p.text));
  if (param) return param.name;
  if (fn.name === undefined) return undefined;
  const def = image.lines.find((l) => new RegExp(`\\b${fn.name}\\s*\\(`).test(l.text) && GATHER_PARAM.test(l.text));
  return def ? GATHER_PARAM.exec(def.text)?.[1] : undefined;
}

/**
 * Does this line narrow the flush by what the gather recorded? Reading
 * tlb->cleared_* (a level or stride hint) or handing tlb->start/tlb->end to
 * a flush call; the whole-mm flush (flush_tlb_mm(tlb->mm)) is not narrowing.
 */
function narrows(text: string, tlb: string): boolean {
  const c = code(text);
  return new RegExp(`\\b${tlb}->(cleared_(ptes|pmds|puds|p4ds)\\b|start\\b|end\\b)`).test(c);
}

const considersTables = (text: string, tlb: string): boolean =>
  new RegExp(`\\b${tlb}->freed_tables\\b`).test(code(text));

/** The architecture a path belongs to: `arch/<arch>/...`. */
function archOf(file: string): string | undefined {
  return /^arch\/([^/]+)\//.exec(file)?.[1];
}

function reports(fn: TouchedFunction): RuleReport[] {
  const arch = archOf(fn.file);
  const post = fn.post;
  if (!arch || !post) return [];
  const tlb = gatherName(post, fn) ?? (fn.pre ? gatherName(fn.pre, fn) : undefined);
  if (!tlb) return [];
  const postLines = post.lines;
  if (postLines.some((l) => considersTables(l.text, tlb))) return [];
  const narrowing = postLines.filter((l) => narrows(l.text, tlb));
  const first = narrowing[0];
  if (!first) return [];
  // Diff-aware: the patch adds the narrowing, or removes the freed_tables test.
  const removedTest = fn.region.fragments.flat().filter((l) => l.kind === 'removed' && considersTables(l.text, tlb));
  const added = narrowing.filter((l) => l.kind === 'added');
  if (added.length === 0 && removedTest.length === 0) return [];
  const at: HunkLine = added[0] ?? first;
  const evidence: HunkLine[] = [at, ...removedTest.filter((l) => l !== at)];
  const member = new RegExp(`\\b${tlb}->(cleared_\\w+|start|end)\\b`).exec(code(at.text))?.[0] ?? `${tlb}->start`;
  const r: RuleReport = {
    messageId: 'ignoresFreedTables',
    data: { gather: tlb, member, arch },
    file: fn.file,
    at,
    evidence,
    suggestion:
      `test ${tlb}->freed_tables first and fall back to a flush that covers non-leaf entries ` +
      '(the whole mm, or level 0 / non-last-level TLBI) when tables were freed',
    confidence: post.confidence,
  };
  if (fn.name !== undefined) r.function = fn.name;
  return [r];
}

export default defineRule({
  meta: {
    id: 'mmu-gather-flush-ignores-freed-tables',
    title: 'mmu_gather flush narrowed without checking freed_tables',
    severity: 'error',
    hazardClass: 'mmu-gather',
    contract:
      'When an mmu_gather freed page-table pages (tlb->freed_tables, set by pte_free_tlb()/pmd_free_tlb()/' +
      'pud_free_tlb()), the architecture\'s tlb_flush() must invalidate the cached non-leaf entries too: a ' +
      'last-level-only or level-hinted TLBI (arm64 TTL from tlb->cleared_*), or a range flush over ' +
      'tlb->start..tlb->end with the leaf stride (riscv), leaves walk-cache entries to the freed tables. ' +
      'Any narrowing of the flush by what the gather recorded must first test tlb->freed_tables.',
    arches: ['arm64', 'riscv', 'powerpc', 'x86'],
    references: [
      {
        title: 'Alexandre Ghiti, [PATCH -fixes] riscv: Flush the tlb when a page directory is freed (fixes c5e9b2c2ae82)',
        url: 'https://lore.kernel.org/all/20240128120405.25876-1-alexghiti@rivosinc.com/',
      },
      {
        title: 'Zhenyu Ye, [PATCH v1] arm64: tlb: fix the TTL value of tlb_get_level (fixes c4ab2cbc1d87)',
        url: 'https://lore.kernel.org/all/b80ead47-1f88-3a00-18e1-cacc22f54cc4@huawei.com/',
      },
      {
        title: 'Peter Zijlstra, 22a61c3c4f13 asm-generic/tlb: Track freeing of page-table directories in struct mmu_gather',
        url: 'https://git.kernel.org/torvalds/c/22a61c3c4f13',
      },
    ],
    docs: 'rules/mmu-gather-flush-ignores-freed-tables.md',
    messages: {
      ignoresFreedTables:
        '{{arch}}: the mmu_gather flush is narrowed by {{member}} without testing {{gather}}->freed_tables; ' +
        'page tables the gather freed stay reachable through the walk cache',
    },
  },
  check(context) {
    return context.functions().flatMap(reports);
  },
});
