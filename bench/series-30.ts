// The 30 real page-table patches the analysis benches run: Kevin Brodsky's
// lazy_mmu series v5 02..12 and v6 02..14, the hand-made unbalanced variant
// and five patches of the bug corpus.
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const lazy = (n: number): string => join(root, 'fixtures/lore/threads/lazy_mmu_nesting', `${String(n).padStart(4, '0')}.eml`);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export const SERIES_30: readonly string[] = [
  ...range(214, 224).map(lazy), // v5 02..12
  ...range(254, 266).map(lazy), // v6 02..14
  join(root, 'fixtures/patch/lazy_mmu_generic_helpers_unbalanced.patch'),
  ...[
    'x86_free_pmd_pte_page_no_tlb_purge/introducing',
    'x86_free_pmd_pte_page_no_tlb_purge/fix',
    'kasan_lazy_mmu_hazards/introducing',
    'kasan_shadow_populate_race/fix',
    'arm64_lazy_mmu_nesting/introducing',
  ].map((p) => join(root, 'fixtures/lore/bugs', `${p}.patch`)),
];
