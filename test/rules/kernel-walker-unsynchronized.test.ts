// Valid and invalid diffs for rules/kernel-walker-unsynchronized.ts: a new
// debugfs dump that walks pgd_offset_k() down to the PTEs (the HAZARDS R15
// violation) with and without the walker-side locks, an owner walking its own
// range (vmalloc_to_page(), arm64 update_range_prot() from the lazy-MMU
// series), and mm/ptdump.c's ptdump_pmd_entry() with and without
// ACTION_CONTINUE. Then the corpus.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import rule from '../../rules/kernel-walker-unsynchronized.ts';
import type { Finding } from '../../src/analysis/finding.ts';
import { fileDiff, findingsFor, ruleTester } from '../../src/analysis/rule-tester.ts';
import { patchMailFromFile } from '../analysis/mail-fixture.ts';

const OPEN_CODED =
  'pgd_offset_k() starts an open-coded walk of kernel page tables down to the PTEs with neither ' +
  'mmap_write_lock(&init_mm) nor get_online_mems() held: huge vmap, CPA collapse or hot-remove can free a table ' +
  'under it (use-after-free; x86, arm64, powerpc, riscv)';
const LOCKLESS =
  'walk_kernel_page_table_range_lockless() walks kernel page tables this code does not own with neither ' +
  'mmap_write_lock(&init_mm) nor get_online_mems() held: tables freed by huge vmap, CPA collapse or hot-remove may ' +
  'be read after free (x86, arm64, powerpc, riscv)';
const LEAF =
  'ptdump_pmd_entry() recognises a leaf entry but never sets walk->action = ACTION_CONTINUE: the walk goes on to ' +
  'treat the block mapping as a table pointer and reads memory that is no page table (all architectures)';

// A new arch debugfs file dumping the vmalloc area by hand.
const DUMP_WALK = [
  '\tfor (addr = VMALLOC_START; addr < VMALLOC_END; addr += PAGE_SIZE) {',
  '\t\tpgd_t *pgdp = pgd_offset_k(addr);',
  '\t\tp4d_t *p4dp = p4d_offset(pgdp, addr);',
  '\t\tpud_t *pudp = pud_offset(p4dp, addr);',
  '\t\tpmd_t *pmdp = pmd_offset(pudp, addr);',
  '\t\tpte_t *ptep;',
  '',
  '\t\tif (pmd_none(pmdp_get(pmdp)) || pmd_leaf(pmdp_get(pmdp)))',
  '\t\t\tcontinue;',
  '\t\tptep = pte_offset_kernel(pmdp, addr);',
  '\t\tseq_printf(m, "%lx %llx\\n", addr, (u64)pte_val(ptep_get(ptep)));',
  '\t}',
];
const DUMP_HEAD = ['static int vmalloc_ptes_show(struct seq_file *m, void *v)', '{', '\tunsigned long addr;', ''];
const DUMP_TAIL = ['\treturn 0;', '}'];
const plus = (lines: string[]): string[] => lines.map((l) => `+${l}`);

const PMD_ENTRY_HEAD = [
  ' static int ptdump_pmd_entry(pmd_t *pmd, unsigned long addr,',
  ' \t\t\t    unsigned long next, struct mm_walk *walk)',
  ' {',
  ' \tstruct ptdump_state *st = walk->private;',
  ' \tpmd_t val = pmdp_get(pmd);',
  ' ',
  ' \tif (st->effective_prot)',
  ' \t\tst->effective_prot(st, 3, pmd_val(val));',
  ' \tif (pmd_leaf(val)) {',
];

