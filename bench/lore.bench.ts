// Lore sources: messages/s through the HTTP source (search: Atom pages plus
// one search mbox; threads: one t.mbox.gz per thread) against a local
// public-inbox-httpd, and through the v2 git mirror reader, beside a bare
// `git cat-file --batch` over the same epoch (the I/O floor). Input: every
// thread fixture, twice (the second copy with its own Message-IDs), imported
// into a fresh v2 inbox. Prints markdown. BENCH_LORE_STATE=DIR keeps the
// inbox in DIR and reuses it on the next run (the import takes a minute).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { existsSync } from 'node:fs';
import { createInbox, importMessages, removeInbox, startHttpd, type TestInbox } from '../test/helpers/public-inbox.ts';
import { LoreHttpClient } from '../src/sources/lore-http/client.ts';
import { pollLoreHttp } from '../src/sources/lore-http/source.ts';
import { buildRelevanceQuery } from '../src/sources/lore-http/search-query.ts';
import { LoreGitMirror } from '../src/sources/lore-git/mirror.ts';
import { relevanceRawFilter } from '../src/sources/lore-git/raw-filter.ts';
import { rawMessageId } from '../src/sources/raw-headers.ts';
import type { LoreItem } from '../src/sources/lore-http/types.ts';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..');

// Child mode: one source alone in a fresh process, for its own peak RSS.
if (process.argv[2] === '--alone') {
  const [, , , kind, where] = process.argv;
  const base = process.resourceUsage().maxRSS;
  let messages = 0;
  const gen = kind === 'git'
    ? new LoreGitMirror({ list: 'linux-mm', inboxDir: where ?? '' }).read()
    : pollLoreHttp({
      client: new LoreHttpClient({ baseUrl: where ?? '', userAgent: 'pgtable-review-bot-bench/0.1 (+mailto:ptbot@example.invalid)', minRequestIntervalMs: 0,
        timeoutMs: 120_000, maxAttempts: 3, backoff: { baseMs: 500, maxMs: 5000 }, maxRetryAfterMs: 60_000, maxResponseBytes: 1 << 30 }),
      list: 'linux-mm', query: '', overlapSeconds: 3600, firstLookbackSeconds: 40 * 365 * 86400, maxSingleFetches: 0, maxMessageBytes: 32 << 20,
    });
  for await (const item of gen) if (item.kind === 'message') messages++;
  console.log(JSON.stringify({ messages, baseKiB: base, peakKiB: process.resourceUsage().maxRSS }));
  process.exit(0);
}

function alone(kind: 'git' | 'http', where: string): { messages: number; baseKiB: number; peakKiB: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'lore.bench.ts'), '--alone', kind, where], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench child ${kind}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim()) as { messages: number; baseKiB: number; peakKiB: number };
}
const threads = join(root, 'fixtures', 'lore', 'threads');
const COPIES = 2;

function writeInputs(dir: string): { files: string[]; bytes: number } {
  mkdirSync(dir, { recursive: true });
  const sources = readdirSync(threads).sort().flatMap((d) =>
    readdirSync(join(threads, d)).filter((f) => f.endsWith('.eml')).sort().map((f) => join(threads, d, f)));
  const files: string[] = [];
  let bytes = 0;
  for (let c = 0; c < COPIES; c++) {
    sources.forEach((f, i) => {
      let text = readFileSync(f, 'latin1');
      if (c > 0) {
        const end = text.indexOf('\n\n');
        text = text.slice(0, end).replace(/^(Message-I[Dd]|In-Reply-To|References):([^\n]*(?:\n[ \t][^\n]*)*)/gim,
          (_m, k: string, v: string) => `${k}:${v.replace(/<([^>]+)>/g, `<c${c}.$1>`)}`) + text.slice(end);
      }
      const out = join(dir, `${c}-${String(i).padStart(5, '0')}.eml`);
      writeFileSync(out, text, 'latin1');
      bytes += text.length;
      files.push(out);
    });
  }
  return { files, bytes };
}

