// R23: arm64 TLB maintenance is a sequence, not an instruction:
// dsb(ishst) (the table store is visible to walkers) < __tlbi(<op>is, ...)
// < dsb(ish) (the invalidation completed on every CPU) < isb() (for kernel
// mappings and walk-cache invalidation, 51696d346c49). A table change also
// needs a non-last-level op: vale1is/vaale1is keep walk-cache entries.
// Token order on the function's calls (HAZARDS P6 on straight-line code).
import {
  defineRule,
  introducedBy,
  lineText,
  reportOn,
  type CCall,
  type ImageFunction,
  type RuleReport,
  type Severity,
  type TouchedFunction,
} from '../src/analysis/rule-api.ts';

/** The TLBI emitters of arch/arm64/include/asm/tlbflush.h (__flush_tlb_range_op() is the range macro around __tlbi()). */
const TLBI = /^(__tlbi|__tlbi_level|__tlbi_user|__tlbi_user_level|__flush_tlb_range_op)$/;
const LEADING_BARRIER = (c: CCall): boolean => c.callee === 'dsb' || c.callee === 'wmb';
const TRAILING_BARRIER = (c: CCall, local: boolean): boolean =>
  c.callee === '__tlbi_sync_s1ish' ||
  (c.callee === 'dsb' && /^(ish|sy|osh)$/.test(c.args[0] ?? '')) ||
  (local && c.callee === 'dsb' && c.args[0] === 'nsh');
/** A literal TLBI op: `vaae1is`, `vmalle1`, `aside1is`, `rvale1is`, `ipas2e1is`. */
const TLBI_OP = /^[a-z0-9]*?e[0-3](is|os)?$/;
const LEAF_ONLY_OP = /^va?ale1(is|os)?$/;
const TABLE_CLEAR = /^(pmd_clear|pud_clear|p4d_clear|pmdp_huge_get_and_clear|pudp_huge_get_and_clear)$/;

/** Issue kinds, in the order the sequence is read. */
type Kind = 'missingLeadingDsb' | 'missingTrailingDsb' | 'missingIsb' | 'leafOnlyAfterTableClear' | 'notInnerShareable';

interface SequenceIssue {
  kind: Kind;
  tlbi: CCall;
  /** The call that makes the issue: the trailing dsb for missingIsb, the clear for leafOnly. */
  other?: CCall;
}

/** The first TLBI's op (`vaae1is` in `__tlbi(vaae1is, addr)`). */
const opOf = (c: CCall): string => c.args[0] ?? '';

/** Does the function issue the TLBIs of another function's sequence (batched, or the DSB left to the caller)? */
const isNoSync = (name: string): boolean => /_nosync$|^arch_tlbbatch_add_pending$/.test(name);
/** Kernel mappings and walk-cache invalidation need the ISB (HAZARDS R23 detection). */
const needsIsb = (name: string): boolean => /kernel|pgtable/.test(name);
const isLocal = (file: string, name: string): boolean => /local/.test(name) || /local[^/]*$/.test(file);

