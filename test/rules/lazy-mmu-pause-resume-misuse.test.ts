// Valid and invalid diffs for rules/lazy-mmu-pause-resume-misuse.ts (R02):
// Gordeev's c519c3c0a113 used the arch hooks in the KASAN callbacks (Balbir
// Singh then had to silence their return value); Kevin Brodsky's v6 turned
// them into pause/resume.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import rule from '../../rules/lazy-mmu-pause-resume-misuse.ts';
import { fileDiff, findingsFor, ruleTester } from '../../src/analysis/rule-tester.ts';
import { patchMailFromFile } from '../analysis/mail-fixture.ts';

const POPULATE = 'static int kasan_populate_vmalloc_pte(pte_t *ptep, unsigned long addr,';
const BODY = [' \tspin_lock(&init_mm.page_table_lock);', ' \tif (likely(pte_none(ptep_get(ptep))))', ' \t\tset_pte_at(&init_mm, addr, ptep, pte);', ' \tspin_unlock(&init_mm.page_table_lock);'];

ruleTester(rule, {
  valid: [
    {
      name: 'Kevin Brodsky v6: the callbacks pause and resume',
      diff: fileDiff('mm/kasan/shadow.c', { oldStart: 305, section: POPULATE, lines: ['-\tarch_leave_lazy_mmu_mode();', '+\tlazy_mmu_mode_pause();', ...BODY, '-\tarch_enter_lazy_mmu_mode();', '+\tlazy_mmu_mode_resume();', ' \treturn 0;'] }),
    },
    {
      name: 'arch code implements the hooks and may call them',
      diff: fileDiff('arch/powerpc/mm/book3s64/hash_tlb.c', {
        oldStart: 200,
        section: 'void hash__flush_range(struct mm_struct *mm, unsigned long start, unsigned long end)',
        lines: ['+\tarch_enter_lazy_mmu_mode();', ' \tfor (; start < end; start += PAGE_SIZE)', '+\tarch_leave_lazy_mmu_mode();'],
      }),
    },
  ],
  invalid: [
    {
      name: 'c519c3c0a113 on a tree with the generic API: leave/enter instead of pause/resume (added lines only: line-local, a warning)',
      diff: fileDiff(
        'mm/kasan/shadow.c',
        { oldStart: 305, section: POPULATE, lines: [' \tlazy_mmu_mode_pause();', '+\tarch_leave_lazy_mmu_mode();', ...BODY, '+\tarch_enter_lazy_mmu_mode();', ' \tlazy_mmu_mode_resume();', ' \treturn 0;'] },
      ),
      errors: [
        {
          message:
            "kasan_populate_vmalloc_pte() leaves its caller's lazy MMU section with arch_leave_lazy_mmu_mode() and re-enters with arch_enter_lazy_mmu_mode(): on a tree with the generic lazy_mmu API that is lazy_mmu_mode_pause()/resume(), which keep the nesting depth",
          file: 'mm/kasan/shadow.c',
          line: 306,
          severity: 'warning',
        },
      ],
    },
    {
      name: 'a whole new callback with the old idiom (warning)',
      diff: fileDiff('mm/kasan/shadow.c', {
        oldStart: 300,
        lines: ['+static int kasan_depopulate_pte(pte_t *ptep, unsigned long addr, void *unused)', '+{', '+\tarch_leave_lazy_mmu_mode();', ...BODY.map((l) => `+${l.slice(1)}`), '+\tarch_enter_lazy_mmu_mode();', '+\treturn 0;', '+}'],
      }),
      errors: [
        {
          message:
            "kasan_depopulate_pte() leaves its caller's lazy MMU section with the arch hooks directly: generic code calling arch_leave/arch_enter_lazy_mmu_mode() ends every nesting level at once, and breaks when the hooks change (their return value on arm64, the generic pause/resume layer)",
          file: 'mm/kasan/shadow.c',
          line: 302,
          severity: 'warning',
        },
      ],
    },
    {
      name: 'generic code calls the arch hook on a tree with the wrappers (info)',
      diff: fileDiff('mm/memory.c', {
        oldStart: 1700,
        section: 'static unsigned long zap_pte_range(struct mmu_gather *tlb,',
        lines: [' \tlazy_mmu_mode_enable();', '+\tarch_leave_lazy_mmu_mode();', ' \tpte_unmap_unlock(start_pte, ptl);'],
      }),
      errors: [
        {
          message: 'arch_leave_lazy_mmu_mode() called directly from generic code in zap_pte_range(): this tree has the generic lazy_mmu_mode_*() wrappers',
          file: 'mm/memory.c',
          line: 1701,
          severity: 'info',
        },
      ],
    },
  ],
});

const OLD_IDIOM = (fn: string): string =>
  `${fn}() leaves its caller's lazy MMU section with the arch hooks directly: generic code calling arch_leave/arch_enter_lazy_mmu_mode() ends every nesting level at once, and breaks when the hooks change (their return value on arm64, the generic pause/resume layer)`;

test('c519c3c0a113 itself: both callbacks, a warning each although the hunks show them in part (line-local evidence)', () => {
  const found = findingsFor(rule, patchMailFromFile('fixtures/lore/bugs/kasan_lazy_mmu_warnings/introducing.patch').diff);
  assert.deepEqual(
    found.map((f) => [f.line, f.function, f.severity, f.confidence, f.explanation]),
    [
      [308, 'kasan_populate_vmalloc_pte', 'warning', 'line', OLD_IDIOM('kasan_populate_vmalloc_pte')],
      [468, 'kasan_depopulate_vmalloc_pte', 'warning', 'line', OLD_IDIOM('kasan_depopulate_vmalloc_pte')],
    ],
  );
  assert.deepEqual(found[0]?.evidence, ['+\tarch_leave_lazy_mmu_mode();', '+\tarch_enter_lazy_mmu_mode();']);
});

test("Balbir Singh's (void) cast of the return value is no new idiom: silent", () => {
  assert.deepEqual(findingsFor(rule, patchMailFromFile('fixtures/lore/bugs/kasan_lazy_mmu_warnings/fix.patch').diff), []);
});

test('the enter hook only on a context line: the report is not line-local and is lowered', () => {
  const diff = fileDiff('mm/kasan/shadow.c', {
    oldStart: 305,
    section: POPULATE,
    lines: ['+\tarch_leave_lazy_mmu_mode();', ...BODY, ' \tarch_enter_lazy_mmu_mode();', ' \treturn 0;'],
  });
  assert.deepEqual(findingsFor(rule, diff).map((f) => [f.line, f.severity, f.confidence]), [[305, 'info', 'fragment']]);
});
