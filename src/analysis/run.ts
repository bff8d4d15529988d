// Running the rules on one patch and turning their reports into Findings:
// per-rule enable and severity from config, attribution (a finding must rest
// on a line the patch adds or removes), inline suppressions, fingerprints
// and short ids.
import { functionRegions, type FunctionRegion } from '../patch/context.ts';
import { touchedFunctions, type TouchedFunction } from './function-context.ts';
import type { HunkLine } from '../patch/types.ts';
import type { Confidence, Finding, FindingOrigin, Severity } from './finding.ts';
import { fingerprintOf, shortId } from './fingerprint.ts';
import { matchesGlob } from '../patch/glob.ts';
import { formatMessage, type PatchUnderReview, type Rule, type RuleMeta, type RuleReport } from './rule-api.ts';
import { findSuppression, suppressionsIn, type Suppression } from './suppress.ts';

export interface RuleSetting {
  enabled?: boolean;
  severity?: Severity;
}
export type RuleSettings = Record<string, RuleSetting>;

export interface SuppressedFinding {
  finding: Finding;
  /** An inline `ptbot: allow` comment, or the rule's allowlist. */
  via: 'comment' | 'allowlist';
  reason: string;
  /** Line of the suppression comment. */
  line: number;
}

export interface PatchRun {
  findings: Finding[];
  suppressed: SuppressedFinding[];
  notes: string[];
}

const MARK: Record<HunkLine['kind'], string> = { added: '+', removed: '-', context: ' ' };

/** `<id>` for messages and notes, whether or not the id kept its brackets. */
export function bracketed(messageId: string): string {
  return `<${messageId.replace(/^<|>$/g, '')}>`;
}

/** A hunk line quoted the way the diff shows it. */
export function quoteLine(line: HunkLine): string {
  return `${MARK[line.kind]}${line.text}`;
}

export function enabledRules(rules: Rule[], settings: RuleSettings): Rule[] {
  return rules.filter((r) => settings[r.meta.id]?.enabled !== false);
}

/** Only what the patch changed may carry a finding (issue 3, point 5). */
function restsOnChange(report: RuleReport): boolean {
  return report.at.kind !== 'context' || report.evidence.some((l) => l.kind !== 'context');
}

export function runRules(rules: Rule[], patch: PatchUnderReview, settings: RuleSettings): PatchRun {
  const run: PatchRun = { findings: [], suppressed: [], notes: [] };
  let regions: FunctionRegion[] | undefined;
  let functions: TouchedFunction[] | undefined;
  const regionsOnce = (): FunctionRegion[] => (regions ??= patch.files.flatMap(functionRegions));
  const context = {
    patch,
    regions: regionsOnce,
    functions: (): TouchedFunction[] => (functions ??= touchedFunctions(patch.files, regionsOnce())),
  };
  const suppressions: Suppression[] = patch.files.flatMap(suppressionsIn);
  const origin: FindingOrigin = {
    kind: 'mail',
    messageId: patch.messageId,
    seriesId: patch.seriesId,
    version: patch.version,
  };
  const occurrences = new Map<string, number>();
  for (const rule of enabledRules(rules, settings)) {
    let reports: RuleReport[];
    try {
      reports = rule.check(context);
    } catch (err) {
      run.notes.push(`rule ${rule.meta.id} failed on ${bracketed(patch.messageId)}: ${(err as Error).message}`);
      continue;
    }
    const dropped = reports.filter((r) => !restsOnChange(r)).length;
    if (dropped > 0) {
      run.notes.push(`rule ${rule.meta.id}: ${dropped} report(s) on unchanged code not shown`);
    }
    for (const report of reports.filter(restsOnChange)) {
      const finding = toFinding(rule, report, settings, origin, occurrences);
      if (typeof finding === 'string') {
        run.notes.push(finding);
        continue;
      }
      const allow = findSuppression(suppressions, rule.meta.id, finding.file, finding.line);
      const allowed = allowance(rule.meta, finding);
      if (allow) run.suppressed.push({ finding, via: 'comment', reason: allow.reason, line: allow.line });
      else if (allowed) run.suppressed.push({ finding, via: 'allowlist', reason: `allowlist: ${allowed}`, line: finding.line });
      else run.findings.push(finding);
    }
  }
  return run;
}

/** The reason of the rule's allowlist entry covering the finding, if any. */
function allowance(meta: RuleMeta, finding: Finding): string | undefined {
  return meta.allowlist?.find(
    (a) =>
      matchesGlob(finding.file, a.file, { pathMode: true }) &&
      (a.function === undefined || a.function === finding.function),
  )?.reason;
}

const LOWER: Record<Severity, Severity> = { error: 'warning', warning: 'info', info: 'info' };

/**
 * Findings made from hunk fragments are one severity lower (HAZARDS P1);
 * whole-function and line-local ones keep theirs.
 */
export function severityOf(severity: Severity, confidence: Confidence): Severity {
  return confidence === 'fragment' ? LOWER[severity] : severity;
}

/**
 * A report's confidence as the engine accepts it: 'line' stands only when
 * the report points at, and quotes, nothing but added or removed lines;
 * a context line in its evidence means unseen code could matter after all.
 */
export function acceptedConfidence(report: RuleReport): Confidence {
  if (report.confidence !== 'line') return report.confidence;
  const lines = [report.at, ...report.evidence];
  return lines.every((l) => l.kind !== 'context') ? 'line' : 'fragment';
}

/** The Finding for one report, or an error note when the rule misbehaves. */
function toFinding(
  rule: Rule,
  report: RuleReport,
  settings: RuleSettings,
  origin: FindingOrigin & { kind: 'mail' },
  occurrences: Map<string, number>,
): Finding | string {
  const { meta } = rule;
  const template = meta.messages[report.messageId];
  if (template === undefined) return `rule ${meta.id}: unknown message id '${report.messageId}'`;
  const evidence = report.evidence.length > 0 ? report.evidence : [report.at];
  const fingerprintInput = {
    ruleId: meta.id,
    file: report.file,
    evidence: evidence.map((l) => l.text),
    ...(report.function !== undefined ? { function: report.function } : {}),
  };
  const fingerprint = fingerprintOf(fingerprintInput);
  const confidence = acceptedConfidence(report);
  const n = occurrences.get(fingerprint) ?? 0;
  occurrences.set(fingerprint, n + 1);
  const finding: Finding = {
    id: shortId(fingerprint, origin.messageId, n),
    ruleId: meta.id,
    hazardClass: meta.hazardClass,
    severity: severityOf(settings[meta.id]?.severity ?? report.severity ?? meta.severity, confidence),
    title: meta.title,
    explanation: formatMessage(template, report.data),
    file: report.file,
    line: report.at.anchorLine,
    evidence: evidence.map(quoteLine),
    arches: [...meta.arches],
    confidence,
    fingerprint,
    origin,
  };
  if (report.end && report.end.anchorLine !== finding.line) finding.endLine = report.end.anchorLine;
  if (report.function !== undefined) finding.function = report.function;
  if (report.suggestion !== undefined) finding.suggestion = report.suggestion;
  if (report.simulation !== undefined) finding.simulation = report.simulation;
  if (report.simulationNotDecided !== undefined) finding.simulationNotDecided = report.simulationNotDecided;
  if (report.related !== undefined && report.related.length > 0) finding.related = report.related.map((r) => ({ ...r }));
  return finding;
}
