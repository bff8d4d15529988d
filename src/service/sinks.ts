// The reply sink the configuration asks for.
import type { Config } from '../config/schema.ts';
import { MaildirOutbox } from '../sinks/outbox.ts';
import { SmtpSink } from '../sinks/smtp.ts';
import type { ReplySink } from '../sinks/types.ts';
import { parseAddress } from '../report/email/options.ts';

export function openSink(config: Config): ReplySink {
  if (config.reply.mode === 'smtp') {
    const s = config.reply.smtp;
    return new SmtpSink({
      host: s.host, port: s.port, secure: s.secure, from: parseAddress(config.reply.from).address,
      ...(s.user ? { user: s.user } : {}), ...(s.password ? { password: s.password } : {}),
    });
  }
  return new MaildirOutbox(config.reply.outboxDir);
}
