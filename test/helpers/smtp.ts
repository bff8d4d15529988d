// A real SMTP server on 127.0.0.1 (the smtp-server package) that keeps what
// it accepts and can be told to refuse, stall or drop the connection for the
// next N messages.
import { SMTPServer } from 'smtp-server';

export type SmtpFault = 'refuse-temporary' | 'refuse-permanent' | 'stall' | 'drop';

export interface TestSmtp {
  port: number;
  received: Array<{ from: string; to: string[]; raw: string }>;
  faults: SmtpFault[];
  stop(): Promise<void>;
}

export async function startSmtp(): Promise<TestSmtp> {
  const state: TestSmtp = { port: 0, received: [], faults: [], stop: async () => undefined };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      const fault = state.faults.shift();
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (fault === 'refuse-temporary') return callback(Object.assign(new Error('4.3.0 try again later'), { responseCode: 451 }));
        if (fault === 'refuse-permanent') return callback(Object.assign(new Error('5.7.1 relaying denied'), { responseCode: 550 }));
        if (fault === 'stall') return; // never answer: the client must time out
        if (fault === 'drop') { (session as unknown as { socket?: { destroy(): void } }).socket?.destroy(); return; }
        state.received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  // smtp-server hands the socket to onConnect; keep it so a fault can drop it.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.server.address();
  state.port = typeof addr === 'object' && addr ? addr.port : 0;
  state.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
