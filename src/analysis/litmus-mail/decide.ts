// Running one litmus test found in mail: parse it (mending lines a mailer
// wrapped), pick the model and variant the test asks for, and simulate it
// within a candidate budget. Every way this can go wrong is a Decision, not
// an exception: mail is untrusted input and one odd test must not stop the
// analysis of a thread.
import { parseLitmus } from '../../sim/parse/litmus.ts';
import { type ModelName, type SimResult, simulate } from '../../sim/run.ts';
import { LitmusError } from '../../sim/source.ts';
import type { LitmusTest } from '../../sim/types.ts';
import { type FoundLitmus, HERD_ARCHES, litmusText } from './extract.ts';

export type Decision =
  | { kind: 'decided'; test: LitmusTest; result: SimResult; model: ModelName; variant: string[]; text: string; rejoined: number[] }
  /**
   * Parse error (or a static check of the simulator): `line` is the body
   * (or file) line, `testLine:col` the place in the test as herd7 would say.
   */
  | { kind: 'unreadable'; line: number; testLine: number; col: number; detail: string; text: string }
  /** Cut short: no post-condition before the text stopped (and what the parser said). */
  | { kind: 'truncated'; lastLine: number; parseError?: { testLine: number; col: number; detail: string }; text: string }
  | { kind: 'unsupported'; detail: string; text: string }
  /** The budget ran out before the verdict was known. */
  | { kind: 'undecided'; detail: string; candidates: number; test: LitmusTest; model: ModelName; variant: string[]; text: string };

/** A mailer wraps near 72-80 columns; a line this long may have been cut. */
const WRAPPED_AT = 60;
const MAX_REJOINS = 8;

export function modelFor(arch: string): ModelName | null {
  return arch === 'C' ? 'lkmm' : arch === 'AArch64' ? 'aarch64' : null;
}

export function variantsOf(test: LitmusTest): string[] {
  return (test.info.get('Variant') ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');
}

/**
 * Could `next` be the tail of `line`, cut by a mailer? Joining code lines
 * only changes blanks; joining into a `//` comment would hide code, so the
 * tail must then read as words, not as a statement.
 */
function mayBeWrapped(line: string, next: string): boolean {
  if (line.length < WRAPPED_AT) return false;
  return !line.includes('//') || !/[;{}=]/.test(next);
}

interface Parsed { test: LitmusTest; lines: string[]; lineMap: number[]; rejoined: number[] }

/**
 * Parse, joining a line with the one before it when the error is on a line
 * right after a long one (a `// comment` or a row the mailer broke in two).
 */
function parseMended(label: string, found: FoundLitmus): Parsed | LitmusError {
  let lines = [...found.lines];
  let lineMap = [...found.lineMap];
  const rejoined: number[] = [];
  let first: LitmusError | null = null;
  for (let attempt = 0; attempt <= MAX_REJOINS; attempt++) {
    try {
      return { test: parseLitmus(label, `${lines.join('\n')}\n`), lines, lineMap, rejoined };
    } catch (err) {
      if (!(err instanceof LitmusError)) throw err;
      first ??= err;
      const at = err.line - 1;
      const before = lines[at - 1];
      if (at < 1 || at >= lines.length || before === undefined || !mayBeWrapped(before, lines[at]!)) return first;
      rejoined.push(lineMap[at]!);
      lines = [...lines.slice(0, at - 1), `${before} ${lines[at]!.trim()}`, ...lines.slice(at + 1)];
      lineMap = [...lineMap.slice(0, at), ...lineMap.slice(at + 1)];
    }
  }
  return first!;
}

/** Body line of a test-relative line. */
function bodyLine(found: FoundLitmus, line: number): number {
  return found.lineMap[Math.min(Math.max(line, 1), found.lineMap.length) - 1] ?? found.lineMap[0] ?? 1;
}

/**
 * `maxCandidates` below 1 means the caller's budget is gone; `whyNoBudget`
 * says why in the note.
 */
export function decideLitmus(found: FoundLitmus, label: string, maxCandidates: number, whyNoBudget = 'no execution budget left'): Decision {
  const text = litmusText(found);
  if (modelFor(found.arch) === null && (HERD_ARCHES as readonly string[]).includes(found.arch)) {
    return { kind: 'unsupported', detail: `${found.arch} tests are not simulated (only C and AArch64)`, text };
  }
  let parsed: Parsed | LitmusError;
  try {
    parsed = parseMended(label, found);
  } catch (err) {
    return { kind: 'unreadable', line: found.lineMap[0] ?? 1, testLine: 1, col: 1, detail: `parser failed: ${err instanceof Error ? err.message : String(err)}`, text };
  }
  if (parsed instanceof LitmusError) {
    if (!found.complete) {
      return { kind: 'truncated', lastLine: found.lineMap.at(-1) ?? 1, parseError: { testLine: parsed.line, col: parsed.col, detail: parsed.detail }, text };
    }
    return { kind: 'unreadable', line: bodyLine(found, parsed.line), testLine: parsed.line, col: parsed.col, detail: parsed.detail, text };
  }
  if (!found.complete) return { kind: 'truncated', lastLine: found.lineMap.at(-1) ?? 1, text };
  const { test } = parsed;
  const model = modelFor(test.arch)!;
  const variant = variantsOf(test);
  const mended = parsed.rejoined.length > 0 ? `${parsed.lines.join('\n')}\n` : text;
  if (maxCandidates < 1) {
    return { kind: 'undecided', detail: whyNoBudget, candidates: 0, test, model, variant, text: mended };
  }
  let result: SimResult;
  try {
    result = simulate(test, { model, variant, maxCandidates });
  } catch (err) {
    if (err instanceof LitmusError) {
      if (/not supported/.test(err.detail)) return { kind: 'unsupported', detail: err.detail, text: mended };
      const where = parsed.lineMap[Math.max(err.line, 1) - 1] ?? found.lineMap[0] ?? 1;
      return { kind: 'unreadable', line: where, testLine: err.line, col: err.col, detail: err.detail, text: mended };
    }
    return { kind: 'unsupported', detail: `the simulator failed: ${err instanceof Error ? err.message : String(err)}`, text: mended };
  }
  if (result.budgetExceeded !== null) {
    return { kind: 'undecided', detail: result.budgetExceeded, candidates: result.candidates, test, model, variant, text: mended };
  }
  return { kind: 'decided', test, result, model, variant, text: mended, rejoined: parsed.rejoined };
}