async function count<C>(gen: AsyncGenerator<LoreItem<C>, C>): Promise<{ messages: number; bytes: number; problems: number; ids: Set<string> }> {
  let messages = 0, bytes = 0, problems = 0;
  const ids = new Set<string>();
  for (;;) {
    const r = await gen.next();
    if (r.done) break;
    if (r.value.kind === 'message') { messages++; bytes += r.value.message.bytes.length; ids.add(r.value.message.messageId); } else problems++;
  }
  return { messages, bytes, problems, ids };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
const rows: string[] = [];
const row = (what: string, messages: number, bytes: number, ms: number, note = '') =>
  rows.push(`| ${what} | ${fmt(messages)} | ${mib(bytes)} | ${fmt(ms)} ms | ${fmt(messages / (ms / 1000))} | ${note} |`);

const keep = process.env.BENCH_LORE_STATE;
const reuse = keep !== undefined && existsSync(join(keep, 'inbox.json'));
const inbox: TestInbox = reuse ? JSON.parse(readFileSync(join(keep, 'inbox.json'), 'utf8')) as TestInbox : createInbox();
if (reuse) inbox.env = { ...process.env, PI_CONFIG: join(inbox.stateDir, 'config'), HOME: inbox.stateDir, TZ: 'UTC' };
try {
  const input = writeInputs(join(inbox.stateDir, 'input'));
  let t = performance.now();
  const imported = reuse ? { added: input.files.length, skipped: 0 } : importMessages(inbox, input.files);
  const importMs = reuse ? NaN : performance.now() - t;
  if (keep) { mkdirSync(keep, { recursive: true }); writeFileSync(join(keep, 'inbox.json'), JSON.stringify({ ...inbox, env: {} })); }
  const epoch = join(inbox.inboxDir, 'git', '0.git');
  const commits = execFileSync('git', ['--git-dir', epoch, 'rev-list', '--reverse', 'HEAD'], { encoding: 'latin1', maxBuffer: 1 << 28 }).trim().split('\n');

  // The floor: git alone, rev-list output fed to cat-file, output discarded.
  const specs = join(inbox.stateDir, 'specs.txt');
  writeFileSync(specs, commits.map((c) => `${c}:m\n`).join(''));
  // The machine is shared: runs are interleaved (floor, reader, filtered
  // reader, ...) and the best of each kept, so a busy moment hurts all alike.
  const config = parse(readFileSync(join(root, 'config', 'default.yaml'), 'utf8')) as { relevance: { paths: string[]; identifiers: string[] } };
  const RUNS = 5;
  let floorMs = Infinity, gitAllMs = Infinity, gitFilteredMs = Infinity, filteredOut = 0;
  let gitAll = { messages: 0, bytes: 0, problems: 0, ids: new Set<string>() };
  let gitFiltered = gitAll;
  for (let i = 0; i < RUNS; i++) {
    t = performance.now();
    const r = spawnSync('sh', ['-c', `git --git-dir '${epoch}' rev-list HEAD >/dev/null && git --git-dir '${epoch}' cat-file --batch <'${specs}' >/dev/null`]);
    if (r.status !== 0) throw new Error(`floor: ${r.stderr.toString()}`);
    floorMs = Math.min(floorMs, performance.now() - t);

    const mirror = new LoreGitMirror({ list: 'linux-mm', inboxDir: inbox.inboxDir });
    t = performance.now();
    gitAll = await count(mirror.read());
    gitAllMs = Math.min(gitAllMs, performance.now() - t);
    await mirror.close();

    const filtered = new LoreGitMirror({ list: 'linux-mm', inboxDir: inbox.inboxDir, filter: relevanceRawFilter(config.relevance) });
    t = performance.now();
    gitFiltered = await count(filtered.read());
    gitFilteredMs = Math.min(gitFilteredMs, performance.now() - t);
    filteredOut = filtered.stats.filteredOut;
    await filtered.close();
  }
  row('bare `git rev-list` + `git cat-file --batch` (floor)', commits.length, input.bytes, floorMs, `best of ${RUNS}, output to /dev/null`);
  row('git mirror reader, no filter', gitAll.messages, gitAll.bytes, gitAllMs, `best of ${RUNS}; ${(gitAllMs / floorMs).toFixed(2)}x the floor`);
  row('git mirror reader, default relevance filter', commits.length, gitAll.bytes, gitFilteredMs,
    `best of ${RUNS}; ${(gitFilteredMs / floorMs).toFixed(2)}x the floor; ${fmt(gitFiltered.messages)} kept, ${fmt(filteredOut)} dropped`);

  const gitAlone = alone('git', inbox.inboxDir);
  let serverTimes = '';
  let httpAlone = { messages: 0, baseKiB: 0, peakKiB: 0 };
  // HTTP, without the politeness interval (lore would get 2 s between requests).
  const httpd = await startHttpd(inbox);
  try {
    const spent = new Map<string, { n: number; ms: number }>();
    const timedFetch: typeof fetch = async (input, init) => {
      const url = String(input);
      const kind = url.includes('x=A') ? 'search Atom page' : url.includes('x=m') ? 'search mbox (POST)' : url.endsWith('t.mbox.gz') ? 't.mbox.gz' : 'other';
      const t0 = performance.now();
      const res = await fetch(input, init);
      const body = Buffer.from(await res.arrayBuffer());
      const s = spent.get(kind) ?? { n: 0, ms: 0 };
      s.n++; s.ms += performance.now() - t0;
      spent.set(kind, s);
      return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
    };
    const client = new LoreHttpClient({
      fetch: timedFetch,
      baseUrl: httpd.url, userAgent: 'pgtable-review-bot-bench/0.1 (+mailto:ptbot@example.invalid)', minRequestIntervalMs: 0,
      timeoutMs: 120_000, maxAttempts: 3, backoff: { baseMs: 500, maxMs: 5000 }, maxRetryAfterMs: 60_000, maxResponseBytes: 1 << 30,
    });
    const base = { client, list: 'linux-mm', overlapSeconds: 3600, firstLookbackSeconds: 40 * 365 * 86400, maxSingleFetches: 0, maxMessageBytes: 32 << 20 };
    t = performance.now();
    let before = client.requests;
    const all = await count(pollLoreHttp({ ...base, query: '' }));
    const searchMs = performance.now() - t;
    row('HTTP search, every message (Atom pages + one POST x=m)', all.messages, all.bytes, searchMs, `${client.requests - before} requests`);

    t = performance.now();
    before = client.requests;
    const relevant = await count(pollLoreHttp({ ...base, query: buildRelevanceQuery(config.relevance).query }));
    row('HTTP search, default relevance query', relevant.messages, relevant.bytes, performance.now() - t, `${client.requests - before} requests`);

    // Thread polling: one t.mbox.gz per root of a thread (messages without a parent among the input).
    const byId = new Map<string, string | undefined>();
    for (const f of input.files) {
      const b = readFileSync(f);
      const head = b.toString('latin1', 0, Math.min(b.length, 16384));
      byId.set(rawMessageId(b) ?? f, /\nin-reply-to:[ \t]*(?:\r?\n[ \t]+)?<([^>]+)>/i.exec(head)?.[1]);
    }
    const roots = [...byId].filter(([, parent]) => !parent || !byId.has(parent)).map(([id]) => ({ root: id }));
    t = performance.now();
    before = client.requests;
    const viaThreads = await count(pollLoreHttp({ ...base, query: 'nq:no-such-term-zz AND s:zzqq', watched: roots }));
    row('HTTP thread polling (t.mbox.gz per thread)', viaThreads.messages, viaThreads.bytes, performance.now() - t, `${client.requests - before} requests, ${roots.length} threads`);
    httpAlone = alone('http', httpd.url);
    serverTimes = [...spent].map(([k, v]) => `${k}: ${v.n} requests, ${fmt(v.ms)} ms waiting for answers`).join('; ');
  } finally {
    await httpd.stop();
  }

  const rss = process.resourceUsage().maxRSS * 1024;
  console.log('## Lore sources\n');
  console.log(`Input: every thread fixture twice (the copy with its own Message-IDs): ${fmt(input.files.length)} files, ${fmt(imported.added)} messages new to public-inbox (${fmt(imported.skipped)} duplicates), ${mib(input.bytes)}, one epoch; import + index in one Perl process ${fmt(importMs)} ms.\n`);
  console.log('| source | messages | bytes | time | messages/s | note |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(r);
  console.log(`\nTime spent waiting for public-inbox-httpd's answers (over all HTTP rows): ${serverTimes}.`);
  const kib = (k: number) => mib(k * 1024);
  console.log(`\nPeak RSS, each source alone in a fresh process reading all ${fmt(gitAlone.messages)} messages: git mirror reader ${kib(gitAlone.peakKiB)}, ` +
    `HTTP search ${kib(httpAlone.peakKiB)} (${fmt(httpAlone.messages)} messages), over a baseline of ${kib(gitAlone.baseKiB)} for Node with tsx; ` +
    `the whole bench process (inputs and all rows): ${mib(rss)}.`);
  console.log(`Goal (git reader within 2x of the floor): ${gitAllMs / floorMs <= 2 ? 'met' : 'NOT met'} (${(gitAllMs / floorMs).toFixed(2)}x unfiltered, ${(gitFilteredMs / floorMs).toFixed(2)}x filtered).`);
  if (gitAll.problems || gitFiltered.problems) console.log(`\nProblems: ${gitAll.problems + gitFiltered.problems}`);
} finally {
  if (!keep) removeInbox(inbox);
}
