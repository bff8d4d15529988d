// src/analysis/loader.ts: what makes a rule file loadable, with errors that
// name the file.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadRules, ruleFiles, ruleProblem } from '../../src/analysis/loader.ts';
import lazy from '../../rules/lazy-mmu-unbalanced.ts';

const RULES = join(import.meta.dirname, '../../rules');

test('rule files are <id>.ts, not tests or docs', () => {
  const names = ruleFiles(RULES).map((f) => f.slice(RULES.length + 1));
  assert.ok(names.includes('lazy-mmu-unbalanced.ts'));
  assert.ok(names.every((n) => /^[a-z0-9-]+\.ts$/.test(n)), names.join(' '));
});

test('a rule is checked for its id, class, severity and docs', () => {
  const file = join(RULES, 'lazy-mmu-unbalanced.ts');
  assert.equal(ruleProblem(lazy, file), undefined);
  assert.equal(ruleProblem(undefined, file), `${file}: exports no rule (default or \`rule\`)`);
  assert.equal(ruleProblem({ meta: lazy.meta }, file), `${file}: rule has no check(context)`);
  assert.equal(ruleProblem(lazy, join(RULES, 'other-name.ts')), `${join(RULES, 'other-name.ts')}: meta.id must be 'other-name'`);
  assert.equal(
    ruleProblem({ ...lazy, meta: { ...lazy.meta, hazardClass: 'tlb' } }, file),
    `${file}: unknown hazardClass 'tlb'`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'ptbot-rules-'));
  const lone = join(dir, 'lazy-mmu-unbalanced.ts');
  assert.equal(ruleProblem(lazy, lone), `${lone}: documentation lazy-mmu-unbalanced.md is missing`);
});

test('loading a folder with a broken rule fails naming the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ptbot-rules-'));
  writeFileSync(join(dir, 'broken.js'), 'export default { meta: { id: "broken" } };\n');
  await assert.rejects(loadRules(dir), { message: `${join(dir, 'broken.js')}: rule has no check(context)` });
});
