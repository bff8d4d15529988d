// Pointer provenance for map/unmap (P5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCfg, extractFragment, unmapProvenance } from '../../src/c/index.ts';
import type { UnmapProvenance } from '../../src/c/index.ts';
import { fixtureCfg, fragmentCfg, parseText } from './fixture.ts';
import { readFileSync } from 'node:fs';
import { fixturePath } from './fixture.ts';

const brief = (p: UnmapProvenance[]): string[] =>
  p.map((x) => `${x.unmap.callee}(${x.argument})@${x.unmap.line} from ${x.maps.map((m) => `${m.callee}@${m.line}`).join(',') || '?'}: ${[...x.derivations].sort().join(',')}`);

test('valid: the saved start pointer is unmapped after walking the table with pte++', async () => {
  const cfg = await fixtureCfg('hash-tlb-flush-pmd-range.c', 'flush_hash_table_pmd_range_post');
  assert.deepEqual(brief(unmapProvenance(cfg)), ['pte_unmap(start_pte)@51 from pte_offset_map@42: start']);
});

test('valid: `pte - 1` after a ++pte loop (hpte_flush_range); the zero-iteration path is reported too', async () => {
  const cfg = await fragmentCfg('hpte-flush-range.hunk.c');
  assert.deepEqual(brief(unmapProvenance(cfg)), ['pte_unmap_unlock(pte - 1)@18 from pte_offset_map_lock@8: advanced-minus-one,start-minus-one']);
});

test('invalid: unmapping the advanced pointer itself (one past the last entry used)', async () => {
  const text = readFileSync(fixturePath('hpte-flush-range.hunk.c'), 'utf8').replace('pte_unmap_unlock(pte - 1, ptl);', 'pte_unmap_unlock(pte, ptl);');
  const frag = extractFragment(await parseText(text));
  assert.ok(frag);
  assert.deepEqual(brief(unmapProvenance(buildCfg(frag))), ['pte_unmap_unlock(pte)@18 from pte_offset_map_lock@8: advanced,start']);
});

test('copies follow the mapping: start_pte = pte = pte_offset_map_lock(...)', async () => {
  const frag = extractFragment(
    await parseText(['\tstart_pte = pte = pte_offset_map_lock(mm, pmd, addr, &ptl);', '\tif (!start_pte)', '\t\treturn;', '\tdo {', '\t\tptep_get_and_clear(mm, addr, pte);', '\t} while (pte++, addr += PAGE_SIZE, addr != end);', '\tpte_unmap_unlock(start_pte, ptl);', ''].join('\n')),
  );
  assert.ok(frag);
  assert.deepEqual(brief(unmapProvenance(buildCfg(frag))), ['pte_unmap_unlock(start_pte)@7 from pte_offset_map_lock@1: start']);
});

test('an unmap of a pointer this function did not map is unknown', async () => {
  const frag = extractFragment(await parseText('\tpte_unmap(ptep);\n'));
  assert.ok(frag);
  assert.deepEqual(brief(unmapProvenance(buildCfg(frag))), ['pte_unmap(ptep)@1 from ?: unknown']);
});
