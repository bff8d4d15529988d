// The JSON report: every finding listed once at the top, the series tree
// referring to findings by id (DESIGN.md, "Reports list findings once").
import type { AnalysisResult } from '../analysis/analyze.ts';
import type { Finding } from '../analysis/finding.ts';
import type { RuleMeta } from '../analysis/rule-api.ts';
import type { PatchRelevance } from '../patch/relevance.ts';

export const JSON_REPORT_VERSION = 1;

export interface JsonReport {
  format: 'ptbot-analysis';
  version: typeof JSON_REPORT_VERSION;
  rules: Array<Pick<RuleMeta, 'id' | 'title' | 'severity' | 'hazardClass' | 'arches' | 'docs' | 'references'>>;
  findings: Finding[];
  /** Findings an inline suppression silenced, with its reason. */
  suppressed: Array<{ finding: Finding; via: 'comment' | 'allowlist'; reason: string; line: number }>;
  series: Array<{
    seriesId: string;
    subject: string;
    versions: Array<{
      version: number;
      missing: number[];
      patches: Array<{
        messageId: string;
        subject: string;
        index?: number;
        total?: number;
        analysed: boolean;
        noReview?: string;
        relevance: PatchRelevance;
        files: Array<{ path: string; oldPath: string; status: string; note?: string }>;
        /** With a kernel tree: the commit applied to and the files seen as whole functions. */
        tree?: { base: string; from: 'base-commit' | 'head'; wholeFunctionFiles: string[] };
        findings: string[];
        suppressed: string[];
        notes: string[];
      }>;
    }>;
  }>;
  notes: string[];
}

export function jsonReport(result: AnalysisResult): JsonReport {
  return {
    format: 'ptbot-analysis',
    version: JSON_REPORT_VERSION,
    rules: result.rules.map(({ id, title, severity, hazardClass, arches, docs, references }) => ({
      id, title, severity, hazardClass, arches, docs, references,
    })),
    findings: result.findings,
    suppressed: result.series.flatMap((s) =>
      s.versions.flatMap((v) => v.patches.flatMap((p) => p.suppressed)),
    ),
    series: result.series.map((s) => ({
      seriesId: s.seriesId,
      subject: s.subject,
      versions: s.versions.map((v) => ({
        version: v.version,
        missing: v.missing,
        patches: v.patches.map((p) => ({
          messageId: p.messageId,
          subject: p.subject,
          ...(p.index !== undefined ? { index: p.index } : {}),
          ...(p.total !== undefined ? { total: p.total } : {}),
          analysed: p.analysed,
          ...(p.noReview !== undefined ? { noReview: p.noReview } : {}),
          relevance: p.relevance,
          files: p.files,
          ...(p.tree !== undefined ? { tree: p.tree } : {}),
          findings: p.findings,
          suppressed: p.suppressed.map((x) => x.finding.id),
          notes: p.notes,
        })),
      })),
    })),
    notes: result.notes,
  };
}

export function renderJson(result: AnalysisResult): string {
  return `${JSON.stringify(jsonReport(result), null, 2)}\n`;
}
