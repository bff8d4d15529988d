// parseLitmus: a litmus file's text to a LitmusTest, or a LitmusError with
// `file:line:col`. Any other exception escaping from here is a bug, so the
// entry point turns it into a positioned error rather than a stack trace.
import { LitmusError, Source } from '../source.ts';
import type { LitmusTest } from '../types.ts';
import { parseA64Program } from './aarch64.ts';
import { parseCProgram } from './c.ts';
import { parsePostCondition } from './cond.ts';
import { parseInit } from './init.ts';
import { splitLitmus } from './split.ts';

export function parseLitmus(file: string, text: string): LitmusTest {
  const src = new Source(file, text);
  try {
    const parts = splitLitmus(src);
    const init = parseInit(src, parts.init, parts.arch);
    const cThreads = parts.arch === 'C' ? parseCProgram(src, parts.program) : [];
    const a64Threads = parts.arch === 'AArch64' ? parseA64Program(src, parts.program) : [];
    const post = parsePostCondition(src, parts.post, parts.arch);
    return {
      file,
      arch: parts.arch,
      name: parts.name,
      info: parts.info,
      init,
      cThreads,
      a64Threads,
      locationsClause: post.locations,
      filter: post.filter,
      quantifier: post.quantifier,
      prop: post.prop,
    };
  } catch (err) {
    if (err instanceof LitmusError) throw err;
    if (err instanceof RangeError) throw src.error(0, 'test too deeply nested to parse');
    throw src.error(0, `internal parser error: ${err instanceof Error ? err.message : String(err)}`);
  }
}
