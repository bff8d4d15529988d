// Valid and invalid diffs for rules/static-key-gated-locking.ts (R16), from
// Dev Jain's "arm64: Enable vmalloc-huge with ptdump" series: v4 and v5
// toggle the key with enable/disable (the bug Will Deacon and Ryan Roberts
// pointed out), v6 (merged as fa93b45fd397) with inc/dec.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import rule from '../../rules/static-key-gated-locking.ts';
import { fileDiff, findingsFor, ruleTester } from '../../src/analysis/rule-tester.ts';

const plus = (lines: string[]): string[] => lines.map((l) => `+${l}`);

// The freer, the same in v4, v5 and v6 (pmd_free_pte_page's helper in arch/arm64/mm/mmu.c).
const freer = (key: string): string =>
  fileDiff('arch/arm64/mm/mmu.c', {
    oldStart: 1279,
    section: 'int pmd_free_pte_page(pmd_t *pmdp, unsigned long addr)',
    lines: [
      ' \ttable = pte_offset_kernel(pmdp, addr);',
      ' \tpmd_clear(pmdp);',
      ' \t__flush_tlb_kernel_pgtable(addr);',
      `+\tif (static_branch_unlikely(&${key}) && lock) {`,
      '+\t\tmmap_read_lock(&init_mm);',
      '+\t\tmmap_read_unlock(&init_mm);',
      '+\t}',
      ' \tpte_free_kernel(NULL, table);',
    ],
  });

// v5/v6: one walker helper, called from the debugfs dump and from the W^X check.
const walker = (on: string, off: string): string =>
  fileDiff('arch/arm64/mm/ptdump.c', {
    oldStart: 283,
    section: 'void note_page_flush(struct ptdump_state *pt_st)',
    lines: [
      ' \tnote_page(pt_st, 0, -1, pte_val(pte_zero));',
      ' }',
      ' ',
      ...plus([
        'static void arm64_ptdump_walk_pgd(struct ptdump_state *st,',
        '\t\t\t\t  struct mm_struct *mm, pgd_t *pgd)',
        '{',
        `\t${on}(&arm64_ptdump_lock_key);`,
        '\tmmap_write_lock(mm);',
        '\tptdump_walk_pgd(st, mm, pgd);',
        '\tmmap_write_unlock(mm);',
        `\t${off}(&arm64_ptdump_lock_key);`,
        '}',
        '',
      ]),
    ],
  });

