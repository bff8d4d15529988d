// The Linux-kernel memory model, lkmmv2 (tools/memory-model: linux-kernel
// .bell, .cat and lock.cat), one `let` per line as the cat file has them.
// Locks use the value encoding of SIMULATOR.md §3.2 (LKR reads 0, LKW writes
// 1, UL writes 0), so rf/co of lock cells come from the ordinary enumeration.
import type { Candidate, Skeleton } from '../execution.ts';
import { EventSet, Relation, fencerel } from '../relation.ts';
import type { MemoryModel, PreparedModel, Verdict } from './model.ts';

/** Sets and relations that depend only on the skeleton, not on rf/co. */
interface Static {
  readonly sk: Skeleton;
  readonly id: Relation;
  readonly poLoc: Relation;
  readonly Marked: EventSet;
  readonly Plain: EventSet;
  readonly R4rmb: EventSet;
  readonly notNoreturn: EventSet;
  readonly notSrcuUnlock: EventSet;
  readonly acqPo: Relation;
  readonly poRel: Relation;
  readonly rmb: Relation;
  readonly wmb: Relation;
  /** mb without its after-unlock-lock term (which needs co). */
  readonly mbStatic: Relation;
  readonly gp: Relation;
  readonly barrier: Relation;
  readonly rscsi: Relation;
  readonly rcuGp: Relation;
  readonly srcuGp: Relation;
  readonly SrcuLock: EventSet;
  readonly SrcuUnlock: EventSet;
  readonly ULpo: Relation;
  readonly LKRpo: Relation;
  readonly LKWafterUnlockLock: Relation;
  readonly staticFlags: readonly string[];
  readonly lockChecks: string | null;
  /** strong-fence, nonrw-fence, fence (before rcu-fence) when mb needs no co; else null. */
  readonly fences: { strong: Relation; nonrw: Relation; fence: Relation; strongOrRel: Relation } | null;
  readonly idMarked: Relation;
}

function prepareStatic(sk: Skeleton): Static {
  const { n, po, loc, M, R, W, IW } = sk;
  const t = (tag: string): EventSet => sk.tagged(tag);
  const id = Relation.identity(n);
  const poLoc = po.inter(loc);
  const RMW = t('RMW');
  const rmwDom = sk.rmw.domain();
  const rmwRng = sk.rmw.range();
  const LKR = t('LKR'), LKW = t('LKW'), UL = t('UL'), LF = t('LF'), RL = t('RL'), RU = t('RU');
  const lockEvents = LKR.union(LKW).union(UL).union(LF).union(RL).union(RU);
  const FailedRMW = RMW.minus(rmwDom.union(rmwRng));
  const Acquire = t('ACQUIRE').minus(W).minus(FailedRMW).union(LKR);
  const Release = t('RELEASE').minus(R).minus(FailedRMW).union(UL);
  const Mb = t('MB').minus(FailedRMW);
  const Noreturn = t('NORETURN').minus(W);
  const all = EventSet.all(n);
  const Marked = all.minus(M).union(IW).union(t('ONCE')).union(t('RELEASE')).union(t('ACQUIRE')).union(t('MB'))
    .union(RMW).union(lockEvents).union(t('srcu-lock')).union(t('srcu-unlock'));
  const Plain = M.minus(Marked);
  const R4rmb = R.minus(Noreturn);
  const fr = (s: EventSet): Relation => fencerel(po, s);
  const idM = Relation.id(M);

  const acqPo = po.restrict(Acquire, M);
  const poRel = po.restrict(M, Release);
  const rmb = fr(t('rmb')).restrict(R4rmb, R4rmb);
  const wmb = fr(t('wmb')).restrict(W, W);
  const poq = po.opt();
  const mbStatic = fr(Mb).restrict(M, M).union(
    po.restrict(M, Mb.inter(R)),
    po.restrict(Mb.inter(W), M),
    Relation.seqAll(idM, fr(t('before-atomic')), Relation.id(RMW), poq, idM),
    Relation.seqAll(idM, poq, Relation.id(RMW), fr(t('after-atomic')), idM),
    Relation.seqAll(idM, poq, Relation.id(LKW), fr(t('after-spinlock')), idM),
  );
  const SyncRcu = t('sync-rcu');
  const gp = Relation.seqAll(po, Relation.id(SyncRcu.union(t('sync-srcu'))), poq);
  const barrierSet = ['barrier', 'rmb', 'wmb', 'sync-rcu', 'sync-srcu', 'before-atomic', 'after-atomic',
    'rcu-lock', 'rcu-unlock', 'srcu-lock', 'srcu-unlock'].map(t).reduce((a, b) => a.union(b), Mb.union(Acquire).union(Release));
  const barrier = fr(barrierSet).union(po.restrict(null, Release), po.restrict(Acquire, null));
  const { rscs, flags: rcuFlags } = matchRcu(sk);

  const staticFlags = [...rcuFlags];
  if (!rscs.inter(Relation.seqAll(po.restrict(null, t('sync-srcu')), po)).isEmpty()) staticFlags.push('invalid-sleep');
  // lock.cat flags that depend only on the events.
  const lkRmw = sk.rmw.restrict(LKR, LKW);
  if (!LKW.minus(lkRmw.range()).isEmpty()) staticFlags.push('unpaired-LKW');
  if (!LKR.minus(lkRmw.domain()).isEmpty()) staticFlags.push('unpaired-LKR');
  const critical = poLoc.restrict(LKW, UL).minus(Relation.seqAll(poLoc, Relation.id(LKW.union(UL)), poLoc));
  if (!UL.minus(critical.range()).isEmpty()) staticFlags.push('unmatched-unlock');
  const plainAccesses = M.minus(IW).minus(lockEvents);
  const allLocks = LKR.union(LKW).union(UL).union(LF);
  if (!Relation.seqAll(Relation.id(plainAccesses), loc, Relation.id(allLocks)).isEmpty()) staticFlags.push('mixed-lock-accesses');

  let lockChecks: string | null = null;
  const lockNest = poLoc.restrict(LKW, lkRmw.domain()).minus(Relation.seqAll(poLoc, Relation.id(UL), poLoc));
  if (!lockNest.isEmpty()) lockChecks = 'lock-nest';
  const unmatchedLKW = LKW.minus(critical.domain());
  if (lockChecks === null && !Relation.seqAll(Relation.id(unmatchedLKW), loc, Relation.id(unmatchedLKW)).minus(id).isEmpty()) lockChecks = 'unmatched-locks';

  return {
    sk, id, poLoc, Marked, Plain, R4rmb, notNoreturn: all.minus(Noreturn), notSrcuUnlock: all.minus(t('srcu-unlock')),
    acqPo, poRel, rmb, wmb, mbStatic, gp, barrier,
    rscsi: rscs.inverse(), rcuGp: Relation.id(SyncRcu), srcuGp: Relation.id(t('sync-srcu')),
    SrcuLock: t('srcu-lock'), SrcuUnlock: t('srcu-unlock'),
    ULpo: Relation.seqAll(po, Relation.id(UL)),
    LKRpo: Relation.seqAll(Relation.id(LKR), po),
    LKWafterUnlockLock: Relation.seqAll(Relation.id(LKW), fr(t('after-unlock-lock')), idM),
    staticFlags, lockChecks,
    fences: staticFences(mbStatic, gp, poRel, acqPo, wmb, rmb, t('after-unlock-lock').isEmpty()),
    idMarked: Relation.id(Marked),
  };
}

