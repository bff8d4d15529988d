// R01 (and R02's balance half): lazy MMU sections and pauses opened and
// closed on every path. On a whole function, the C front end's per-path
// balance says which path leaves a section open or closes one it did not
// open; on hunk fragments, which rarely show every path, the question is
// diff-relative: does the patch change how many sections the visible lines
// open versus close? A conversion such as arch_enter -> lazy_mmu_mode_enable
// keeps the count, and a slip changes it.
import {
  defineRule,
  exitsInsideSections,
  introducedBy,
  lineText,
  pairedBalance,
  removedCalls,
  reportOn,
  type BalanceIssue,
  type FunctionRegion,
  type PairSpec,
  type RuleReport,
  type TouchedFunction,
} from '../src/analysis/rule-api.ts';

// Parameterised enables (`arch_enter_lazy_mmu_mode_pte(mm, addr, end, ptep)`,
// proposed for s390) open a section like the plain ones.
const SECTION: PairSpec = {
  open: /lazy_mmu_mode_enable(_\w+)?|arch_enter_lazy_mmu_mode(_\w+)?/,
  close: ['lazy_mmu_mode_disable', 'arch_leave_lazy_mmu_mode'],
};
const PAUSE: PairSpec = {
  open: ['lazy_mmu_mode_pause'],
  close: ['lazy_mmu_mode_resume'],
};

/**
 * The helpers themselves (and Xen's enter_lazy/leave_lazy) open or close a
 * section on purpose (HAZARDS R01, false positives).
 */
function implementsLazyMmu(region: FunctionRegion): boolean {
  return /lazy_mmu|^(enter|leave)_lazy$/.test(region.name ?? '');
}

function balanceReport(region: FunctionRegion, spec: PairSpec, kind: 'section' | 'pause'): RuleReport[] {
  const balance = pairedBalance(region, spec);
  if (balance.introduced === 0 || !balance.culprit) return [];
  const surplus = balance.introduced > 0;
  const messageId = kind === 'section' ? (surplus ? 'moreEnables' : 'moreDisables') : surplus ? 'morePauses' : 'moreResumes';
  const report: RuleReport = {
    messageId,
    data: { function: region.name ?? 'file scope', count: Math.abs(balance.introduced) },
    file: region.file,
    at: balance.culprit,
    evidence: [balance.culprit],
    confidence: region.confidence,
  };
  if (region.name !== undefined) report.function = region.name;
  return [report];
}

/** An added `return` between an enable and its disable skips the disable. */
function exitReports(region: FunctionRegion, spec: PairSpec, closeName: string): RuleReport[] {
  return exitsInsideSections(region, spec).map((x) => {
    const report: RuleReport = {
      messageId: 'returnInSection',
      data: { function: region.name ?? 'file scope', open: x.open.name, close: x.close.name, closeLine: x.close.line.anchorLine },
      file: region.file,
      at: x.exit,
      evidence: [x.open.line, x.exit],
      suggestion: `set the error and break out, or goto a label that calls ${closeName}()`,
      confidence: region.confidence,
    };
    if (region.name !== undefined) report.function = region.name;
    return report;
  });
}

const WHAT: Record<string, string> = { 'lazy-mmu': 'lazy MMU section', 'lazy-mmu-pause': 'lazy MMU pause' };

/** Path balance of a whole function: what the patch's post-image leaks or underflows that the pre-image did not. */
function pathReports(fn: TouchedFunction): RuleReport[] {
  const issues = introducedBy(
    fn,
    (image) => image.analysis.balance({ resources: ['lazy-mmu', 'lazy-mmu-pause'] }).filter((i) => i.kind !== 'returned' && i.kind !== 'reacquired'),
    (i: BalanceIssue, image) => `${i.kind}|${i.resource}|${lineText(image, i.line)}|${lineText(image, i.exitLine)}`,
  );
  const closes = removedCalls(fn, [...SECTION_CLOSES, 'lazy_mmu_mode_resume']).map((c) => c.line);
  return issues.flatMap(({ item: i, image }) => {
    const what = WHAT[i.resource] ?? i.resource;
    const name = fn.name ?? 'file scope';
    const r =
      i.kind === 'leak'
        ? reportOn(fn, image, {
            messageId: 'leftOpenOnPath',
            data: { function: name, what, open: i.callee, openLine: i.line, exitLine: i.exitLine },
            line: image.lineAt(i.exitLine)?.kind === 'added' ? i.exitLine : i.line,
            lines: [i.line, i.exitLine],
            extra: closes,
            suggestion: 'close it on every exit: set the error and break out, or goto a label that closes it',
          })
        : reportOn(fn, image, {
            messageId: i.kind === 'underflow' ? 'closedNotOpened' : 'callerSectionClosed',
            data: { function: name, what, close: i.callee, line: i.line },
            line: i.kind === 'underflow' ? i.line : i.exitLine,
            suggestion: 'a callback that must leave its caller\'s section uses lazy_mmu_mode_pause()/lazy_mmu_mode_resume()',
          });
    return r ? [r] : [];
  });
}

