// The ARMv8 model as herd 7.58's aarch64.cat restricted to explicit data
// accesses ("Model B" of SIMULATOR.md §4.4; instruction fetch not modelled
// here). One `let` per definition, as the cat file has them.
import type { Candidate, Skeleton } from '../execution.ts';
import { EventSet, Relation } from '../relation.ts';
import type { MemoryModel, PreparedModel, Verdict } from './model.ts';

interface Static {
  readonly sk: Skeleton;
  readonly poLoc: Relation;
  readonly lrs: Relation;
  readonly lobStatic: Relation;
  readonly ExpR: EventSet;
  readonly ExpW: EventSet;
  readonly flags: readonly string[];
}

function union(sets: EventSet[], n: number): EventSet {
  return sets.reduce((a, b) => a.union(b), new EventSet(n));
}

function prepareStatic(sk: Skeleton): Static {
  const { n, po, loc, R, W, M } = sk;
  const t = (tag: string): EventSet => sk.tagged(tag);
  const opts = (kind: string, names: string[]): EventSet => union(names.map((o) => t(`${kind}.${o}`)), n);
  const dsbFull = opts('DSB', ['ISH', 'OSH', 'SY']);
  const dsbLd = opts('DSB', ['ISHLD', 'OSHLD', 'LD']);
  const dsbSt = opts('DSB', ['ISHST', 'OSHST', 'ST']);
  const dmbFull = opts('DMB', ['ISH', 'OSH', 'SY']).union(dsbFull);
  const dmbLd = opts('DMB', ['ISHLD', 'OSHLD', 'LD']).union(dsbLd);
  const dmbSt = opts('DMB', ['ISHST', 'OSHST', 'ST']).union(dsbSt);
  const ISB = t('ISB');
  const A = t('A').inter(M), Q = t('Q').inter(M), L = t('L').inter(M);
  const NoRet = t('NoRet');
  const poLoc = po.inter(loc);
  // lrs: a write to its po-later same-location reads with no write in between.
  const wPoLocW = poLoc.restrict(W, W);
  const lrs = poLoc.restrict(W, R).minus(wPoLocW.seq(poLoc.restrict(W, R)));
  const { addr, data, ctrl, rmw } = sk;
  const amo = rmw.restrict(null, t('amo'));
  const all = EventSet.all(n);

  const lwfs = poLoc.restrict(M, W);
  const dsbOb = po.restrict(M, dsbFull).seq(po)
    .union(po.restrict(R.minus(NoRet), dsbLd).seq(po), po.restrict(W, dsbSt).seq(po));
  const ifbOb = ctrl.restrict(R, ISB).seq(po)
    .union(Relation.seqAll(addr.restrict(R, M), po.restrict(null, ISB), po), dsbOb.restrict(null, ISB).seq(po));
  const dob = addr.union(data, ctrl.restrict(null, W), Relation.seqAll(addr.restrict(null, M), po.restrict(null, W)),
    Relation.seqAll(addr.restrict(null, M), lrs), Relation.seqAll(data.restrict(null, M), lrs));
  const aob = rmw.restrict(M, M).union(Relation.seqAll(rmw, lrs).restrict(null, A.union(Q)));
  const bob = po.restrict(M, dmbFull).seq(po).restrict(null, M).union(
    po.restrict(R.minus(NoRet), dmbLd).seq(po).restrict(null, M),
    po.restrict(W, dmbSt).seq(po).restrict(null, W),
    po.restrict(Relation.id(A).seq(amo).restrict(null, L).range(), M),
    po.restrict(L, A),
    po.restrict(A.union(Q), M),
    po.restrict(M, L),
  );
  const lobStatic = lwfs.union(dob, aob, bob, dsbOb, ifbOb).plus();

  const flags: string[] = [];
  if (!opts('DMB', ['ISH', 'OSH', 'ISHLD', 'OSHLD', 'ISHST', 'OSHST']).isEmpty()) flags.push('Shareability-argument-for-DMB-is-deprecated');
  void all;
  return { sk, poLoc, lrs, lobStatic, ExpR: R, ExpW: W, flags };
}

function evaluate(s: Static, c: Candidate, detail: boolean): Verdict & { ob: Relation } {
  const { sk } = s;
  const { rf, co } = c;
  const fr = rf.inverse().seq(co).minusId();
  const ca = fr.union(co);
  const ext = sk.ext;
  const caExt = ca.inter(ext);
  const expHazOb = s.poLoc.restrict(s.ExpR, s.ExpR).seq(caExt.restrict(null, s.ExpW));
  const expObs = rf.inter(ext).union(caExt).restrict(sk.M, sk.M);
  const ob = s.lobStatic.union(expHazOb, expObs).plus();
  const fail = (failed: string, culprit: Relation): Verdict & { ob: Relation } => ({ ok: false, failed, culprit: detail ? culprit : null, flags: [], ob });
  if (!ob.irreflexive()) return fail('external', ob);
  const rfi = rf.inter(sk.int);
  const caInt = ca.inter(sk.int);
  const coRW1 = Relation.seqAll(s.poLoc.union(sk.rmw).restrict(s.ExpR, s.ExpW), rfi.restrict(null, s.ExpR));
  if (!coRW1.irreflexive()) return fail('coRW1-Exp', coRW1);
  const coWW = s.poLoc.restrict(s.ExpW, s.ExpW).seq(caInt);
  if (!coWW.irreflexive()) return fail('coWW-Exp', coWW);
  const coWR = s.poLoc.restrict(s.ExpW, s.ExpR).seq(caInt);
  if (!coWR.irreflexive()) return fail('coWR-Exp', coWR);
  return { ok: true, failed: null, culprit: null, flags: s.flags, ob };
}

export const aarch64: MemoryModel = {
  name: 'aarch64',
  prepare(sk: Skeleton): PreparedModel {
    const s = prepareStatic(sk);
    return {
      check: (c, detail) => evaluate(s, c, detail),
      timeline: (c) => evaluate(s, c, false).ob,
    };
  },
};