/** The fences of the cat file, computed once per skeleton when co does not enter mb. */
function staticFences(mb: Relation, gp: Relation, poRel: Relation, acqPo: Relation, wmb: Relation, rmb: Relation, ok: boolean): Static['fences'] {
  if (!ok) return null;
  const strong = mb.union(gp);
  const nonrw = strong.union(poRel, acqPo);
  return { strong, nonrw, fence: nonrw.union(wmb, rmb), strongOrRel: strong.union(poRel) };
}

/** rcu-rscs: each Rcu-unlock with the nearest unmatched Rcu-lock before it. */
function matchRcu(sk: Skeleton): { rscs: Relation; flags: string[] } {
  const rscs = new Relation(sk.n);
  const flags: string[] = [];
  let unmatchedLock = false;
  let unmatchedUnlock = false;
  for (const p of new Set(sk.events.filter((e) => !e.isInit).map((e) => e.thread))) {
    const open: number[] = [];
    for (const e of sk.events) {
      if (e.thread !== p) continue;
      if (e.tags.has('rcu-lock')) open.push(e.id);
      else if (e.tags.has('rcu-unlock')) {
        const l = open.pop();
        if (l === undefined) unmatchedUnlock = true;
        else rscs.add(l, e.id);
      }
    }
    if (open.length > 0) unmatchedLock = true;
  }
  if (unmatchedLock) flags.push('unmatched-rcu-lock');
  if (unmatchedUnlock) flags.push('unmatched-rcu-unlock');
  return { rscs, flags };
}

interface Dynamic {
  readonly hb: Relation;
  readonly pb: Relation;
  readonly rb: Relation;
}

