// The reply the bot sends on the list: to the patch mail that carries the
// findings, reply-all, threaded, plain text near 72 columns, interleaved
// (each finding after a quote of only its hunk lines), with what, why, the
// architectures, the kernel contract and its source, the suggested fix and
// the simulator's verdict where there is one. Pure: the caller gives the
// clock and the Message-ID domain.
import { createHash } from 'node:crypto';
import libmime from 'libmime';
import type { Finding } from '../../analysis/finding.ts';
import type { RuleMeta } from '../../analysis/rule-api.ts';
import type { PatchMail } from '../../mail/types.ts';
import type { FileChange } from '../../patch/types.ts';
import { quoteForFinding } from './quote.ts';
import { herdCommand, litmusName, modelLabel, verdictText } from '../simulation.ts';
import { litmusBlock, witnessBlock } from './litmus-block.ts';
import { wrapParagraph, wrapText } from './wrap.ts';

export interface Address { name: string; address: string }

export interface ReplyContext {
  patch: PatchMail;
  /** Parsed diff of the patch (src/patch). */
  files: FileChange[];
  seriesId: string;
  version: number;
  /** 0, or the re-analysis number. */
  revision: number;
  /** Findings to report in this reply (new or still present). */
  findings: Finding[];
  /** Fingerprints that were also reported on an earlier version. */
  stillPresent: Set<string>;
  /** Findings of the previous version gone in this one. */
  fixed: Array<{ title: string; ruleId: string; fromVersion: number }>;
  rules: RuleMeta[];
  /** "analysed against v6.18-rc1 (base-commit 1234abcd)" or on fragments. */
  analysedAgainst: string;
}

export interface ReplyOptions {
  from: Address;
  /** Domain of the bot's Message-IDs. */
  messageIdDomain: string;
  wrapColumn: number;
  /** Only the author in To, nobody in Cc. */
  authorOnly: boolean;
  /** Addresses never to write to (the bot's own, opt-outs). */
  never: string[];
  botVersion: string;
  docsBaseUrl: string;
  date: Date;
}

export interface ReplyMail {
  messageId: string;
  inReplyTo: string;
  references: string[];
  to: Address[];
  cc: Address[];
  subject: string;
  headers: Array<[string, string]>;
  body: string;
  /** The whole RFC 5322 message. */
  rfc822: string;
}

/** Fixed when the reply is planned; the same on every retry. */
export function replyMessageId(ctx: Pick<ReplyContext, 'seriesId' | 'version' | 'revision' | 'patch'>, domain: string): string {
  const h = createHash('sha1').update(`${ctx.seriesId}\n${ctx.version}\n${ctx.revision}\n${ctx.patch.messageId}`).digest('hex').slice(0, 20);
  return `<ptbot-${h}@${domain}>`;
}

export function replySubject(subject: string): string {
  return /^re:/i.test(subject.trim()) ? subject.trim() : `Re: ${subject.trim()}`;
}

