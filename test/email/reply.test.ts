import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { planReplies, describeBase } from '../../src/report/email/plan.ts';
import { replyOptionsFrom, replyPolicyFrom } from '../../src/report/email/options.ts';
import { analysed, X86_BUG } from './fixture.ts';

const DATE = new Date('2026-12-01T10:00:00Z');

async function x86Replies(overrides: { previous?: Array<{ fingerprint: string; title: string; ruleId: string; version: number }>; authorOnly?: boolean; optOut?: string[]; minSeverity?: 'error' | 'warning' | 'info'; revision?: number } = {}) {
  const { config, mail, result } = await analysed(X86_BUG);
  const series = mail.series[0];
  const version = series?.versions.at(-1);
  assert.ok(series && version);
  config.reply.authorOnly = overrides.authorOnly ?? false;
  config.reply.optOut = overrides.optOut ?? [];
  if (overrides.minSeverity) config.reply.minSeverity = overrides.minSeverity;
  const replies = planReplies({
    series, version, revision: overrides.revision ?? 0, findings: result.findings,
    previous: overrides.previous ?? [], rules: result.rules, analysedAgainst: describeBase(version, undefined),
  }, replyPolicyFrom(config), replyOptionsFrom(config, DATE));
  return { replies, result, patch: version.patches[0] };
}

test('the reply to a real buggy patch: threaded, reply-all, plain text, kernel style', async () => {
  const { replies, result, patch } = await x86Replies();
  assert.equal(replies.length, 1);
  const r = replies[0];
  assert.ok(r && patch);
  const parsed = await simpleParser(r.rfc822);
  assert.equal(parsed.subject, 'Re: [PATCH v2 2/2] x86/mm: implement free pmd/pte page interfaces');
  assert.equal(parsed.inReplyTo, '<20180314180155.19492-3-toshi.kani@hpe.com>');
  assert.deepEqual(parsed.references, ['<20180314180155.19492-1-toshi.kani@hpe.com>', '<20180314180155.19492-3-toshi.kani@hpe.com>']);
  assert.equal(parsed.headers.get('auto-submitted'), 'auto-generated');
  assert.equal(parsed.html, false, 'no HTML part');
  assert.match(String(parsed.headers.get('content-type') && (parsed.headers.get('content-type') as { value: string }).value), /^text\/plain$/);
  const to = (parsed.to && !Array.isArray(parsed.to) ? parsed.to.value : []).map((a) => a.address);
  const cc = (parsed.cc && !Array.isArray(parsed.cc) ? parsed.cc.value : []).map((a) => a.address);
  assert.deepEqual(to, ['toshi.kani@hpe.com']);
  assert.ok(cc.includes('linux-mm@kvack.org') && cc.includes('akpm@linux-foundation.org'));
  assert.ok(!cc.includes('toshi.kani@hpe.com'), 'the author is not also in Cc');
  // Wrapped near 72 columns except quotes, indented blocks and URLs.
  for (const line of r.body.split('\n')) {
    if (line.startsWith('>') || line.startsWith(' ') || /^https?:\/\//.test(line)) continue;
    assert.ok(line.length <= 72, `over 72 columns: ${line}`);
  }
  // Interleaved: each finding's id follows a quote of its own hunk lines.
  const lines = r.body.split('\n');
  for (const f of result.findings) {
    const at = lines.findIndex((l) => l.includes(`(${f.id})`));
    assert.ok(at > 0, `finding ${f.id} in the body`);
    const quoteBefore = lines.slice(0, at).reverse().find((l) => l.startsWith('> +') || l.startsWith('> -') || l.startsWith('>  '));
    assert.ok(quoteBefore, 'a quote precedes the finding');
    assert.ok(f.evidence.some((e) => e.replace(/^[+ -]/, '').trim() !== '' && r.body.includes(`> ${e}`)), `evidence of ${f.id} quoted`);
  }
  // Only the relevant hunk lines: the patch adds far more than is quoted.
  const quoted = lines.filter((l) => l.startsWith('> +')).length;
  const added = patch.diff.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++')).length;
  assert.ok(quoted < added / 2, `quoted ${quoted} of ${added} added lines`);
  assert.match(r.body, /^Hi Toshi,\n/);
  assert.match(r.body, /\n-- \n/);
  assert.match(r.body, /so on fragments/);
});

test('the Message-ID is fixed by what is replied to, and changes with a re-analysis', async () => {
  const a = (await x86Replies()).replies[0];
  const b = (await x86Replies()).replies[0];
  const c = (await x86Replies({ revision: 1 })).replies[0];
  assert.equal(a?.messageId, b?.messageId);
  assert.notEqual(a?.messageId, c?.messageId);
  assert.match(a?.messageId ?? '', /^<ptbot-[0-9a-f]{20}@example\.invalid>$/);
});

test('author-only mode and opt-outs shape the recipients', async () => {
  const only = (await x86Replies({ authorOnly: true })).replies[0];
  assert.deepEqual(only?.cc, []);
  const opted = (await x86Replies({ optOut: ['linux-mm@kvack.org'] })).replies[0];
  assert.ok(!opted?.cc.some((a) => a.address === 'linux-mm@kvack.org'));
});

test('a new version with only still-present findings gets no reply; a fixed one is mentioned', async () => {
  const { result } = await x86Replies();
  const prev = result.findings.map((f) => ({ fingerprint: f.fingerprint, title: f.title, ruleId: f.ruleId, version: 1 }));
  assert.equal((await x86Replies({ previous: prev })).replies.length, 0);
  const withFixed = [...prev, { fingerprint: 'gone', title: 'pte_offset_map() without pte_unmap()', ruleId: 'pte-map-unbalanced', version: 1 }];
  const r = (await x86Replies({ previous: withFixed })).replies;
  assert.equal(r.length, 1);
  assert.match(r[0]?.body ?? "", /Fixed since the previous version, thanks:\n- pte_offset_map\(\) without pte_unmap\(\) \[pte-map-unbalanced\] \(reported\s+on v1\)/);
  assert.match(r[0]?.body ?? '', /\(also in the\s+previous version\)/);
});

test('findings below the minimum severity and clean patches get no reply', async () => {
  // The x86 findings are errors; with no finding at all there is nothing to say.
  const { replies } = await x86Replies({ minSeverity: 'error' });
  assert.equal(replies.length, 1);
  const clean = await analysed(['lore', 'clean', 'x86_remove_dup_pmd_prealloc_macro.patch']);
  assert.equal(clean.result.findings.length, 0);
});
