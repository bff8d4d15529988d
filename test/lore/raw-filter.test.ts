// The raw-byte filter may let through too much, never too little: literal
// glob pieces, watched Message-IDs, and bodies an encoding could hide.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globPieces, relevanceRawFilter, undoQuotedPrintable } from '../../src/sources/lore-git/raw-filter.ts';

const mail = (headers: string[], body: string) => Buffer.from([...headers, '', body, ''].join('\n'));
const filter = relevanceRawFilter({
  paths: ['arch/*/mm/**', 'mm/memory.c'],
  identifiers: ['p?d_free_*', 'pte_offset_map*'],
  watchedMessageIds: ['root@example.org'],
});

test('glob pieces are what every match must contain', () => {
  assert.deepEqual(globPieces('arch/*/mm/**'), [['arch/', '/mm/']]);
  assert.deepEqual(globPieces('p?d_free_*'), [['d_free_']]);
  assert.deepEqual(globPieces('arch/*/include/asm/{pgtable,tlb}*.h'), [['arch/', '/include/asm/pgtable'], ['arch/', '/include/asm/tlb']]);
});

test('plain text: a path, an identifier or a watched thread passes; other mail does not', () => {
  assert.equal(filter(mail(['Subject: x'], 'diff --git a/arch/arm64/mm/mmu.c b/arch/arm64/mm/mmu.c')), true);
  assert.equal(filter(mail(['Subject: x'], '+\tpmd_free_pte_page(pmd, addr);')), true);
  assert.equal(filter(mail(['Subject: Re: x', 'In-Reply-To: <root@example.org>'], 'Thanks!')), true);
  assert.equal(filter(mail(['Subject: x'], 'diff --git a/net/core/dev.c b/net/core/dev.c')), false);
  assert.equal(filter(mail(['Subject: x'], 'arch/ without the rest')), false);
});

test('quoted-printable soft breaks cannot hide an identifier; base64 always passes', () => {
  const qp = mail(['Subject: x', 'Content-Transfer-Encoding: quoted-printable'], '+\tptep =3D pte_off=\nset_map(pmd, addr);');
  assert.equal(undoQuotedPrintable('a=3Db pte_off=\nset'), 'a=b pte_offset');
  assert.equal(filter(qp), true);
  const qpOther = mail(['Subject: x', 'Content-Transfer-Encoding: quoted-printable'], 'caf=C3=A9 =\nau lait');
  assert.equal(filter(qpOther), false);
  const b64 = mail(['Subject: x', 'Content-Transfer-Encoding: base64'], Buffer.from('nothing to see').toString('base64'));
  assert.equal(filter(b64), true);
});

test('a needle that is a prefix of another is still found where both start', () => {
  // The scan reports "mm/memory.c/" (whose other piece is missing) where "mm/memory" also starts.
  const f = relevanceRawFilter({ paths: ['mm/memory.c/**/zzz_absent'], identifiers: ['mm/memory*'] });
  assert.equal(f(mail(['Subject: x'], 'see mm/memory.c/foo')), true);
  assert.equal(f(mail(['Subject: x'], 'see mm/memor')), false);
});
