// Which replies a series version gets: one per patch mail that carries
// findings at or above the minimum severity, never to mail marked
// never-review, and on a new version only when something changed (a new
// finding, or an earlier one fixed): a still-present finding alone is not
// worth another mail to the list.
import type { Finding, Severity } from '../../analysis/finding.ts';
import type { RuleMeta } from '../../analysis/rule-api.ts';
import type { PatchMail, Series, SeriesVersion } from '../../mail/types.ts';
import { parseUnifiedDiff } from '../../patch/diff.ts';
import { renderReply, type ReplyMail, type ReplyOptions } from './reply.ts';

export interface ReplyPolicy {
  minSeverity: Severity;
  /** Reply on a new version only when findings are new or fixed. */
  onlyNewFindings: boolean;
  maxFindingsPerReply: number;
}

export interface PlanInput {
  series: Series;
  version: SeriesVersion;
  revision: number;
  findings: Finding[];
  /** Findings reported on the previous analysed version (empty for the first). */
  previous: Array<{ fingerprint: string; title: string; ruleId: string; version: number }>;
  rules: RuleMeta[];
  analysedAgainst: string;
}

const RANK: Record<Severity, number> = { error: 2, warning: 1, info: 0 };

export function planReplies(input: PlanInput, policy: ReplyPolicy, opts: ReplyOptions): ReplyMail[] {
  const wanted = input.findings.filter((f) => RANK[f.severity] >= RANK[policy.minSeverity]);
  const previous = new Map(input.previous.map((p) => [p.fingerprint, p]));
  const current = new Set(input.findings.map((f) => f.fingerprint));
  const fixed = input.previous.filter((p) => !current.has(p.fingerprint))
    .map((p) => ({ title: p.title, ruleId: p.ruleId, fromVersion: p.version }));
  const patches = [...input.version.patches, ...input.version.fixups];
  const byPatch = new Map<string, Finding[]>();
  for (const f of wanted) {
    if (f.origin.kind !== 'mail') continue;
    const list = byPatch.get(f.origin.messageId) ?? [];
    list.push(f);
    byPatch.set(f.origin.messageId, list);
  }
  const replies: ReplyMail[] = [];
  let fixedToSay = fixed;
  for (const patch of patches) {
    const findings = byPatch.get(patch.messageId);
    if (!findings?.length || patch.noReview) continue;
    const anyNew = findings.some((f) => !previous.has(f.fingerprint));
    if (policy.onlyNewFindings && input.previous.length && !anyNew && fixedToSay.length === 0) continue;
    const shown = [...findings].sort((a, b) => RANK[b.severity] - RANK[a.severity]).slice(0, policy.maxFindingsPerReply);
    replies.push(renderReply({
      patch: patch as PatchMail,
      files: parseUnifiedDiff(patch.diff, patch.messageId).files,
      seriesId: input.series.id,
      version: input.version.version,
      revision: input.revision,
      findings: shown,
      stillPresent: new Set(findings.filter((f) => previous.has(f.fingerprint)).map((f) => f.fingerprint)),
      fixed: fixedToSay,
      rules: input.rules,
      analysedAgainst: input.analysedAgainst,
    }, opts));
    fixedToSay = [];
  }
  return replies;
}

/** What the analysis read from the kernel tree for one patch (PatchAnalysis.tree). */
export interface TreeUse {
  base: string;
  from: 'base-commit' | 'head';
  wholeFunctionFiles: string[];
}

/** How the patch was analysed, for the reply's first paragraph. */
export function describeBase(version: SeriesVersion, kernelTree: string | undefined, trees: ReadonlyArray<TreeUse | undefined> = []): string {
  const base = version.baseCommit ?? version.patches.find((p) => p.baseCommit)?.baseCommit;
  // Only claim whole-function context when the rules were given whole files.
  const used = trees.find((t) => t !== undefined && t.wholeFunctionFiles.length > 0);
  if (kernelTree && used) {
    const where = used.from === 'base-commit' ? `base-commit ${used.base.slice(0, 12)}` : `the HEAD (${used.base.slice(0, 12)})`;
    return `analysed against ${where} of the configured kernel tree, with whole functions`;
  }
  const tried = trees.find((t) => t !== undefined && t.base !== '');
  if (kernelTree && tried) return `analysed on the patch's hunks alone (it did not apply to ${tried.base.slice(0, 12)} of the configured kernel tree), so on fragments`;
  if (base) return `analysed on the patch's hunks alone (base-commit ${base.slice(0, 12)} given, no kernel tree configured), so on fragments`;
  return "analysed on the patch's hunks alone (no base-commit, no kernel tree), so on fragments";
}
