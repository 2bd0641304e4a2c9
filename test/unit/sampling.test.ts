/** Paired hash sampling and the half-sample stability check, on the pure core. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { scoreSource, subsetScores } from '../../server/src/core/eci';
import { compareKeys, halfSamples, PairedSampler, resolveSample, sampleHash, sampleHashBig, type SampleKey } from '../../server/src/core/sampling';
import { computeStability, nearestRank, type StabilityInput } from '../../server/src/core/stability';
import { close, gaussian, normalize } from '../helpers/eciCheck';
import { Rng } from '../helpers/rng';

/** H written out once more, from the definition: SHA-256 of the NUL-joined parts, first 8 bytes big-endian. */
function reference(...parts: (string | number)[]): bigint {
  return createHash('sha256').update(Buffer.from(parts.map(String).join('\u0000'), 'utf8')).digest().readBigUInt64BE(0);
}

test('H is the first 8 bytes of SHA-256 of the NUL-joined UTF-8 parts, big-endian', () => {
  for (const parts of [[13, 'what is bm25', 0], [13, 'what is bm25', 1], [7, 'half', 3, 'ünïcødé query', 12], [0, '']] as (string | number)[][]) {
    assert.equal(sampleHashBig(...parts), reference(...parts));
  }
  // The NUL separator keeps (1, "3x") and (13, "x") apart.
  assert.notEqual(sampleHashBig(1, '3x'), sampleHashBig(13, 'x'));
  assert.equal(compareKeys(sampleHash(1, 'a'), sampleHash(1, 'a')), 0);
});

/** A source's triples as (query, p, n) texts with locations; `order` makes resolveSample see them. */
function source(triples: { q: string; p: string; n: string }[], seed: number, sampleSize: number, visit: number[] = triples.map((_, i) => i)) {
  const qids = new Map<string, number>();
  const meta = triples.map((t, i) => {
    if (!qids.has(t.q)) qids.set(t.q, qids.size);
    return { qid: qids.get(t.q)!, h: sampleHash(seed, t.q, t.p, t.n), line: i };
  });
  const sampler = new PairedSampler(sampleSize, seed);
  for (const i of visit) sampler.offer(meta[i].qid, triples[i].q);
  const order = {
    qid: (i: number) => meta[i].qid,
    hashHi: (i: number) => meta[i].h.hi,
    hashLo: (i: number) => meta[i].h.lo,
    compareLocation: (i: number, j: number) => meta[i].line - meta[j].line,
  };
  return resolveSample(visit, sampler.keys(), order);
}

function dataset(queries: number, perQuery: number, seed = 1) {
  const rng = new Rng(seed, 'paired');
  const out: { q: string; p: string; n: string }[] = [];
  for (let q = 0; q < queries; q++) for (let k = 0; k < perQuery + (q % 3); k++) out.push({ q: `query ${q}`, p: `answer ${q}`, n: `negative ${q}.${k}.${rng.nextUint32()}` });
  return out;
}

test('the sample is the N smallest keys H(seed, q, j), j the position by H(seed, q, p, n) within the query group', () => {
  const triples = dataset(40, 3);
  const seed = 13, N = 25;
  // Expected, from the definition.
  const groups = new Map<string, number[]>();
  triples.forEach((t, i) => groups.set(t.q, [...(groups.get(t.q) ?? []), i]));
  const keyed: { i: number; key: bigint }[] = [];
  for (const [q, members] of groups) {
    members.sort((x, y) => { const a = reference(seed, q, triples[x].p, triples[x].n), b = reference(seed, q, triples[y].p, triples[y].n); return a < b ? -1 : a > b ? 1 : x - y; });
    members.forEach((i, j) => keyed.push({ i, key: reference(seed, q, j) }));
  }
  keyed.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  const expected = keyed.slice(0, N).map((k) => k.i);
  const got = source(triples, seed, N);
  assert.deepEqual(Array.from(got.positions), expected, 'same triples, in ascending key order');
  assert.equal(got.keys.length, N);
});