/** Trailing barriers the patch removes, by the post-image line that follows each removal. */
function removedTrailingBarriers(fn: TouchedFunction): number[] {
  return fn.region.fragments
    .flat()
    .filter((l) => l.kind === 'removed' && /\b(dsb\s*\(\s*(ish|sy|osh)\s*\)|__tlbi_sync_s1ish\s*\()/.test(l.text))
    .map((l) => l.anchorLine);
}

function sequenceIssues(image: ImageFunction, fn: TouchedFunction): SequenceIssue[] {
  const name = fn.name ?? '';
  const calls = [...image.analysis.calls].sort((a, b) => a.line - b.line);
  const tlbis = calls.filter((c) => TLBI.test(c.callee));
  const first = tlbis[0];
  const last = tlbis[tlbis.length - 1];
  if (!first || !last) return [];
  const whole = image.confidence === 'whole-function';
  const local = isLocal(fn.file, name);
  const out: SequenceIssue[] = [];
  // Barriers may sit in lines a fragment does not show: only whole functions say they are missing.
  if (whole && !calls.some((c) => c.line < first.line && LEADING_BARRIER(c))) out.push({ kind: 'missingLeadingDsb', tlbi: first });
  const trailing = calls.find((c) => c.line > last.line && TRAILING_BARRIER(c, local));
  // On a fragment, a removed dsb(ish) after the last TLBI shows the hole.
  const dropped = image.image === 'post' && removedTrailingBarriers(fn).some((l) => l > last.line);
  if ((whole || dropped) && !trailing && !isNoSync(name)) out.push({ kind: 'missingTrailingDsb', tlbi: last });
  if (whole && trailing && needsIsb(name) && !calls.some((c) => c.line > trailing.line && c.callee === 'isb')) {
    out.push({ kind: 'missingIsb', tlbi: last, other: trailing });
  }
  const clear = calls.find((c) => TABLE_CLEAR.test(c.callee));
  for (const t of tlbis) {
    if (clear && LEAF_ONLY_OP.test(opOf(t))) out.push({ kind: 'leafOnlyAfterTableClear', tlbi: t, other: clear });
    // Only a literal op (`vae1`), not a macro parameter (`op`), says what it is.
    if (!local && TLBI_OP.test(opOf(t)) && !/(is|os)$/.test(opOf(t))) out.push({ kind: 'notInnerShareable', tlbi: t });
  }
  return out;
}

const SUGGESTION: Record<Kind, string> = {
  missingLeadingDsb: 'issue dsb(ishst) after the page-table store and before the first __tlbi()',
  missingTrailingDsb: 'wait for completion with dsb(ish) (__tlbi_sync_s1ish() on newer trees) after the last __tlbi()',
  missingIsb: 'add isb() after the dsb(ish), as __flush_tlb_kernel_pgtable() does since 51696d346c49',
  leafOnlyAfterTableClear: 'use the non-last-level op (vae1is, vaae1is) or __flush_tlb_kernel_pgtable()',
  notInnerShareable: 'use the inner-shareable op (<op>is): other CPUs may hold the entry',
};

function reports(fn: TouchedFunction): RuleReport[] {
  // arch/arm64/kvm has its own stage-2 sequences (kvm_pgtable).
  if (!fn.file.startsWith('arch/arm64/') || fn.file.startsWith('arch/arm64/kvm/')) return [];
  const found = introducedBy(
    fn,
    (image) => sequenceIssues(image, fn),
    (i, image) => `${i.kind}|${lineText(image, i.tlbi.line)}`,
  );
  const removedBarriers = fn.region.fragments
    .flat()
    .filter((l) => l.kind === 'removed' && /\b(dsb\s*\(|isb\s*\(|__tlbi_sync_s1ish\s*\()/.test(l.text));
  return found.flatMap(({ item, image }) => {
    const line = item.kind === 'missingIsb' && item.other ? item.other.line : item.tlbi.line;
    const r = reportOn(fn, image, {
      messageId: item.kind,
      data: {
        tlbi: item.tlbi.callee,
        op: opOf(item.tlbi),
        function: fn.name ?? '<fragment>',
        ...(item.other ? { other: item.other.callee, otherLine: item.other.line } : {}),
      },
      line,
      lines: item.other ? [item.other.line, item.tlbi.line] : [],
      extra: removedBarriers,
      suggestion: SUGGESTION[item.kind],
    });
    if (!r) return [];
    const severity: Severity | undefined = item.kind === 'notInnerShareable' ? 'warning' : undefined;
    if (severity) r.severity = severity;
    r.evidence.sort((a, b) => a.anchorLine - b.anchorLine || (a.kind === 'removed' ? -1 : 1));
    return [r];
  });
}

export default defineRule({
  meta: {
    id: 'arm64-tlbi-sequence',
    title: 'malformed arm64 TLB maintenance sequence',
    severity: 'error',
    hazardClass: 'tlb-invalidate',
    contract:
      'arm64 TLB invalidation is dsb(ishst) (order the page-table store before the TLBI), then an inner-shareable ' +
      '__tlbi(<op>is, ...), then dsb(ish) (newer trees: __tlbi_sync_s1ish()) so the invalidation has completed on ' +
      'every CPU, then isb() for kernel mappings and after walk-cache invalidation. A changed table entry needs a ' +
      'non-last-level op (vae1is/vaae1is): vale1is/vaale1is leave walk-cache entries. Helpers named *_nosync and ' +
      'arch_tlbbatch_add_pending() leave the dsb(ish) to their caller.',
    arches: ['arm64'],
    references: [
      {
        title: 'Will Deacon, arm64: tlb: Ensure we execute an ISB following walk cache invalidation (51696d346c49)',
        url: 'https://lore.kernel.org/all/20190827131818.14724-3-will@kernel.org/',
      },
      {
        title: '05f2d2f83b5a arm64: tlbflush: Introduce __flush_tlb_kernel_pgtable',
        url: 'https://git.kernel.org/torvalds/c/05f2d2f83b5a',
      },
    ],
    docs: 'rules/arm64-tlbi-sequence.md',
    messages: {
      missingLeadingDsb:
        'arm64: {{tlbi}}({{op}}) is not preceded by dsb(ishst): the page-table store may not be visible to other ' +
        "CPUs' walkers before the invalidation",
      missingTrailingDsb:
        'arm64: no dsb(ish) after {{tlbi}}({{op}}) in {{function}}(): the invalidation is not complete on other CPUs ' +
        'when it returns',
      missingIsb:
        'arm64: no isb() after the dsb() that completes {{tlbi}}({{op}}) in {{function}}(): kernel and walk-cache ' +
        'invalidation need the context synchronisation before the table is reused',
      leafOnlyAfterTableClear:
        'arm64: leaf-only {{tlbi}}({{op}}) after {{other}}() on line {{otherLine}}: the walk cache keeps the cleared ' +
        'table entry',
      notInnerShareable:
        'arm64: {{tlbi}}({{op}}) is not inner-shareable: other CPUs keep their TLB entries',
    },
  },
  check(context) {
    return context.functions().flatMap(reports);
  },
});
