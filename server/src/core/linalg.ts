/**
 * Dense float64 linear algebra for the ECI_sem log-determinant (spec §3–§4).
 *
 * Matrices are row-major Float64Arrays: entry (i, j) of an r×c matrix is at
 * i*c + j. Everything is float64 because the score is a sum of hundreds of
 * logarithms of numbers close to 1 and the leave-one-out gains are compared
 * with weights as small as 1e-20; float32 would drown both.
 *
 * Loops are written so that every inner loop walks contiguous memory (rows),
 * which is what makes plain JS loops fast enough for matrices of a few
 * thousand rows. Summation orders are fixed, so results are bit-reproducible.
 *
 * The three O(n³) kernels (Gram matrix, Cholesky factorisation, triangular solve of
 * many rows) spend their time in one 2×4 block of dot products, which runs as
 * WebAssembly SIMD (kernels/dot2x4.wat) on matrices copied into its memory.
 */
import { RESULT_SLOTS, release, reserve } from './kernels/heap';

/** Thrown by {@link cholesky} when the matrix is not (numerically) positive definite. */
export class NotPositiveDefiniteError extends Error {
  constructor(readonly pivot: number, readonly value: number) {
    super(
      `Cholesky factorisation failed: the matrix is not positive definite ` +
        `(pivot ${pivot} is ${value}; it must be a finite number > 0)`,
    );
    this.name = 'NotPositiveDefiniteError';
  }
}

/**
 * Dot product of x[xOff .. xOff+len) and y[yOff .. yOff+len).
 * Four partial sums: breaks the add dependency chain (≈2× faster in V8) while
 * keeping a fixed, reproducible summation order.
 */
export function dot(x: Float64Array, xOff: number, y: Float64Array, yOff: number, len: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += x[xOff + k] * y[yOff + k];
    s1 += x[xOff + k + 1] * y[yOff + k + 1];
    s2 += x[xOff + k + 2] * y[yOff + k + 2];
    s3 += x[xOff + k + 3] * y[yOff + k + 3];
  }
  for (; k < len; k++) s0 += x[xOff + k] * y[yOff + k];
  return (s0 + s1) + (s2 + s3);
}

/**
 * The dot of rows at h[xo…] and h[yo…] over `len` entries, in the SIMD kernel's order
 * (kernels/dot2x4.wat): the even-k terms and the odd-k terms summed apart, each in
 * ascending k, then added. Used where a block of the kernel does not fit, so that every
 * entry of a Gram matrix is the same sum whichever path formed it.
 */
function laneDot(h: Float64Array, xo: number, yo: number, len: number): number {
  let e = 0, o = 0, k = 0;
  for (; k + 1 < len; k += 2) {
    e += h[xo + k] * h[yo + k];
    o += h[xo + k + 1] * h[yo + k + 1];
  }
  if (k < len) e += h[xo + k] * h[yo + k];
  return e + o;
}

/** Rows of a tile of the Gram kernel: 64 rows × 512 doubles = 256 KB, an L2-sized working set. */
const GRAM_TILE = 64;

/**
 * Gram matrix of the rows of x (rows × cols): out[i*rows + j] = x_i · x_j, with
 * both triangles filled (so callers can read rows of a symmetric matrix).
 *
 * Only the lower triangle is computed (symmetry halves the work) and then
 * mirrored. The loops are tiled so that a tile of i-rows and a tile of j-rows
 * stay in cache while all their pairs are formed, and two i-rows are dotted
 * with four j-rows at once by the SIMD kernel (kernels/dot2x4.wat: 6 loads of two
 * doubles feed 16 multiply-adds; bench/stability.ts times the scores built on it).
 * Every entry is the kernel's sum ({@link laneDot} where a block does not fit), so
 * the result does not depend on the tiling and is bit-reproducible.
 */
