// Line-local reports: a rule whose verdict rests only on lines the patch
// adds (a direct arch-hook call from generic code, a hook call inside
// set_ptes()) may say so, and its finding is not lowered on a fragment
// (HAZARDS P1 lowers findings because unseen code could change them; here
// none can). The engine re-checks the claim (run.ts, acceptedConfidence).
import type { RuleReport } from './rule-api.ts';

/** `report` as line-local when it is a fragment report whose evidence is all added lines; otherwise unchanged. */
export function lineLocal(report: RuleReport): RuleReport {
  const lines = [report.at, ...report.evidence];
  return report.confidence === 'fragment' && lines.every((l) => l.kind === 'added') ? { ...report, confidence: 'line' } : report;
}
