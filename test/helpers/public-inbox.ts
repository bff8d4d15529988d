// A real lore for tests: Debian's public-inbox, a v2 inbox in a temp
// folder, messages imported in one Perl process, and public-inbox-httpd on
// 127.0.0.1 at a free port, stopped by its PID. If public-inbox is missing
// the helper throws (test/run.sh installs it): a test must fail, not skip.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './fixtures.ts';

const TOOLS = ['public-inbox-init', 'public-inbox-httpd', 'perl', 'git'];
const IMPORTER = join(ROOT, 'test', 'helpers', 'pi-import.pl');

/** Throws a message saying what is missing and how to get it. */
export function requirePublicInbox(): void {
  const missing = TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  if (missing.length) {
    throw new Error(`public-inbox is needed for the lore tests but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not in PATH: ` +
      "install Debian's public-inbox (bash test/run.sh does: it is in APT_PACKAGES)");
  }
  const perl = spawnSync('perl', ['-MPublicInbox::InboxWritable', '-e', '1'], { encoding: 'utf8' });
  if (perl.status !== 0) throw new Error(`public-inbox's Perl modules do not load: ${perl.stderr.trim()}`);
}

export interface TestInbox {
  name: string;
  /** Absolute: the v2 inbox folder (holding git/N.git). */
  inboxDir: string;
  /** Absolute: PI_CONFIG, logs, pid file. */
  stateDir: string;
  env: NodeJS.ProcessEnv;
}

export function createInbox(name = 'linux-mm', address = 'linux-mm@kvack.org'): TestInbox {
  requirePublicInbox();
  const stateDir = mkdtempSync(join(tmpdir(), 'ptbot-lore-'));
  const inboxDir = join(stateDir, 'inboxes', name);
  const env = { ...process.env, PI_CONFIG: join(stateDir, 'config'), HOME: stateDir, TZ: 'UTC' };
  // The URL only shows in generated pages; the server listens where startHttpd says.
  execFileSync('public-inbox-init', ['-V2', '-j', '1', name, inboxDir, `http://127.0.0.1/${name}`, address], { env, stdio: 'pipe' });
  execFileSync('git', ['config', '-f', env.PI_CONFIG, 'publicinboxmda.spamcheck', 'none'], { env });
  return { name, inboxDir, stateDir, env };
}

/** Imports message files (one message each) in one process; returns how many were new. */
export function importMessages(inbox: TestInbox, files: string[], opts: { rotateBytes?: number } = {}): { added: number; skipped: number } {
  if (files.length === 0) return { added: 0, skipped: 0 };
  const env = { ...inbox.env, ...(opts.rotateBytes ? { PI_ROTATE_BYTES: String(opts.rotateBytes) } : {}) };
  const res = spawnSync('perl', [IMPORTER, inbox.name, ...files], { env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (res.status !== 0) throw new Error(`public-inbox import into ${inbox.inboxDir} failed: ${res.stderr.trim() || res.error?.message}`);
  return JSON.parse(res.stdout.trim().split('\n').pop() ?? '{}') as { added: number; skipped: number };
}

/** Writes messages given as text to files in the inbox's state folder and imports them. */
export function importTexts(inbox: TestInbox, texts: string[]): { added: number; skipped: number } {
  const files = texts.map((t, i) => {
    const f = join(inbox.stateDir, `added-${Date.now()}-${i}.eml`);
    writeFileSync(f, t);
    return f;
  });
  return importMessages(inbox, files);
}

export interface RunningHttpd {
  url: string;
  port: number;
  pid: number;
  /**
   * public-inbox-httpd keeps its Xapian handle until a cleanup timer (about
   * 30 s) drops it, so search lags behind an import, as on lore. SIGHUP
   * reloads now; this waits until search finds every given Message-ID.
   */
  refreshSearch(list: string, messageIds: string[]): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts public-inbox-httpd on 127.0.0.1 (one process, no workers). */
export async function startHttpd(inbox: TestInbox): Promise<RunningHttpd> {
  const port = await freePort();
  const out = join(inbox.stateDir, 'httpd.out.log');
  const err = join(inbox.stateDir, 'httpd.err.log');
  const child = spawn('public-inbox-httpd', ['-W', '0', '-1', out, '-2', err, '-l', `http://127.0.0.1:${port}`],
    { env: inbox.env, stdio: 'ignore' });
  const pid = child.pid;
  if (pid === undefined) throw new Error('public-inbox-httpd did not start (no pid)');
  let exited = false;
  child.once('exit', () => { exited = true; });
  for (let i = 0; i < 150 && !(await portOpen(port)); i++) {
    if (exited) break;
    await sleep(100);
  }
  if (exited || !(await portOpen(port))) {
    const log = existsSync(err) ? readFileSync(err, 'utf8').slice(-2000) : '';
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    throw new Error(`public-inbox-httpd did not open 127.0.0.1:${port}${log ? `: ${log.trim()}` : ''}`);
  }
  const stop = async () => {
    if (exited) return;
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && !exited; i++) await sleep(100);
    if (!exited) process.kill(pid, 'SIGKILL');
  };
  const url = `http://127.0.0.1:${port}/`;
  const refreshSearch = async (list: string, messageIds: string[]) => {
    process.kill(pid, 'SIGHUP');
    for (const id of messageIds) {
      for (let i = 0; ; i++) {
        const r = await fetch(`${url}${list}/?q=${encodeURIComponent(`m:${id}`)}&x=A`);
        if (r.status === 200 && (await r.text()).includes('<entry>')) break;
        if (i >= 100) throw new Error(`public-inbox-httpd search does not find <${id}> 10 s after SIGHUP`);
        await sleep(100);
      }
    }
  };
  return { url, port, pid, refreshSearch, stop };
}

export function removeInbox(inbox: TestInbox): void {
  rmSync(inbox.stateDir, { recursive: true, force: true });
}
