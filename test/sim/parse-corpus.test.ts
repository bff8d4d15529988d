// Every file of the corpus parses, AArch64 included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseLitmus } from '../../src/sim/parse/litmus.ts';
import { CORPUS, readCorpus } from './corpus-helpers.ts';

const dirs = [[], ['spec-examples'], ['spec-examples', 'c']];

for (const d of dirs) {
  for (const f of readdirSync(join(CORPUS, ...d)).filter((f) => f.endsWith('.litmus')).sort()) {
    test(`parses ${[...d, f].join('/')}`, () => {
      const t = parseLitmus(f, readCorpus(...d, f));
      assert.ok(t.name.length > 0);
      assert.ok(t.cThreads.length + t.a64Threads.length > 0);
    });
  }
}
