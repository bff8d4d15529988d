// Every rule ships its documentation page with the parts the rule API asks
// for, and cites in it the evidence its meta lists.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadRules } from '../../src/analysis/loader.ts';

const ROOT = join(import.meta.dirname, '../..');

test('each rule has rules/<id>.md with contract, bad, fixed and evidence, citing its references', async () => {
  const rules = await loadRules();
  assert.ok(rules.length >= 2);
  for (const { meta } of rules) {
    assert.equal(meta.docs, `rules/${meta.id}.md`);
    const page = readFileSync(join(ROOT, meta.docs), 'utf8');
    assert.ok(page.startsWith(`# ${meta.id}\n`), `${meta.docs}: starts with its id`);
    assert.ok(page.includes(`**${meta.title}**`), `${meta.docs}: shows the title`);
    for (const heading of ['## Contract', '## Bad', '## Fixed', '## Evidence']) {
      assert.ok(page.includes(`\n${heading}`), `${meta.docs}: has ${heading}`);
    }
    for (const ref of meta.references) assert.ok(page.includes(ref.url), `${meta.docs}: cites ${ref.url}`);
    assert.ok(Object.keys(meta.messages).length > 0, `${meta.id}: has messages`);
    assert.ok(meta.contract.length > 40, `${meta.id}: states its contract`);
  }
});
