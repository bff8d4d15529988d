// The analysis entry point: series in, findings and per-patch relevance out.
// For each series it takes the newest version (or every version), parses
// each patch's diff, keeps the relevant files, runs the rules on the patches
// that have any, and lists every finding once.
import type { MailMessage, NoReviewReason, PatchMail, Series, SeriesVersion } from '../mail/types.ts';
import { parseUnifiedDiff } from '../patch/diff.ts';
import { patchRelevance, type PatchRelevance, type RelevanceConfig } from '../patch/relevance.ts';
import type { FileProvider } from '../patch/file-provider.ts';
import type { FileStatus } from '../patch/types.ts';
import type { Finding } from './finding.ts';
import { withImageCache } from './function-context.ts';
import { attachMailLitmus, type MailLitmusOptions } from './litmus-mail/index.ts';
import { loadRules } from './loader.ts';
import type { Rule, RuleMeta } from './rule-api.ts';
import { bracketed, runRules, type RuleSettings, type SuppressedFinding } from './run.ts';
import type { SimulationOptions } from './simulation.ts';
import { treeContext, type TreeContextIndex } from './tree-context.ts';

export interface AnalysisOptions {
  relevance: RelevanceConfig;
  rules: RuleSettings;
  /** Which versions of each series: the newest (default) or all. */
  versions?: 'newest' | 'all';
  /**
   * Every message read (patches, cover letters, replies): the litmus tests
   * posted in them are run and answered (issue 9). Not given: none are.
   */
  messages?: MailMessage[];
  /** Budgets for those litmus tests. */
  litmus?: MailLitmusOptions;
  /** The rules' scenario simulations (issue 10): on by default, one budget per patch. */
  simulation?: SimulationOptions;
  /**
   * A kernel tree (`analysis.kernelTree`): analyzeSeries reads each patch's
   * files at the series' base and the rules see whole functions.
   */
  fileProvider?: FileProvider;
  /** What analyzeSeries read through `fileProvider`, per patch (the pure core takes it ready). */
  treeContext?: TreeContextIndex;
}

export interface PatchAnalysis {
  messageId: string;
  subject: string;
  /** Position in the series (undefined for a lone patch). */
  index?: number;
  total?: number;
  relevance: PatchRelevance;
  /** Were rules run (the patch has at least one relevant file)? */
  analysed: boolean;
  /** Passed on from the mail: findings here must never be mailed as a review. */
  noReview?: NoReviewReason;
  files: Array<{ path: string; oldPath: string; status: FileStatus; note?: string }>;
  /** With a kernel tree: the commit the patch was applied to and the files seen as whole functions. */
  tree?: { base: string; from: 'base-commit' | 'head'; wholeFunctionFiles: string[] };
  /** Ids of this patch's findings in AnalysisResult.findings. */
  findings: string[];
  suppressed: SuppressedFinding[];
  notes: string[];
}

export interface VersionAnalysis {
  version: number;
  patches: PatchAnalysis[];
  /** Indexes of the series the mail never showed. */
  missing: number[];
}

export interface SeriesAnalysis {
  seriesId: string;
  subject: string;
  versions: VersionAnalysis[];
}

export interface AnalysisResult {
  /** Every finding once; patches refer to them by id. */
  findings: Finding[];
  series: SeriesAnalysis[];
  /** Meta of the rules that ran, for SARIF and docs links. */
  rules: RuleMeta[];
  notes: string[];
}

function versionsToAnalyse(series: Series, options: AnalysisOptions): SeriesVersion[] {
  if (options.versions === 'all') return series.versions;
  const newest = series.versions.at(-1);
  return newest ? [newest] : [];
}

