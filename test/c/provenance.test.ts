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

// mm/mremap.c move_ptes(): the map of old_pte and of new_pte as in hunk 2 of
// "[PATCH v2 09/14] mm: mremap: move_ptes() use pte_offset_map_rw_nolock()"
// (fixtures/lore/threads/pte_offset_map_ro_rw_nolock_2024/0031.eml, before its
// new comment); that hunk ends before the walk and the unmaps, so the loop and
// the two unmap orders below are written for the test (adapted, not upstream text).
const moveMaps = [
  '\told_pte = pte_offset_map_lock(mm, old_pmd, old_addr, &old_ptl);',
  '\tif (!old_pte) {',
  '\t\terr = -EAGAIN;',
  '\t\tgoto out;',
  '\t}',
  '\tnew_pte = pte_offset_map_rw_nolock(mm, new_pmd, new_addr, &dummy_pmdval,',
  '\t\t\t\t\t   &new_ptl);',
  '\tif (!new_pte) {',
  '\t\tpte_unmap_unlock(old_pte, old_ptl);',
  '\t\terr = -EAGAIN;',
  '\t\tgoto out;',
  '\t}',
  '\tfor (; old_addr < old_end; old_pte++, old_addr += PAGE_SIZE,',
  '\t\t\t\t   new_pte++, new_addr += PAGE_SIZE)',
  '\t\tset_pte_at(mm, new_addr, new_pte, ptep_get_and_clear(mm, old_addr, old_pte));',
];

test('valid: two live mappings unmapped newest first (kmap_local is a stack)', async () => {
  const frag = extractFragment(await parseText([...moveMaps, '\tpte_unmap(new_pte - 1);', '\tpte_unmap_unlock(old_pte - 1, old_ptl);', 'out:', '\treturn err;', ''].join('\n')));
  assert.ok(frag);
  const p = unmapProvenance(buildCfg(frag));
  assert.deepEqual(p.map((x) => [x.unmap.line, x.unmappedBefore.map((c) => c.line)]), [[9, []], [16, []], [17, []]]);
});

test('invalid: the older mapping unmapped while the newer one is still live', async () => {
  const frag = extractFragment(await parseText([...moveMaps, '\tpte_unmap_unlock(old_pte - 1, old_ptl);', '\tpte_unmap(new_pte - 1);', 'out:', '\treturn err;', ''].join('\n')));
  assert.ok(frag);
  const p = unmapProvenance(buildCfg(frag));
  assert.deepEqual(p.map((x) => [x.unmap.line, x.unmappedBefore.map((c) => `${c.callee}@${c.line}`)]), [[9, []], [16, ['pte_offset_map_rw_nolock@6']], [17, []]]);
});
