/**
 * The blocked kernels of core/linalg against their plain definitions, on sizes that
 * exercise every remainder path (right-hand sides not a multiple of 4, odd orders).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cholesky, forwardSolve, forwardSolveRows, gramRows } from '../../server/src/core/linalg';
import { rng as uniform } from '../helpers/synthetic';

/** Uniform in [-0.5, 0.5), seeded. */
function rng(seed: number): () => number {
  const next = uniform(seed);
  return () => next() - 0.5;
}

test('forwardSolveRows solves every row like forwardSolve, for any count and order', () => {
  const rand = rng(5);
  for (const n of [1, 2, 3, 7, 16, 33]) {
    const x = Float64Array.from({ length: n * (n + 3) }, rand);
    const l = gramRows(x, n, n + 3);
    for (let i = 0; i < n; i++) l[i * n + i] += 1;
    cholesky(l, n);
    for (const m of [1, 3, 4, 5, 9]) {
      const rhs = Float64Array.from({ length: m * n }, rand);
      const rows = Float64Array.from(rhs);
      forwardSolveRows(l, n, rows, m);
      for (let i = 0; i < m; i++) {
        const single = forwardSolve(l, n, rhs.subarray(i * n, (i + 1) * n));
        for (let a = 0; a < n; a++) {
          const want = single[a];
          assert.ok(Math.abs(rows[i * n + a] - want) <= 1e-12 * Math.max(1, Math.abs(want)), `n=${n} m=${m} row ${i} entry ${a}`);
        }
      }
    }
  }
  assert.throws(() => forwardSolveRows(new Float64Array(4), 2, new Float64Array(3), 2), RangeError);
});
