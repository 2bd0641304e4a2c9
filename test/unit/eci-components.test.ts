/**
 * ECI_sem building blocks the invariants rest on: the residual, clipping,
 * median, empty and bad inputs, and the Cholesky-based linear algebra.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clipResidual, residual, scoreSource } from '../../server/src/core/eci';
import { median } from '../../server/src/core/median';
import {
  NotPositiveDefiniteError, cholesky, choleskyInverseInPlace, forwardSolve, forwardSolveMany, gramRows, logDetCholesky,
} from '../../server/src/core/linalg';
import { Rng } from '../helpers/rng';
import { close, closeArrays, dotv, gaussian, makeTriples, normalize, pipeline } from '../helpers/eciCheck';

// ---------- clipping, residual, median, edge cases ----------

test('residual: u = (I − qqᵀ)(n − p) without forming the projector', () => {
  const { u, norm } = residual([1, 0, 0], [1, 0, 0], [0.6, 0.8, 0]);
  assert.deepEqual(Array.from(u), [0, 0.8, 0]);
  assert.equal(norm, 0.8);
  const r = residual(new Float32Array([0, 1]), new Float32Array([0.6, 0.8]), new Float32Array([-0.6, 0.8]));
  close(r.u[0], -1.2, 1e-6);
  assert.equal(r.u[1], 0);
  assert.throws(() => residual([1, 0], [1, 0], [1]), RangeError);
});

test('clipping: a duplicate negative (u ≈ 0) contributes nothing; a far one is not amplified', () => {
  const rng = new Rng(9, 'clip');
  const triples = makeTriples(rng, 8, 12);
  const base = pipeline(triples);
  const q = triples[0].q, p = triples[0].p;
  const dupRes = residual(q, p, p);
  assert.equal(dupRes.norm, 0);
  const dupUnit = clipResidual(dupRes.u, base.m);
  assert.ok(dupUnit.every((v) => v === 0));
  const withDup = scoreSource([...base.units, dupUnit], [...base.weights, 0.5], 1);
  close(withDup.eci, base.score.eci, 1e-13);
  assert.equal(withDup.leverage[8], 0);
  assert.equal(withDup.gain[8], 0);

  const dir = normalize(gaussian(rng, 12));
  const m = 0.4;
  const far = clipResidual(dir.map((v) => v * 5 * m), m); // ‖u‖ = 5m → unit length, not 5
  const typical = clipResidual(dir.map((v) => v * m), m);
  const small = clipResidual(dir.map((v) => v * 0.5 * m), m);
  close(Math.sqrt(dotv(far, far)), 1, 1e-14);
  close(Math.sqrt(dotv(small, small)), 0.5, 1e-14);
  const w = 0.3;
  close(scoreSource([far], [w], 1).eci, Math.log1p(w), 1e-13);
  close(scoreSource([typical], [w], 1).eci, Math.log1p(w), 1e-13);
  close(scoreSource([small], [w], 1).eci, Math.log1p(0.25 * w), 1e-13);
});

test('clipping: m = 0 with u = 0 gives the zero vector (no NaN); m = 0 with u ≠ 0 gives a unit vector', () => {
  assert.deepEqual(Array.from(clipResidual(new Float64Array(3), 0)), [0, 0, 0]);
  assert.deepEqual(Array.from(clipResidual([3, 4], 0)), [0.6, 0.8]);
  assert.deepEqual(Array.from(clipResidual([3, 4], 10)), [0.3, 0.4]);
  assert.throws(() => clipResidual([1], NaN), RangeError);
  assert.throws(() => clipResidual([1], -1), RangeError);
});

test('median: odd, even (mean of the middle two), caller array untouched', () => {
  const odd = [5, 1, 3];
  assert.equal(median(odd), 3);
  assert.deepEqual(odd, [5, 1, 3]);
  const even = Float64Array.from([4, 1, 3, 2]);
  assert.equal(median(even), 2.5);
  assert.deepEqual(Array.from(even), [4, 1, 3, 2]);
  assert.equal(median([7]), 7);
  assert.equal(median([0.1, 0.3]), 0.2);
  const view = Float64Array.from([9, 8, 1, 2, 3]).subarray(1, 5); // a view, as the triple table passes
  assert.equal(median(view), 2.5);
  assert.deepEqual(Array.from(view), [8, 1, 2, 3]);
  assert.ok(Number.isNaN(median([])));
});

test('median by selection equals the middle of a full sort, bit for bit (duplicates, sorted and reversed runs, ±0)', () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let trial = 0; trial < 2000; trial++) {
    const n = 1 + Math.floor(rnd() * 80);
    const coarse = trial % 2 === 0; // many equal values: the pivot's ties
    const values = Array.from({ length: n }, () => (coarse ? Math.floor(rnd() * 4) : rnd() * 10 - 5));
    if (trial % 5 === 0) values.sort((x, y) => x - y);
    if (trial % 15 === 0) values.reverse();
    const sorted = Float64Array.from(values).sort();
    const mid = n >> 1;
    const expected = n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    assert.ok(Object.is(median(values), expected), `trial ${trial}: ${values.join(',')}`);
  }
  assert.ok(Object.is(median([0, 0, 0]), 0));
});

test('clipResidual into a view of a larger buffer writes only that view', () => {
  const block = new Float64Array(6).fill(9);
  const out = clipResidual([3, 4], 0, block.subarray(2, 4));
  assert.equal(out.buffer, block.buffer);
  assert.deepEqual(Array.from(block), [9, 9, 0.6, 0.8, 9, 9]);
  clipResidual([0, 0], 1, block.subarray(0, 2));
  assert.deepEqual(Array.from(block.subarray(0, 2)), [0, 0]);
  assert.throws(() => clipResidual([1, 2, 3], 1, block.subarray(0, 2)), RangeError);
});

test('scoreSource: N = 0 gives eci 0, diversity 1; bad input is rejected', () => {
  const s = scoreSource([], [], 1);
  assert.equal(s.eci, 0);
  assert.equal(s.perExample, 0);
  assert.equal(s.diversity, 1);
  assert.equal(s.leverage.length, 0);
  assert.throws(() => scoreSource([Float64Array.from([1, 0])], [-0.1], 1), RangeError);
  assert.throws(() => scoreSource([Float64Array.from([1, 0])], [0.1], 0), RangeError);
  assert.throws(() => scoreSource([Float64Array.from([1, 0]), Float64Array.from([1])], [0.1, 0.1], 1), RangeError);
  // Diversity for a known pair: L = ln 2, U = 2 ln 1.5, eci = ln(2.25 − 0.25·0.36).
  const pair = scoreSource([Float64Array.from([1, 0]), Float64Array.from([0.6, 0.8])], [0.5, 0.5], 1);
  close(pair.diversity, (Math.log(2.16) - Math.LN2) / (2 * Math.log(1.5) - Math.LN2), 1e-12);
  close(pair.perExample, Math.log(2.16) / 2, 1e-14);
  close(pair.traceM, 1, 1e-15);
});

// ---------- linear algebra ----------

test('linalg: Cholesky, log det, inverse and solves on known matrices; non-PD throws', () => {
  const a = Float64Array.from([4, 2, 2, 3]);
  cholesky(a, 2);
  assert.deepEqual(Array.from(a), [2, 0, 1, Math.SQRT2]);
  close(logDetCholesky(a, 2), Math.log(8), 1e-15);
  closeArrays(forwardSolve(a, 2, [2, 1 + Math.SQRT2]), [1, 1], 1e-15, 0, 'forwardSolve');
  const inv = Float64Array.from(a);
  choleskyInverseInPlace(inv, 2);
  closeArrays(inv, [3 / 8, -2 / 8, -2 / 8, 4 / 8], 1e-15, 1e-16, 'inverse');
  assert.throws(() => cholesky(Float64Array.from([1, 2, 2, 1]), 2), NotPositiveDefiniteError);
  assert.throws(() => cholesky(Float64Array.from([1, 0, 0, NaN]), 2), /not positive definite/);

  // Random SPD: A·A⁻¹ = I, many-RHS solve matches single solves, and every Gram entry is,
  // bit for bit, the SIMD kernel's sum (even-k and odd-k terms apart, then added), whether
  // a 2×4 block or a remainder formed it: 131 rows leave both; odd and even lengths.
  const rng = new Rng(10, 'linalg');
  const rows = 131, n = 9;
  for (const cols of [7, 8, 1]) {
    const x = gaussian(rng, rows * cols);
    const g = gramRows(x, rows, cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < rows; j++) {
      let even = 0, odd = 0;
      for (let k = 0; k < cols; k++) {
        if (k % 2 === 0) even += x[i * cols + k] * x[j * cols + k];
        else odd += x[i * cols + k] * x[j * cols + k];
      }
      assert.equal(g[i * rows + j], even + odd, `cols ${cols}, entry (${i}, ${j})`);
    }
  }
  const spd = gramRows(gaussian(rng, n * 12), n, 12);
  for (let i = 0; i < n; i++) spd[i * n + i] += 0.5;
  const l = Float64Array.from(spd);
  cholesky(l, n);
  const ai = Float64Array.from(l);
  choleskyInverseInPlace(ai, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += spd[i * n + k] * ai[k * n + j];
    close(s, i === j ? 1 : 0, 0, 1e-11, `(A·A⁻¹)[${i},${j}]`);
  }
  const m = 70;
  const rhs = gaussian(rng, n * m);
  const many = Float64Array.from(rhs);
  forwardSolveMany(l, n, many, m);
  for (let c = 0; c < m; c++) {
    const single = forwardSolve(l, n, Array.from({ length: n }, (_, r) => rhs[r * m + c]));
    for (let r = 0; r < n; r++) close(many[r * m + c], single[r], 1e-12, 1e-13, `column ${c}`);
  }
});
