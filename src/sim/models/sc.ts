// Sequential consistency: one total order of all events that respects po and
// in which each read takes the latest write, i.e. acyclic(po ∪ rf ∪ co ∪ fr).
import type { Candidate, Skeleton } from '../execution.ts';
import { Relation } from '../relation.ts';
import type { MemoryModel } from './model.ts';

function order(sk: Skeleton, c: Candidate): Relation {
  const fr = c.rf.inverse().seq(c.co).minus(Relation.identity(sk.n));
  return sk.po.union(c.rf, c.co, fr);
}

export const sc: MemoryModel = {
  name: 'sc',
  prepare(sk) {
    return {
      check(c, detail) {
        const r = order(sk, c);
        const ok = r.acyclic();
        return { ok, failed: ok ? null : 'sc', culprit: ok || !detail ? null : r, flags: [] };
      },
      timeline: (c) => order(sk, c),
    };
  },
};
