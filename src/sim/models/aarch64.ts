// The ARMv8 model as herd 7.58's aarch64.cat ("Model B" of SIMULATOR.md
// §4.4), with the instruction-fetch rules of §5.3 when fetches exist: fetches
// are implicit reads outside internal visibility, cache maintenance is
// ordered against fetches and writes by the IC-after / DC-after choices,
// each consistent choice being one execution, as herd counts them.
import type { Candidate, Skeleton } from '../execution.ts';
import { EventSet, Relation } from '../relation.ts';
import type { Value } from '../types.ts';
import type { MemoryModel, PreparedModel, Verdict } from './model.ts';

interface Static {
  readonly sk: Skeleton;
  readonly Exp: EventSet;
  readonly ExpR: EventSet;
  readonly ExpW: EventSet;
  readonly Fetch: EventSet;
  readonly poLocExp: Relation;
  /** lob: locally-ordered-before (local-hw-reqs), fixed by the paths. */
  readonly lob: Relation;
  readonly dsbFull: EventSet;
  /** [IC] ; po ; [dsb.full] ; po ; [E \ Fetch]: what a completed IC orders. */
  readonly icDsbPo: Relation;
  /** (IC, fetch) pairs of one line, IC completed by a later DSB. */
  readonly icPairs: readonly (readonly [number, number])[];
  /** (DC, write) pairs of one line. */
  readonly dcPairs: readonly (readonly [number, number])[];
  /** (fetch, write) pairs of one location where an instruction is not CMODX-safe. */
  readonly cmodxPairs: readonly (readonly [number, number])[];
  /** (TLBI, walk) pairs of one entry, and what a completed TLBI orders. */
  readonly tlbiPairs: readonly (readonly [number, number])[];
  readonly tlbiDsbPo: Relation;
  readonly TTD: EventSet;
  readonly trib: Relation;
  readonly flags: readonly string[];
  readonly dic: boolean;
  readonly idc: boolean;
}

/** herd's list of instructions safe to modify concurrently with their execution. */
const CMODX_SAFE = new Set(['B', 'BL', 'CBZ', 'CBNZ', 'ISB', 'NOP', 'SVC', 'TBZ', 'TBNZ']);

function cmodxSafe(v: Value): boolean {
  const m = typeof v === 'string' ? /^instr:"([A-Za-z.]+)/.exec(v) : null;
  return m !== null && CMODX_SAFE.has(m[1]!.toUpperCase());
}

function union(sets: EventSet[], n: number): EventSet {
  return sets.reduce((a, b) => a.union(b), new EventSet(n));
}

