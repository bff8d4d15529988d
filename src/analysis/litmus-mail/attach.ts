// Putting the answers to mail litmus tests into an AnalysisResult: every
// finding in `findings`, listed under its patch when it came from a patch
// that was analysed, otherwise (replies, older versions, cover letters)
// summed up in a note, so the text report shows it too.
import type { MailMessage, Series } from '../../mail/types.ts';
import type { AnalysisResult } from '../analyze.ts';
import type { Finding } from '../finding.ts';
import { bracketed } from '../run.ts';
import { LITMUS_IN_MAIL_META } from './findings.ts';
import { analyzeMailLitmus, type MailLitmusOptions } from './answer.ts';

function summary(f: Finding): string {
  const model = f.simulation ? ` (${f.simulation.model}${f.simulation.variant !== '-' ? `, ${f.simulation.variant}` : ''})` : '';
  const where = f.file.startsWith('mid:') ? `line ${f.line}` : `${f.file}:${f.line}`;
  const messageId = f.origin.kind === 'mail' ? ` in ${bracketed(f.origin.messageId)}` : '';
  return `${f.severity}: ${f.title}${model}${messageId}, ${where} (${f.id})`;
}

export function attachMailLitmus(result: AnalysisResult, series: readonly Series[], messages: readonly MailMessage[], options: MailLitmusOptions = {}): void {
  const litmus = analyzeMailLitmus(series, messages, options);
  if (litmus.findings.length === 0 && litmus.notes.length === 0) return;
  const patches = new Map(result.series.flatMap((s) => s.versions.flatMap((v) => v.patches)).filter((p) => p.analysed).map((p) => [p.messageId, p]));
  for (const f of litmus.findings) {
    result.findings.push(f);
    const patch = f.origin.kind === 'mail' ? patches.get(f.origin.messageId) : undefined;
    if (patch !== undefined) patch.findings.push(f.id);
    else result.notes.push(summary(f));
  }
  result.notes.push(...litmus.notes);
  if (litmus.findings.length > 0 && !result.rules.some((r) => r.id === LITMUS_IN_MAIL_META.id)) result.rules.push(LITMUS_IN_MAIL_META);
}
