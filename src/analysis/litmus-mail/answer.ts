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
import { litmusKey } from './extract.ts';
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
  const answered = new Map<string, { messageId: string; line: number; findingId: string }>();
  const decisions = new Map<string, Decision>();
  const copies: Array<{ occurrence: LitmusOccurrence; key: string }> = [];
  for (const located of perMessage) {
    let remaining = budget.maxCandidatesPerMessage;
    let run = 0;
    const inThisMessage = new Set<string>();
    const occurrences = new Map<string, number>();
    for (const l of located) {
      const { found } = l.test;
      const occurrence: LitmusOccurrence = { messageId: l.message.messageId, line: found.lineMap[0] ?? 1, name: found.name, depth: found.depth, ...(l.test.path !== undefined ? { file: l.test.path } : {}) };
      result.occurrences.push(occurrence);
      const quoted = found.depth > 0;
      if (inThisMessage.has(l.key) || (quoted && (posted.has(l.key) || answered.has(l.key)))) {
        copies.push({ occurrence, key: l.key });
        continue;
      }
      inThisMessage.add(l.key);
      let decision = decisions.get(l.key);
      if (decision === undefined) {
        const tooMany = run >= budget.maxTestsPerMessage;
        const allowance = tooMany ? 0 : Math.min(budget.maxCandidatesPerTest, remaining);
        const why = tooMany ? `this message has more than ${budget.maxTestsPerMessage} tests; only the first ones are run`
          : 'the execution budget of this message was spent on earlier tests';
        decision = decideLitmus(found, l.test.path ?? found.name, allowance, why);
        run++;
        if (decision.kind === 'decided') remaining -= decision.result.candidates;
        else if (decision.kind === 'undecided') remaining -= decision.candidates;
        // Only a verdict reached on a full per-test budget is the test's own.
        if (allowance === budget.maxCandidatesPerTest) decisions.set(l.key, decision);
      }
      const where = placeOf(l, quoted);
      const messageLines = l.lines.map((x) => x.text);
      const claim = claimFor(found.name, found.lines, messageLines, l.test.path === undefined ? proseAround(l.lines, found) : []);
      const n = occurrences.get(l.key) ?? 0;
      occurrences.set(l.key, n + 1);
      const finding = litmusFinding({
        name: found.name, arch: found.arch, lines: found.lines, key: l.key, place: where,
        origin: { kind: 'mail', messageId: l.message.messageId, ...place(l.message) },
        decision, claim, occurrence: n,
      });
      result.findings.push(finding);
      occurrence.findingId = finding.id;
      if (!answered.has(l.key)) answered.set(l.key, { messageId: l.message.messageId, line: where.line, findingId: finding.id });
    }
  }
  for (const { occurrence, key } of copies) {
    const original = answered.get(key);
    if (original !== undefined && original.messageId !== occurrence.messageId) occurrence.copyOf = { messageId: original.messageId, line: original.line };
  }
  return result;
}
