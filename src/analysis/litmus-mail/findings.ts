// A decided (or undecidable) litmus test from mail as a Finding, in the
// shape every report already renders (DESIGN.md "Finding"): the verdict in
// `simulation`, the claim and the place in the explanation. Severity follows
// issue 9: an outcome claimed impossible that the model allows is an error
// (with the witness), any other contradicted claim a warning, everything
// else information. Notes about tests we could not run are worded for the
// person who pasted the test: the failure may be ours.
import { printProp } from '../../sim/output/herd.ts';
import { interleaving } from '../../sim/output/witness.ts';
import type { SimResult } from '../../sim/run.ts';
import type { LitmusTest } from '../../sim/types.ts';
import type { Finding, FindingOrigin, HazardClass, Severity } from '../finding.ts';
import { fingerprintOf, shortId } from '../fingerprint.ts';
import type { RuleMeta } from '../rule-api.ts';
import { agrees, type Claim } from './claims.ts';
import type { Decision } from './decide.ts';

export const LITMUS_IN_MAIL = 'litmus-in-mail';

/** For reports that look rules up by id (SARIF descriptors, reply footers). */
export const LITMUS_IN_MAIL_META: RuleMeta = {
  id: LITMUS_IN_MAIL,
  title: 'litmus test in the mail',
  severity: 'info',
  hazardClass: 'ordering',
  contract:
    'A litmus test posted with a patch or in review is run with the model it asks for ' +
    '(C: the Linux kernel memory model, AArch64: the Arm model, Variant= as written); ' +
    'a claim that its condition cannot happen must match the verdict.',
  arches: ['all'],
  references: [
    { title: 'tools/memory-model: the Linux kernel memory model', url: 'https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/tree/tools/memory-model' },
  ],
  docs: 'README.md#litmus-tests-in-mail',
  messages: {},
};

/** Where a test was found: a message body line, or a line of a file the patch adds. */
export interface LitmusPlace {
  messageId: string;
  /** `mid:` URI of the message (RFC 2392) for body text, else the file's path. */
  file: string;
  line: number;
  endLine: number;
  /** Describes the place for a reader: "message <id>, line 101". */
  label: string;
  /** Quoted in a reply whose original we did not see. */
  quotedOnly: boolean;
}

export interface LitmusFindingInput {
  name: string;
  arch: string;
  lines: readonly string[];
  /** litmusKey of the test: the fingerprint's evidence, so versions match. */
  key: string;
  place: LitmusPlace;
  origin: FindingOrigin & { kind: 'mail' };
  decision: Decision;
  claim: Claim | null;
}

// What the test models, when its text says it plainly; ordering otherwise.
const MODELS_WHAT: ReadonlyArray<[RegExp, HazardClass]> = [
  [/\b(?:pte|pmd|pud|p4d)_free|free_(?:pte|pmd|pud|p4d)|(?:pte|pmd|pud)_free_\w+/i, 'table-free'],
  [/\btlbi\b|flush_tlb/i, 'tlb-invalidate'],
  [/rcu_read_lock|synchronize_rcu|call_rcu/, 'rcu'],
  [/lazy_mmu/i, 'lazy-mmu'],
  [/static_key|static_branch/, 'static-key'],
  [/get_user_pages|gup_fast/, 'gup-fast'],
];

export function hazardClassOf(lines: readonly string[]): HazardClass {
  const text = lines.join('\n');
  return MODELS_WHAT.find(([re]) => re.test(text))?.[1] ?? 'ordering';
}

function cap(text: string): string {
  return text.replace(/^./, (c) => c.toUpperCase());
}

function condition(test: LitmusTest): string {
  return `${test.quantifier} (${printProp(test.prop)})`;
}

function counts(r: SimResult): string {
  const total = r.positive + r.negative;
  return `the condition holds in ${r.positive} of ${total} execution${total === 1 ? '' : 's'} (${r.states.length} final state${r.states.length === 1 ? '' : 's'})`;
}

function modelName(model: string, variant: readonly string[]): string {
  const m = model === 'lkmm' ? 'the Linux kernel memory model (lkmm)' : model === 'aarch64' ? 'the AArch64 model' : model;
  return variant.length > 0 ? `${m} with ${variant.join(',')}` : m;
}

function claimWords(c: Claim): string {
  return c.via === 'result-line' ? `its "${c.text}" line` : c.via === 'herd-output' ? `the herd7 output quoted ("${c.text}")` : `the text next to it ("${c.text}")`;
}

interface Verdict { severity: Severity; title: string; explanation: string; witness: boolean }

