// The commits of an epoch after the last one read, oldest first, streamed
// from `git rev-list` (an epoch can hold a million commits).
import { spawn } from 'node:child_process';

export class RevListError extends Error {}

/**
 * Commits reachable from HEAD and not from `after`, oldest first. An
 * epoch without commits yet (unborn HEAD) gives none.
 */
export async function* commitsAfter(gitDir: string, after: string | undefined, gitBin = 'git'): AsyncGenerator<string> {
  const range = after ? [`^${after}`, 'HEAD'] : ['HEAD'];
  const child = spawn(gitBin, ['--git-dir', gitDir, 'rev-list', '--reverse', ...range, '--'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => { stderr = (stderr + c.toString()).slice(-2000); });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  let finished = false;
  try {
    let rest = '';
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      const text = rest + chunk.toString('latin1');
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line) yield line;
    }
    if (rest) yield rest;
    const code = await exited;
    finished = true;
    if (code !== 0) {
      if (!after && /unknown revision|ambiguous argument 'HEAD'|bad revision 'HEAD'/.test(stderr)) return;
      throw new RevListError(`git rev-list in ${gitDir}${after ? ` after ${after}` : ''}: ${stderr.trim() || `exit ${code}`}`);
    }
  } finally {
    if (!finished && child.exitCode === null) child.kill('SIGTERM');
  }
}
