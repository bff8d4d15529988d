// Relevance globs to public-inbox search terms: never narrower than the globs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildRelevanceQuery, expandBraces, identifierGlobTerms, pathGlobTerm, receivedSince } from '../../src/sources/lore-http/search-query.ts';

test('braces expand, nested too', () => {
  assert.deepEqual(expandBraces('arch/*/include/asm/{pgtable,tlb{,flush}}*.h'),
    ['arch/*/include/asm/pgtable*.h', 'arch/*/include/asm/tlb*.h', 'arch/*/include/asm/tlbflush*.h']);
  assert.deepEqual(expandBraces('mm/gup.c'), ['mm/gup.c']);
});

test('path globs: a literal path is one dfn: term; wildcards keep the literal segments and prefixes', () => {
  assert.equal(pathGlobTerm('mm/pgtable-generic.c'), 'dfn:mm/pgtable-generic.c');
  assert.equal(pathGlobTerm('arch/*/mm/**'), '(dfn:arch AND dfn:mm)');
  assert.equal(pathGlobTerm('arch/*/include/asm/pgtable*.h'), '(dfn:arch AND dfn:include AND dfn:asm AND dfn:pgtable*)');
  assert.equal(pathGlobTerm('**/*.c'), undefined);
});

test('identifier globs search hunk headers, removed, added and context lines; p?d is each level', () => {
  assert.deepEqual(identifierGlobTerms('set_ptes'), ['dfhh:set_ptes', 'dfa:set_ptes', 'dfb:set_ptes', 'dfctx:set_ptes']);
  const levels = identifierGlobTerms('p?d_free_*') ?? [];
  for (const l of ['pgd', 'p4d', 'pud', 'pmd']) assert.ok(levels.includes(`dfb:${l}_free_*`), l);
  assert.equal(identifierGlobTerms('arch_*_lazy_mmu_mode'), undefined, 'a 5-letter prefix would match half the kernel');
});

test('the query ORs every term, ANDs the list query, and says what it could not search', () => {
  const q = buildRelevanceQuery({ paths: ['mm/gup.c', '**/*.c'], identifiers: ['pte_offset_map*', '*_lazy'] }, 'dfn:mm/');
  assert.equal(q.query, '(dfn:mm/gup.c OR dfhh:pte_offset_map* OR dfa:pte_offset_map* OR dfb:pte_offset_map* OR dfctx:pte_offset_map*) AND (dfn:mm/)');
  assert.deepEqual(q.unsearchable, ['**/*.c', '*_lazy']);
  assert.equal(receivedSince(q.query, 1764576000.7), `${q.query} AND rt:1764576000..`);
  assert.equal(receivedSince('', 99999), 'rt:99999..');
});
