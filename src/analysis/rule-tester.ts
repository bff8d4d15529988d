// ESLint's RuleTester, for diffs: each rule's tests list valid diffs (no
// finding) and invalid ones with the exact message and location expected.
// Cases run through the engine (attribution, suppressions, formatting), so
// what a test sees is what a report shows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseUnifiedDiff } from '../patch/diff.ts';
import type { Finding } from './finding.ts';
import type { Rule } from './rule-api.ts';
import { runRules, type RuleSettings } from './run.ts';

export interface ValidCase {
  name: string;
  diff: string;
}

export interface ExpectedFinding {
  message: string;
  file: string;
  line: number;
  endLine?: number;
  function?: string;
  /** Checked when given: whole-function findings keep the rule's severity, fragment ones are one lower. */
  severity?: Finding['severity'];
}

export interface InvalidCase extends ValidCase {
  errors: ExpectedFinding[];
}

/** Hunk lines as written in a test: `' ctx'`, `'+added'`, `'-removed'`. */
export interface HunkSpec {
  oldStart: number;
  newStart?: number;
  section?: string;
  lines: string[];
}

/** A one-file diff with hunk headers counted from the lines. */
export function fileDiff(path: string, ...hunks: HunkSpec[]): string {
  let out = `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n`;
  let shift = 0;
  for (const h of hunks) {
    const oldCount = h.lines.filter((l) => !l.startsWith('+')).length;
    const newCount = h.lines.filter((l) => !l.startsWith('-')).length;
    const newStart = h.newStart ?? h.oldStart + shift;
    const section = h.section ? ` ${h.section}` : '';
    out += `@@ -${h.oldStart},${oldCount} +${newStart},${newCount} @@${section}\n${h.lines.join('\n')}\n`;
    shift += newCount - oldCount;
  }
  return out;
}

/** Run one rule on one diff through the engine. */
export function findingsFor(rule: Rule, diff: string, settings: RuleSettings = {}): Finding[] {
  const { files } = parseUnifiedDiff(diff, 'test diff');
  const patch = { messageId: 'rule-tester@ptbot', subject: 'test', version: 1, seriesId: 'rule-tester', files };
  return runRules([rule], patch, settings).findings;
}

function actual(f: Finding): ExpectedFinding {
  const out: ExpectedFinding = { message: f.explanation, file: f.file, line: f.line };
  if (f.endLine !== undefined) out.endLine = f.endLine;
  if (f.function !== undefined) out.function = f.function;
  out.severity = f.severity;
  return out;
}

/** Register one node:test case per valid and invalid example. */
export function ruleTester(rule: Rule, cases: { valid: ValidCase[]; invalid: InvalidCase[] }): void {
  for (const c of cases.valid) {
    test(`${rule.meta.id} valid: ${c.name}`, () => {
      assert.deepEqual(findingsFor(rule, c.diff).map(actual).map((f) => like(f, undefined)), []);
    });
  }
  for (const c of cases.invalid) {
    test(`${rule.meta.id} invalid: ${c.name}`, () => {
      assert.ok(c.errors.length > 0, 'an invalid case must expect at least one finding');
      const got = findingsFor(rule, c.diff).map(actual);
      assert.deepEqual(
        got.map((g, i) => like(g, c.errors[i])),
        c.errors,
      );
    });
  }
}

/** `f` with only the optional keys that `expected` names (endLine, function). */
function like(f: ExpectedFinding, expected: ExpectedFinding | undefined): ExpectedFinding {
  const out: ExpectedFinding = { message: f.message, file: f.file, line: f.line };
  if (expected?.endLine !== undefined && f.endLine !== undefined) out.endLine = f.endLine;
  if (expected?.function !== undefined && f.function !== undefined) out.function = f.function;
  if (expected?.severity !== undefined) out.severity = f.severity;
  return out;
}
