/**
 * Spec §5 invariants, one test each, plus the spec's worked identities
 * (clipping, edge cases and linalg kernels: eci-components.test.ts). Random data comes from the
 * project's seeded xoshiro128** (never Math.random), so failures reproduce.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scoreSource, sigmoid, tripleFactors, type SourceScore } from '../../server/src/core/eci';
import { cholesky, forwardSolve } from '../../server/src/core/linalg';
import { Rng } from '../helpers/rng';
import { compareKeys, sampleHash } from '../../server/src/core/sampling';
import { close, closeArrays, dotv, gaussian, makeTriples, normalize, pipeline, randomOrthogonal, randomUnits, rotate } from '../helpers/eciCheck';

// ---------- invariant 1 ----------

test('invariant 1: t + π = 1, t·l = min(π, 1−π), 0 ≤ w ≤ 0.5, ε_r ≤ r ≤ 1 on a grid (extremes included)', () => {
  const values = [-1, -0.5, 0, 0.3, 0.7, 0.78, 0.8, 0.999, 1];
  const ovs = [0, 0.2, 0.5, 0.8, 0.95, 0.99, 1];
  let checked = 0;
  for (const temperature of [0.01, 0.02, 0.05]) {
    for (const a of values) for (const b of values) for (const ov of ovs) {
      const s = { temperature, lexicalFloor: 0.05 };
      const f = tripleFactors(a, b, 0, ov, s);
      const x = (a - b) / temperature;
      assert.ok(Math.abs(f.t + f.pi - 1) <= 2 * Number.EPSILON, `t + π at a=${a} b=${b}`);
      // Independent form of min(π, 1 − π) = 1/(1 + e^|x|): exact even where 1 − π rounds to 0.
      close(f.t * f.l, 1 / (1 + Math.exp(Math.abs(x))), 1e-12, 0, `t·l at a=${a} b=${b} τ=${temperature}`);
      assert.ok(f.w >= 0 && f.w <= 0.5, `w=${f.w}`);
      assert.ok(f.r >= 0.05 && f.r <= 1, `r=${f.r}`);
      assert.equal(f.r, Math.max(0.05, 1 - ov));
      assert.equal(f.w, f.t * f.l * f.r);
      checked++;
    }
  }
  assert.equal(checked, 3 * 9 * 9 * 7);
  // Extremes: Δ = ±2 at τ = 0.01 (|Δ/τ| = 200) keeps tiny values instead of 0 or NaN.
  const hard = tripleFactors(-1, 1, 0, 0, { temperature: 0.01, lexicalFloor: 0.05 });
  close(hard.t, 1 / (1 + Math.exp(200)), 1e-12);
  assert.ok(hard.t > 0 && hard.l === 1);
});

test('spec example: a = 0.8, b = 0.78, τ = 0.02 gives Δ/τ ≈ 1 and t·l = π = σ(−1)', () => {
  const f = tripleFactors(0.8, 0.78, 0.5, 0.5, { temperature: 0.02, lexicalFloor: 0.05 });
  close(f.delta, 0.02, 1e-13);
  close(f.pi, 0.2689414213699951, 1e-14);
  close(f.t, 0.7310585786300049, 1e-14);
  close(f.l, 0.36787944117144233, 1e-14);
  close(f.t * f.l, f.pi, 1e-14);
  assert.equal(f.r, 0.5);
  close(f.w, 0.13447071068499755, 1e-14);
  // Encoder prefers the negative by τ·ln 3: t = 1/4 exactly at the false-negative threshold.
  const fn = tripleFactors(0.5, 0.5 + 0.02 * Math.log(3), 0, 0, { temperature: 0.02, lexicalFloor: 0.05 });
  close(fn.t, 0.25, 1e-12);
  assert.equal(fn.l, 1);
});

test('sigmoid is stable for large |x|', () => {
  assert.equal(sigmoid(0), 0.5);
  close(sigmoid(-100), 3.720075976020836e-44, 1e-14);
  close(sigmoid(100), 1, 0, 1e-16);
  assert.equal(sigmoid(-800), 0);
  assert.equal(sigmoid(800), 1);
  assert.ok(!Number.isNaN(sigmoid(-1e308)) && !Number.isNaN(sigmoid(1e308)));
});

// ---------- invariants 2 and 3 ----------

test('invariant 2: N identical unit directions, w = 1, λ = 1 → ln(1 + N), in both spaces', () => {
  const rng = new Rng(2, 'identical');
  const d = 32;
  const dir = normalize(gaussian(rng, d));
  for (const n of [1, 2, 3, 10, 33, 64, 200]) {
    const units = Array.from({ length: n }, () => Float64Array.from(dir));
    const weights = new Float64Array(n).fill(1);
    for (const space of ['n', 'd'] as const) {
      const s = scoreSource(units, weights, 1, { space });
      close(s.eci, Math.log(1 + n), 1e-12, 0, `N=${n} ${space}`);
      close(s.lower, Math.log(1 + n), 1e-12);
      close(s.upper, n * Math.LN2, 1e-12);
      if (n > 1) close(s.diversity, 0, 0, 1e-9, `δ N=${n} ${space}`);
      else assert.equal(s.diversity, 1);
      for (let i = 0; i < n; i++) {
        close(s.leverage[i], 1 / (n + 1), 1e-10, 0, `h N=${n}`);
        close(s.gain[i], Math.log((n + 1) / n), 1e-10, 0, `g N=${n}`);
      }
    }
    assert.equal(scoreSource(units, weights, 1).space, n <= d ? 'n' : 'd');
  }
});

test('invariant 3: N orthonormal directions, w = 1, λ = 1 → N ln 2 and diversity 1', () => {
  const rng = new Rng(3, 'orthonormal');
  const d = 40;
  const basis = randomOrthogonal(rng, d);
  for (const n of [1, 5, 17, 40]) {
    const units = basis.slice(0, n);
    const weights = new Float64Array(n).fill(1);
    for (const space of ['n', 'd'] as const) {
      const s = scoreSource(units, weights, 1, { space });
      close(s.eci, n * Math.LN2, 1e-12, 0, `N=${n} ${space}`);
      close(s.diversity, 1, 0, 1e-9, `δ N=${n} ${space}`);
      for (let i = 0; i < n; i++) {
        close(s.leverage[i], 0.5, 1e-10);
        close(s.gain[i], Math.LN2, 1e-10);
      }
    }
  }
});

// ---------- invariant 4 ----------

test('invariant 4: d-space and N-space agree to 1e-9 relative (N < d, N = d, N > d)', () => {
  const rng = new Rng(4, 'spaces');
  for (const [n, d] of [[20, 50], [64, 64], [80, 30], [130, 7]]) {
    for (const lambda of [0.3, 1, 4]) {
      const { units, weights } = randomUnits(rng, n, d);
      const sn = scoreSource(units, weights, lambda, { space: 'n' });
      const sd = scoreSource(units, weights, lambda, { space: 'd' });
      assert.equal(sn.space, 'n');
      assert.equal(sd.space, 'd');
      close(sn.eci, sd.eci, 1e-9, 0, `eci N=${n} d=${d} λ=${lambda}`);
      close(sn.diversity, sd.diversity, 1e-9, 1e-12, 'diversity');
      assert.equal(sn.lower, sd.lower);
      assert.equal(sn.upper, sd.upper);
      closeArrays(sn.leverage, sd.leverage, 1e-9, 1e-15, 'leverage');
      closeArrays(sn.gain, sd.gain, 1e-9, 1e-15, 'gain');
      assert.ok(sn.eci > 0);
    }
  }
});

test('leverages keep relative precision for tiny weights in both spaces (the redundant rule compares g with w)', () => {
  const rng = new Rng(4, 'tiny-weights');
  const { units, weights } = randomUnits(rng, 12, 20);
  weights[3] = 1e-20;
  weights[7] = 3e-13;
  // Reference: h_3 = w_3 û_3ᵀ(I + M)⁻¹û_3, where the two tiny weights change M by < 1e-12 (built by hand here).
  const d = 20;
  const sMat = new Float64Array(d * d);
  for (let i = 0; i < d; i++) sMat[i * d + i] = 1;
  units.forEach((u, k) => { for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) sMat[i * d + j] += weights[k] * u[i] * u[j]; });
  cholesky(sMat, d);
  const y = forwardSolve(sMat, d, units[3]);
  const expected = 1e-20 * dotv(y, y);
  for (const space of ['n', 'd'] as const) {
    const s = scoreSource(units, weights, 1, { space });
    close(s.leverage[3], expected, 1e-9, 0, `${space}: h of w = 1e-20`);
    close(s.gain[3], s.leverage[3], 1e-12);
  }
  const sn = scoreSource(units, weights, 1, { space: 'n' }), sd = scoreSource(units, weights, 1, { space: 'd' });
  close(sn.leverage[3], sd.leverage[3], 1e-9, 0, 'h of w = 1e-20');
  close(sn.leverage[7], sd.leverage[7], 1e-9, 0, 'h of w = 3e-13');
  // h/w is an O(1) quadratic form, bounded by ‖û‖² ≤ 1.
  assert.ok(sn.leverage[3] / 1e-20 > 1e-3 && sn.leverage[3] / 1e-20 <= 1);
});

// ---------- invariant 5 ----------

test('invariant 5: g_i equals the drop in ECI_sem when triple i is removed (m held fixed)', () => {
  const rng = new Rng(5, 'leave-one-out');
  for (const [count, d] of [[12, 8], [6, 20]]) {
    const triples = makeTriples(rng, count, d);
    const full = pipeline(triples);
    for (let i = 0; i < count; i++) {
      const rest = triples.filter((_, k) => k !== i);
      const drop = full.score.eci - pipeline(rest, 1, 'auto', full.m).score.eci;
      close(full.score.gain[i], drop, 1e-8, 1e-12, `g_${i} (N=${count}, d=${d})`);
      close(full.score.gain[i], -Math.log1p(-full.score.leverage[i]), 1e-12);
    }
  }
  // Closed form: two directions at cosine ρ, w = ½, λ = 1 — each one's gain is
  // ln det(I + G) − ln(1 + ½) with G = ½[[1, ρ], [ρ, 1]].
  const rho = 0.6;
  const u1 = Float64Array.from([1, 0]), u2 = Float64Array.from([rho, Math.sqrt(1 - rho * rho)]);
  const s = scoreSource([u1, u2], [0.5, 0.5], 1);
  const eci = Math.log(1.5 * 1.5 - 0.25 * rho * rho);
  close(s.eci, eci, 1e-14);
  close(s.gain[0], eci - Math.log(1.5), 1e-13);
  close(s.gain[1], eci - Math.log(1.5), 1e-13);
});

// ---------- invariant 6 ----------

test('invariant 6: adding a triple never lowers ECI_sem (through the N ≤ d → N > d switch)', () => {
  const rng = new Rng(6, 'monotone');
  const d = 10;
  const { units, weights } = randomUnits(rng, 30, d);
  let previous = 0;
  for (let k = 1; k <= 30; k++) {
    const s = scoreSource(units.slice(0, k), weights.subarray(0, k), 1);
    assert.equal(s.space, k <= d ? 'n' : 'd');
    assert.ok(s.eci > previous, `N=${k}: ${s.eci} ≤ ${previous}`);
    // The increase is exactly the new triple's leave-one-out gain.
    close(s.eci - previous, s.gain[k - 1], 1e-8, 1e-12, `increase at N=${k}`);
    previous = s.eci;
  }
});

test('invariant 6: duplicating a direction adds less than an orthogonal one of the same weight', () => {
  const e = (k: number) => Float64Array.from({ length: 6 }, (_, j) => (j === k ? 1 : 0));
  const base = [e(0), e(1), e(2)], w = [0.3, 0.2, 0.4];
  const eci0 = scoreSource(base, w, 1).eci;
  const dup = scoreSource([...base, e(0)], [...w, 0.3], 1).eci - eci0;
  const orth = scoreSource([...base, e(3)], [...w, 0.3], 1).eci - eci0;
  close(dup, Math.log(1.6 / 1.3), 1e-13); // 0.2076…
  close(orth, Math.log(1.3), 1e-13); // 0.2623…
  assert.ok(dup < orth);

  // Random base: a copy of an existing direction vs a direction orthogonal to all of them.
  const rng = new Rng(6, 'duplicate-vs-orthogonal');
  const d = 12;
  const basis = randomOrthogonal(rng, d);
  for (let trial = 0; trial < 5; trial++) {
    const mix = Array.from({ length: 6 }, () => {
      const v = new Float64Array(d);
      for (let k = 0; k < 8; k++) { const c = rng.nextGaussian(); for (let j = 0; j < d; j++) v[j] += c * basis[k][j]; }
      return normalize(v);
    });
    const ws = Array.from({ length: 6 }, () => 0.05 + 0.45 * rng.nextFloat());
    const s0 = scoreSource(mix, ws, 1).eci;
    const wNew = 0.05 + 0.45 * rng.nextFloat();
    const dupGain = scoreSource([...mix, mix[trial]], [...ws, wNew], 1).eci - s0;
    const orthGain = scoreSource([...mix, basis[8 + (trial % 4)]], [...ws, wNew], 1).eci - s0;
    close(orthGain, Math.log1p(wNew), 1e-12);
    assert.ok(dupGain > 0 && dupGain < orthGain, `trial ${trial}: ${dupGain} vs ${orthGain}`);
  }
});

// ---------- invariant 7 ----------

function sorted(a: Float64Array): Float64Array {
  return Float64Array.from(a).sort();
}

function assertSameScore(a: SourceScore, b: SourceScore, what: string): void {
  close(b.eci, a.eci, 1e-9, 0, `${what} eci`);
  close(b.diversity, a.diversity, 1e-9, 1e-12, `${what} diversity`);
  closeArrays(sorted(b.leverage), sorted(a.leverage), 1e-9, 1e-15, `${what} sorted leverage`);
}

test('invariant 7: permuting triples leaves every score unchanged', () => {
  const rng = new Rng(7, 'permutation');
  for (const [count, d] of [[15, 24], [40, 24]]) {
    const triples = makeTriples(rng, count, d);
    const perm = Array.from({ length: count }, (_, i) => i);
    for (let i = count - 1; i > 0; i--) { const j = rng.nextBelow(i + 1); [perm[i], perm[j]] = [perm[j], perm[i]]; }
    const a = pipeline(triples);
    const b = pipeline(perm.map((i) => triples[i]));
    assert.equal(b.m, a.m);
    assertSameScore(a.score, b.score, `N=${count}`);
    // And each triple keeps its own leverage.
    for (let k = 0; k < count; k++) close(b.score.leverage[k], a.score.leverage[perm[k]], 1e-9, 1e-15, `h of triple ${perm[k]}`);
  }
});

test('invariant 7: one orthogonal rotation of all embeddings leaves every score unchanged', () => {
  const rng = new Rng(7, 'rotation');
  for (const [count, d] of [[15, 24], [40, 24]]) {
    const triples = makeTriples(rng, count, d);
    const qm = randomOrthogonal(rng, d);
    const rotated = triples.map((t) => ({ q: rotate(qm, t.q), p: rotate(qm, t.p), n: rotate(qm, t.n), ov: t.ov }));
    const a = pipeline(triples), b = pipeline(rotated);
    close(b.m, a.m, 1e-12);
    assert.equal(a.score.space, count <= d ? 'n' : 'd');
    assertSameScore(a.score, b.score, `N=${count}`);
    assert.ok(a.score.eci > 0.1, `non-trivial score ${a.score.eci}`);
  }
});

// ---------- invariant 8 ----------

test('invariant 8: same inputs, settings and seed give bit-identical scores (sampling included)', () => {
  const run = () => {
    const rng = new Rng(13, 'reproducible');
    const triples = makeTriples(rng, 500, 16);
    // The 60 triples with the smallest sample keys (one query each, so j = 0).
    const keys = triples.map((_, i) => ({ i, key: sampleHash(13, `q${i}`, 0) }));
    const sample = keys.sort((x, y) => compareKeys(x.key, y.key)).slice(0, 60).map((k) => k.i);
    return { sample, ...pipeline(Array.from(sample, (i) => triples[i])) };
  };
  const x = run(), y = run();
  assert.deepEqual(Array.from(x.sample), Array.from(y.sample));
  assert.ok(Object.is(x.m, y.m));
  for (const key of ['eci', 'diversity', 'perExample', 'lower', 'upper', 'traceM'] as const) {
    assert.ok(Object.is(x.score[key], y.score[key]), key);
  }
  assert.ok(Buffer.from(x.score.leverage.buffer).equals(Buffer.from(y.score.leverage.buffer)));
  assert.ok(Buffer.from(x.score.gain.buffer).equals(Buffer.from(y.score.gain.buffer)));
  assert.equal(x.score.space, 'd');
});
