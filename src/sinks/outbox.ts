// The outbox: a maildir (tmp/, new/, cur/) that replies are written to
// instead of being sent, the embedded default and the dry run. Delivery is
// maildir's: write to tmp/, fsync, rename into new/. The file name comes
// from the Message-ID, so delivering the same reply twice leaves one file.
import { createHash } from 'node:crypto';
import { mkdir, open, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { OutgoingMail, ReplySink } from './types.ts';

export function outboxFileName(messageId: string): string {
  return `ptbot-${createHash('sha1').update(messageId).digest('hex').slice(0, 24)}.eml`;
}

export class MaildirOutbox implements ReplySink {
  readonly name = 'outbox';
  constructor(private readonly dir: string) {}

  async deliver(mail: OutgoingMail): Promise<void> {
    for (const sub of ['tmp', 'new', 'cur']) await mkdir(join(this.dir, sub), { recursive: true });
    const name = outboxFileName(mail.messageId);
    const final = join(this.dir, 'new', name);
    if (await exists(final) || await exists(join(this.dir, 'cur', name))) return;
    const tmp = join(this.dir, 'tmp', `${name}.${process.pid}`);
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(mail.rfc822.replace(/\r?\n/g, '\n'));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, final);
  }

  async close(): Promise<void> { /* nothing held open */ }
}

async function exists(path: string): Promise<boolean> {
  try { await stat(path); return true; } catch { return false; }
}
