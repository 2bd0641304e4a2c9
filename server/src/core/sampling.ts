/**
 * Paired hash sampling (docs/spec.md, "Sampling"). A source's sample is the N
 * triples with the smallest keys, where a key depends only on the triple's
 * normalised query and its position within that query's group:
 *
 *   - within a source, triples are grouped by norm(query) and each group is
 *     ordered by H(seed, q, p, n) (ties by file, line, and position in the record);
 *   - the triple at position j of its group gets the key H(seed, q, j);
 *   - the sample is the N smallest keys.
 *
 * So the sample does not depend on the order of lines or files, an edit moves the
 * keys of one query's triples only, sources over the same queries draw the same
 * queries, and a bounded heap of N keys per source is all a streaming pass keeps
 * (plus a count per query). H is the first 8 bytes of SHA-256, big-endian, of the
 * parts joined by NUL — exact and identical on every machine.
 */
import { hash } from 'node:crypto';

/** A 64-bit key as two unsigned 32-bit halves (compared hi first). */
export interface Key64 { hi: number; lo: number }

/** H(x₁, …, x_m): the first 8 bytes of SHA-256 of the UTF-8 of x₁ NUL x₂ NUL … x_m, as an unsigned big-endian integer. */
export function sampleHash(...parts: (string | number)[]): Key64 {
  const digest = hash('sha256', parts.join('\u0000'), 'buffer');
  return { hi: digest.readUInt32BE(0), lo: digest.readUInt32BE(4) };
}

/** H as a BigInt (for tests and reports that want the number itself). */
export function sampleHashBig(...parts: (string | number)[]): bigint {
  const { hi, lo } = sampleHash(...parts);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

export function compareKeys(x: Key64, y: Key64): number {
  return x.hi !== y.hi ? (x.hi < y.hi ? -1 : 1) : x.lo !== y.lo ? (x.lo < y.lo ? -1 : 1) : 0;
}

/** One drawn key: the group (query id and its normalised text) and the position j within it. */
export interface SampleKey extends Key64 {
  qid: number;
  /** norm(query): kept for the half-sample keys of the stability check. */
  query: string;
  j: number;
}

/**
 * The streaming half of paired sampling for one source: `offer` each of the
 * source's triples once (in any order), by its query. Keeps the count of every
 * query group and a max-heap of the N smallest keys H(seed, q, j) seen so far.
 * A group of g triples has keys for j = 0 … g−1 whatever order its triples came
 * in, so the heap's content is order-independent; which triple sits at which j
 * is settled afterwards by `resolveSample`.
 */
export class PairedSampler {
  /** Triples offered so far per query id (ids are small integers: an array, not a map). */
  private counts = new Uint32Array(256);
  private readonly heap: SampleKey[] = [];

  /** `keyOf(qid, query, j)` must return H(seed, query, j); a caller that keeps them between runs passes its own. */
  constructor(readonly sampleSize: number, readonly seed: number, private readonly keyOf: (qid: number, query: string, j: number) => Key64 = (_, q, j) => sampleHash(seed, q, j)) {
    if (!Number.isInteger(sampleSize) || sampleSize < 0) throw new RangeError(`sampleSize must be a non-negative integer, got ${sampleSize}`);
  }

  /** The triple's query group: its id and normalised text. */
  offer(qid: number, query: string): void {
    if (qid >= this.counts.length) {
      const next = new Uint32Array(Math.max(qid + 1, this.counts.length * 2));
      next.set(this.counts);
      this.counts = next;
    }
    const j = this.counts[qid]++;
    if (this.sampleSize === 0) return;
    const h = this.keyOf(qid, query, j);
    const heap = this.heap;
    // Most keys lose to the root of a full heap: compare before making an object.
    if (heap.length >= this.sampleSize && compareKeys(h, heap[0]) > 0) return;
    const key: SampleKey = { hi: h.hi, lo: h.lo, qid, query, j };
    if (heap.length < this.sampleSize) {
      heap.push(key);
      this.up(heap.length - 1);
    } else if (compareKeys(key, heap[0]) < 0) {
      heap[0] = key;
      this.down(0);
    }
  }

  /** The drawn keys, smallest first. */
  keys(): SampleKey[] {
    return [...this.heap].sort((x, y) => compareKeys(x, y) || x.qid - y.qid || x.j - y.j);
  }

  // Max-heap by key: the root is the largest kept key, the first to give way.
  private above(i: number, j: number): boolean {
    const c = compareKeys(this.heap[i], this.heap[j]);
    return c > 0 || (c === 0 && (this.heap[i].qid - this.heap[j].qid || this.heap[i].j - this.heap[j].j) > 0);
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.above(i, parent)) return;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let top = i;
      if (l < h.length && this.above(l, top)) top = l;
      if (r < h.length && this.above(r, top)) top = r;
      if (top === i) return;
      [h[i], h[top]] = [h[top], h[i]];
      i = top;
    }
  }
}