test('order of the lines does not change the sample; a size ≤ N takes every triple', () => {
  const triples = dataset(30, 4);
  const rng = new Rng(5, 'shuffle');
  const visit = triples.map((_, i) => i);
  for (let i = visit.length - 1; i > 0; i--) { const j = rng.nextBelow(i + 1); [visit[i], visit[j]] = [visit[j], visit[i]]; }
  const a = source(triples, 13, 20);
  const b = source(triples, 13, 20, visit);
  // resolveSample returns positions within the visiting order: map back to triples.
  assert.deepEqual(Array.from(b.positions, (p) => visit[p]), Array.from(a.positions));
  const all = source(triples.slice(0, 10), 13, 1000);
  assert.deepEqual([...all.positions].sort((x, y) => x - y), [...Array(10).keys()]);
  assert.equal(source(triples, 13, 0).positions.length, 0);
  assert.throws(() => new PairedSampler(-1, 13), RangeError);
});

test('editing one triple changes the sample only within its query; sources over the same queries draw the same queries', () => {
  const triples = dataset(50, 3);
  const before = source(triples, 13, 30);
  const edited = triples.map((t, i) => (i === 7 ? { ...t, n: 'a completely new negative' } : t));
  const after = source(edited, 13, 30);
  const q = triples[7].q;
  const outside = (s: typeof before) => Array.from(s.positions).filter((i) => triples[i].q !== q).sort((x, y) => x - y);
  assert.deepEqual(outside(after), outside(before));
  // Another source with other negatives for the same queries samples the same (query, j) keys.
  const other = triples.map((t) => ({ ...t, n: `${t.n} (from another system)` }));
  assert.deepEqual(source(other, 13, 30).keys.map((k) => [k.query, k.j]), before.keys.map((k) => [k.query, k.j]));
});

test('uniform over triples: every triple is drawn about equally often across seeds (χ²)', () => {
  const triples = dataset(12, 2); // groups of 2, 3 and 4
  const counts = new Array(triples.length).fill(0);
  const trials = 4000, N = 6;
  for (let seed = 0; seed < trials; seed++) for (const i of source(triples, seed, N).positions) counts[i]++;
  const expected = (trials * N) / triples.length;
  const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
  // 35 degrees of freedom: P(χ² > 66.6) ≈ 0.001.
  assert.ok(chi2 < 66.6, `chi2 ${chi2.toFixed(1)}, counts ${counts}`);
});

test('half-samples: ⌊N/2⌋ of the sample by H(seed, "half", r, q, j), the same queries across sources', () => {
  const keys: SampleKey[] = Array.from({ length: 11 }, (_, i) => ({ ...sampleHash(13, `q${i}`, 0), qid: i, query: `q${i}`, j: 0 }));
  const halves = halfSamples(keys, 13, 20);
  assert.equal(halves.length, 20);
  for (const [r0, h] of halves.entries()) {
    assert.equal(h.length, 5);
    const expected = keys.map((k, i) => ({ i, key: reference(13, 'half', r0 + 1, k.query, k.j) }))
      .sort((x, y) => (x.key < y.key ? -1 : 1)).slice(0, 5).map((x) => x.i).sort((x, y) => x - y);
    assert.deepEqual(Array.from(h), expected);
  }
  assert.notDeepEqual(Array.from(halves[0]), Array.from(halves[1]));
  const shuffled = [...keys].reverse();
  assert.deepEqual(halfSamples(shuffled, 13, 3).map((h) => Array.from(h, (i) => shuffled[i].query).sort()), halves.slice(0, 3).map((h) => Array.from(h, (i) => keys[i].query).sort()));
});

function units(rng: Rng, n: number, d: number, spread = 1): { units: Float64Array[]; weights: Float64Array } {
  const base = normalize(gaussian(rng, d));
  const us = Array.from({ length: n }, () => {
    const v = gaussian(rng, d, spread);
    for (let k = 0; k < d; k++) v[k] += base[k];
    return normalize(v).map((x) => x * 0.8);
  });
  return { units: us, weights: Float64Array.from({ length: n }, () => 0.05 + 0.3 * rng.nextFloat()) };
}