ruleTester(rule, {
  valid: [
    {
      name: 'the same dump under get_online_mems() and mmap_write_lock(&init_mm)',
      diff: fileDiff('arch/riscv/mm/vmalloc_dump.c', {
        oldStart: 1,
        lines: plus([
          ...DUMP_HEAD,
          '\tget_online_mems();',
          '\tmmap_write_lock(&init_mm);',
          ...DUMP_WALK,
          '\tmmap_write_unlock(&init_mm);',
          '\tput_online_mems();',
          ...DUMP_TAIL,
        ]),
      }),
    },
    {
      name: 'a hunk inside a dump that took the locks above it',
      diff: fileDiff('arch/riscv/mm/vmalloc_dump.c', {
        oldStart: 20,
        section: 'static int vmalloc_ptes_show(struct seq_file *m, void *v)',
        lines: [...plus(DUMP_WALK), ' \tmmap_write_unlock(&init_mm);', ' \tput_online_mems();'],
      }),
    },
    {
      name: 'an owner walking its own range: vmalloc_to_page()',
      diff: fileDiff('mm/vmalloc.c', {
        oldStart: 700,
        lines: plus([
          'struct page *vmalloc_to_page(const void *vmalloc_addr)',
          '{',
          '\tunsigned long addr = (unsigned long) vmalloc_addr;',
          '\tpgd_t *pgd = pgd_offset_k(addr);',
          '\tp4d_t *p4d;',
          '\tpud_t *pud;',
          '\tpmd_t *pmd;',
          '\tpte_t *ptep, pte;',
          '',
          '\tif (pgd_none(*pgd))',
          '\t\treturn NULL;',
          '\tp4d = p4d_offset(pgd, addr);',
          '\tpud = pud_offset(p4d, addr);',
          '\tpmd = pmd_offset(pud, addr);',
          '\tptep = pte_offset_kernel(pmd, addr);',
          '\tpte = ptep_get(ptep);',
          '\treturn pte_present(pte) ? pte_page(pte) : NULL;',
          '}',
        ]),
      }),
    },
    {
      name: 'arm64 update_range_prot() walks the range its caller owns (lazy-MMU series, real hunk)',
      diff: fileDiff('arch/arm64/mm/pageattr.c', {
        oldStart: 110,
        section: 'static int update_range_prot(unsigned long start, unsigned long size,',
        lines: [
          ' \tif (WARN_ON_ONCE(ret))',
          ' \t\treturn ret;',
          ' ',
          '-\tarch_enter_lazy_mmu_mode();',
          '+\tlazy_mmu_mode_enable();',
          ' ',
          ' \tret = walk_kernel_page_table_range_lockless(start, start + size,',
          ' \t\t\t\t\t\t    &pageattr_ops, NULL, &data);',
          '-\tarch_leave_lazy_mmu_mode();',
          '+\tlazy_mmu_mode_disable();',
        ],
      }),
    },
    {
      name: 'mm/ptdump.c: note_page_pmd() split, ACTION_CONTINUE kept (real hunk)',
      diff: fileDiff('mm/ptdump.c', {
        oldStart: 101,
        lines: [...PMD_ENTRY_HEAD, '-\t\tst->note_page(st, addr, 3, pmd_val(val));', '+\t\tst->note_page_pmd(st, addr, val);', ' \t\twalk->action = ACTION_CONTINUE;', ' \t}'],
      }),
    },
  ],
  invalid: [
    {
      name: 'HAZARDS R15: a new debugfs dump walks pgd_offset_k() to the PTEs with no lock',
      diff: fileDiff('arch/riscv/mm/vmalloc_dump.c', { oldStart: 1, lines: plus([...DUMP_HEAD, ...DUMP_WALK, ...DUMP_TAIL]) }),
      errors: [{ message: OPEN_CODED, file: 'arch/riscv/mm/vmalloc_dump.c', line: 6, function: 'vmalloc_ptes_show', severity: 'error' }],
    },
    {
      name: 'a dump over a range it does not own with the lockless walker',
      diff: fileDiff('arch/arm64/mm/ptdump_debugfs.c', {
        oldStart: 40,
        lines: plus([
          'static int kernel_leaves_show(struct seq_file *m, void *v)',
          '{',
          '\treturn walk_kernel_page_table_range_lockless(VMALLOC_START, VMALLOC_END,',
          '\t\t\t\t\t\t     &leaf_dump_ops, NULL, m);',
          '}',
        ]),
      }),
      errors: [{ message: LOCKLESS, file: 'arch/arm64/mm/ptdump_debugfs.c', line: 42, severity: 'error' }],
    },
    {
      name: 'ptdump_pmd_entry() loses ACTION_CONTINUE',
      diff: fileDiff('mm/ptdump.c', {
        oldStart: 101,
        lines: [...PMD_ENTRY_HEAD, ' \t\tst->note_page_pmd(st, addr, val);', '-\t\twalk->action = ACTION_CONTINUE;', ' \t}'],
      }),
      errors: [{ message: LEAF, file: 'mm/ptdump.c', line: 109, function: 'ptdump_pmd_entry' }],
    },
  ],
});

const where = (fs: Finding[]): string[] => fs.map((f) => `${f.file}:${f.line} ${f.function ?? '-'} ${f.severity}`);
const diffOf = (path: string): string => patchMailFromFile(path).diff;

test('an unlocked dump carries the walker-vs-locked-freer scenario', () => {
  const diff = fileDiff('arch/riscv/mm/vmalloc_dump.c', { oldStart: 1, lines: plus([...DUMP_HEAD, ...DUMP_WALK, ...DUMP_TAIL]) });
  const [f] = findingsFor(rule, diff);
  assert.equal(f?.simulation?.observation, 'Sometimes');
  assert.match(f?.simulation?.litmus ?? '', /^C PT\+nonewalker\+ptl-free/);
});

test('a dump moved to another file brings no new walk; the same dump in a new file is new', () => {
  const body = [...DUMP_HEAD, ...DUMP_WALK, ...DUMP_TAIL];
  const added = fileDiff('arch/riscv/mm/ptdump/vmalloc_dump.c', { oldStart: 0, newStart: 1, lines: plus(body) });
  const moved = fileDiff('arch/riscv/mm/vmalloc_dump.c', { oldStart: 1, newStart: 0, lines: body.map((l) => `-${l}`) }) + added;
  assert.deepEqual(where(findingsFor(rule, moved)), []);
  assert.deepEqual(where(findingsFor(rule, added)), ['arch/riscv/mm/ptdump/vmalloc_dump.c:6 vmalloc_ptes_show error']);
});

test('the bug pairs and the clean patches are silent', () => {
  const dirs = ['fixtures/lore/clean', ...readdirSync('fixtures/lore/bugs', { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `fixtures/lore/bugs/${d.name}`)];
  const patches = dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.patch')).map((f) => `${d}/${f}`));
  assert.ok(patches.length >= 30);
  for (const p of patches) assert.deepEqual(where(findingsFor(rule, diffOf(p))), [], p);
});

test('the ptdump rework series keeps its walk callbacks stopping at leaves', () => {
  const dir = 'fixtures/lore/threads/ptdump_rework_2025';
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.eml'))) {
    assert.deepEqual(where(findingsFor(rule, diffOf(`${dir}/${f}`))), [], f);
  }
});
