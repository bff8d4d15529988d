// The C front end: kernel macros, functions, calls and fragments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callsOf, extractFragment, extractFunctions, normaliseKernelC } from '../../src/c/index.ts';
import { fixtureFunction, parseFixture, parseText } from './fixture.ts';

test('macro normalisation keeps every line where it was', async () => {
  const parsed = await parseFixture('kernel-macro-shapes.c');
  assert.equal(parsed.parsedText.split('\n').length, parsed.source.split('\n').length);
  const kinds = parsed.macros.map((m) => `${m.kind}:${m.name}`);
  assert.deepEqual(kinds, [
    'scoped-guard:scoped_guard',
    'scoped-cond-guard:scoped_cond_guard',
    'loop:llist_for_each_entry_safe',
    'loop:list_for_each_entry',
  ]);
  const cond = parsed.macros.find((m) => m.kind === 'scoped-cond-guard');
  assert.deepEqual(cond?.args, ['mmap_read_lock_try', 'return 0', '&init_mm']);
});

test('an ordinary call with a for_each name is not a loop', () => {
  const n = normaliseKernelC('\tfor_each_online_cpu_wrapper(x);\n\tlist_for_each_entry(p, h, m) {\n\t}\n');
  assert.deepEqual(n.macros.map((m) => m.name), ['list_for_each_entry']);
  assert.match(n.rewritten, /^\tfor_each_online_cpu_wrapper\(x\);$/m);
});

test('macros in comments, strings and #define lines are left alone', () => {
  const text = '#define for_each_x(i) \\\n\tfor (i = 0; i < 4; i++)\n/* list_for_each_entry(a, b, c) { */\nconst char *s = "scoped_guard(rcu) {";\n';
  assert.equal(normaliseKernelC(text).rewritten, text);
});

test('__always_inline __must_check heads still give one function with its attributes', async () => {
  const fn = await fixtureFunction('kernel-macro-shapes.c', 'vmap_try_huge_pmd_tail');
  assert.deepEqual(fn.attributes, ['__always_inline', '__must_check']);
  assert.deepEqual(fn.params.map((p) => p.name), ['pmd', 'addr', 'phys_addr', 'prot']);
});

test('functions of a real file, with their line spans', async () => {
  const parsed = await parseFixture('x86-free-pmd-pte-page.c');
  const fns = extractFunctions(parsed);
  assert.deepEqual(fns.map((f) => [f.name, f.startLine, f.endLine]), [
    ['pud_free_pmd_page_introducing', 17, 35],
    ['pmd_free_pte_page_introducing', 37, 49],
    ['pud_free_pmd_page_fixed', 51, 87],
    ['pmd_free_pte_page_fixed', 89, 105],
  ]);
  assert.equal(extractFragment(parsed), undefined);
});

test('calls carry argument texts, lines and the variable they are stored in', async () => {
  const fn = await fixtureFunction('hash-tlb-flush-pmd-range.c', 'flush_hash_table_pmd_range_post');
  const calls = callsOf(fn);
  const map = calls.find((c) => c.callee === 'pte_offset_map');
  assert.deepEqual(map && { args: map.args, line: map.line, assignedTo: map.assignedTo }, { args: ['pmd', 'addr'], line: 42, assignedTo: 'start_pte' });
  const flush = calls.find((c) => c.callee === 'hpte_need_flush');
  assert.deepEqual(flush?.args, ['mm', 'addr', 'pte', 'pteval', '0']);
  // Arguments are evaluated before the call that takes them.
  const names = calls.map((c) => c.callee);
  assert.ok(names.indexOf('pte_val') < names.indexOf('hpte_need_flush'));
});

test('a ternary stores either arm in the assigned variable', async () => {
  const parsed = await parseText('\tpte = (KMAPAREA(mmuar)) ? pte_offset_kernel(pmd, mmuar)\n\t\t\t\t: pte_offset_map(pmd, mmuar);\n');
  const frag = extractFragment(parsed);
  assert.ok(frag);
  assert.deepEqual(callsOf(frag).map((c) => [c.callee, c.assignedTo]), [
    ['KMAPAREA', undefined],
    ['pte_offset_kernel', 'pte'],
    ['pte_offset_map', 'pte'],
  ]);
});

test('guard(class)(lock) is one call named by its class', async () => {
  const fn = await fixtureFunction('x86-flush-tlb-kernel-range-guard.c', 'flush_tlb_kernel_range');
  const guard = callsOf(fn).find((c) => c.guardClass !== undefined);
  assert.deepEqual(guard && { callee: guard.callee, line: guard.line, args: guard.args }, { callee: 'guard(preempt)', line: 12, args: [] });
  assert.ok(!callsOf(fn).some((c) => c.callee === 'guard'));
});

test('a hunk fragment parses as statements around ERROR nodes', async () => {
  const parsed = await parseFixture('walk-pte-range.post.hunk.c');
  assert.equal(parsed.hasErrors, true);
  assert.deepEqual(extractFunctions(parsed), []);
  const frag = extractFragment(parsed);
  assert.ok(frag?.isFragment);
  assert.deepEqual(callsOf(frag).map((c) => `${c.callee}@${c.line}`), [
    'pte_offset_kernel@17', 'pte_offset_map@19', 'walk_pte_range_inner@21', 'pte_unmap@23',
    'pte_offset_map_lock@26', 'walk_pte_range_inner@28', 'pte_unmap_unlock@29',
  ]);
});

test('a hunk with the tail of one function, one whole function and the head of another', async () => {
  const parsed = await parseFixture('arm64-pmd-free-pte-page.hunk.c');
  assert.deepEqual(extractFunctions(parsed).map((f) => f.name), ['pmd_free_pte_page', 'pud_free_pmd_page']);
  const frag = extractFragment(parsed);
  assert.deepEqual(frag && callsOf(frag).map((c) => c.callee), [
    'pte_offset_kernel', 'pmd_clear', '__flush_tlb_kernel_pgtable', 'static_branch_unlikely',
    'mmap_read_lock', 'mmap_read_unlock', 'pte_free_kernel',
  ]);
});

test('firstLine makes every line a file line (a hunk that starts at +2926)', async () => {
  const text = '\t\t\tpte = pte_offset_kernel(pmd, addr);\n\t\tif (!pte)\n\t\t\treturn err;\n\t\tspin_lock(&init_mm.page_table_lock);\n';
  const frag = extractFragment(await parseText(text, 'mm/memory.c', { firstLine: 2926 }));
  assert.ok(frag);
  assert.deepEqual(callsOf(frag).map((c) => `${c.callee}@${c.line}`), ['pte_offset_kernel@2926', 'spin_lock@2929']);
  assert.equal(frag.startLine, 2926);
});

test('a function defined by a macro (SYSCALL_DEFINEn) is a function, not a fragment', async () => {
  // The mm/mprotect.c shape: the syscall body is a bare block after the macro.
  const parsed = await parseText('SYSCALL_DEFINE3(mprotect, unsigned long, start, size_t, len,\n\t\tunsigned long, prot)\n{\n\treturn do_mprotect_pkey(start, len, prot, -1);\n}\n');
  assert.deepEqual(extractFunctions(parsed).map((f) => [f.name, f.startLine, f.endLine]), [['mprotect', 1, 5]]);
  assert.equal(extractFragment(parsed), undefined);
});
