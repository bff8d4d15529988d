import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePatchTag, splitSubject, tipBranch } from '../../src/mail/subject.ts';

// Subjects as they appear in the real threads under fixtures/lore.
const cases: Array<[string, Partial<ReturnType<typeof parsePatchTag>> | undefined]> = [
  ['[PATCH v4 06/12] mm: introduce generic lazy_mmu helpers', { version: 4, index: 6, total: 12, resend: false, rfc: false, title: 'mm: introduce generic lazy_mmu helpers' }],
  ['[RFC PATCH net-next v2 0/3] net: thing', { version: 2, index: 0, total: 3, rfc: true, prefixes: ['net-next'], title: 'net: thing' }],
  ['[PATCH RESEND] arm64: foo', { version: 1, resend: true, index: undefined, total: undefined }],
  ['[RESEND PATCH v5] arm64: Enable vmalloc-huge with ptdump', { version: 5, resend: true, title: 'arm64: Enable vmalloc-huge with ptdump' }],
  ['[RESEND] [PATCH v2] arm64/mm: Elide TLB flush', { version: 2, resend: true, title: 'arm64/mm: Elide TLB flush' }],
  ['[v2 PATCH 1/2] mm: gup: fix the fast GUP race against THP collapse', { version: 2, index: 1, total: 2 }],
  ['[PATCH V3 0/5] mm: Rework generic PTDUMP configs', { version: 3, index: 0, total: 5 }],
  ['[PATCHv2 1/2] x', { version: 2, index: 1, total: 2 }],
  ['[Patch v3 05/14] x86/mm: Handle decryption', { version: 3, index: 5, total: 14 }],
  ['[PATCH v2 07/23 replacement] mips: add pte_unmap()', { version: 2, index: 7, total: 23, amendment: 'replacement' }],
  ['[PATCH v3 10/13 fix2] mm/khugepaged: collapse: fix2', { version: 3, index: 10, amendment: 'fixup' }],
  ['[PATCH mm 10/12] mm/khugepaged: x', { version: 1, versionExplicit: false, prefixes: ['mm'], index: 10 }],
  ['Re: [PATCH v2 2/7] mm: introduce local state', { version: 2, index: 2, total: 7 }],
  ['[tip: x86/mm] x86/mm: Fix something', undefined],
  ['Re: next-20250912: riscv: build error', undefined],
];

for (const [subject, expected] of cases) {
  test(`tag of "${subject}"`, () => {
    const tag = parsePatchTag(subject);
    if (expected === undefined) {
      assert.equal(tag, undefined);
      return;
    }
    assert.ok(tag, 'a tag was expected');
    for (const [k, v] of Object.entries(expected)) {
      assert.deepEqual((tag as unknown as Record<string, unknown>)[k], v, `field ${k}`);
    }
  });
}

test('reply prefixes, folded whitespace and the tip tag', () => {
  const s = splitSubject('Re: RE: AW:  [PATCH v2]   x86/mm:  thing');
  assert.equal(s.isReply, true);
  assert.deepEqual(s.groups, ['PATCH v2']);
  assert.equal(s.title, 'x86/mm: thing');
  assert.equal(tipBranch('[tip: x86/mm] x86/cpu: Clean up'), 'x86/mm');
  assert.equal(tipBranch('Re: [tip:x86/mm] x86/cpu: Clean up'), 'x86/mm');
  assert.equal(tipBranch('[PATCH] tip: not a tag'), undefined);
});
