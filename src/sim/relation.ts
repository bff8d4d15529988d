// Relation algebra over the events of one candidate execution, as bit
// matrices: row i holds the successors of event i. Events per candidate are
// few (tens), so every operation is a handful of word operations per row and
// models can be written as the cat files write them, one `let` per line.

/** A set of events, one bit per event index. */
export class EventSet {
  readonly n: number;
  readonly bits: Uint32Array;

  constructor(n: number, bits?: Uint32Array) {
    this.n = n;
    this.bits = bits ?? new Uint32Array(words(n));
  }

  static of(n: number, members: Iterable<number>): EventSet {
    const s = new EventSet(n);
    for (const i of members) s.add(i);
    return s;
  }

  static all(n: number): EventSet {
    const s = new EventSet(n);
    for (let i = 0; i < n; i++) s.add(i);
    return s;
  }

  add(i: number): void {
    this.bits[i >>> 5]! |= 1 << (i & 31);
  }

  has(i: number): boolean {
    return (this.bits[i >>> 5]! & (1 << (i & 31))) !== 0;
  }

  union(o: EventSet): EventSet {
    const b = new Uint32Array(this.bits.length);
    for (let w = 0; w < b.length; w++) b[w] = this.bits[w]! | o.bits[w]!;
    return new EventSet(this.n, b);
  }

  inter(o: EventSet): EventSet {
    const b = new Uint32Array(this.bits.length);
    for (let w = 0; w < b.length; w++) b[w] = this.bits[w]! & o.bits[w]!;
    return new EventSet(this.n, b);
  }

  minus(o: EventSet): EventSet {
    const b = new Uint32Array(this.bits.length);
    for (let w = 0; w < b.length; w++) b[w] = this.bits[w]! & ~o.bits[w]!;
    return new EventSet(this.n, b);
  }

  complement(): EventSet {
    return EventSet.all(this.n).minus(this);
  }

  isEmpty(): boolean {
    for (let w = 0; w < this.bits.length; w++) if (this.bits[w] !== 0) return false;
    return true;
  }

  *members(): IterableIterator<number> {
    for (let i = 0; i < this.n; i++) if (this.has(i)) yield i;
  }
}

function words(n: number): number {
  return (n + 31) >>> 5;
}

/** A binary relation on events 0..n-1. */
export class Relation {
  readonly n: number;
  /** Words per row. */
  readonly w: number;
  readonly bits: Uint32Array;

  constructor(n: number, bits?: Uint32Array) {
    this.n = n;
    this.w = words(n);
    this.bits = bits ?? new Uint32Array(this.w * n);
  }

  static empty(n: number): Relation {
    return new Relation(n);
  }

  static identity(n: number): Relation {
    const r = new Relation(n);
    for (let i = 0; i < n; i++) r.add(i, i);
    return r;
  }

  static fromPairs(n: number, pairs: Iterable<readonly [number, number]>): Relation {
    const r = new Relation(n);
    for (const [a, b] of pairs) r.add(a, b);
    return r;
  }

  /** [S]: the identity restricted to S. */
  static id(s: EventSet): Relation {
    const r = new Relation(s.n);
    for (const i of s.members()) r.add(i, i);
    return r;
  }

  /** S × T. */
  static cross(s: EventSet, t: EventSet): Relation {
    const r = new Relation(s.n);
    for (const i of s.members()) r.bits.set(t.bits, i * r.w);
    return r;
  }

  add(a: number, b: number): void {
    this.bits[a * this.w + (b >>> 5)]! |= 1 << (b & 31);
  }

  has(a: number, b: number): boolean {
    return (this.bits[a * this.w + (b >>> 5)]! & (1 << (b & 31))) !== 0;
  }

  clone(): Relation {
    return new Relation(this.n, this.bits.slice());
  }

  union(...others: Relation[]): Relation {
    const b = this.bits.slice();
    for (const o of others) for (let k = 0; k < b.length; k++) b[k]! |= o.bits[k]!;
    return new Relation(this.n, b);
  }

  inter(o: Relation): Relation {
    const b = this.bits.slice();
    for (let k = 0; k < b.length; k++) b[k]! &= o.bits[k]!;
    return new Relation(this.n, b);
  }

  minus(o: Relation): Relation {
    const b = this.bits.slice();
    for (let k = 0; k < b.length; k++) b[k]! &= ~o.bits[k]!;
    return new Relation(this.n, b);
  }

  /** Relational composition `this ; o`. */
  seq(o: Relation): Relation {
    const { n, w } = this;
    const out = new Uint32Array(w * n);
    if (this.isEmpty() || o.isEmpty()) return new Relation(n, out);
    for (let i = 0; i < n; i++) {
      const base = i * w;
      for (let wi = 0; wi < w; wi++) {
        let word = this.bits[base + wi]!;
        while (word !== 0) {
          const bit = word & -word;
          const j = (wi << 5) + (31 - Math.clz32(bit));
          word ^= bit;
          const jb = j * w;
          for (let k = 0; k < w; k++) out[base + k]! |= o.bits[jb + k]!;
        }
      }
    }
    return new Relation(n, out);
  }

  /** Composition of a chain, left to right. */
  static seqAll(first: Relation, ...rest: Relation[]): Relation {
    let r = first;
    for (const o of rest) r = r.seq(o);
    return r;
  }

