// The lore sources as the config describes them: defaults, and the search
// built from the relevance globs of config/default.yaml.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load.ts';
import { LoreHttpClient } from '../../src/sources/lore-http/client.ts';
import { jsonLineLogger } from '../../src/sources/lore-http/log.ts';
import { listPollOptionsFromConfig, loreHttpOptionsFromConfig } from '../../src/sources/lore-http/source.ts';
import { rawReferences } from '../../src/sources/raw-headers.ts';

function defaults() {
  const res = loadConfig({ env: {} });
  assert.ok(res.ok, JSON.stringify(res));
  return res.config;
}

test('client options come from lore.* with polite defaults', () => {
  const o = loreHttpOptionsFromConfig(defaults());
  assert.equal(o.baseUrl, 'https://lore.kernel.org/');
  assert.match(o.userAgent, /^pgtable-review-bot\/\S+ \(\+mailto:/);
  assert.equal(o.minRequestIntervalMs, 2000);
  assert.equal(o.maxAttempts, 5);
  assert.deepEqual(o.backoff, { baseMs: 5000, maxMs: 300_000 });
  assert.equal(o.maxRetryAfterMs, 900_000);
  assert.equal(o.timeoutMs, 60_000);
});

test("a list's poll options AND its query with the relevance search", () => {
  const config = defaults();
  const client = new LoreHttpClient(loreHttpOptionsFromConfig(config));
  const mm = listPollOptionsFromConfig(config, client, 'linux-mm');
  assert.match(mm.query, /^\(dfn:mm\/pgtable-generic\.c OR .* OR dfctx:set_ptes\) AND \(dfn:mm\/ OR dfn:arch\/ OR dfn:include\/linux\/pgtable\.h\)$/);
  assert.equal(mm.overlapSeconds, 2 * 86400);
  assert.equal(mm.maxMessageBytes, 32 * 1024 * 1024);
  const arch = listPollOptionsFromConfig(config, client, 'linux-arch');
  assert.ok(!arch.query.includes(' AND (dfn:'), 'linux-arch has no list query');
  assert.throws(() => listPollOptionsFromConfig(config, client, 'netdev'), /config: no list 'netdev' under lists/);
  assert.equal(client.listUrl('linux-mm', 'new.atom'), 'https://lore.kernel.org/linux-mm/new.atom');
});

test('log lines are one JSON object each, with time and source', () => {
  const lines: string[] = [];
  const log = jsonLineLogger((l) => lines.push(l), () => Date.parse('2026-12-01T10:00:00Z'));
  log({ level: 'warn', event: 'retry', msg: 'lore http://x/: HTTP 500 (attempt 1/5), retrying in 5.0 s', attempt: 1, maxAttempts: 5 });
  assert.equal(lines.length, 1);
  assert.ok(lines[0]?.endsWith('\n'));
  assert.deepEqual(JSON.parse(lines[0] ?? ''), { time: '2026-12-01T10:00:00.000Z', source: 'lore', level: 'warn', event: 'retry',
    msg: 'lore http://x/: HTTP 500 (attempt 1/5), retrying in 5.0 s', attempt: 1, maxAttempts: 5 });
});

test('references from raw headers: In-Reply-To and folded References', () => {
  const raw = Buffer.from('Subject: Re: x\nIn-Reply-To: <b@x>\nReferences: <a@x>\n <b@x>\n\nReferences: <body@x>\n');
  assert.deepEqual(rawReferences(raw), ['b@x', 'a@x', 'b@x']);
});
