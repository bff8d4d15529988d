// Valid and invalid diffs for rules/user-pte-table-free-not-rcu.ts: Qi
// Zheng's empty-PTE-table reclaim shape (pte_free_tlb() is RCU-safe, a bare
// pte_free() is not), exit-time teardown, the pte_free_defer() RCU callback,
// and Hugh Dickins' retract_page_tables() without mmap lock (v3 09/13, real
// patch): silent with pte_free_defer(); with tlb_remove_table_sync_one()
// and pte_free() it is flagged (the IPI does not wait for RCU readers); with
// a bare pte_free() after the collapse flush it is R18's finding, not this
// rule's.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import rule from '../../rules/user-pte-table-free-not-rcu.ts';
import gupfast from '../../rules/gupfast-unsync-table-free.ts';
import type { Finding } from '../../src/analysis/finding.ts';
import { fileDiff, findingsFor, ruleTester } from '../../src/analysis/rule-tester.ts';
import { patchMailFromFile } from '../analysis/mail-fixture.ts';

const NOT_RCU = (free: string): string =>
  `${free}() frees a user PTE table taken from its pmd with no RCU grace period: a pte_offset_map() reader ` +
  'under rcu_read_lock() may still be reading it (use pte_free_defer(); all architectures, with arch versions ' +
  'for powerpc/s390/sparc fragment tables)';
const OPEN_RCU =
  'call_rcu() open-codes an RCU free of a user PTE table in generic code: powerpc and s390 tables are fragments ' +
  'sharing a page, so only the arch pte_free_defer() frees them correctly';

// mm/pt_reclaim.c's try_to_free_pte() tail: the empty table is unlinked, then freed.
const RECLAIM = [
  '\tpte_unmap(start_pte);',
  '',
  '\tpmd_clear(pmd);',
  '',
  '\tif (ptl != pml)',
  '\t\tspin_unlock(ptl);',
  '\tspin_unlock(pml);',
  '',
];
const ctx = (lines: string[]): string[] => lines.map((l) => ` ${l}`);
const SECTION = 'void try_to_free_pte(struct mm_struct *mm, pmd_t *pmd, unsigned long addr,';

ruleTester(rule, {
  valid: [
    {
      name: 'Qi Zheng: the reclaimed table goes through pte_free_tlb()',
      diff: fileDiff('mm/pt_reclaim.c', {
        oldStart: 50,
        section: SECTION,
        lines: [...ctx(RECLAIM), '+\tpte_free_tlb(tlb, pmd_pgtable(pmdval), addr);', '+\tmm_dec_nr_ptes(mm);'],
      }),
    },
    {
      name: 'pte_free_defer() waits for the grace period',
      diff: fileDiff('mm/pt_reclaim.c', {
        oldStart: 50,
        section: SECTION,
        lines: [...ctx(RECLAIM), '+\tpte_free_defer(mm, pmd_pgtable(pmdval));'],
      }),
    },
    {
      name: 'free_pgtables()/exit-time teardown has no walker left',
      diff: fileDiff('mm/memory.c', {
        oldStart: 200,
        section: 'static void free_pte_range(struct mmu_gather *tlb, pmd_t *pmd,',
        lines: [' \tpgtable_t token = pmd_pgtable(*pmd);', ' \tpmd_clear(pmd);', '+\tpte_free(tlb->mm, token);'],
      }),
    },
    {
      name: "Hugh's pte_free_now() RCU callback frees after the grace period",
      diff: fileDiff('mm/pgtable-generic.c', {
        oldStart: 240,
        lines: [
          '+static void pte_free_now(struct rcu_head *head)',
          '+{',
          '+\tstruct page *page;',
          '+',
          '+\tpage = container_of(head, struct page, rcu_head);',
          '+\tpte_free(NULL /* mm not passed and not used */, (pgtable_t)page);',
          '+}',
        ],
      }),
    },
    {
      name: 'outside mm/ this is not the generic contract',
      diff: fileDiff('arch/s390/mm/pgalloc.c', {
        oldStart: 300,
        section: 'void pte_free_defer(struct mm_struct *mm, pgtable_t pgtable)',
        lines: ['+\tpte_free(mm, pmd_pgtable(pmdval));'],
      }),
    },
  ],
  invalid: [
    {
      name: 'HAZARDS R19: the reclaimed empty table freed with pte_free()',
      diff: fileDiff('mm/pt_reclaim.c', {
        oldStart: 50,
        section: SECTION,
        lines: [...ctx(RECLAIM), '+\tflush_tlb_range(vma, addr, addr + PMD_SIZE);', '+\tpte_free(mm, pmd_pgtable(pmdval));'],
      }),
      errors: [{ message: NOT_RCU('pte_free'), file: 'mm/pt_reclaim.c', line: 59, function: 'try_to_free_pte', severity: 'warning' }],
    },
    {
      name: 'pte_free_tlb() replaced by pagetable_free() of the pmd ptdesc',
      diff: fileDiff('mm/pt_reclaim.c', {
        oldStart: 50,
        section: SECTION,
        lines: [...ctx(RECLAIM), '-\tpte_free_tlb(tlb, pmd_pgtable(pmdval), addr);', '+\tptdesc = pmd_ptdesc(&pmdval);', '+\tpagetable_free(ptdesc);'],
      }),
      errors: [{ message: NOT_RCU('pagetable_free'), file: 'mm/pt_reclaim.c', line: 59 }],
    },
    {
      name: 'generic code open-codes call_rcu() on the table page',
      diff: fileDiff('mm/pt_reclaim.c', {
        oldStart: 50,
        section: SECTION,
        lines: [...ctx(RECLAIM), '+\tpage = pmd_page(pmdval);', '+\tcall_rcu(&page->rcu_head, pte_free_now);'],
      }),
      errors: [{ message: OPEN_RCU, file: 'mm/pt_reclaim.c', line: 59, severity: 'info' }],
    },
  ],
});

