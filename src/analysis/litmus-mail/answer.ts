// analyzeMailLitmus: every litmus test in a set of messages (patches, cover
// letters, replies), run and answered as findings. A test quoted again in a
// reply is the test already seen, not a new one; the same test posted anew
// (a reply, then the next version's commit message) is answered where it is
// posted, but simulated once. Budgets are in candidate executions, which
// the simulator counts exactly, so a verdict never depends on machine speed.
import type { MailMessage, Series } from '../../mail/types.ts';
import type { Finding } from '../finding.ts';
import { bracketed } from '../run.ts';
import { claimFor } from './claims.ts';
import { type Decision, decideLitmus } from './decide.ts';
import { litmusKey, litmusText } from './extract.ts';
import { litmusFinding, type LitmusPlace } from './findings.ts';
import { placeMessages } from './origin.ts';
import { proseAround, testsInMessage, type TestInMessage } from './sources.ts';

export interface MailLitmusOptions {
  /** Candidate executions one test may use (default 200 000). */
  maxCandidatesPerTest?: number;
  /** Candidate executions all tests of one message may use (default 1 000 000). */
  maxCandidatesPerMessage?: number;
  /** Tests run per message; later ones get a "not decided" note (default 8). */
  maxTestsPerMessage?: number;
}

export const DEFAULT_MAIL_LITMUS_BUDGET: Required<MailLitmusOptions> = {
  maxCandidatesPerTest: 200_000,
  maxCandidatesPerMessage: 1_000_000,
  maxTestsPerMessage: 8,
};

/** One place a test was seen, reported or recognised as a copy. */
export interface LitmusOccurrence {
  messageId: string;
  /** Body line of the header, or the line in the file for a diff's file. */
  line: number;
  file?: string;
  name: string;
  /** Quote depth (0: the writer's own text). */
  depth: number;
  /** Id of the finding that answers it. */
  findingId?: string;
  /** A copy of a test reported elsewhere: where. */
  copyOf?: { messageId: string; line: number };
}

export interface MailLitmusResult {
  findings: Finding[];
  occurrences: LitmusOccurrence[];
  notes: string[];
}

interface Located { message: MailMessage; test: TestInMessage; key: string; lines: ReturnType<typeof testsInMessage>['lines'] }

function placeOf(l: Located, quotedOnly: boolean): LitmusPlace {
  const { found, path } = l.test;
  const id = l.message.messageId.replace(/^<|>$/g, '');
  const line = found.lineMap[0] ?? 1;
  return {
    messageId: l.message.messageId,
    file: path ?? `mid:${id}`,
    line,
    endLine: found.lineMap.at(-1) ?? line,
    label: path === undefined ? `message ${bracketed(id)}, line ${line}` : `${path}, line ${line}, in ${bracketed(id)}`,
    quotedOnly,
  };
}

interface MessageBudget { remaining: number; run: number }

/**
 * The decision for one test: from the cache when the same test was decided
 * on a full budget before (shown with this message's text), else run within
 * what is left of the message's budget.
 */
function decisionFor(l: Located, budget: Required<MailLitmusOptions>, spent: MessageBudget, cache: Map<string, Decision>): Decision {
  const { found } = l.test;
  const cached = cache.get(l.key);
  if (cached !== undefined) {
    const mended = cached.kind === 'decided' && cached.rejoined.length > 0;
    return mended ? cached : { ...cached, text: litmusText(found) };
  }
  const tooMany = spent.run >= budget.maxTestsPerMessage;
  const allowance = tooMany ? 0 : Math.min(budget.maxCandidatesPerTest, spent.remaining);
  const why = tooMany ? `this message has more than ${budget.maxTestsPerMessage} tests; only the first ones are run`
    : 'the execution budget of this message was spent on earlier tests';
  const decision = decideLitmus(found, l.test.path ?? found.name, allowance, why);
  spent.run++;
  if (decision.kind === 'decided') spent.remaining -= decision.result.candidates;
  else if (decision.kind === 'undecided') spent.remaining -= decision.candidates;
  // Only a verdict reached on a full per-test budget is the test's own.
  if (allowance === budget.maxCandidatesPerTest) cache.set(l.key, decision);
  return decision;
}

export function analyzeMailLitmus(series: readonly Series[], messages: readonly MailMessage[], options: MailLitmusOptions = {}): MailLitmusResult {
  const budget = { ...DEFAULT_MAIL_LITMUS_BUDGET, ...options };
  const place = placeMessages(series, messages);
  const result: MailLitmusResult = { findings: [], occurrences: [], notes: [] };
  const perMessage = messages.map((message) => {
    const t = testsInMessage(message);
    result.notes.push(...t.notes.map((n) => `${bracketed(message.messageId)}: ${n}`));
    return t.tests.map((test): Located => ({ message, test, key: litmusKey(test.found), lines: t.lines }));
  });
  // Tests someone posted as their own: a quoted copy of one of them is that test.
  const posted = new Set(perMessage.flat().filter((l) => l.test.found.depth === 0).map((l) => l.key));
  const answered = new Map<string, { messageId: string; line: number }>();
  const cache = new Map<string, Decision>();
  const copies: Array<{ occurrence: LitmusOccurrence; key: string }> = [];
  for (const located of perMessage) {
    const spent: MessageBudget = { remaining: budget.maxCandidatesPerMessage, run: 0 };
    // The same test twice in one message (in the text, or in the same file) is answered once.
    const inThisMessage = new Set<string>();
    for (const l of located) {
      const { found, path } = l.test;
      const occurrence: LitmusOccurrence = { messageId: l.message.messageId, line: found.lineMap[0] ?? 1, name: found.name, depth: found.depth, ...(path !== undefined ? { file: path } : {}) };
      result.occurrences.push(occurrence);
      const quoted = found.depth > 0;
      const here = `${path ?? ''}\0${l.key}`;
      if (inThisMessage.has(here) || (quoted && (posted.has(l.key) || answered.has(l.key)))) {
        copies.push({ occurrence, key: l.key });
        continue;
      }
      inThisMessage.add(here);
      const decision = decisionFor(l, budget, spent, cache);
      const where = placeOf(l, quoted);
      const claim = claimFor(found.name, found.lines, l.lines.map((x) => x.text), path === undefined ? proseAround(l.lines, found) : []);
      const finding = litmusFinding({
        name: found.name, arch: found.arch, lines: found.lines, key: l.key, place: where,
        origin: { kind: 'mail', messageId: l.message.messageId, ...place(l.message) },
        decision, claim,
      });
      result.findings.push(finding);
      occurrence.findingId = finding.id;
      if (!answered.has(l.key)) answered.set(l.key, { messageId: l.message.messageId, line: where.line });
    }
  }
  for (const { occurrence, key } of copies) {
    const original = answered.get(key);
    if (original !== undefined && original.messageId !== occurrence.messageId) occurrence.copyOf = { messageId: original.messageId, line: original.line };
  }
  return result;
}
