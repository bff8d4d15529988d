// R06 support: uses of a pte_offset_map*() result that no NULL test guards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCfg, extractFragment, uncheckedMapUses } from '../../src/c/index.ts';
import type { UncheckedUse } from '../../src/c/index.ts';
import { fixtureCfg, fragmentCfg, parseText } from './fixture.ts';

const brief = (u: UncheckedUse[]): string[] => u.map((x) => `${x.variable} from ${x.map.callee}@${x.map.line} used @${x.line}`);

test('invalid: walk_pte_range before be872f83bf57 uses both maps unchecked', async () => {
  assert.deepEqual(brief(uncheckedMapUses(await fragmentCfg('walk-pte-range.pre.hunk.c'))), [
    'pte from pte_offset_map@13 used @14',
    'pte from pte_offset_map_lock@17 used @18',
  ]);
});

test('valid: walk_pte_range after be872f83bf57 tests pte before each use', async () => {
  assert.deepEqual(brief(uncheckedMapUses(await fragmentCfg('walk-pte-range.post.hunk.c'))), []);
});

test('invalid: flush_hash_table_pmd_range before Hugh walks start_pte unchecked; valid after', async () => {
  assert.deepEqual(brief(uncheckedMapUses(await fixtureCfg('hash-tlb-flush-pmd-range.c', 'flush_hash_table_pmd_range_pre'))), ['start_pte from pte_offset_map@23 used @24']);
  assert.deepEqual(brief(uncheckedMapUses(await fixtureCfg('hash-tlb-flush-pmd-range.c', 'flush_hash_table_pmd_range_post'))), []);
});

test('a condition that tests the pointer first is the check (`!pte || pte_none(*pte)`)', async () => {
  const frag = extractFragment(await parseText(['\tpte = pte_offset_map(pmd, mmuar);', '\tif (!pte || pte_none(*pte) || !pte_present(*pte))', '\t\tgoto out;', '\tset_pte(pte, pte_mkyoung(*pte));', 'out:', '\treturn;', ''].join('\n')));
  assert.ok(frag);
  assert.deepEqual(brief(uncheckedMapUses(buildCfg(frag))), []);
});