function prepareStatic(sk: Skeleton, cacheType: readonly string[], build: HerdBuild): Static {
  const { n, po, loc, M, events } = sk;
  const t = (tag: string): EventSet => sk.tagged(tag);
  const opts = (kind: string, names: string[]): EventSet => union(names.map((o) => t(`${kind}.${o}`)), n);
  const dsbFull = opts('DSB', ['ISH', 'OSH', 'SY']);
  const dsbLd = opts('DSB', ['ISHLD', 'OSHLD', 'LD']);
  const dsbSt = opts('DSB', ['ISHST', 'OSHST', 'ST']);
  const dmbFull = opts('DMB', ['ISH', 'OSH', 'SY']).union(dsbFull);
  const dmbLd = opts('DMB', ['ISHLD', 'OSHLD', 'LD']).union(dsbLd);
  const dmbSt = opts('DMB', ['ISHST', 'OSHST', 'ST']).union(dsbSt);
  // Context-synchronisation events: ISB, exception entry and return.
  const ISB = t('ISB').union(t('EXC-ENTRY')).union(t('EXC-RET'));
  const Fetch = t('Instr');
  const TTD = t('TTD');
  const Imp = Fetch.union(TTD);
  const Exp = M.minus(Imp);
  const ExpR = sk.R.minus(Imp);
  const ExpW = sk.W;
  const DC = t('DC.CVAU');
  const IC = t('IC');
  const notFetch = EventSet.all(n).minus(Fetch);
  const notImp = EventSet.all(n).minus(Imp);
  const A = t('A').inter(Exp), Q = t('Q').inter(Exp), L = t('L').inter(Exp);
  const NoRet = t('NoRet');
  const poLocExp = po.inter(loc).restrict(Exp, Exp);
  // lrs: a write to its po-later same-location reads with no write in between.
  const lrs = poLocExp.restrict(ExpW, ExpR).minus(poLocExp.restrict(ExpW, ExpW).seq(poLocExp.restrict(ExpW, ExpR)));
  const { addr, data, ctrl, rmw } = sk;
  const amo = rmw.restrict(null, t('amo'));
  // f-ib: a fetch before the events of the instruction it fetched.
  const fib = new Relation(n);
  for (const e of events) if (e.fetch !== undefined) fib.add(e.id - e.poIndex + e.fetch, e.id);
  // tr-ib: a translation-table walk before the access that uses it.
  const trib = new Relation(n);
  for (const e of events) if (e.ttd !== undefined) trib.add(e.id - e.poIndex + e.ttd, e.id);

  const lwfs = poLocExp.restrict(Exp, ExpW);
  const fob = po.restrict(Fetch, notFetch);
  const dsbOb = po.restrict(M.union(DC).union(IC), dsbFull).seq(po).restrict(null, notImp)
    .union(po.restrict(ExpR.minus(NoRet), dsbLd).seq(po).restrict(null, notImp), po.restrict(ExpW, dsbSt).seq(po).restrict(null, notImp));
  const cseOb = ctrl.restrict(ExpR, ISB).seq(po)
    .union(Relation.seqAll(addr.restrict(ExpR, Exp), po.restrict(null, ISB), po), dsbOb.restrict(null, ISB).seq(po), fib.restrict(Fetch, ISB).seq(po),
      trib.restrict(TTD, ISB).seq(po), Relation.seqAll(trib, po.restrict(null, ISB), po));
  const dob = addr.union(data, ctrl.restrict(null, ExpW.union(DC).union(IC)), Relation.seqAll(addr.restrict(null, Exp), po.restrict(null, ExpW)),
    Relation.seqAll(addr.restrict(null, Exp), lrs), Relation.seqAll(data.restrict(null, Exp), lrs), addr.restrict(ExpR, DC.union(IC)));
  const aob = rmw.restrict(Exp, Exp).union(Relation.seqAll(rmw, lrs).restrict(null, A.union(Q)));
  const bob = po.restrict(Exp, dmbFull).seq(po).restrict(null, Exp).union(
    po.restrict(ExpR.minus(NoRet), dmbLd).seq(po).restrict(null, Exp),
    po.restrict(ExpW, dmbSt).seq(po).restrict(null, ExpW),
    po.restrict(Relation.id(A).seq(amo).restrict(null, L).range(), Exp),
    po.restrict(L, A),
    po.restrict(A.union(Q), Exp),
    po.restrict(Exp, L),
    po.restrict(Exp.union(DC), dmbFull).seq(po).restrict(null, DC),
    po.restrict(DC, dmbFull).seq(po).restrict(null, Exp),
  );
  const scl = loc;
  const poSclOb = po.inter(scl).restrict(Exp.union(DC), DC).union(po.inter(scl).restrict(DC, Exp));
  const ttdOb = trib.seq(po.restrict(null, ExpW)).union(po.inter(loc).restrict(TTD, sk.W));
  const lob = fib.union(fob, poSclOb, dsbOb, cseOb, lwfs, dob, aob, bob, trib, ttdOb).plus();

  // Cache maintenance against fetches and writes of the same line.
  const completedIC = IC.inter(po.restrict(null, dsbFull).domain());
  const icPairs: [number, number][] = [];
  for (const ic of completedIC.members()) for (const f of Fetch.members()) {
    if (events[ic]!.loc === null || events[ic]!.loc === events[f]!.loc) icPairs.push([ic, f]);
  }
  // TLB maintenance against walks of the same entry, TLBI completed by a later DSB.
  const completedTLBI = t('TLBI').inter(po.restrict(null, dsbFull).domain());
  const tlbiPairs: [number, number][] = [];
  for (const ti of completedTLBI.members()) for (const w of TTD.members()) {
    if (events[ti]!.loc === null || events[ti]!.loc === events[w]!.loc) tlbiPairs.push([ti, w]);
  }
  // Concurrent modification of code (Arm ARM B2.2.5): a fetch and a write of
  // one location conflict unless both instructions are in the safe list.
  const cmodxPairs: [number, number][] = [];
  for (const f of Fetch.members()) for (const w of sk.W.members()) {
    const fe = events[f]!, we = events[w]!;
    if (we.isInit || fe.loc !== we.loc) continue;
    if (!cmodxSafe(fe.value) || !cmodxSafe(we.value)) cmodxPairs.push([f, w]);
  }
  const dcPairs: [number, number][] = [];
  for (const dc of DC.members()) for (const w of ExpW.members()) if (events[dc]!.loc === events[w]!.loc) dcPairs.push([dc, w]);

  const flags: string[] = [];
  // The shareability flag changed between herd builds (SIMULATOR.md §6.4).
  if (build === '61e77efd') {
    const plain = opts('DMB', ['SY', 'LD', 'ST']).union(opts('DSB', ['SY', 'LD', 'ST']));
    if (!dmbFull.union(dmbLd).union(dmbSt).minus(plain).isEmpty()) flags.push('Assuming-common-inner-shareable-domain');
  } else if (!opts('DMB', ['ISH', 'OSH', 'ISHLD', 'OSHLD', 'ISHST', 'OSHST']).isEmpty()) {
    flags.push('Shareability-argument-for-DMB-is-deprecated');
  }
  const codeWritten = new Set(events.filter((e) => e.kind === 'W' && !e.isInit && e.loc !== null && e.loc.startsWith('label:')).map((e) => e.loc));
  if (codeWritten.size >= 2) flags.push('Assuming-no-two-modified-instructions-are-on-the-same-cache-line');
  return {
    sk, Exp, ExpR, ExpW, Fetch, poLocExp, lob, dsbFull,
    icDsbPo: po.restrict(IC, dsbFull).seq(po).restrict(null, notFetch),
    tlbiDsbPo: po.restrict(t('TLBI'), dsbFull).seq(po), TTD, trib, tlbiPairs,
    icPairs, dcPairs, cmodxPairs, flags, dic: cacheType.includes('DIC'), idc: cacheType.includes('IDC'),
  };
}