export function gramRows(x: Float64Array, rows: number, cols: number): Float64Array {
  if (x.length < rows * cols) throw new RangeError(`gramRows: expected ${rows}×${cols} values, got ${x.length}`);
  const { h, k } = reserve(rows * cols + rows * rows);
  try {
    const X = RESULT_SLOTS, G = X + rows * cols;
    h.set(x.subarray(0, rows * cols), X);
    for (let i0 = 0; i0 < rows; i0 += GRAM_TILE) {
      const i1 = Math.min(rows, i0 + GRAM_TILE);
      for (let j0 = 0; j0 <= i0; j0 += GRAM_TILE) {
        const j1 = Math.min(rows, j0 + GRAM_TILE);
        let i = i0;
        for (; i + 1 < i1; i += 2) {
          // Rows i and i+1 need j ≤ i+1; the extra entry (i, i+1) lies in the
          // upper triangle and is overwritten by the mirror below.
          const jEnd = Math.min(j1, i + 2);
          const xi = X + i * cols, xn = xi + cols, gi = G + i * rows, gn = gi + rows;
          let j = j0;
          for (; j + 3 < jEnd; j += 4) {
            const a = X + j * cols;
            k.dot2x4(8 * xi, 8 * xn, 8 * a, 8 * (a + cols), 8 * (a + 2 * cols), 8 * (a + 3 * cols), cols);
            h[gi + j] = h[0]; h[gi + j + 1] = h[1]; h[gi + j + 2] = h[2]; h[gi + j + 3] = h[3];
            h[gn + j] = h[4]; h[gn + j + 1] = h[5]; h[gn + j + 2] = h[6]; h[gn + j + 3] = h[7];
          }
          for (; j < jEnd; j++) {
            const a = X + j * cols;
            h[gi + j] = laneDot(h, xi, a, cols);
            h[gn + j] = laneDot(h, xn, a, cols);
          }
        }
        if (i < i1) {
          // Odd row left in the tile.
          const jEnd = Math.min(j1, i + 1);
          const xi = X + i * cols, gi = G + i * rows;
          for (let j = j0; j < jEnd; j++) h[gi + j] = laneDot(h, xi, X + j * cols, cols);
        }
      }
    }
    for (let i = 0; i < rows; i++) for (let j = 0; j < i; j++) h[G + j * rows + i] = h[G + i * rows + j];
    return h.slice(G, G + rows * rows);
  } finally {
    release();
  }
}

/** Transpose of an r×c row-major matrix (c×r row-major). */
export function transpose(x: Float64Array, r: number, c: number): Float64Array {
  const t = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = x[i * c + j];
  return t;
}

/**
 * Cholesky factorisation A = L Lᵀ, in place: on return the lower triangle
 * (with the diagonal) of `a` holds L and the strict upper triangle is zero.
 * Only the lower triangle of A is read. Row-by-row (Cholesky–Banachiewicz),
 * whose inner products run along rows of L — contiguous in row-major storage.
 *
 * Throws {@link NotPositiveDefiniteError} when a pivot is ≤ 0 or not finite
 * (which includes NaN input), leaving `a` as it was: callers pass I + PSD
 * matrices, so this signals a bug upstream (e.g. a negative weight), never a
 * case to paper over.
 */
export function cholesky(a: Float64Array, n: number): void {
  if (a.length < n * n) throw new RangeError(`cholesky: expected ${n}×${n} values, got ${a.length}`);
  const { h, k } = reserve(n * n);
  try {
    const A = RESULT_SLOTS;
    h.set(a.subarray(0, n * n), A);
    let i = 0;
    // Two rows of L at a time: entries (i, j…j+3) and (i+1, j…j+3) share one block of the
    // SIMD kernel over their common range k < j; the few terms from j to the entry itself
    // are added after, in k order.
    for (; i + 1 < n; i += 2) {
      const ri = A + i * n, rn = ri + n;
      // Columns j = 0, 4, … while j + 3 < i, in the kernel (finish4 there).
      const j = k.choleskyPair(8 * ri, 8 * rn, 8 * A, 8 * n, i);
      // The rest of row i, its diagonal, then the rest of row i+1 (which needs row i whole).
      for (let c = j; c < i; c++) h[ri + c] = (h[ri + c] - seqDot(h, ri, A + c * n, c)) / h[A + c * n + c];
      pivot(h, ri, i);
      for (let c = j; c <= i; c++) h[rn + c] = (h[rn + c] - seqDot(h, rn, A + c * n, c)) / h[A + c * n + c];
      pivot(h, rn, i + 1);
      for (let c = i + 1; c < n; c++) h[ri + c] = 0;
      for (let c = i + 2; c < n; c++) h[rn + c] = 0;
    }
    if (i < n) {
      const ri = A + i * n;
      for (let c = 0; c < i; c++) h[ri + c] = (h[ri + c] - seqDot(h, ri, A + c * n, c)) / h[A + c * n + c];
      pivot(h, ri, i);
    }
    a.set(h.subarray(A, A + n * n));
  } finally {
    release();
  }
}

