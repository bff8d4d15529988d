// The fixture threads the lore tests import, their Message-IDs and thread
// roots, a virtual clock, and messages made up for "arrives later".
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadDir } from '../helpers/fixtures.ts';
import { rawMessageId } from '../../src/sources/raw-headers.ts';
import type { LoreClock } from '../../src/sources/lore-http/politeness.ts';

/** A few small real threads: patches with reviews, a fix, a QP/base64 mix. */
export const TEST_THREADS = ['arm64_vmalloc_huge_ptdump', 'lazy_mmu_kasan_hazards', 'arm64_elide_tlb_flush_pte_prot', 'hugh_mm_allow_pte_offset_map_fail'];

export interface FixtureMessage { file: string; messageId: string; inReplyTo?: string; bytes: Buffer }

export function fixtureMessages(threads: string[] = TEST_THREADS): FixtureMessage[] {
  return threads.flatMap((t) => readdirSync(threadDir(t)).filter((f) => f.endsWith('.eml')).sort().map((f) => {
    const file = join(threadDir(t), f);
    const bytes = readFileSync(file);
    const messageId = rawMessageId(bytes);
    if (!messageId) throw new Error(`${file}: no Message-ID`);
    const head = bytes.toString('latin1', 0, Math.min(bytes.length, 16384));
    const irt = /\nin-reply-to:[ \t]*(?:\r?\n[ \t]+)?<([^>]+)>/i.exec(head)?.[1];
    return { file, messageId, inReplyTo: irt, bytes };
  }));
}

/** Messages whose parent is not among the fixtures: the threads to watch. */
export function threadRoots(messages: FixtureMessage[]): string[] {
  const ids = new Set(messages.map((m) => m.messageId));
  return messages.filter((m) => !m.inReplyTo || !ids.has(m.inReplyTo)).map((m) => m.messageId);
}

/** Virtual time: sleep() returns at once and moves the clock; every sleep is recorded. */
export class VirtualClock implements LoreClock {
  readonly sleeps: number[] = [];
  constructor(private t: number = Date.now()) {}
  now(): number { return this.t; }
  async sleep(ms: number): Promise<void> { this.sleeps.push(ms); this.t += ms; }
  advance(ms: number): void { this.t += ms; }
}

/** A message as lore would receive it now. */
export function newMail(opts: { messageId: string; subject: string; inReplyTo?: string; body: string; when?: Date }): string {
  const when = (opts.when ?? new Date()).toUTCString().replace('GMT', '+0000');
  return [
    `Received: from mail.example.org by lore.test with ESMTP; ${when}`,
    'From: Test Author <author@example.org>',
    'To: linux-mm@kvack.org',
    `Subject: ${opts.subject}`,
    `Date: ${when}`,
    `Message-ID: <${opts.messageId}>`,
    ...(opts.inReplyTo ? [`In-Reply-To: <${opts.inReplyTo}>`, `References: <${opts.inReplyTo}>`] : []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    opts.body,
    '',
  ].join('\n');
}

export const NEW_PATCH_BODY = [
  'Pair the lazy MMU section in the test path.',
  '',
  'Signed-off-by: Test Author <author@example.org>',
  '---',
  ' mm/memory.c | 2 ++',
  ' 1 file changed, 2 insertions(+)',
  '',
  'diff --git a/mm/memory.c b/mm/memory.c',
  'index 1111111..2222222 100644',
  '--- a/mm/memory.c',
  '+++ b/mm/memory.c',
  '@@ -10,6 +10,8 @@ static int zap_test_range(struct mm_struct *mm)',
  ' \tint ret = 0;',
  ' ',
  '+\tlazy_mmu_mode_enable();',
  '+\tlazy_mmu_mode_disable();',
  ' \treturn ret;',
  ' }',
  '-- ',
  '2.43.0',
].join('\n');
