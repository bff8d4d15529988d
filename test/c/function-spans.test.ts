// Brace-matching function spans agree with the parser on a whole kernel file,
// and a function cut out by its span analyses as it does in the whole file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { analyseFunction, extractFunctions, functionSpanAt, functionSpans, spanText } from '../../src/c/index.ts';
import { parseText } from './fixture.ts';

/** arch/x86/mm/pat/set_memory.c as the tip commit that moved it adds it. */
function setMemoryC(): string {
  const mail = readFileSync(fileURLToPath(new URL('../../fixtures/lore/threads/x86_tip_pgtable_tlb_commits/0024.eml', import.meta.url)), 'utf8');
  const part = mail.split(/^diff --git /m).find((p) => p.startsWith('a/arch/x86/mm/pat/set_memory.c'));
  assert.ok(part, 'set_memory.c in 0024.eml');
  return part.slice(part.indexOf('\n@@ ') + 1).split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++')).map((l) => l.slice(1)).join('\n') + '\n';
}

test('every function tree-sitter finds in set_memory.c has the same span by brace matching', async () => {
  const text = setMemoryC();
  const spans = functionSpans(text);
  const fns = extractFunctions(await parseText(text, 'set_memory.c'));
  assert.ok(fns.length > 90, `${fns.length} functions`);
  const byEnd = new Map(spans.map((s) => [s.endLine, s]));
  for (const f of fns) {
    const s = byEnd.get(f.endLine);
    assert.ok(s, `${f.name}: no span ending at ${f.endLine}`);
    assert.equal(s.startLine, f.startLine, f.name);
  }
  assert.equal(spans.length, fns.length);
});

test('a function cut out by its span, parsed with firstLine, gives the same analysis', async () => {
  const text = setMemoryC();
  const whole = extractFunctions(await parseText(text, 'set_memory.c')).find((f) => f.name === '__split_large_page');
  assert.ok(whole);
  const span = functionSpanAt(functionSpans(text), whole.startLine + 5);
  assert.ok(span);
  const cut = extractFunctions(await parseText(spanText(text, span), 'set_memory.c', { firstLine: span.startLine }));
  assert.deepEqual(cut.map((f) => [f.name, f.startLine, f.endLine]), [['__split_large_page', whole.startLine, whole.endLine]]);
  const [a, b] = [analyseFunction(whole), analyseFunction(cut[0] ?? whole)];
  assert.deepEqual(b.calls.map((c) => `${c.callee}@${c.line}`), a.calls.map((c) => `${c.callee}@${c.line}`));
  assert.deepEqual(b.balance(), a.balance());
});
