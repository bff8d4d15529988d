// The compiler-style text report: one `file:line: severity: title [rule-id]
// (id)` line per finding, grouped per patch, with the explanation and the
// quoted evidence beneath, so a terminal or an editor can jump to it.
import type { Finding } from '../analysis/finding.ts';
import type { AnalysisResult, PatchAnalysis } from '../analysis/analyze.ts';
import { bracketed } from '../analysis/run.ts';
import { describeReason } from '../patch/relevance.ts';
import { herdCommand, modelLabel, scenarioOf, testLines, verdictText } from './simulation.ts';

export interface TextOptions {
  /** Print explanation, evidence and suggestion under each line (default true). */
  details?: boolean;
  /** Print why each relevant file was kept (default false). */
  relevance?: boolean;
}

/** The one-line form of a finding. */
export function findingLine(f: Finding): string {
  return `${f.file}:${f.line}: ${f.severity}: ${f.title} [${f.ruleId}] (${f.id})`;
}

function findingBlock(f: Finding, details: boolean): string[] {
  const out = [findingLine(f)];
  if (!details) return out;
  out.push(`    ${f.explanation}`);
  for (const e of f.evidence) out.push(`    | ${e}`);
  // Related locations in the compiler-style form, so an editor can jump there too.
  for (const r of f.related ?? []) out.push(`    related: ${r.file}${r.line !== undefined ? `:${r.line}` : ''}: ${r.message}`);
  if (f.suggestion) out.push(`    suggestion: ${f.suggestion}`);
  out.push(...simulationLines(f));
  return out;
}

/**
 * A rule's generated scenario: the verdict, then the test indented, to run
 * with herd7 (and, for a reachable race, one interleaving). A litmus test
 * from the mail itself gets its verdict only: its author has the text.
 */
function simulationLines(f: Finding): string[] {
  const s = scenarioOf(f);
  if (!s) return [];
  const sim = s.decided ?? s.undecided;
  if (!sim) return [];
  const about = sim.scenario ? `${sim.scenario} (${modelLabel(sim)})` : modelLabel(sim);
  const out = [s.decided ? `    simulation: ${about}: ${verdictText(s.decided)}` : `    simulation: ${about}: not decided, ${s.undecided?.notDecided ?? ''}`];
  if (!sim.scenario) return out;
  const herd = herdCommand(sim);
  out.push(herd ? `    litmus test, for ${herd}:` : '    the scenario (our abstract model, not a herd7 test):');
  out.push(...testLines(sim.litmus, '      '));
  if (s.decided?.witness) {
    out.push('    witness:');
    out.push(...testLines(s.decided.witness, '      '));
  }
  return out;
}

function relevanceLines(p: PatchAnalysis): string[] {
  return p.relevance.files
    .filter((f) => f.relevant)
    .map((f) => `  relevant: ${f.path}: ${f.reasons.map(describeReason).join('; ')}`);
}

function patchBlock(p: PatchAnalysis, byId: Map<string, Finding>, options: Required<TextOptions>): string[] {
  const details = options.details;
  const out = [`${p.subject} ${bracketed(p.messageId)}`];
  if (options.relevance) out.push(...relevanceLines(p));
  if (!p.analysed) {
    out.push('  not analysed: no file matches the relevance filter');
    return out;
  }
  const findings = p.findings.map((id) => byId.get(id)).filter((f): f is Finding => f !== undefined);
  if (findings.length === 0) out.push('  no findings');
  // A blank line inside a block (the litmus test's) stays blank, without trailing spaces.
  for (const f of findings) out.push(...findingBlock(f, details).map((l) => (l === '' ? '' : `  ${l}`)));
  for (const s of p.suppressed) {
    out.push(`  suppressed: ${s.finding.file}:${s.finding.line} [${s.finding.ruleId}] (${s.finding.id}): ${s.reason}`);
  }
  for (const n of p.notes) out.push(`  note: ${n}`);
  return out;
}

export function summaryLine(result: AnalysisResult): string {
  const count = (s: Finding['severity']): number => result.findings.filter((f) => f.severity === s).length;
  const patches = result.series.flatMap((s) => s.versions.flatMap((v) => v.patches));
  const analysed = patches.filter((p) => p.analysed).length;
  return (
    `${result.findings.length} finding(s): ${count('error')} error(s), ${count('warning')} warning(s), ` +
    `${count('info')} info; ${analysed} of ${patches.length} patch(es) analysed`
  );
}

export function renderText(result: AnalysisResult, options: TextOptions = {}): string {
  const resolved: Required<TextOptions> = { details: options.details ?? true, relevance: options.relevance ?? false };
  const byId = new Map(result.findings.map((f) => [f.id, f]));
  const out: string[] = [];
  for (const s of result.series) {
    for (const v of s.versions) {
      out.push(`== ${s.subject} (v${v.version}, ${s.seriesId})`);
      for (const p of v.patches) out.push(...patchBlock(p, byId, resolved));
      out.push('');
    }
  }
  for (const n of result.notes) out.push(`note: ${n}`);
  out.push(summaryLine(result));
  return `${out.join('\n')}\n`;
}
