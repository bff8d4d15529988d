// A small HTTP proxy in front of the real public-inbox-httpd that injects
// the faults lore's front end can show: 429 with Retry-After, 5xx, a hung
// answer, a truncated gzip, an HTML bot-wall page. It can also play a
// caching front end that sends ETags and answers 304. Loopback only.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'pass' }
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'hang' }
  | { kind: 'truncate' }
  | { kind: 'html' };

export interface SeenRequest {
  method: string;
  /** Path and query as sent. */
  path: string;
  userAgent: string;
  ifNoneMatch?: string;
  /** How many times this method+path was asked, this one included. */
  nth: number;
  /** What the proxy answered. */
  answered?: number | 'hang' | 'truncated';
}

export interface FaultProxy {
  url: string;
  requests: SeenRequest[];
  stop(): Promise<void>;
}

const BOT_WALL = '<!DOCTYPE html>\n<html><head><title>Making sure you are not a bot</title></head>' +
  '<body><p>Please enable JavaScript to continue.</p></body></html>\n';

export async function startFaultProxy(
  upstream: string, plan: (req: SeenRequest) => Fault, opts: { etags?: boolean } = {},
): Promise<FaultProxy> {
  const base = new URL(upstream);
  const requests: SeenRequest[] = [];
  const counts = new Map<string, number>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res);
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const key = `${method} ${path}`;
    const nth = (counts.get(key) ?? 0) + 1;
    counts.set(key, nth);
    const seen: SeenRequest = { method, path, userAgent: String(req.headers['user-agent'] ?? ''), nth,
      ifNoneMatch: typeof req.headers['if-none-match'] === 'string' ? req.headers['if-none-match'] : undefined };
    requests.push(seen);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const fault = plan(seen);
    if (fault.kind === 'hang') { seen.answered = 'hang'; return; }
    if (fault.kind === 'status') {
      seen.answered = fault.status;
      res.writeHead(fault.status, { 'Content-Type': 'text/plain', ...(fault.retryAfter ? { 'Retry-After': fault.retryAfter } : {}) });
      res.end(`injected ${fault.status}\n`);
      return;
    }
    if (fault.kind === 'html') {
      seen.answered = 200;
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(BOT_WALL);
      return;
    }
    const up = await fetch(new URL(path, base), { method, body: method === 'POST' ? Buffer.concat(chunks) : undefined });
    const body = Buffer.from(await up.arrayBuffer());
    const headers: Record<string, string> = { 'Content-Type': up.headers.get('content-type') ?? 'application/octet-stream' };
    if (fault.kind === 'truncate') {
      seen.answered = 'truncated';
      res.writeHead(200, headers);
      res.end(body.subarray(0, Math.floor(body.length / 2)));
      return;
    }
    if (opts.etags && method === 'GET' && up.status === 200) {
      const etag = `"${createHash('sha1').update(body).digest('hex')}"`;
      headers.ETag = etag;
      if (seen.ifNoneMatch === etag) {
        seen.answered = 304;
        res.writeHead(304, { ETag: etag });
        res.end();
        return;
      }
    }
    seen.answered = up.status;
    res.writeHead(up.status, headers);
    res.end(body);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