/** Σ_{k<len} x[xo+k]·x[yo+k], in k order. */
function seqDot(x: Float64Array, xo: number, yo: number, len: number): number {
  let s = 0;
  for (let k = 0; k < len; k++) s += x[xo + k] * x[yo + k];
  return s;
}

/** The diagonal entry (i, i) of L from row i's finished off-diagonal entries. */
function pivot(a: Float64Array, ri: number, i: number): void {
  const s = a[ri + i] - seqDot(a, ri, ri, i);
  if (!(s > 0) || !Number.isFinite(s)) throw new NotPositiveDefiniteError(i, s);
  a[ri + i] = Math.sqrt(s);
}

/** log det A = 2 Σ ln L_kk, from the Cholesky factor of A. */
export function logDetCholesky(l: Float64Array, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += Math.log(l[k * n + k]);
  return 2 * s;
}

/** Solve L x = b by forward substitution (L lower triangular from {@link cholesky}). */
export function forwardSolve(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    x[i] = (b[i] - dot(l, ri, x, 0, i)) / l[ri + i];
  }
  return x;
}

/** Columns per chunk in {@link forwardSolveMany}: n × 64 doubles ≤ 512 KB for n ≤ 1024, cache-resident. */
const SOLVE_CHUNK = 64;

/**
 * Solve L Y = B for many right-hand sides at once, in place: B is n×m
 * row-major (one right-hand side per column) and is overwritten by L⁻¹B.
 *
 * Row-oriented forward substitution (Y_a = (B_a − Σ_{k<a} L_ak Y_k) / L_aa)
 * makes the inner loop a contiguous axpy over columns; processing the columns
 * in chunks keeps the chunk of Y in cache while L streams through once per
 * chunk, instead of once per right-hand side.
 */
export function forwardSolveMany(l: Float64Array, n: number, b: Float64Array, m: number): void {
  if (b.length < n * m) throw new RangeError(`forwardSolveMany: expected ${n}×${m} values, got ${b.length}`);
  for (let c0 = 0; c0 < m; c0 += SOLVE_CHUNK) {
    const c1 = Math.min(m, c0 + SOLVE_CHUNK);
    for (let a = 0; a < n; a++) {
      const ra = a * n, ya = a * m;
      let k = 0;
      // Four earlier rows per pass: one load/store of Y_a per four multiply-adds.
      for (; k + 3 < a; k += 4) {
        const l0 = l[ra + k], l1 = l[ra + k + 1], l2 = l[ra + k + 2], l3 = l[ra + k + 3];
        const y0 = k * m, y1 = y0 + m, y2 = y1 + m, y3 = y2 + m;
        for (let c = c0; c < c1; c++) {
          b[ya + c] -= l0 * b[y0 + c] + l1 * b[y1 + c] + l2 * b[y2 + c] + l3 * b[y3 + c];
        }
      }
      for (; k < a; k++) {
        const coef = l[ra + k];
        const yk = k * m;
        for (let c = c0; c < c1; c++) b[ya + c] -= coef * b[yk + c];
      }
      const inv = 1 / l[ra + a];
      for (let c = c0; c < c1; c++) b[ya + c] *= inv;
    }
  }
}

/**
 * Solve L xᵢ = yᵢ for m right-hand sides stored as rows, in place: y is m×n row-major
 * (row i = yᵢ) and is overwritten by the xᵢ = L⁻¹yᵢ.
 *
 * Dot-product form: x[a] = (y[a] − Σ_{k<a} L_ak x[k]) / L_aa, where both L_a· and x are
 * contiguous rows. Four right-hand sides and two rows of L are done at once (the SIMD
 * kernel's 2×4 block, as in {@link gramRows}, with no store in the inner loop), unlike
 * {@link forwardSolveMany}, whose row-axpy form loads and stores its target on every
 * step. Each entry's sum has a fixed order, so results are bit-reproducible.
 */
