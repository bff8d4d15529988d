// The mmu_gather region of a function (HAZARDS R20): where pages and tables
// handed to the gather wait for its TLB flush. A function that takes a
// `struct mmu_gather *` runs wholly inside its caller's gather (zap_pte_range,
// unmap_page_range); otherwise the region lies between tlb_gather_mmu*() and
// tlb_finish_mmu() as the C front end's held states count them.
import { heldCount, type CCall } from '../c/index.ts';
import type { FileChange } from '../patch/types.ts';
import type { ImageFunction, TouchedFunction } from './function-context.ts';

/** `tlb` in `struct mmu_gather *tlb`. */
export const GATHER_PARAM = /\bstruct\s+mmu_gather\s*\*\s*(\w+)/;

/**
 * Does `fn` take a gather from its caller? Read from the parsed parameters,
 * else (a fragment) from the definition line in the hunk or the `@@` section
 * line, which is where a hunk inside zap_pte_range() names it.
 */
export function takesGather(fn: TouchedFunction, image: ImageFunction, file: FileChange | undefined): boolean {
  if (image.analysis.fn.params.some((p) => GATHER_PARAM.test(p.text))) return true;
  if (fn.name === undefined) return false;
  const head = new RegExp(`\\b${fn.name}\\s*\\(`);
  if (image.lines.slice(0, 3).some((l) => head.test(l.text) && GATHER_PARAM.test(l.text))) return true;
  return (file?.hunks ?? []).some((h) => h.sectionFunction === fn.name && head.test(h.section) && GATHER_PARAM.test(h.section));
}

/** Is `call` reached with a gather open on some path (the function's own tlb_gather_mmu*())? */
export function insideOwnGather(image: ImageFunction, call: Pick<CCall, 'callee' | 'line'>): boolean {
  return image.analysis.regions.sites.some(
    (s) => s.call.callee === call.callee && s.call.line === call.line && s.states.some((st) => heldCount(st, 'mmu-gather') > 0),
  );
}

/**
 * Is the gather a call starts or finishes this function's own (`&tlb` of a
 * local `struct mmu_gather tlb`)? A pointer (`tlb`, `madv_behavior->tlb`)
 * names a gather the caller owns: madvise_init_tlb()/madvise_finish_tlb()
 * start and finish it in separate helpers on purpose.
 */
export function ownGatherCall(image: ImageFunction, line: number, callee: string): boolean {
  const call = image.analysis.calls.find((c) => c.line === line && c.callee === callee);
  return call === undefined || /^&\s*\w+$/.test(call.args[0] ?? '');
}
