// The relation algebra the models are written in: composition, closures,
// acyclicity and the shortest-cycle search witnesses use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EventSet, Relation, fencerel } from '../../src/sim/relation.ts';

const pairsOf = (r: Relation): string => [...r.pairs()].map(([a, b]) => `${a}>${b}`).join(' ');

test('composition, inverse and restriction', () => {
  const r = Relation.fromPairs(4, [[0, 1], [1, 2]]);
  const s = Relation.fromPairs(4, [[1, 3], [2, 0]]);
  assert.equal(pairsOf(r.seq(s)), '0>3 1>0');
  assert.equal(pairsOf(r.inverse()), '1>0 2>1');
  assert.equal(pairsOf(r.restrict(EventSet.of(4, [1]), null)), '1>2');
  assert.equal(pairsOf(Relation.id(EventSet.of(4, [2])).seq(s)), '2>0');
});

test('closures and acyclicity', () => {
  const chain = Relation.fromPairs(3, [[0, 1], [1, 2]]);
  assert.equal(pairsOf(chain.plus()), '0>1 0>2 1>2');
  assert.equal(pairsOf(chain.star()), '0>0 0>1 0>2 1>1 1>2 2>2');
  assert.ok(chain.acyclic());
  const cycle = chain.union(Relation.fromPairs(3, [[2, 0]]));
  assert.ok(!cycle.acyclic());
  assert.ok(!cycle.plus().irreflexive());
  assert.deepEqual(cycle.shortestCycle(), [0, 1, 2]);
});

test('fencerel(S) relates events on either side of an S event in po', () => {
  const po = Relation.fromPairs(3, [[0, 1], [0, 2], [1, 2]]);
  assert.equal(pairsOf(fencerel(po, EventSet.of(3, [1]))), '0>2');
});

test('acyclic agrees with the irreflexivity of the transitive closure, beyond 32 events', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 70 }).chain((n) => fc.tuple(fc.constant(n),
    fc.array(fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 })), { maxLength: 120 }))),
  ([n, edges]) => {
    const r = Relation.fromPairs(n, edges);
    assert.equal(r.acyclic(), r.plus().irreflexive());
    assert.ok(r.inverse().inverse().equals(r));
  }), { numRuns: 200 });
});
