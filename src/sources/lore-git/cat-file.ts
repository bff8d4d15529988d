// One long-lived `git cat-file --batch` per epoch: requests go in as lines,
// answers come back in order, so many can be in flight at once and a read
// of thousands of messages costs one process, not thousands.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export type CatFileAnswer =
  | { kind: 'object'; oid: string; type: string; content: Buffer }
  | { kind: 'missing'; spec: string };

interface Waiter {
  spec: string;
  resolve: (a: CatFileAnswer) => void;
  reject: (e: Error) => void;
}

export class CatFileBatch {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private readonly queue: Waiter[] = [];
  private buf: Buffer = Buffer.alloc(0);
  /** Header of the object whose content is being read. */
  private current?: { oid: string; type: string; size: number };
  private failed?: Error;
  private stderr = '';
  private closed = false;

  constructor(readonly gitDir: string, gitBin = 'git') {
    this.child = spawn(gitBin, ['--git-dir', gitDir, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => { this.stderr = (this.stderr + chunk.toString()).slice(-2000); });
    this.child.on('error', (err) => this.fail(new Error(`git cat-file in ${gitDir}: ${err.message}`)));
    this.child.on('close', (code, signal) => {
      if (!this.closed || this.queue.length) {
        this.fail(new Error(`git cat-file in ${gitDir} exited (${signal ?? code})${this.stderr ? ': ' + this.stderr.trim() : ''}`));
      }
    });
    this.child.stdin.on('error', () => { /* reported by 'close' */ });
  }

  get pid(): number | undefined { return this.child.pid; }

  /** Has the process failed (then a new one must be started)? */
  get broken(): boolean { return this.failed !== undefined; }

  /** Asks for an object (`<oid>`, `<commit>:m`); answers resolve in request order. */
  get(spec: string): Promise<CatFileAnswer> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.closed) return Promise.reject(new Error(`git cat-file in ${this.gitDir}: already closed`));
    return new Promise((resolve, reject) => {
      this.queue.push({ spec, resolve, reject });
      this.child.stdin.write(spec + '\n');
    });
  }

  /** Ends the process once every pending answer is in. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const done = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) resolve();
      else this.child.once('close', () => resolve());
    });
    this.child.stdin.end();
    await done;
  }

  private fail(err: Error): void {
    this.failed ??= err;
    for (const w of this.queue.splice(0)) w.reject(err);
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      if (!this.current) {
        const nl = this.buf.indexOf(0x0a);
        if (nl < 0) return;
        const line = this.buf.toString('latin1', 0, nl);
        this.buf = this.buf.subarray(nl + 1);
        const waiter = this.queue[0];
        if (line.endsWith(' missing') || line.endsWith(' ambiguous')) {
          this.queue.shift();
          waiter?.resolve({ kind: 'missing', spec: waiter.spec });
          continue;
        }
        const [oid, type, size] = line.split(' ');
        if (!oid || !type || size === undefined || !/^\d+$/.test(size)) {
          this.fail(new Error(`git cat-file in ${this.gitDir}: unexpected answer line '${line.slice(0, 120)}'`));
          return;
        }
        this.current = { oid, type, size: Number(size) };
      }
      const need = this.current.size + 1; // content and its trailing LF
      if (this.buf.length < need) return;
      const content = this.buf.subarray(0, this.current.size);
      this.buf = this.buf.subarray(need);
      const waiter = this.queue.shift();
      const { oid, type } = this.current;
      this.current = undefined;
      waiter?.resolve({ kind: 'object', oid, type, content });
    }
  }
}
