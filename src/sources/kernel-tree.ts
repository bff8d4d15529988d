// A FileProvider over a local kernel git tree (`analysis.kernelTree`):
// files at a commit through one long-lived `git cat-file --batch`, so
// whole-file context costs a pipe round trip per file, not a process.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { FileProvider } from '../patch/file-provider.ts';

/** A relative path inside the tree: no control characters, no `..` or empty segment, not absolute. */
export function isTreePath(path: string): boolean {
  // eslint-disable-next-line no-control-regex
  if (path === '' || /[\x00-\x1f\x7f]/.test(path) || path.startsWith('/')) return false;
  return path.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

interface BatchAnswer { found: boolean; sha: string; type: string; content: Buffer }
const MISSING: BatchAnswer = { found: false, sha: '', type: '', content: Buffer.alloc(0) };

export class GitTreeFileProvider implements FileProvider {
  private cat: ChildProcessWithoutNullStreams | undefined;
  private buffer = Buffer.alloc(0);
  private waiting: Array<(answer: BatchAnswer) => void> = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly treeDir: string, private readonly gitBin = 'git') {}

  async resolveBase(baseCommit: string | undefined): Promise<{ commit: string; from: 'base-commit' | 'head' } | undefined> {
    // Through the same batch pipe as the files: no process per patch.
    if (baseCommit && /^[0-9a-f]{7,64}$/i.test(baseCommit)) {
      const sha = await this.commitOf(baseCommit);
      if (sha) return { commit: sha, from: 'base-commit' };
    }
    const head = await this.commitOf('HEAD');
    return head ? { commit: head, from: 'head' } : undefined;
  }

  /** The commit a revision names, or undefined (`<rev>^{commit}` peels tags). */
  private commitOf(rev: string): Promise<string | undefined> {
    const next = this.queue.then(() => this.ask(`${rev}^{commit}`));
    this.queue = next.catch(() => undefined);
    return next.then((a) => (a.found && a.type === 'commit' ? a.sha : undefined));
  }

  fileAt(commit: string, path: string): Promise<string | undefined> {
    // Paths come from mail. One with a newline would be two requests on the
    // batch pipe and shift every later answer; one leaving the tree makes
    // cat-file exit. Neither names a file of the tree.
    if (!isTreePath(path) || !/^[0-9a-f]{7,64}$/i.test(commit)) return Promise.resolve(undefined);
    // One request at a time on the batch pipe: answers come back in order.
    const next = this.queue.then(() => this.ask(`${commit}:${path}`));
    this.queue = next.catch(() => undefined);
    return next.then((a) => (a.found && a.type === 'blob' ? a.content.toString('utf8') : undefined));
  }

  async close(): Promise<void> {
    const cat = this.cat;
    this.cat = undefined;
    if (!cat) return;
    cat.stdin.end();
    await new Promise<void>((resolve) => { cat.once('exit', () => resolve()); setTimeout(() => { cat.kill(); resolve(); }, 2000).unref(); });
  }

  private start(): ChildProcessWithoutNullStreams {
    if (this.cat) return this.cat;
    const cat = spawn(this.gitBin, ['-C', this.treeDir, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'pipe'] });
    cat.stdout.on('data', (d: Buffer) => { this.buffer = Buffer.concat([this.buffer, d]); this.drain(); });
    cat.on('exit', () => {
      this.cat = undefined;
      for (const w of this.waiting.splice(0)) w(MISSING);
    });
    this.cat = cat;
    return cat;
  }

  private ask(spec: string): Promise<BatchAnswer> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.start().stdin.write(`${spec}\n`);
    });
  }

  /** Answers of `cat-file --batch`: `<sha> <type> <size>\n<content>\n` or `<spec> missing\n`. */
  private drain(): void {
    for (;;) {
      const nl = this.buffer.indexOf(0x0a);
      if (nl < 0) return;
      const header = this.buffer.subarray(0, nl).toString('utf8');
      if (/ missing$| ambiguous$/.test(header)) {
        this.buffer = this.buffer.subarray(nl + 1);
        this.waiting.shift()?.(MISSING);
        continue;
      }
      const m = /^([0-9a-f]+) (\w+) (\d+)$/.exec(header);
      if (!m) { this.buffer = this.buffer.subarray(nl + 1); continue; }
      const size = Number(m[3]);
      if (this.buffer.length < nl + 1 + size + 1) return;
      const content = this.buffer.subarray(nl + 1, nl + 1 + size);
      this.buffer = this.buffer.subarray(nl + 1 + size + 1);
      this.waiting.shift()?.({ found: true, sha: m[1] ?? '', type: m[2] ?? '', content: Buffer.from(content) });
    }
  }
}

/** Why `treeDir` cannot serve as `analysis.kernelTree`, or undefined when it can. */
export function kernelTreeProblem(treeDir: string, gitBin = 'git'): string | undefined {
  const r = spawnSync(gitBin, ['-C', treeDir, 'rev-parse', '--git-dir'], { encoding: 'utf8' });
  if (r.error) return `analysis.kernelTree: cannot run ${gitBin}: ${r.error.message}`;
  if (r.status !== 0) return `analysis.kernelTree: ${treeDir} is not a git repository (${(r.stderr ?? '').trim().split('\n')[0] ?? ''})`;
  return undefined;
}

/** Run `fn` with the kernel tree's provider (none when not configured), closing it after. */
export async function withKernelTree<T>(treeDir: string | undefined, fn: (provider: GitTreeFileProvider | undefined) => Promise<T>): Promise<T> {
  if (treeDir === undefined) return fn(undefined);
  const problem = kernelTreeProblem(treeDir);
  if (problem !== undefined) throw new Error(problem);
  const tree = new GitTreeFileProvider(treeDir);
  try {
    return await fn(tree);
  } finally {
    await tree.close();
  }
}