function formatAddress(a: Address): string {
  if (!a.name) return a.address;
  // A non-ASCII display name is one RFC 2047 encoded word, never quoted.
  if (/[^\x20-\x7e]/.test(a.name)) return `${libmime.encodeWord(a.name, 'Q', 52)} <${a.address}>`;
  const needsQuotes = /[()<>[\]:;@\\,."]/.test(a.name);
  return needsQuotes ? `"${a.name.replace(/(["\\])/g, '\\$1')}" <${a.address}>` : `${a.name} <${a.address}>`;
}

/** Reply-all: To the author, Cc the original To and Cc, minus the bot and opt-outs. */
export function recipients(patch: PatchMail, opts: Pick<ReplyOptions, 'from' | 'authorOnly' | 'never'>): { to: Address[]; cc: Address[] } {
  const never = new Set([opts.from.address.toLowerCase(), ...opts.never.map((a) => a.toLowerCase())]);
  const seen = new Set<string>();
  const keep = (a: Address) => {
    const k = a.address.toLowerCase();
    if (!k || never.has(k) || seen.has(k)) return false;
    seen.add(k);
    return true;
  };
  const to = [patch.from].filter(keep);
  if (opts.authorOnly) return { to, cc: [] };
  const cc = [...(patch.to ?? []), ...(patch.cc ?? [])].filter(keep);
  return { to, cc };
}

/**
 * A finding about the mail's own text (a litmus test in the commit
 * message): quote the start of it from the body, as a reviewer would.
 */
function quoteFromBody(body: string, f: Finding): string[] {
  const lines = body.split('\n');
  const first = Math.max(1, f.line);
  const last = Math.min(lines.length, f.endLine ?? first + 11, first + 11);
  const out = lines.slice(first - 1, last);
  if ((f.endLine ?? last) > last) out.push('[...]');
  return out;
}

function sentence(text: string): string {
  const t = text.trim();
  return /[.!?:]$/.test(t) ? t : `${t}.`;
}

/**
 * The simulator's part of a finding. A litmus test from the mail: its
 * verdict, then the test (the author's own). A rule's generated scenario:
 * what it models, the verdict or why there is none, and the test as a block
 * the author can paste into a file and run with herd7, laid out to keep to
 * the mail's width (litmus-block.ts).
 */
function simulationSection(f: Finding, w: number): string[] {
  const out: string[] = [];
  const s = f.simulation;
  const u = f.simulationNotDecided;
  const sim = s ?? u;
  if (!sim) return out;
  out.push('');
  if (s && !s.scenario) {
    out.push(...wrapParagraph(`The race, as a litmus test (${modelLabel(s)}): ${s.observation} (positive ${s.positive}, negative ${s.negative}).`, w));
  } else {
    const verdict = s ? `${verdictText(s)}.` : `not decided: ${sentence(u?.notDecided ?? '')}`;
    out.push(...wrapParagraph(`Simulated: ${sim.scenario ?? 'the scenario'} (${modelLabel(sim)}). ${verdict}`, w));
    const herd = herdCommand(sim);
    out.push('');
    out.push(...wrapParagraph(herd
      ? `The generated test; save it as ${litmusName(sim.litmus)}.litmus and run ${herd}:`
      : 'The scenario as our abstract walk-cache model states it (not a herd7 test):', w));
  }
  out.push('');
  // The mail's own test is quoted as its author wrote it; a generated one is laid out to fit.
  out.push(...(sim.scenario ? litmusBlock(sim.litmus, w) : sim.litmus.trimEnd().split('\n').map((l) => `    ${l}`)));
  if (s?.witness) {
    out.push('');
    out.push(...witnessBlock(s.witness, w));
  }
  return out;
}

function findingSection(f: Finding, ctx: ReplyContext, opts: ReplyOptions, repeat: boolean): string[] {
  const meta = ctx.rules.find((r) => r.id === f.ruleId);
  const w = opts.wrapColumn;
  const out: string[] = [];
  const again = ctx.stillPresent.has(f.fingerprint) ? ' (also in the previous version)' : '';
  out.push(...wrapParagraph(`${f.severity}: ${f.title} [${f.ruleId}] (${f.id})${again}`, w));
  out.push('');
  out.push(...wrapText(sentence(f.explanation), w).split('\n'));
  if (repeat) {
    // The contract, fix and source were given with the first finding of this rule.
    out.push('');
    out.push(...wrapParagraph('Same contract and suggested fix as above.', w));
    return out;
  }
  if (meta?.contract) {
    out.push('');
    out.push(...wrapParagraph(`The contract: ${meta.contract}`, w));
  }
  const arches = f.arches.includes('all') ? 'all architectures' : f.arches.join(', ');
  if (arches) {
    out.push('');
    out.push(...wrapParagraph(`Architectures affected: ${arches}.`, w));
  }
  if (f.suggestion) {
    out.push('');
    out.push(...wrapParagraph(`Suggested fix: ${sentence(f.suggestion)}`, w));
  }
  out.push(...simulationSection(f, w));
  const ref = meta?.references[0];
  if (ref) {
    out.push('');
    out.push(...wrapParagraph(`Source: ${ref.title}`, w));
    out.push(`  ${ref.url}`);
  }
  return out;
}

export function renderReply(ctx: ReplyContext, opts: ReplyOptions): ReplyMail {
  const w = opts.wrapColumn;
  const { to, cc } = recipients(ctx.patch, opts);
  const messageId = replyMessageId(ctx, opts.messageIdDomain);
  const references = [...ctx.patch.references.filter((r) => r !== ctx.patch.messageId), ctx.patch.messageId];
  const firstName = (ctx.patch.from.name.split(/\s+/)[0] ?? '').replace(/[^\p{L}\p{M}'-]/gu, '');
  const body: string[] = [];
  body.push(firstName ? `Hi ${firstName},` : 'Hello,');
  body.push('');
  const count = ctx.findings.length;
  body.push(...wrapParagraph(
    `pgtable-review-bot looked at this patch (v${ctx.version}) and has ${count} comment${count === 1 ? '' : 's'} on the page-table code it changes, ${ctx.analysedAgainst}.`, w));
  body.push('');
  const when = ctx.patch.date ? new Date(ctx.patch.date).toUTCString().replace(/ GMT$/, ' +0000') : undefined;
  body.push(`On ${when ?? 'an unknown date'}, ${ctx.patch.from.name || ctx.patch.from.address} wrote:`);
  // Findings in file and line order, so the quotes follow the patch.
  const ordered = [...ctx.findings].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  const rulesSeen = new Set<string>();
  let lastFile = '';
  for (const f of ordered) {
    let quote = f.file.startsWith('mid:') ? quoteFromBody(ctx.patch.body, f) : quoteForFinding(ctx.files, f);
    // The file header is quoted once per file.
    if (f.file === lastFile && quote[0]?.startsWith('diff --git ')) quote = quote.slice(2);
    lastFile = f.file;
    body.push(...(quote.length ? quote : [`[${f.file}:${f.line}]`]).map((l) => (l ? `> ${l}` : '>')));
    body.push('');
    body.push(...findingSection(f, ctx, opts, rulesSeen.has(f.ruleId)));
    rulesSeen.add(f.ruleId);
    body.push('');
  }
  if (ctx.fixed.length) {
    body.push(...wrapParagraph('Fixed since the previous version, thanks:', w));
    for (const x of ctx.fixed) body.push(...wrapParagraph(`- ${x.title} [${x.ruleId}] (reported on v${x.fromVersion})`, w, '  ').map((l, i) => (i === 0 ? l.replace(/^ {2}/, '') : l)));
    body.push('');
  }
  body.push('-- ');
  body.push(`pgtable-review-bot ${opts.botVersion}, an automated reviewer. Reply with`);
  body.push('  ptbot: reanalyse');
  body.push('to ask for a new analysis, or');
  body.push('  ptbot: false-positive <id> <why>');
  body.push('to report a wrong finding. Rule documentation:');
  body.push(opts.docsBaseUrl);
  const text = body.join('\n').replace(/\n{3,}/g, '\n\n') + '\n';

  const subject = replySubject(ctx.patch.subject);
  const headers: Array<[string, string]> = [
    ['From', formatAddress(opts.from)],
    ['To', to.map(formatAddress).join(',\n\t')],
    ...(cc.length ? [['Cc', cc.map(formatAddress).join(',\n\t')] as [string, string]] : []),
    ['Subject', libmime.encodeWords(subject, 'Q', 52, true)],
    ['Date', opts.date.toUTCString().replace(/ GMT$/, ' +0000')],
    ['Message-ID', messageId],
    ['In-Reply-To', ctx.patch.messageId],
    ['References', references.join('\n\t')],
    ['MIME-Version', '1.0'],
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Transfer-Encoding', '8bit'],
    ['Auto-Submitted', 'auto-generated'],
    ['X-Ptbot-Version', opts.botVersion],
    ['X-Ptbot-Series', `${ctx.seriesId} v${ctx.version}${ctx.revision ? ` revision ${ctx.revision}` : ''}`],
  ];
  const rfc822 = headers.map(([k, v]) => `${k}: ${v}`).join('\n') + '\n\n' + text;
  return { messageId, inReplyTo: ctx.patch.messageId, references, to, cc, subject, headers, body: text, rfc822 };
}