  inverse(): Relation {
    const { n, w } = this;
    const r = new Relation(n);
    for (let i = 0; i < n; i++) {
      for (let x = 0; x < w; x++) {
        let word = this.bits[i * w + x]!;
        while (word !== 0) {
          const bit = word & -word;
          const j = (x << 5) + (31 - Math.clz32(bit));
          word ^= bit;
          r.bits[j * w + (i >>> 5)]! |= 1 << (i & 31);
        }
      }
    }
    return r;
  }

  /** r? */
  opt(): Relation {
    const b = this.bits.slice();
    for (let i = 0; i < this.n; i++) b[i * this.w + (i >>> 5)]! |= 1 << (i & 31);
    return new Relation(this.n, b);
  }

  /** r \ id */
  minusId(): Relation {
    const b = this.bits.slice();
    for (let i = 0; i < this.n; i++) b[i * this.w + (i >>> 5)]! &= ~(1 << (i & 31));
    return new Relation(this.n, b);
  }

  /** r⁺, by Warshall's algorithm on rows. */
  plus(): Relation {
    const { n, w } = this;
    const b = this.bits.slice();
    for (let k = 0; k < n; k++) {
      const kb = k * w;
      const kw = k >>> 5;
      const km = 1 << (k & 31);
      for (let i = 0; i < n; i++) {
        if ((b[i * w + kw]! & km) === 0) continue;
        const ib = i * w;
        for (let x = 0; x < w; x++) b[ib + x]! |= b[kb + x]!;
      }
    }
    return new Relation(n, b);
  }

  /** r* */
  star(): Relation {
    if (this.isEmpty()) return Relation.identity(this.n);
    return this.plus().opt();
  }

  /** [S] ; r ; [T] in one pass. */
  restrict(s: EventSet | null, t: EventSet | null): Relation {
    const { n, w } = this;
    const b = new Uint32Array(w * n);
    for (let i = 0; i < n; i++) {
      if (s !== null && !s.has(i)) continue;
      for (let x = 0; x < w; x++) b[i * w + x] = this.bits[i * w + x]! & (t === null ? 0xffffffff : t.bits[x]!);
    }
    return new Relation(n, b);
  }

  domain(): EventSet {
    const s = new EventSet(this.n);
    for (let i = 0; i < this.n; i++) if (!this.rowEmpty(i)) s.add(i);
    return s;
  }

  range(): EventSet {
    const s = new EventSet(this.n);
    for (let i = 0; i < this.n; i++) for (let x = 0; x < this.w; x++) s.bits[x]! |= this.bits[i * this.w + x]!;
    return s;
  }

  rowEmpty(i: number): boolean {
    for (let x = 0; x < this.w; x++) if (this.bits[i * this.w + x] !== 0) return false;
    return true;
  }

  *row(i: number): IterableIterator<number> {
    for (let x = 0; x < this.w; x++) {
      let word = this.bits[i * this.w + x]!;
      while (word !== 0) {
        const bit = word & -word;
        yield (x << 5) + (31 - Math.clz32(bit));
        word ^= bit;
      }
    }
  }

  *pairs(): IterableIterator<[number, number]> {
    for (let i = 0; i < this.n; i++) for (const j of this.row(i)) yield [i, j];
  }

  isEmpty(): boolean {
    for (let k = 0; k < this.bits.length; k++) if (this.bits[k] !== 0) return false;
    return true;
  }

  irreflexive(): boolean {
    for (let i = 0; i < this.n; i++) if (this.has(i, i)) return false;
    return true;
  }

  /** Acyclicity by repeatedly removing sources (Kahn), without a closure. */
  acyclic(): boolean {
    const { n, w, bits } = this;
    const indeg = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      for (let x = 0; x < w; x++) {
        let word = bits[i * w + x]!;
        while (word !== 0) {
          const bit = word & -word;
          indeg[(x << 5) + (31 - Math.clz32(bit))]!++;
          word ^= bit;
        }
      }
    }
    const stack: number[] = [];
    for (let i = 0; i < n; i++) if (indeg[i] === 0) stack.push(i);
    let seen = 0;
    while (stack.length > 0) {
      const i = stack.pop()!;
      seen++;
      for (let x = 0; x < w; x++) {
        let word = bits[i * w + x]!;
        while (word !== 0) {
          const bit = word & -word;
          const j = (x << 5) + (31 - Math.clz32(bit));
          word ^= bit;
          if (--indeg[j]! === 0) stack.push(j);
        }
      }
    }
    return seen === n;
  }

  /** A shortest cycle (event indices, first repeated implicitly), or null. */
  shortestCycle(): number[] | null {
    let best: number[] | null = null;
    for (let s = 0; s < this.n; s++) {
      const prev = new Int32Array(this.n).fill(-1);
      const queue = [s];
      let found = -1;
      for (let q = 0; q < queue.length && found < 0; q++) {
        const i = queue[q]!;
        for (const j of this.row(i)) {
          if (j === s) { found = i; break; }
          if (prev[j] === -1 && j !== s) { prev[j] = i; queue.push(j); }
        }
      }
      if (found < 0) continue;
      const path = [found];
      while (path[0] !== s) path.unshift(prev[path[0]!]!);
      if (best === null || path.length < best.length) best = path;
    }
    return best;
  }

  equals(o: Relation): boolean {
    for (let k = 0; k < this.bits.length; k++) if (this.bits[k] !== o.bits[k]) return false;
    return true;
  }
}

/** fencerel(S) = po ; [S] ; po. */
export function fencerel(po: Relation, s: EventSet): Relation {
  if (s.isEmpty()) return new Relation(po.n);
  return po.restrict(null, s).seq(po);
}