interface Orientation {
  readonly icAfter: Relation;
  readonly dcAfter: Relation;
  readonly tlbiAfter: Relation;
}

/** Every orientation of the IC/fetch and DC/write pairs that lob does not fix. */
function* orientations(s: Static): Generator<Orientation> {
  const { n } = s.sk;
  const fixed = (pairs: readonly (readonly [number, number])[], before: (a: number, b: number) => boolean) => {
    const forced: [number, number][] = [];
    const free: (readonly [number, number])[] = [];
    for (const [a, b] of pairs) {
      if (before(a, b)) forced.push([a, b]);
      else if (before(b, a)) forced.push([b, a]);
      else free.push([a, b]);
    }
    return { forced, free };
  };
  const ic = fixed(s.icPairs, (a, b) => s.lob.has(a, b));
  const dc = fixed(s.dcPairs, (a, b) => s.lob.has(a, b) || (s.sk.events[a]!.isInit && !s.sk.events[b]!.isInit));
  const tl = fixed(s.tlbiPairs, (a, b) => s.lob.has(a, b));
  const free = [...ic.free.map((p) => ['ic', p] as const), ...dc.free.map((p) => ['dc', p] as const), ...tl.free.map((p) => ['tlbi', p] as const)];
  for (let mask = 0; mask < 1 << free.length; mask++) {
    const icAfter = Relation.fromPairs(n, ic.forced);
    const dcAfter = Relation.fromPairs(n, dc.forced);
    const tlbiAfter = Relation.fromPairs(n, tl.forced);
    free.forEach(([kind, [a, b]], k) => {
      const r = kind === 'ic' ? icAfter : kind === 'dc' ? dcAfter : tlbiAfter;
      if ((mask >> k) & 1) r.add(b, a); else r.add(a, b);
    });
    yield { icAfter, dcAfter, tlbiAfter };
  }
}

