// SMTP through nodemailer: the raw RFC 5322 reply as rendered, to the
// envelope recipients read from its To and Cc. STARTTLS when the server
// offers it (required with `secure`), auth from the environment. 5xx
// answers are permanent failures; the rest are retried by the caller.
import nodemailer, { type Transporter } from 'nodemailer';
import { simpleParser, type AddressObject } from 'mailparser';
import { DeliveryError, type OutgoingMail, type ReplySink } from './types.ts';

export interface SmtpOptions {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
  /** Envelope sender. */
  from: string;
  timeoutMs?: number;
  /** Allow self-signed certificates (tests on loopback only). */
  allowInsecureTls?: boolean;
}

function addresses(a: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(a) ? a : a ? [a] : [];
  return list.flatMap((o) => o.value.flatMap((v) => (v.address ? [v.address] : [])));
}

export class SmtpSink implements ReplySink {
  readonly name = 'smtp';
  private readonly transport: Transporter;
  constructor(private readonly opts: SmtpOptions) {
    const timeout = opts.timeoutMs ?? 30_000;
    this.transport = nodemailer.createTransport({
      host: opts.host,
      port: opts.port,
      secure: opts.secure && opts.port === 465,
      requireTLS: opts.secure && opts.port !== 465,
      ...(opts.user ? { auth: { user: opts.user, pass: opts.password ?? '' } } : {}),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      tls: { rejectUnauthorized: !opts.allowInsecureTls },
    });
  }

  async deliver(mail: OutgoingMail): Promise<void> {
    const parsed = await simpleParser(mail.rfc822);
    const to = [...addresses(parsed.to), ...addresses(parsed.cc)];
    if (to.length === 0) throw new DeliveryError(`reply ${mail.messageId} has no recipients`, true);
    try {
      await this.transport.sendMail({ envelope: { from: this.opts.from, to }, raw: mail.rfc822 });
    } catch (err) {
      const code = typeof err === 'object' && err && 'responseCode' in err ? Number((err as { responseCode: unknown }).responseCode) : undefined;
      const message = err instanceof Error ? err.message : String(err);
      throw new DeliveryError(`smtp ${this.opts.host}:${this.opts.port}: ${message}`, code !== undefined && code >= 500 && code < 600);
    }
  }

  async close(): Promise<void> { this.transport.close(); }
}