const SECTION_CLOSES = ['lazy_mmu_mode_disable', 'arch_leave_lazy_mmu_mode'];

function hunkReports(region: FunctionRegion): RuleReport[] {
  return [
    ...balanceReport(region, SECTION, 'section'),
    ...balanceReport(region, PAUSE, 'pause'),
    ...exitReports(region, SECTION, 'lazy_mmu_mode_disable'),
    ...exitReports(region, PAUSE, 'lazy_mmu_mode_resume'),
  ];
}

export default defineRule({
  meta: {
    id: 'lazy-mmu-unbalanced',
    title: 'lazy MMU section or pause not balanced',
    severity: 'error',
    hazardClass: 'lazy-mmu',
    contract:
      'lazy_mmu_mode_enable() is paired with lazy_mmu_mode_disable() (formerly arch_enter/arch_leave_lazy_mmu_mode()) ' +
      'and lazy_mmu_mode_pause() with lazy_mmu_mode_resume() in the same function on every path; ' +
      'a section left open keeps batching PTE updates, and an extra disable ends a section the caller opened.',
    arches: ['all'],
    references: [
      {
        title: 'Kevin Brodsky, [PATCH v6 07/14] mm: introduce generic lazy_mmu helpers',
        url: 'https://lore.kernel.org/all/20251215150323.2218608-8-kevin.brodsky@arm.com/',
      },
      {
        title: 'Kevin Brodsky, Nesting support for lazy MMU mode, v5 cover letter',
        url: 'https://lore.kernel.org/all/20251124132228.622678-1-kevin.brodsky@arm.com/',
      },
    ],
    docs: 'rules/lazy-mmu-unbalanced.md',
    allowlist: [
      {
        file: 'arch/x86/xen/**',
        reason: 'Xen PV context switch leaves and re-enters lazy MMU mode for the task being switched (documented exception)',
      },
    ],
    messages: {
      moreEnables:
        'lazy MMU section left open: this patch leaves {{count}} lazy MMU enable(s) in {{function}}() without a matching disable',
      moreDisables:
        'lazy MMU section closed without being opened: this patch leaves {{count}} lazy MMU disable(s) in {{function}}() without a matching enable',
      morePauses:
        'lazy MMU pause without resume: this patch leaves {{count}} lazy_mmu_mode_pause() call(s) in {{function}}() without a matching resume',
      returnInSection:
        'return inside a lazy MMU section: {{function}}() returns here after {{open}}() without reaching the {{close}}() on line {{closeLine}}',
      leftOpenOnPath:
        '{{what}} left open: {{function}}() can leave by line {{exitLine}} with the {{what}} that {{open}}() opened on line {{openLine}} still open',
      closedNotOpened:
        '{{what}} closed without being opened: {{close}}() on line {{line}} closes a {{what}} that {{function}}() did not open on some path',
      callerSectionClosed:
        "caller's {{what}} closed: {{function}}() runs inside its caller's {{what}} (a pte_fn_t callback of apply_to_page_range()) and returns here with it closed",
      moreResumes:
        'lazy MMU resume without pause: this patch leaves {{count}} lazy_mmu_mode_resume() call(s) in {{function}}() without a matching pause',
    },
  },
  check(context) {
    return context
      .functions()
      .filter((fn) => !implementsLazyMmu(fn.region))
      .flatMap((fn) => (fn.post?.confidence === 'whole-function' ? pathReports(fn) : hunkReports(fn.region)));
  },
});
