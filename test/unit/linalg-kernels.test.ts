/**
 * The blocked kernels of core/linalg against their plain definitions, on sizes that
 * exercise every remainder path (right-hand sides not a multiple of 4, odd orders), and
 * the WebAssembly kernel under them: its committed bytes match its source, and a large
 * matrix does not keep its memory.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { reserve } from '../../server/src/core/kernels/heap';
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

test('cholesky matches the plain Cholesky–Banachiewicz loop, and a non-PD matrix is left as it was', () => {
  const rand = rng(9);
  for (const n of [1, 2, 3, 5, 8, 13, 40]) {
    const a = gramRows(Float64Array.from({ length: n * (n + 2) }, rand), n, n + 2);
    for (let i = 0; i < n; i++) a[i * n + i] += 0.25;
    const want = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let s = a[i * n + j];
        for (let k = 0; k < j; k++) s -= want[i * n + k] * want[j * n + k];
        want[i * n + j] = i === j ? Math.sqrt(s) : s / want[j * n + j];
      }
    }
    const got = Float64Array.from(a);
    cholesky(got, n);
    for (let e = 0; e < n * n; e++) {
      assert.ok(Math.abs(got[e] - want[e]) <= 1e-12 * Math.max(1, Math.abs(want[e])), `n=${n} entry ${e}: ${got[e]} vs ${want[e]}`);
    }
  }
  const bad = Float64Array.from([1, 2, 2, 1]);
  assert.throws(() => cholesky(bad, 2), /not positive definite/);
  assert.deepEqual(Array.from(bad), [1, 2, 2, 1]);
});

test('the WebAssembly kernel: committed bytes match dot2x4.wat; a large matrix does not keep its memory', () => {
  const check = spawnSync(process.execPath, ['scripts/kernels/build.mjs', '--check'], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
  // 3000 × 3000 doubles (72 MB with its input) grows the memory past what is kept between operations.
  const big = 3000;
  const g = gramRows(new Float64Array(big * 1).fill(0.5), big, 1);
  assert.equal(g[big * big - 1], 0.25);
  assert.ok(reserve(1).h.byteLength < 64 << 20, 'the memory that grew for the large Gram matrix is let go');
});
