// src/patch/glob.ts against the config's own globs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesGlob } from '../../src/patch/glob.ts';

const path = (s: string, g: string): boolean => matchesGlob(s, g, { pathMode: true });
const ident = (s: string, g: string): boolean => matchesGlob(s, g, { pathMode: false });

test('path globs', () => {
  assert.ok(path('mm/pgtable-generic.c', 'mm/pgtable-generic.c'));
  assert.ok(!path('mm/pgtable-genericXc', 'mm/pgtable-generic.c'), 'a dot is literal');
  assert.ok(path('arch/arm64/mm/mmu.c', 'arch/*/mm/**'));
  assert.ok(path('arch/powerpc/mm/book3s64/hash_tlb.c', 'arch/*/mm/**'));
  assert.ok(!path('arch/arm64/kernel/mm/x.c', 'arch/*/mm/**'), '* stops at /');
  assert.ok(path('arch/x86/include/asm/tlbflush.h', 'arch/*/include/asm/{pgtable,tlbflush,tlb}*.h'));
  assert.ok(path('arch/x86/include/asm/pgtable_64.h', 'arch/*/include/asm/{pgtable,tlbflush,tlb}*.h'));
  assert.ok(!path('arch/x86/include/asm/page.h', 'arch/*/include/asm/{pgtable,tlbflush,tlb}*.h'));
  assert.ok(path('mm/kasan/shadow.c', '**/shadow.c'));
  assert.ok(path('shadow.c', '**/shadow.c'), '**/ matches zero directories');
  assert.ok(path('mm/a.c', 'mm/[a-c].c'));
  assert.ok(!path('mm/d.c', 'mm/[a-c].c'));
  assert.ok(path('mm/d.c', 'mm/[!a-c].c'));
});

test('identifier globs', () => {
  assert.ok(ident('lazy_mmu_mode_enable', 'lazy_mmu_mode_*'));
  assert.ok(ident('arch_enter_lazy_mmu_mode', 'arch_*_lazy_mmu_mode'));
  assert.ok(!ident('arch_enter_lazy_mmu_mode_pte', 'arch_*_lazy_mmu_mode'));
  assert.ok(ident('pte_offset_map_lock', 'pte_offset_map*'));
  assert.ok(ident('pmd_free_pte_page', 'p?d_free_*'));
  assert.ok(ident('pud_free_pmd_page', 'p?d_free_*'));
  assert.ok(!ident('pte_free_kernel', 'p?d_free_*'), '? is one character');
  assert.ok(ident('flush_tlb_kernel_range', 'flush_tlb_*'));
  assert.ok(ident('ptdump_walk_pgd', 'ptdump_*'));
});

test('an unclosed brace is an error naming the glob', () => {
  assert.throws(() => path('a', 'x/{a,b'), /glob 'x\/\{a,b': unclosed '\{'/);
});
