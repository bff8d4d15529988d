// Version probes (HAZARDS.md F, "Version probes"): which API generation a
// source text (a base-tree file, or a patch's post-image) uses, so a rule
// applies the contract of that generation. Token probes on purpose: the
// definitions live in headers we often do not have, but the use sites show
// the generation just as well.

export type LazyMmuApi =
  /** `lazy_mmu_mode_enable()`/`disable()`/`pause()`/`resume()` (Kevin Brodsky's generic layer, 2025). */
  | 'generic'
  /** Only `arch_enter_lazy_mmu_mode()`/`arch_leave_lazy_mmu_mode()`. */
  | 'arch'
  /** Neither appears. */
  | 'none';

export interface ApiGenerations {
  lazyMmu: LazyMmuApi;
  /** Both generations appear (a conversion patch, or a tree in between). */
  lazyMmuMixed: boolean;
  /** `lazy_mmu_mode_pause` with a `pause_count`: v5+ counted pause semantics. */
  lazyMmuCountedPause: boolean;
  /** `pte_offset_map_rw_nolock`/`_ro_nolock` exist (R08's rw/ro split, 2024). */
  pteMapRwRoNolock: boolean;
  /** `tlb_remove_table_sync_one` exists (R18's IPI variant). */
  tlbRemoveTableSyncOne: boolean;
  /** `arm64_ptdump_lock_key`: the 2025 arm64 static-key scheme (R16). */
  arm64PtdumpStaticKey: boolean;
  /** `mmap_read_lock_try` guard class: the 2026 generic init_mm lock scheme (R14). */
  initMmMmapLockGuard: boolean;
  /** `pagetable_free_kernel`: IOMMU-SVA-aware kernel table frees. */
  kernelPtdescFree: boolean;
}

const has = (text: string, word: string): boolean => new RegExp(`\\b${word}\\b`).test(text);

/** Probes one text. Combine several files' results with `mergeApiGenerations`. */
export function probeApiGenerations(text: string): ApiGenerations {
  const generic = /\blazy_mmu_mode_(enable|disable|pause|resume)\b/.test(text);
  const arch = /\barch_(enter|leave)_lazy_mmu_mode\b/.test(text);
  return {
    lazyMmu: generic ? 'generic' : arch ? 'arch' : 'none',
    lazyMmuMixed: generic && arch,
    lazyMmuCountedPause: has(text, 'lazy_mmu_mode_pause') && has(text, 'pause_count'),
    pteMapRwRoNolock: /\bpte_offset_map_(rw|ro)_nolock\b/.test(text),
    tlbRemoveTableSyncOne: has(text, 'tlb_remove_table_sync_one'),
    arm64PtdumpStaticKey: has(text, 'arm64_ptdump_lock_key'),
    initMmMmapLockGuard: has(text, 'mmap_read_lock_try'),
    kernelPtdescFree: has(text, 'pagetable_free_kernel'),
  };
}

/** Union of several probes: a generation is present if any text shows it. */
export function mergeApiGenerations(all: readonly ApiGenerations[]): ApiGenerations {
  const any = (f: (g: ApiGenerations) => boolean): boolean => all.some(f);
  const generic = any((g) => g.lazyMmu === 'generic');
  const arch = any((g) => g.lazyMmu === 'arch' || g.lazyMmuMixed);
  return {
    lazyMmu: generic ? 'generic' : arch ? 'arch' : 'none',
    lazyMmuMixed: generic && arch,
    lazyMmuCountedPause: any((g) => g.lazyMmuCountedPause),
    pteMapRwRoNolock: any((g) => g.pteMapRwRoNolock),
    tlbRemoveTableSyncOne: any((g) => g.tlbRemoveTableSyncOne),
    arm64PtdumpStaticKey: any((g) => g.arm64PtdumpStaticKey),
    initMmMmapLockGuard: any((g) => g.initMmMmapLockGuard),
    kernelPtdescFree: any((g) => g.kernelPtdescFree),
  };
}
