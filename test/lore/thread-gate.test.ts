// Placing recent Atom entries into watched threads by their parents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { touchedThreads } from '../../src/sources/lore-http/thread-gate.ts';

const entry = (messageId: string, parentId?: string) => ({ messageId, title: '', updated: '', ...(parentId ? { parentId } : {}) });

test('a new entry under a root, a seen member or another new entry touches the thread', () => {
  const watched = [
    { root: 'a', seen: ['a', 'a1'] },
    { root: 'b', seen: ['b'] },
    { root: 'c', seen: ['c', 'c1'] },
    { root: 'd', seen: ['d'] },
  ];
  // Newest first, as public-inbox lists them.
  const entries = [entry('x3', 'x2'), entry('x2', 'c1'), entry('b1', 'b'), entry('a1', 'a'), entry('z', 'elsewhere'), entry('lone')];
  assert.deepEqual([...touchedThreads(entries, watched)].sort(), ['b', 'c']);
  // a1 was seen already; d got nothing; a reply to a reply listed before its parent still counts.
  assert.deepEqual([...touchedThreads([entry('y2', 'y1'), entry('y1', 'd')].reverse(), watched)], ['d']);
});