test('subset scores equal a fresh score of the subset, in N- and d-space, with and without the shared Gram', () => {
  const rng = new Rng(3, 'subsets');
  for (const [n, d] of [[40, 64], [80, 12]]) {
    const { units: us, weights } = units(rng, n, d);
    const subsets = halfSamples(us.map((_, i) => ({ ...sampleHash(1, `q${i}`, 0), qid: i, query: `q${i}`, j: 0 })), 1, 4);
    const full = scoreSource(us, weights, 1, { keepGram: true });
    const shared = subsetScores(us, weights, 1, subsets, full.gram);
    const fresh = subsetScores(us, weights, 1, subsets);
    subsets.forEach((s, r) => {
      const direct = scoreSource(Array.from(s, (i) => us[i]), Array.from(s, (i) => weights[i]), 1).eci;
      close(shared[r], direct, 1e-9, 0, `shared ${n}×${d} r${r}`);
      close(fresh[r], direct, 1e-9, 0, `fresh ${n}×${d} r${r}`);
    });
  }
});

test('nearest-rank percentiles', () => {
  const twenty = Float64Array.from({ length: 20 }, (_, i) => i + 1);
  assert.equal(nearestRank(twenty, 50), 10);
  assert.equal(nearestRank(twenty, 10), 2);
  assert.equal(nearestRank(twenty, 90), 18);
  assert.equal(nearestRank([5], 10), 5);
  assert.ok(Number.isNaN(nearestRank([], 50)));
});

test('stability: two sources from one distribution are tied, a clearly weaker one is not, different N is not comparable', async () => {
  const rng = new Rng(11, 'stability');
  const n = 120, d = 48;
  const keys = Array.from({ length: n }, (_, i) => ({ ...sampleHash(13, `q${i}`, 0), qid: i, query: `q${i}`, j: 0 }));
  const make = (name: string, rank: number, spread: number, count = n): StabilityInput => {
    const { units: us, weights } = units(rng, count, d, spread);
    return { name, group: 'plain', rank, eci: scoreSource(us, weights, 1).eci, n: count, units: us, weights, keys: keys.slice(0, count) };
  };
  const a = make('A', 1, 1), b = make('B', 2, 1), c = make('C', 3, 0.05), small = make('Small', 4, 1, 60);
  // Ranks must follow the scores; the two like sources in either order.
  const [first, second] = a.eci >= b.eci ? [a, b] : [b, a];
  first.rank = 1; second.rank = 2;
  assert.ok(c.eci < second.eci, 'a source of nearly parallel residuals scores lower');
  const settings = { seed: 13, lambda: 1, resamples: 20, thresholds: { stableAgreement: 0.8 } };
  const s = await computeStability([a, b, c, small], settings);
  const top = s.bySource.get(first.name)!;
  assert.equal(top.next, second.name);
  assert.equal(top.tiedWithNext, true, `agreement ${top.agreementWithNext}`);
  const mid = s.bySource.get(second.name)!;
  assert.equal(mid.agreementWithNext, 1);
  assert.equal(mid.tiedWithNext, false);
  const third = s.bySource.get('C')!;
  assert.equal(third.comparableWithNext, false);
  assert.equal(third.agreementWithNext, null);
  assert.equal(third.tiedWithNext, false);
  assert.equal(s.bySource.get('Small')!.next, undefined);
  assert.equal(s.agreement.length, 6, 'every pair of the group');
  assert.deepEqual(s.agreement.filter((p) => !p.comparable).map((p) => p.b), ['Small', 'Small', 'Small']);
  for (const st of s.bySource.values()) {
    assert.ok(st.p10 <= st.median && st.median <= st.p90);
    assert.equal(st.scores.length, 20);
  }
  assert.equal(top.n, 60);
  // Same inputs, same numbers, bit for bit.
  const again = await computeStability([a, b, c, small], settings);
  assert.ok(Buffer.from(again.bySource.get('A')!.scores.buffer).equals(Buffer.from(s.bySource.get('A')!.scores.buffer)));
});