function evaluate(s: Static, c: Candidate, detail: boolean): Verdict & { ob: Relation } {
  const { sk } = s;
  const { rf, co } = c;
  const fr = rf.inverse().seq(co).minusId();
  const ca = fr.union(co);
  const ext = sk.ext;
  const caExt = ca.inter(ext);
  const expHazOb = s.poLocExp.restrict(s.ExpR, s.ExpR).seq(caExt.restrict(null, s.ExpW));
  const expObs = rf.inter(ext).union(caExt).restrict(s.Exp, s.Exp);
  const base = s.lob.union(expHazOb, expObs, rf.restrict(null, s.Fetch), rf.restrict(null, s.TTD));
  const fail = (failed: string, culprit: Relation, ob: Relation): Verdict & { ob: Relation } => ({ ok: false, failed, culprit: detail ? culprit : null, flags: [], ob });
  const rfi = rf.inter(sk.int);
  const caInt = ca.inter(sk.int);
  const coRW1 = Relation.seqAll(s.poLocExp.union(sk.rmw).restrict(s.ExpR, s.ExpW), rfi.restrict(null, s.ExpR));
  if (!coRW1.irreflexive()) return fail('coRW1-Exp', coRW1, base);
  const coWW = s.poLocExp.restrict(s.ExpW, s.ExpW).seq(caInt);
  if (!coWW.irreflexive()) return fail('coWW-Exp', coWW, base);
  const coWR = s.poLocExp.restrict(s.ExpW, s.ExpR).seq(caInt);
  if (!coWR.irreflexive()) return fail('coWR-Exp', coWR, base);
  if (s.icPairs.length === 0 && s.dcPairs.length === 0 && s.tlbiPairs.length === 0 && !s.dic) {
    const ob = base.plus();
    // The culprit is the union before closure, so a witness cycle shows its steps.
    if (!ob.irreflexive()) return fail('external', base, ob);
    return { ok: true, failed: null, culprit: null, flags: cmodx(s, ob) ? [...s.flags, CMODX] : s.flags, ob };
  }
  let executions = 0;
  let firstOb: Relation | null = null;
  let lastOb = base;
  let lastSteps = base;
  let violatesCmodx = false;
  const poFetch = sk.po.restrict(s.Fetch, s.Fetch);
  for (const { icAfter, dcAfter, tlbiAfter } of orientations(s)) {
    const icBeforeFetch = icAfter.restrict(null, s.Fetch);
    // With CTR_EL0.IDC no DC is needed; with DIC not even an IC (CacheType=).
    const fetchCa = ca.restrict(s.Fetch, sk.W);
    const icCa = s.dic ? fetchCa
      : s.idc ? icBeforeFetch.seq(fetchCa)
      : Relation.seqAll(icBeforeFetch, fetchCa, dcAfter.restrict(sk.W, null));
    // With DIC a later fetch's stale read also orders the earlier fetch (Instr-read-ob | ca).
    const instrReadOb = s.dic ? icAfter.restrict(s.Fetch, null).seq(s.icDsbPo).union(ca) : icAfter.restrict(s.Fetch, null).seq(s.icDsbPo);
    const icOb = poFetch.seq(instrReadOb);
    // TLBI-ca: a walk after a completed TLBI sees what was written before it;
    // TLBI-ob: a walk before it, and its access, precede what follows the DSB.
    const tlbiCa = tlbiAfter.restrict(null, s.TTD).seq(ca.restrict(s.TTD, sk.W));
    const walkBefore = tlbiAfter.restrict(s.TTD, null).seq(s.tlbiDsbPo);
    const tlbiOb = walkBefore.union(s.trib.inverse().seq(walkBefore));
    const steps = base.union(icOb, icAfter, dcAfter, icCa, tlbiAfter, tlbiCa, tlbiOb);
    const ob = steps.plus();
    lastOb = ob;
    lastSteps = steps;
    if (!ob.irreflexive()) continue;
    executions++;
    firstOb ??= ob;
    violatesCmodx ||= cmodx(s, ob);
  }
  if (executions === 0) return fail('external', lastSteps, lastOb);
  return { ok: true, failed: null, culprit: null, flags: violatesCmodx ? [...s.flags, CMODX] : s.flags, ob: firstOb!, executions };
}

const CMODX = 'violates-CMODX-requirements';

/** Do a fetch and a write of one instruction location, one of them not CMODX-safe, go unordered? */
function cmodx(s: Static, ob: Relation): boolean {
  for (const [f, w] of s.cmodxPairs) if (!ob.has(f, w) && !ob.has(w, f)) return true;
  return false;
}

/**
 * herd builds whose aarch64 output differs: 5feffe4e (2026-08, the corpus
 * reference) and 61e77efd (2025-06, SIMULATOR.md's golden outputs).
 */
export type HerdBuild = '5feffe4e' | '61e77efd';

/** The model for a test whose `CacheType=` info line lists `cacheType` (DIC, IDC). */
export function aarch64Model(cacheType: readonly string[], build: HerdBuild = '5feffe4e'): MemoryModel {
  return {
    name: 'aarch64',
    prepare: (sk) => prepareWith(sk, cacheType, build),
  };
}

export const aarch64: MemoryModel = aarch64Model([]);

function prepareWith(sk: Skeleton, cacheType: readonly string[], build: HerdBuild): PreparedModel {
  {
    const s = prepareStatic(sk, cacheType, build);
    return {
      check: (c, detail) => evaluate(s, c, detail),
      timeline: (c) => evaluate(s, c, false).ob,
    };
  }
}
