// Inline suppressions: `/* ptbot: allow <rule-id>: <reason> */` on a line of
// the new file within three lines of the finding (HAZARDS, "Suppressions").
// A suppression without a reason does not count: the reason is what a
// reviewer reads instead of the finding.
import type { FileChange } from '../patch/types.ts';

export const SUPPRESSION_REACH = 3;

export interface Suppression {
  ruleId: string;
  reason: string;
  file: string;
  line: number;
}

const ALLOW = /ptbot:\s*allow\s+([a-z0-9][a-z0-9-]*)\s*:\s*(.*?)\s*(?:\*\/|$)/g;

/** Every suppression written on a post-image line of `file`. */
export function suppressionsIn(file: FileChange): Suppression[] {
  const out: Suppression[] = [];
  for (const hunk of file.hunks) {
    for (const line of hunk.lines) {
      if (line.kind === 'removed' || line.newLine === undefined) continue;
      for (const m of line.text.matchAll(ALLOW)) {
        const reason = m[2] ?? '';
        if (reason !== '') out.push({ ruleId: m[1] as string, reason, file: file.path, line: line.newLine });
      }
    }
  }
  return out;
}

export function findSuppression(
  suppressions: Suppression[],
  ruleId: string,
  file: string,
  line: number,
): Suppression | undefined {
  return suppressions.find(
    (s) => s.ruleId === ruleId && s.file === file && Math.abs(s.line - line) <= SUPPRESSION_REACH,
  );
}