function evaluate(s: Static, c: Candidate, detail: boolean, full: boolean): Verdict & Dynamic {
  const { sk, Marked } = s;
  const { po, int, ext } = sk;
  const { rf, co } = c;
  const idMarked = s.idMarked;
  const fail = (failed: string, culprit: Relation | null, parts: Partial<Dynamic> = {}): Verdict & Dynamic => ({
    ok: false, failed, culprit: detail ? culprit : null, flags: [],
    hb: parts.hb ?? Relation.empty(sk.n), pb: parts.pb ?? Relation.empty(sk.n), rb: parts.rb ?? Relation.empty(sk.n),
  });
  if (s.lockChecks !== null) return fail(s.lockChecks, null);

  const fr = rf.inverse().seq(co).minusId();
  const rfi = rf.inter(int);
  const rfe = rf.inter(ext);
  // coherence and atomic hold by construction (checked per location).
  const dataRfi = sk.data.restrict(null, s.notSrcuUnlock).seq(rfi);
  let addr = sk.addr, data = sk.data, ctrl = sk.ctrl;
  if (!dataRfi.isEmpty()) {
    const carryDep = dataRfi.star();
    addr = carryDep.seq(sk.addr);
    data = carryDep.seq(sk.data);
    ctrl = carryDep.seq(sk.ctrl);
  }

  const poUnlockLockPo = s.ULpo.isEmpty() ? s.ULpo : Relation.seqAll(s.ULpo, po.union(rf), s.LKRpo);
  let strongFence0: Relation, nonrwFence0: Relation, fence0: Relation, strongOrRel: Relation;
  if (s.fences !== null) {
    ({ strong: strongFence0, nonrw: nonrwFence0, fence: fence0, strongOrRel } = s.fences);
  } else {
    const mb = s.mbStatic.union(Relation.seqAll(s.ULpo.restrict(sk.M, null), co.union(po), s.LKWafterUnlockLock));
    strongFence0 = mb.union(s.gp);
    nonrwFence0 = strongFence0.union(s.poRel, s.acqPo);
    fence0 = nonrwFence0.union(s.wmb, s.rmb);
    strongOrRel = strongFence0.union(s.poRel);
  }

  const dep = addr.union(data);
  const rwdep = dep.union(ctrl).restrict(null, sk.W);
  const overwrite = co.union(fr);
  const toW = rwdep.union(overwrite.inter(int), addr.restrict(null, s.Plain).seq(s.wmb));
  const toR = addr.restrict(null, sk.R).union(dep.restrict(null, Marked).seq(rfi));
  const ppo = toR.union(toW, fence0, poUnlockLockPo.inter(int));
  const rmwSequence = rf.seq(sk.rmw).star();
  const aCumul = (r: Relation): Relation => rfe.restrict(null, Marked).opt().seq(r);
  const cumulFence = aCumul(strongOrRel).union(s.wmb, poUnlockLockPo).restrict(Marked, Marked).seq(rmwSequence);
  const cumulStar = cumulFence.star();
  const prop = overwrite.inter(ext).opt().restrict(Marked, null).seq(cumulStar).restrict(null, Marked).seq(rfe.opt()).restrict(null, Marked);
  const hb = ppo.union(rfe, prop.minusId().inter(int)).restrict(Marked, Marked);
  if (!hb.acyclic()) return fail('happens-before', hb, { hb });
  const hbStar = hb.star();
  const pb = strongFence0.isEmpty() ? strongFence0 : Relation.seqAll(prop, strongFence0, hbStar).restrict(null, Marked);
  if (!pb.acyclic()) return fail('propagation', pb, { hb, pb });
  const pbStar = pb.star();

  // SRCU read-side sections: a lock to the unlock fed its index (through memory too).
  const srcuFlags: string[] = [];
  let srcuRscsi = Relation.empty(sk.n);
  if (!s.SrcuLock.isEmpty() || !s.SrcuUnlock.isEmpty()) {
    const carrySrcuData = sk.data.restrict(null, s.notSrcuUnlock).seq(rf).star();
    const srcuRscs = Relation.seqAll(carrySrcuData.restrict(s.SrcuLock, null), sk.data.restrict(null, s.SrcuUnlock)).inter(sk.loc);
    srcuRscsi = srcuRscs.inverse();
    if (!s.SrcuLock.minus(srcuRscs.domain()).isEmpty()) srcuFlags.push('unmatched-srcu-lock');
    if (!s.SrcuUnlock.minus(srcuRscs.range()).isEmpty()) srcuFlags.push('unmatched-srcu-unlock');
    if (!srcuRscsi.seq(srcuRscs).minusId().isEmpty()) srcuFlags.push('multiple-srcu-matches');
    if ([...srcuRscs.pairs()].some(([a, b]) => sk.events[a]!.value !== sk.events[b]!.value)) srcuFlags.push('srcu-bad-value-match');
  }

  let rcuFence = Relation.empty(sk.n);
  let rb = Relation.empty(sk.n);
  if (!s.rcuGp.isEmpty() || !s.srcuGp.isEmpty()) {
    const rcuLink = Relation.seqAll(po.opt(), hbStar, pbStar, prop, po);
    const { loc } = sk;
    const base = Relation.seqAll(s.rcuGp, rcuLink, s.rscsi).union(s.rcuGp, s.srcuGp, Relation.seqAll(s.rscsi, rcuLink, s.rcuGp),
      Relation.seqAll(s.srcuGp, rcuLink, srcuRscsi).inter(loc), Relation.seqAll(srcuRscsi, rcuLink, s.srcuGp).inter(loc));
    let order = base;
    for (;;) {
      const next = base.union(
        Relation.seqAll(s.rcuGp, rcuLink, order, rcuLink, s.rscsi),
        Relation.seqAll(s.rscsi, rcuLink, order, rcuLink, s.rcuGp),
        Relation.seqAll(s.srcuGp, rcuLink, order, rcuLink, srcuRscsi).inter(loc),
        Relation.seqAll(srcuRscsi, rcuLink, order, rcuLink, s.srcuGp).inter(loc),
        Relation.seqAll(order, rcuLink, order),
      );
      if (next.equals(order)) break;
      order = next;
    }
    rcuFence = Relation.seqAll(po, order, po.opt());
    rb = Relation.seqAll(prop, rcuFence, hbStar, pbStar).restrict(null, Marked);
    if (!rb.irreflexive()) return fail('rcu', rb, { hb, pb, rb });
  }

  const flags = [...s.staticFlags, ...srcuFlags];
  // Without plain accesses there is nothing to race and nothing to check.
  if (s.Plain.isEmpty()) return { ok: true, failed: null, culprit: null, flags, hb, pb, rb };

  // Plain accesses and data races, with fence and strong-fence shadowed by rcu-fence.
  const fence = fence0.union(rcuFence);
  const strongFence = strongFence0.union(rcuFence);
  const nonrwFence = nonrwFence0;
  const xbstar = hb.union(pb, rb).star();
  const vis = Relation.seqAll(cumulStar, rfe.opt(), idMarked,
    Relation.seqAll(strongFence, idMarked, xbstar).union(xbstar.inter(int)));
  const rmbRel = fencerel(po, sk.tagged('rmb'));
  const wPre = idMarked.seq(addr.union(fence).opt());
  const rPre = idMarked.seq(addr.union(nonrwFence, rmbRel.restrict(s.R4rmb, s.notNoreturn)).opt());
  const wPost = Relation.seqAll(fence.opt(), idMarked, rmwSequence);
  const rPost = nonrwFence.union(rmbRel.restrict(s.notNoreturn, s.R4rmb)).opt().seq(idMarked);
  const wwVis = fence.union(Relation.seqAll(strongFence, xbstar, wPre), Relation.seqAll(wPost, vis, wPre));
  const wrVis = fence.union(Relation.seqAll(strongFence, xbstar, rPre), Relation.seqAll(wPost, vis, rPre));
  const rwXbstar = fence.union(Relation.seqAll(rPost, xbstar, wPre));
  const M = sk.M;
  const preRace = ext.inter(Relation.cross(s.Plain, M).union(Relation.cross(M.minus(sk.IW), s.Plain)));
  const wrIncoh = preRace.inter(rf).inter(rwXbstar.inverse());
  const rwIncoh = preRace.inter(fr).inter(wrVis.inverse());
  const wwIncoh = preRace.inter(co).inter(wwVis.inverse());
  const incoh = wrIncoh.union(rwIncoh, wwIncoh);
  if (!incoh.isEmpty()) return fail('plain-coherence', incoh, { hb, pb, rb });

  if (full) {
    const mixed = Relation.seqAll(Relation.id(s.Plain.inter(sk.W)), s.poLoc.minus(s.barrier), idMarked)
      .union(Relation.seqAll(idMarked, s.poLoc.minus(s.barrier), Relation.id(s.Plain.inter(sk.W))));
    if (!mixed.isEmpty()) flags.push('mixed-accesses');
    const Wset = sk.W;
    const wwNonrace = wwVis.inter(Relation.cross(Marked, Wset).union(rwXbstar)).inter(Relation.cross(Wset, Marked).union(wrVis));
    const wwRace = preRace.inter(co).minus(wwNonrace);
    const wrRace = preRace.inter(co.opt().seq(rf)).minus(wrVis).minus(rwXbstar.inverse());
    const rwRace = preRace.inter(fr).minus(rwXbstar);
    if (!wwRace.union(wrRace, rwRace).isEmpty()) flags.push('data-race');
  }
  return { ok: true, failed: null, culprit: null, flags, hb, pb, rb };
}

export const lkmm: MemoryModel = {
  name: 'lkmm',
  prepare(sk: Skeleton): PreparedModel {
    const s = prepareStatic(sk);
    return {
      check: (c, detail) => evaluate(s, c, detail, true),
      timeline: (c) => {
        const d = evaluate(s, c, false, false);
        return d.hb.union(d.pb, d.rb);
      },
    };
  },
};