ruleTester(rule, {
  valid: [
    {
      name: 'v6 (fa93b45fd397): static_branch_inc()/dec() count overlapping walkers',
      diff: freer('arm64_ptdump_lock_key') + walker('static_branch_inc', 'static_branch_dec'),
    },
    {
      name: 'a feature key toggled with enable/disable that gates no lock',
      diff:
        fileDiff('arch/arm64/mm/mmu.c', { oldStart: 100, section: 'static void map_kernel(pgd_t *pgdp)', lines: [' \tif (static_branch_unlikely(&arm64_use_ng_mappings))', '+\t\tprot |= PTE_NG;', ' \treturn;'] }) +
        fileDiff('arch/arm64/kernel/cpufeature.c', { oldStart: 10, section: 'static void kpti_install_ng_mappings(void)', lines: [' \tif (x)', '+\t\tstatic_branch_enable(&arm64_use_ng_mappings);'] }),
    },
    {
      name: 'enable/disable already there: the patch only touches the walk between them',
      diff:
        freer('arm64_ptdump_lock_key').replace(/\+(\t+(if|mmap|\}))/g, ' $1') +
        fileDiff('arch/arm64/mm/ptdump.c', {
          oldStart: 289,
          section: 'static void arm64_ptdump_walk_pgd(struct ptdump_state *st,',
          lines: [' \tstatic_branch_enable(&arm64_ptdump_lock_key);', '-\tptdump_walk_pgd(st, mm, NULL);', '+\tptdump_walk_pgd(st, mm, pgd);', ' \tstatic_branch_disable(&arm64_ptdump_lock_key);'],
        }),
    },
  ],
  invalid: [
    {
      name: 'v5: the walker helper turns the key on and off with enable/disable',
      diff: freer('arm64_ptdump_lock_key') + walker('static_branch_enable', 'static_branch_disable'),
      errors: [
        {
          message:
            'static_branch_enable(&arm64_ptdump_lock_key) in arm64_ptdump_walk_pgd() is not reference-counted, but arm64_ptdump_lock_key gates the mmap_read_lock() that pmd_free_pte_page() takes to wait for walkers: with two overlapping walks the first to finish turns the key off while the second still walks, and a freer skips the lock and frees a table under it',
          file: 'arch/arm64/mm/ptdump.c',
          line: 289,
          severity: 'error',
        },
      ],
    },
    {
      name: 'v4: ptdump_walk() and ptdump_check_wx() each toggle the key (hunks only: one severity lower)',
      diff:
        freer('ptdump_lock_key') +
        fileDiff(
          'arch/arm64/mm/ptdump.c',
          { oldStart: 311, section: 'void ptdump_walk(struct seq_file *s, struct ptdump_info *info)', lines: [' \t};', ' ', '+\tstatic_branch_enable(&ptdump_lock_key);', ' \tptdump_walk_pgd(&st.ptdump, info->mm, NULL);', '+\tstatic_branch_disable(&ptdump_lock_key);', ' }'] },
          { oldStart: 353, section: 'bool ptdump_check_wx(void)', lines: [' \t};', ' ', '+\tstatic_branch_enable(&ptdump_lock_key);', ' \tptdump_walk_pgd(&st.ptdump, &init_mm, NULL);', '+\tstatic_branch_disable(&ptdump_lock_key);', ' '] },
        ),
      errors: [
        {
          message:
            'static_branch_enable(&ptdump_lock_key) in ptdump_walk() is not reference-counted, but ptdump_lock_key gates the mmap_read_lock() that pmd_free_pte_page() takes to wait for walkers: with two overlapping walks the first to finish turns the key off while the second still walks, and a freer skips the lock and frees a table under it',
          file: 'arch/arm64/mm/ptdump.c',
          line: 313,
          severity: 'warning',
        },
        {
          message:
            'static_branch_enable(&ptdump_lock_key) in ptdump_check_wx() is not reference-counted, but ptdump_lock_key gates the mmap_read_lock() that pmd_free_pte_page() takes to wait for walkers: with two overlapping walks the first to finish turns the key off while the second still walks, and a freer skips the lock and frees a table under it',
          file: 'arch/arm64/mm/ptdump.c',
          line: 357,
          severity: 'warning',
        },
      ],
    },
  ],
});

// The scenario each finding carries, with its facts read off the
// post-image by the C front end: the test's name says which facts differ
// from the complete protocol (static-key.ts).
const scenarioName = (diff: string): string[] =>
  findingsFor(rule, diff).map((f) => `${f.simulation?.litmus.split('\n')[0] ?? 'none'} ${f.simulation?.observation ?? '-'}`);

test('the v5 shape: two walkers, enable/disable, every barrier and lock found: Sometimes', () => {
  assert.deepEqual(scenarioName(freer('arm64_ptdump_lock_key') + walker('static_branch_enable', 'static_branch_disable')), ['C PTDUMP-2walkers+enable-disable Sometimes']);
});

test('no __flush_tlb_kernel_pgtable() between the clear and the key test: the barrier is missing from the scenario too', () => {
  const diff = freer('arm64_ptdump_lock_key').replace(' \t__flush_tlb_kernel_pgtable(addr);\n', '') + walker('static_branch_enable', 'static_branch_disable');
  assert.deepEqual(scenarioName(diff), ['C PTDUMP-2walkers+enable-disable+no-mb-after-clear Sometimes']);
});

test('a walker that takes no write lock (neither itself nor through ptdump_walk_pgd()): walker-no-lock', () => {
  const diff = freer('arm64_ptdump_lock_key') + walker('static_branch_enable', 'static_branch_disable').replace(/\+\tmmap_write_(un)?lock\(mm\);\n/g, '').replace('ptdump_walk_pgd(st, mm, pgd)', 'walk_kernel_tables(st)');
  assert.deepEqual(scenarioName(diff), ['C PTDUMP-2walkers+enable-disable+walker-no-lock Sometimes']);
});

test('the key gated in pud_free_pmd_page(): the scenario names the pud and the pmd table', () => {
  const diff = freer('arm64_ptdump_lock_key').replace('int pmd_free_pte_page(pmd_t *pmdp, unsigned long addr)', 'int pud_free_pmd_page(pud_t *pudp, unsigned long addr)').replace('pmd_clear(pmdp)', 'pud_clear(pudp)') +
    walker('static_branch_enable', 'static_branch_disable');
  const [f] = findingsFor(rule, diff);
  assert.match(f?.simulation?.litmus ?? '', /WRITE_ONCE\(\*pud, 0\);\s+\/\/ pud_clear\(\)/);
});