export function analyzePatch(
  rules: Rule[],
  patch: PatchMail,
  series: Series,
  version: number,
  options: AnalysisOptions,
): { analysis: PatchAnalysis; findings: Finding[] } {
  const diff = parseUnifiedDiff(patch.diff, bracketed(patch.messageId));
  const relevance = patchRelevance(diff.files, options.relevance);
  const relevantFiles = diff.files.filter((_, i) => relevance.files[i]?.relevant);
  const analysis: PatchAnalysis = {
    messageId: patch.messageId,
    subject: patch.subject,
    relevance,
    analysed: relevantFiles.length > 0,
    files: diff.files.map((f) => ({
      path: f.path,
      oldPath: f.oldPath,
      status: f.status,
      ...(f.note !== undefined ? { note: f.note } : {}),
    })),
    findings: [],
    suppressed: [],
    notes: [...diff.notes],
  };
  if (patch.noReview !== undefined) analysis.noReview = patch.noReview;
  if (patch.tag?.index !== undefined) analysis.index = patch.tag.index;
  if (patch.tag?.total !== undefined) analysis.total = patch.tag.total;
  if (!analysis.analysed) return { analysis, findings: [] };
  const tree = options.treeContext?.get(patch.messageId);
  if (tree) {
    analysis.notes.push(...tree.notes);
    if (tree.base) analysis.tree = { base: tree.base, from: tree.from, wholeFunctionFiles: relevantFiles.filter((f) => tree.files.has(f.path)).map((f) => f.path) };
  }
  const run = runRules(
    rules,
    {
      messageId: patch.messageId, subject: patch.subject, version, seriesId: series.id,
      ...(options.simulation !== undefined ? { simulation: options.simulation } : {}),
      files: relevantFiles.map((f) => tree?.files.get(f.path) ?? f),
      commitMessage: patch.commitMessage,
    },
    options.rules,
  );
  analysis.findings = run.findings.map((f) => f.id);
  analysis.suppressed = run.suppressed;
  analysis.notes.push(...run.notes);
  return { analysis, findings: run.findings };
}

/** Pure: analyse `series` with rules already loaded. */
export function analyzeSeriesWith(rules: Rule[], series: Series[], options: AnalysisOptions): AnalysisResult {
  return withImageCache(() => analyzeSeriesCached(rules, series, options));
}

function analyzeSeriesCached(rules: Rule[], series: Series[], options: AnalysisOptions): AnalysisResult {
  const known = new Set(rules.map((r) => r.meta.id));
  const result: AnalysisResult = {
    findings: [],
    series: [],
    rules: rules.filter((r) => options.rules[r.meta.id]?.enabled !== false).map((r) => r.meta),
    notes: Object.keys(options.rules)
      .filter((id) => !known.has(id))
      .map((id) => `config names rule '${id}', which does not exist`),
  };
  for (const s of series) {
    const out: SeriesAnalysis = { seriesId: s.id, subject: s.subject, versions: [] };
    for (const v of versionsToAnalyse(s, options)) {
      // Fixups are patches too: an incremental fix can introduce a hazard.
      const patches = [...v.patches, ...v.fixups].map((p) => {
        const { analysis, findings } = analyzePatch(rules, p, s, v.version, options);
        result.findings.push(...findings);
        return analysis;
      });
      out.versions.push({ version: v.version, patches, missing: [...v.missing] });
    }
    result.series.push(out);
  }
  if (options.messages !== undefined) attachMailLitmus(result, series, options.messages, options.litmus);
  return result;
}

let defaultRules: Promise<Rule[]> | undefined;

/** Analyse `series` with the rules of the repository's rules/ folder. */
export async function analyzeSeries(series: Series[], options: AnalysisOptions): Promise<AnalysisResult> {
  defaultRules ??= loadRules().catch((err: unknown) => {
    defaultRules = undefined; // a broken rule file fixed later loads on the next call
    throw err;
  });
  const rules = await defaultRules;
  if (options.fileProvider === undefined || options.treeContext !== undefined) return analyzeSeriesWith(rules, series, options);
  const context = await treeContext(series, (s) => versionsToAnalyse(s, options), options.fileProvider);
  return analyzeSeriesWith(rules, series, { ...options, treeContext: context });
}

/** What each analysed patch of a series read from the kernel tree (for describeBase). */
export function treesOf(result: AnalysisResult, seriesId: string): Array<PatchAnalysis['tree']> {
  return result.series.filter((s) => s.seriesId === seriesId).flatMap((s) => s.versions.flatMap((v) => v.patches.map((p) => p.tree)));
}
