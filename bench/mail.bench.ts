// Mail ingestion: mbox split + MIME parse + series assembly, on one mbox of
// every thread fixture and on a 10x larger one generated from it (each copy
// with its own Message-IDs and subjects, so it makes series of its own).
import { mkdirSync, readdirSync, readFileSync, writeFileSync, createReadStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MboxSplitter } from '../src/sources/mbox-splitter.ts';
import { parseRawMessage } from '../src/mail/parse.ts';
import { assembleSeries } from '../src/mail/series.ts';
import type { MailMessage } from '../src/mail/types.ts';

const root = join(import.meta.dirname, '..');
const threads = join(root, 'fixtures', 'lore', 'threads');
const outDir = join(root, 'bench', 'out');
mkdirSync(outDir, { recursive: true });

function buildMbox(copies: number): string {
  const parts: string[] = [];
  const files = readdirSync(threads).sort().flatMap((d) =>
    readdirSync(join(threads, d)).filter((f) => f.endsWith('.eml')).sort().map((f) => join(threads, d, f)));
  for (let c = 0; c < copies; c++) {
    for (const f of files) {
      let text = readFileSync(f, 'latin1');
      if (c > 0) {
        const headerEnd = text.indexOf('\n\n');
        let head = text.slice(0, headerEnd);
        head = head.replace(/^(Message-I[Dd]|In-Reply-To|References):([^\n]*(?:\n[ \t][^\n]*)*)/gim,
          (_m, k: string, v: string) => `${k}:${v.replace(/<([^>]+)>/g, `<c${c}.$1>`)}`);
        head = head.replace(/^Subject: ([^\n]*)/m, `Subject: $1 c${c}`);
        head = head.replace(/^(From|X-Original-From):([^\n]*?)<([^>@]+)@/gim, `$1:$2<c${c}.$3@`);
        text = head + text.slice(headerEnd);
      }
      parts.push(text.endsWith('\n') ? text : text + '\n', '\n');
    }
  }
  return parts.join('');
}

async function run(label: string, path: string): Promise<string> {
  const bytes = statSync(path).size;
  const t0 = performance.now();
  const splitter = new MboxSplitter(32 * 1024 * 1024);
  const raws: Buffer[] = [];
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    for (const item of splitter.push(chunk as Buffer)) if (item.kind === 'message') raws.push(item.message.bytes);
  }
  for (const item of splitter.end()) if (item.kind === 'message') raws.push(item.message.bytes);
  const t1 = performance.now();
  const messages: MailMessage[] = [];
  let problems = 0;
  const count = raws.length;
  for (let i = 0; i < count; i++) {
    const bytesOf = raws[i] as Buffer;
    raws[i] = Buffer.alloc(0); // drop the raw bytes once parsed, as the pipeline does
    const r = await parseRawMessage({ bytes: bytesOf, origin: { input: path, where: `message ${i + 1}` } });
    problems += r.problems.length;
    if (r.message) messages.push(r.message);
  }
  const t2 = performance.now();
  const assembly = assembleSeries(messages);
  const t3 = performance.now();
  const total = (t3 - t0) / 1000;
  return `| ${label} | ${(bytes / 1048576).toFixed(1)} MiB | ${count} | ${assembly.series.length} | ${(t1 - t0).toFixed(0)} ms | ${(t2 - t1).toFixed(0)} ms | ${(t3 - t2).toFixed(0)} ms | ${total.toFixed(2)} s | ${Math.round(count / total)} | ${problems} |`;
}

const rows: string[] = [];
for (const [label, copies] of [['all thread fixtures', 1], ['10x generated', 10]] as const) {
  const path = join(outDir, `mail-${copies}x.mbox`);
  writeFileSync(path, buildMbox(copies), 'latin1');
  rows.push(await run(label, path));
  if (typeof globalThis.gc === 'function') globalThis.gc();
}
const rssMiB = process.resourceUsage().maxRSS / 1024;
console.log('## Mail ingestion (split + parse + series assembly)\n');
console.log('| input | size | messages | series | split | parse | assemble | total | messages/s | problems |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);
console.log(`\nPeak RSS of the process (both runs, messages kept in memory): ${rssMiB.toFixed(0)} MiB; node ${process.version}\n`);
