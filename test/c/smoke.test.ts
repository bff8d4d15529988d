// Every hunk of the bug-pair and clean patches in fixtures/lore, pre- and
// post-image, through every service: no exception, no truncated analysis,
// and every call placed on a line of its text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyseFunction, extractFragment, extractFunctions, isFlushPrimitive, loadCParser, TABLE_FREES, uncheckedMapUses, UPPER_ENTRY_CLEARS } from '../../src/c/index.ts';

const lore = fileURLToPath(new URL('../../fixtures/lore/', import.meta.url));

function patchFiles(): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.patch')) out.push(p);
    }
  };
  walk(join(lore, 'bugs'));
  walk(join(lore, 'clean'));
  return out;
}

/** Pre- and post-image of each C hunk of a patch mail. */
function hunkImages(mail: string): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  let file = '';
  let pre: string[] | undefined;
  let post: string[] = [];
  const flush = (): void => {
    if (pre && /\.[ch]$/.test(file)) out.push({ file, text: pre.join('\n') }, { file, text: post.join('\n') });
    pre = undefined;
  };
  for (const line of mail.split('\n')) {
    if (line.startsWith('diff --git ')) {
      flush();
      file = line.split(' b/')[1] ?? '';
    } else if (line.startsWith('@@ ')) {
      flush();
      pre = [];
      post = [];
    } else if (pre) {
      if (line.startsWith('+++') || line.startsWith('---')) flush();
      else if (line.startsWith('+')) post.push(line.slice(1));
      else if (line.startsWith('-')) pre.push(line.slice(1));
      else if (line.startsWith(' ') || line === '') {
        pre.push(line.slice(1));
        post.push(line.slice(1));
      } else if (!line.startsWith('\\')) flush();
    }
  }
  flush();
  return out;
}

test('every hunk image of the bug-pair and clean patches goes through every service', async () => {
  const parser = await loadCParser();
  let units = 0;
  for (const path of patchFiles()) {
    for (const { file, text } of hunkImages(readFileSync(path, 'utf8'))) {
      const parsed = parser.parse(text, file);
      const lines = text.split('\n').length;
      const frag = extractFragment(parsed);
      for (const fn of [...extractFunctions(parsed), ...(frag ? [frag] : [])]) {
        units++;
        const fa = analyseFunction(fn);
        fa.balance();
        fa.regions.callsInside('atomic', 'some');
        fa.provenance();
        uncheckedMapUses(fa.cfg);
        fa.order({ first: (c) => UPPER_ENTRY_CLEARS.has(c.callee), between: (c) => isFlushPrimitive(c.callee), last: (c) => TABLE_FREES.has(c.callee) });
        assert.equal(fa.held.truncated, false, `${path} ${file} ${fn.name}`);
        for (const c of fa.calls) assert.ok(c.line >= 1 && c.line <= lines, `${path} ${file}: ${c.callee} on line ${c.line} of ${lines}`);
      }
      parsed.tree.delete();
    }
  }
  assert.ok(units > 300, `only ${units} functions and fragments`);
});