/** What `resolveSample` needs of each triple: its query group, its order hash H(seed, q, p, n) and a location order for ties. */
export interface SampleOrder {
  qid(i: number): number;
  hashHi(i: number): number;
  hashLo(i: number): number;
  /** < 0 when triple i comes before triple j by file, line and position in the record. */
  compareLocation(i: number, j: number): number;
}

export interface ResolvedSample {
  /** Positions within `members` of the sampled triples, in ascending key order. */
  positions: Uint32Array;
  /** The key of each sampled triple, aligned with `positions`. */
  keys: SampleKey[];
}

/**
 * Which triple holds each drawn key: the members of every drawn query group are
 * ordered by (H(seed, q, p, n), location) and the one at position j takes key
 * (q, j). The sample comes out in ascending key order, which is also the order the
 * score uses, so scores do not depend on the order of lines either (bit for bit).
 */
export function resolveSample(members: ArrayLike<number>, keys: SampleKey[], order: SampleOrder): ResolvedSample {
  const groups = new Map<number, number[]>();
  for (const k of keys) if (!groups.has(k.qid)) groups.set(k.qid, []);
  for (let m = 0; m < members.length; m++) groups.get(order.qid(members[m]))?.push(m);
  const byHash = (x: number, y: number) => {
    const i = members[x], j = members[y];
    const hi = order.hashHi(i) - order.hashHi(j);
    if (hi !== 0) return hi;
    const lo = order.hashLo(i) - order.hashLo(j);
    return lo !== 0 ? lo : order.compareLocation(i, j);
  };
  for (const g of groups.values()) g.sort(byHash);
  const positions = new Uint32Array(keys.length);
  keys.forEach((k, r) => {
    const at = groups.get(k.qid)?.[k.j];
    if (at === undefined) throw new Error(`internal: query group ${k.qid} has no triple at position ${k.j}`);
    positions[r] = at;
  });
  return { positions, keys };
}

/**
 * The R half-samples of the stability check (docs/spec.md, "Stability"): for
 * r = 1 … R the sampled triples are ordered by H(seed, "half", r, q, j) and the
 * first ⌊N/2⌋ kept. Each subset lists indices into the sample (ascending), so a
 * half-sample keeps the sample's order. Sources that share queries keep the same
 * queries in each half-sample.
 */
export function halfSamples(keys: readonly SampleKey[], seed: number, resamples: number): Uint32Array[] {
  const n = keys.length;
  const half = n >> 1;
  const out: Uint32Array[] = [];
  for (let r = 1; r <= resamples; r++) {
    const ranked = keys.map((k, i) => ({ i, key: sampleHash(seed, 'half', r, k.query, k.j) }));
    ranked.sort((x, y) => compareKeys(x.key, y.key) || x.i - y.i);
    const subset = Uint32Array.from(ranked.slice(0, half), (x) => x.i);
    subset.sort();
    out.push(subset);
  }
  return out;
}
