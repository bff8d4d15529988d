// What the writer says a litmus test gives. Only three things count as a
// claim, so the bot never argues with prose it misread: a `Result:` line in
// the test (the kernel's litmus-tests carry `(* Result: Never *)`), herd7
// output pasted in the same message (`Observation NAME Never 0 9`), and one
// of a short list of phrases in the paragraph just before or just after the
// test.
import type { Observation } from '../../sim/run.ts';

/**
 * `Never`, `Sometimes`, `Always` as herd7 prints them, or `Possible` for
 * "this can happen" (Sometimes or Always).
 */
export type Expectation = Observation | 'Possible';

export interface Claim {
  expects: Expectation;
  via: 'result-line' | 'herd-output' | 'phrase';
  /** The words of the claim as written. */
  text: string;
}

/**
 * Phrases saying the outcome of the condition cannot happen, and phrases
 * saying it can. Kept short on purpose (README "Litmus tests in mail").
 */
export const CANNOT_HAPPEN_PHRASES = [
  'never happens', 'can never happen', 'cannot happen', "can't happen", 'can not happen',
  'is forbidden', 'cannot observe', "can't observe", 'cannot be observed', 'is not observable', 'is impossible',
] as const;
export const CAN_HAPPEN_PHRASES = [
  'can happen', 'is allowed', 'can be observed', 'is observable', 'is possible',
] as const;

const RESULT_LINE = /\bResult:\s*(Never|Sometimes|Always)\b/i;
const OBSERVATION = /^\s*Observation\s+(\S+)\s+(Never|Sometimes|Always)\s+\d+\s+\d+\s*$/;

function canonical(word: string): Observation {
  const w = word.toLowerCase();
  return w === 'never' ? 'Never' : w === 'always' ? 'Always' : 'Sometimes';
}

/** `Result: Never` in the test's own text (usually in its header comment). */
export function resultLineClaim(testLines: readonly string[]): Claim | null {
  for (const l of testLines) {
    const m = RESULT_LINE.exec(l);
    if (m !== null) return { expects: canonical(m[1]!), via: 'result-line', text: m[0] };
  }
  return null;
}

/** herd7's `Observation` line for the test named `name`, anywhere in the message. */
export function herdOutputClaim(name: string, messageLines: readonly string[]): Claim | null {
  for (const l of messageLines) {
    const m = OBSERVATION.exec(l);
    if (m !== null && m[1] === name) return { expects: canonical(m[2]!), via: 'herd-output', text: l.trim() };
  }
  return null;
}

/** A listed phrase in the prose around the test (one paragraph each side). */
export function phraseClaim(prose: readonly string[]): Claim | null {
  const text = prose.join(' ').replace(/\s+/g, ' ').toLowerCase().replace(/\u2019/g, "'");
  // "cannot happen" is tested first: it must not read as "can happen".
  for (const p of CANNOT_HAPPEN_PHRASES) if (text.includes(p)) return { expects: 'Never', via: 'phrase', text: p };
  for (const p of CAN_HAPPEN_PHRASES) if (text.includes(p)) return { expects: 'Possible', via: 'phrase', text: p };
  return null;
}

/** The strongest claim: the test's own Result line, then herd output, then prose. */
export function claimFor(name: string, testLines: readonly string[], messageLines: readonly string[], prose: readonly string[]): Claim | null {
  return resultLineClaim(testLines) ?? herdOutputClaim(name, messageLines) ?? phraseClaim(prose);
}

/** Does the engine's verdict agree with the claim? */
export function agrees(expects: Expectation, observation: Observation): boolean {
  return expects === 'Possible' ? observation !== 'Never' : expects === observation;
}
