// The relevance globs of the issue, as the config would hand them in.
import type { AnalysisOptions } from '../../src/analysis/analyze.ts';

export const RELEVANCE = {
  paths: [
    'mm/pgtable-generic.c',
    'mm/ptdump.c',
    'mm/vmalloc.c',
    'mm/memory.c',
    'mm/kasan/shadow.c',
    'include/linux/pgtable.h',
    'arch/*/mm/**',
    'arch/*/include/asm/{pgtable,tlbflush,tlb}*.h',
  ],
  identifiers: ['lazy_mmu_mode_*', 'arch_*_lazy_mmu_mode', 'pte_offset_map*', 'p?d_free_*', 'flush_tlb_*', 'ptdump_*'],
};

export function options(over: Partial<AnalysisOptions> = {}): AnalysisOptions {
  return { relevance: RELEVANCE, rules: {}, ...over };
}