export function forwardSolveRows(l: Float64Array, n: number, y: Float64Array, m: number): void {
  if (y.length < n * m) throw new RangeError(`forwardSolveRows: expected ${m}×${n} values, got ${y.length}`);
  const { h, k: kernel } = reserve(n * n + m * n);
  try {
    const L = RESULT_SLOTS, Y = L + n * n;
    h.set(l.subarray(0, n * n), L);
    h.set(y.subarray(0, m * n), Y);
    let i = 0;
    for (; i + 3 < m; i += 4) {
      const y0 = Y + i * n, y1 = y0 + n, y2 = y1 + n, y3 = y2 + n;
      // Entries a, a+1 of the four rows from one block over k < a, for every pair (in the kernel).
      const a = kernel.solve4(8 * L, n, 8 * y0, 8 * y1, 8 * y2, 8 * y3);
      if (a < n) {
        const ra = L + a * n;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let k = 0; k < a; k++) {
          const la = h[ra + k];
          s0 += la * h[y0 + k]; s1 += la * h[y1 + k]; s2 += la * h[y2 + k]; s3 += la * h[y3 + k];
        }
        const daa = h[ra + a];
        h[y0 + a] = (h[y0 + a] - s0) / daa; h[y1 + a] = (h[y1 + a] - s1) / daa;
        h[y2 + a] = (h[y2 + a] - s2) / daa; h[y3 + a] = (h[y3 + a] - s3) / daa;
      }
    }
    for (; i < m; i++) {
      const yi = Y + i * n;
      for (let a = 0; a < n; a++) {
        const ra = L + a * n;
        let s = 0;
        for (let k = 0; k < a; k++) s += h[ra + k] * h[yi + k];
        h[yi + a] = (h[yi + a] - s) / h[ra + a];
      }
    }
    y.set(h.subarray(Y, Y + m * n));
  } finally {
    release();
  }
}

/**
 * Given the Cholesky factor L of A (from {@link cholesky}), overwrite it in
 * place with the full symmetric inverse A⁻¹ = L⁻ᵀ L⁻¹, using no n×n scratch.
 *
 * Phase 1 solves L x = e_j for each column j of X = L⁻¹ and stores that column
 * as row j of the upper triangle (entries k ≥ j) — contiguous, and free because
 * column j no longer needs L_jj or anything above the diagonal. Phase 2 forms
 * (A⁻¹)_ij = Σ_{k ≥ max(i,j)} X_ki X_kj as dots of two such rows and stores it
 * in the (dead) lower triangle; the order (i ascending, j ≥ i) overwrites each
 * diagonal X_ii only after its last use. Phase 3 mirrors lower to upper.
 * Cost n³/3 multiply-adds, all inner loops contiguous.
 */
export function choleskyInverseInPlace(l: Float64Array, n: number): void {
  const x = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    x[j] = 1 / l[j * n + j];
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      x[i] = -dot(l, ri + j, x, j, i - j) / l[ri + i];
    }
    const rj = j * n;
    for (let k = j; k < n; k++) l[rj + k] = x[k];
  }
  for (let i = 0; i < n; i++) {
    // Column i of X is row i of the upper triangle (from index i), column j
    // likewise. Four j at a time share the loads of row i over their common
    // range k ≥ j+3; the first few terms of each are added separately.
    const ri = i * n;
    let j = i;
    for (; j + 3 < n; j += 4) {
      const r0 = j * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
      let s0 = l[ri + j] * l[r0 + j] + l[ri + j + 1] * l[r0 + j + 1] + l[ri + j + 2] * l[r0 + j + 2];
      let s1 = l[ri + j + 1] * l[r1 + j + 1] + l[ri + j + 2] * l[r1 + j + 2];
      let s2 = l[ri + j + 2] * l[r2 + j + 2];
      let s3 = 0;
      for (let k = j + 3; k < n; k++) {
        const v = l[ri + k];
        s0 += v * l[r0 + k];
        s1 += v * l[r1 + k];
        s2 += v * l[r2 + k];
        s3 += v * l[r3 + k];
      }
      l[r0 + i] = s0;
      l[r1 + i] = s1;
      l[r2 + i] = s2;
      l[r3 + i] = s3;
    }
    for (; j < n; j++) l[j * n + i] = dot(l, ri + j, l, j * n + j, n - j);
  }
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) l[i * n + j] = l[j * n + i];
}