const where = (fs: Finding[]): string[] => fs.map((f) => `${f.file}:${f.line} ${f.function ?? '-'} ${f.severity}`);
const diffOf = (path: string): string => patchMailFromFile(path).diff;
const RETRACT = 'fixtures/lore/threads/hugh_free_retracted_pgtable_rcu/0112.eml';
const DEFER = '+\t\t\tpte_free_defer(mm, pmd_pgtable(pgt_pmd));';

test("Hugh's retract_page_tables() without mmap lock: pte_free_defer() is silent, an IPI-synced pte_free() is not", () => {
  const diff = diffOf(RETRACT);
  assert.ok(diff.includes(DEFER));
  assert.deepEqual(where(findingsFor(rule, diff)), []);
  // tlb_remove_table_sync_one() satisfies GUP-fast (R18) but not the RCU readers of pte_offset_map().
  const synced = diff.replace(DEFER, '+\t\t\ttlb_remove_table_sync_one();\n+\t\t\tpte_free(mm, pmd_pgtable(pgt_pmd));');
  assert.deepEqual(where(findingsFor(gupfast, synced)), []);
  const found = findingsFor(rule, synced);
  const got = where(found);
  assert.equal(got.length, 1);
  // The IPI does not wait for an RCU reader: the scenario shows the reader reading the freed table.
  assert.equal(found[0]?.simulation?.observation, 'Sometimes');
  assert.match(found[0]?.simulation?.litmus ?? '', /^C PT\+rcuwalker\+ipi-free/);
  assert.match(got[0] ?? '', /^mm\/khugepaged\.c:\d+ retract_page_tables (error|warning)$/);
});

test('a bare pte_free() after the collapse flush is R18 (gupfast-unsync-table-free) alone: no duplicate finding', () => {
  const bare = diffOf(RETRACT).replace(DEFER, '+\t\t\tpte_free(mm, pmd_pgtable(pgt_pmd));');
  assert.equal(findingsFor(gupfast, bare).length, 1);
  assert.deepEqual(where(findingsFor(rule, bare)), []);
});

test('the bug pairs and the clean patches are silent', () => {
  const dirs = ['fixtures/lore/clean', ...readdirSync('fixtures/lore/bugs', { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `fixtures/lore/bugs/${d.name}`)];
  const patches = dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.patch')).map((f) => `${d}/${f}`));
  assert.ok(patches.length >= 30);
  for (const p of patches) assert.deepEqual(where(findingsFor(rule, diffOf(p))), [], p);
});