function verdictOf(d: Decision & { kind: 'decided' }, claim: Claim | null, what: string): Verdict {
  const r = d.result;
  const mended = d.rejoined.length > 0 ? ` (line${d.rejoined.length === 1 ? '' : 's'} ${d.rejoined.join(', ')} joined to the line before: the mailer had wrapped ${d.rejoined.length === 1 ? 'it' : 'them'})` : '';
  const said = `${what} gives ${r.observation} under ${modelName(d.model, d.variant)}: ${counts(r)}, for ${condition(d.test)}${mended}`;
  if (claim === null) return { severity: 'info', title: `litmus test ${d.test.name}: ${r.observation}`, explanation: said, witness: r.positive > 0 };
  if (agrees(claim.expects, r.observation)) {
    return { severity: 'info', title: `litmus test ${d.test.name}: ${r.observation}, as claimed`, explanation: `${said}; this agrees with ${claimWords(claim)}`, witness: false };
  }
  if (claim.expects === 'Never') {
    return {
      severity: 'error',
      title: `litmus test ${d.test.name}: the outcome claimed impossible can happen`,
      explanation: `${said}. ${cap(claimWords(claim))} says it cannot happen; the witness below is an execution the model allows`,
      witness: true,
    };
  }
  const expected = claim.expects === 'Possible' ? 'that it can happen' : claim.expects;
  return {
    severity: 'warning',
    title: `litmus test ${d.test.name}: ${r.observation}, not as claimed`,
    explanation: `${said}, while ${claimWords(claim)} says ${expected}`,
    witness: r.positive > 0,
  };
}

function noteOf(d: Exclude<Decision, { kind: 'decided' }>, what: string, lineOf: string): { title: string; explanation: string } {
  switch (d.kind) {
    case 'unreadable':
      return {
        title: 'litmus test could not be read',
        explanation: `Thank you for ${what}. Our simulator could not read it: ${d.testLine}:${d.col}: ${d.detail} ` +
          `(line ${d.line} of ${lineOf}). herd7 may read it differently; if it does, this is a limit of ours, not of the test`,
      };
    case 'truncated':
      return {
        title: 'litmus test seems cut short',
        explanation: `${cap(what)} stops at line ${d.lastLine} before an exists, ~exists or forall condition is complete` +
          `${d.parseError ? ` (the parser says ${d.parseError.testLine}:${d.parseError.col}: ${d.parseError.detail})` : ''}, so it was not run. ` +
          'If the mail was cut, a complete copy will be run',
      };
    case 'unsupported':
      return { title: 'litmus test not run', explanation: `${cap(what)} was not run: ${d.detail}` };
    case 'undecided':
      return {
        title: `litmus test ${d.test.name}: not decided`,
        explanation: `${cap(what)} was not decided: ${d.detail} (${d.candidates} candidate executions looked at under ` +
          `${modelName(d.model, d.variant)}). Run herd7 on it, or raise the budget, for the verdict`,
      };
  }
}

/** The quoted lines a report shows: the header and the condition. */
function evidenceOf(lines: readonly string[]): string[] {
  const start = lines.findIndex((l, i) => i > 0 && /^\s*(?:~\s*exists|exists|forall|final)\b/.test(l));
  const tail = start < 0 ? lines.slice(-3) : lines.slice(start, start + 6);
  return [lines[0] ?? '', ...tail];
}

export function litmusFinding(input: LitmusFindingInput): Finding {
  const { decision: d, place } = input;
  const what = `the litmus test ${input.name} (${place.label})${place.quotedOnly ? ', quoted in this message' : ''}`;
  const fingerprint = fingerprintOf({ ruleId: LITMUS_IN_MAIL, file: place.file.startsWith('mid:') ? 'mail' : place.file, function: input.name, evidence: [input.key] });
  const base = {
    // One finding per test and place in a message (copies are not answered), so occurrence 0.
    id: shortId(fingerprint, input.origin.messageId, 0),
    ruleId: LITMUS_IN_MAIL,
    hazardClass: hazardClassOf(input.lines),
    file: place.file,
    line: place.line,
    evidence: evidenceOf(input.lines),
    arches: input.arch === 'AArch64' ? ['arm64'] : ['all'],
    confidence: 'whole-function' as const,
    fingerprint,
    origin: input.origin,
  };
  const endLine = place.endLine !== place.line ? { endLine: place.endLine } : {};
  if (d.kind !== 'decided') {
    const note = noteOf(d, what, place.file.startsWith('mid:') ? 'the mail' : place.file);
    // A parse error points at its own line, where an editor should jump.
    const at = d.kind === 'unreadable' ? { line: d.line } : endLine;
    return { ...base, ...at, severity: 'info', title: note.title, explanation: note.explanation };
  }
  const v = verdictOf(d, input.claim, cap(what));
  const witness = v.witness ? interleaving(d.result).join('\n') : '';
  return {
    ...base,
    ...endLine,
    severity: v.severity,
    title: v.title,
    explanation: v.explanation,
    simulation: {
      litmus: d.text,
      model: d.model,
      variant: d.variant.length > 0 ? d.variant.join(',') : '-',
      observation: d.result.observation,
      positive: d.result.positive,
      negative: d.result.negative,
      ...(witness !== '' ? { witness } : {}),
    },
  };
}
