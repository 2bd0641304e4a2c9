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
 */

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

/** The 8 sums of {@link dot2x4}, reused: the kernels read them before the next call. */
const block = new Float64Array(8);

/**
 * The 2×4 register block shared by {@link gramRows} and {@link forwardSolveRows}: the dots
 * of rows p[p0…], p[p1…] with rows q[q0…] … q[q3…] over `len` entries, each summed in k
 * order (6 loads feed 8 multiply-adds). Returns [p0·q0, p0·q1, p0·q2, p0·q3, p1·q0, …, p1·q3]
 * in a shared buffer that the next call overwrites.
 */
function dot2x4(
  p: Float64Array, p0: number, p1: number,
  q: Float64Array, q0: number, q1: number, q2: number, q3: number, len: number,
): Float64Array {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
  for (let k = 0; k < len; k++) {
    const u = p[p0 + k], v = p[p1 + k];
    const a = q[q0 + k], b = q[q1 + k], c = q[q2 + k], e = q[q3 + k];
    s0 += u * a; s1 += u * b; s2 += u * c; s3 += u * e;
    t0 += v * a; t1 += v * b; t2 += v * c; t3 += v * e;
  }
  block[0] = s0; block[1] = s1; block[2] = s2; block[3] = s3;
  block[4] = t0; block[5] = t1; block[6] = t2; block[7] = t3;
  return block;
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
 * with four j-rows at once (a 2×4 register block: 6 loads feed 8
 * multiply-adds), ≈2.5× faster than one dot at a time in V8. Every entry is
 * still one sequential full-length sum, so the result does not depend on the
 * tiling and is bit-reproducible.
 */
export function gramRows(x: Float64Array, rows: number, cols: number): Float64Array {
  if (x.length < rows * cols) throw new RangeError(`gramRows: expected ${rows}×${cols} values, got ${x.length}`);
  const g = new Float64Array(rows * rows);
  for (let i0 = 0; i0 < rows; i0 += GRAM_TILE) {
    const i1 = Math.min(rows, i0 + GRAM_TILE);
    for (let j0 = 0; j0 <= i0; j0 += GRAM_TILE) {
      const j1 = Math.min(rows, j0 + GRAM_TILE);
      let i = i0;
      for (; i + 1 < i1; i += 2) {
        // Rows i and i+1 need j ≤ i+1; the extra entry (i, i+1) lies in the
        // upper triangle and is overwritten by the mirror below.
        const jEnd = Math.min(j1, i + 2);
        const xi = i * cols, xn = xi + cols, gi = i * rows, gn = gi + rows;
        let j = j0;
        for (; j + 3 < jEnd; j += 4) {
          const a = j * cols;
          const s = dot2x4(x, xi, xn, x, a, a + cols, a + 2 * cols, a + 3 * cols, cols);
          g[gi + j] = s[0]; g[gi + j + 1] = s[1]; g[gi + j + 2] = s[2]; g[gi + j + 3] = s[3];
          g[gn + j] = s[4]; g[gn + j + 1] = s[5]; g[gn + j + 2] = s[6]; g[gn + j + 3] = s[7];
        }
        for (; j < jEnd; j++) {
          const a = j * cols;
          let s = 0, t = 0;
          for (let k = 0; k < cols; k++) {
            s += x[xi + k] * x[a + k];
            t += x[xn + k] * x[a + k];
          }
          g[gi + j] = s;
          g[gn + j] = t;
        }
      }
      if (i < i1) {
        // Odd row left in the tile.
        const jEnd = Math.min(j1, i + 1);
        const xi = i * cols, gi = i * rows;
        for (let j = j0; j < jEnd; j++) {
          const a = j * cols;
          let s = 0;
          for (let k = 0; k < cols; k++) s += x[xi + k] * x[a + k];
          g[gi + j] = s;
        }
      }
    }
  }
  for (let i = 0; i < rows; i++) for (let j = 0; j < i; j++) g[j * rows + i] = g[i * rows + j];
  return g;
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
 * (which includes NaN input): callers pass I + PSD matrices, so this signals a
 * bug upstream (e.g. a negative weight), never a case to paper over.
 */
export function cholesky(a: Float64Array, n: number): void {
  if (a.length < n * n) throw new RangeError(`cholesky: expected ${n}×${n} values, got ${a.length}`);
  let i = 0;
  // Two rows of L at a time: entries (i, j…j+3) and (i+1, j…j+3) share one 2×4 block of
  // dots over their common range k < j (each summed in k order); the few terms from j to
  // the entry itself are added after, in k order too. ≈ 2.5× the speed of one dot at a time.
  for (; i + 1 < n; i += 2) {
    const ri = i * n, rn = ri + n;
    let j = 0;
    for (; j + 3 < i; j += 4) {
      const r0 = j * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
      const s = dot2x4(a, ri, rn, a, r0, r1, r2, r3, j);
      finish4(a, ri, j, r0, s[0], s[1], s[2], s[3], n);
      finish4(a, rn, j, r0, s[4], s[5], s[6], s[7], n);
    }
    // The rest of row i, its diagonal, then the rest of row i+1 (which needs row i whole).
    for (let c = j; c < i; c++) a[ri + c] = (a[ri + c] - seqDot(a, ri, c * n, c)) / a[c * n + c];
    pivot(a, ri, i);
    for (let c = j; c <= i; c++) a[rn + c] = (a[rn + c] - seqDot(a, rn, c * n, c)) / a[c * n + c];
    pivot(a, rn, i + 1);
    for (let c = i + 1; c < n; c++) a[ri + c] = 0;
    for (let c = i + 2; c < n; c++) a[rn + c] = 0;
  }
  if (i < n) {
    const ri = i * n;
    for (let c = 0; c < i; c++) a[ri + c] = (a[ri + c] - seqDot(a, ri, c * n, c)) / a[c * n + c];
    pivot(a, ri, i);
  }
}

/**
 * Entries (row, j…j+3) of L from the dots x0…x3 over k < j: each adds its terms from
 * k = j up to itself (in k order), then divides by its column's diagonal.
 */
function finish4(a: Float64Array, row: number, j: number, r0: number, x0: number, x1: number, x2: number, x3: number, n: number): void {
  const r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
  const l0 = (a[row + j] - x0) / a[r0 + j];
  a[row + j] = l0;
  const l1 = (a[row + j + 1] - (x1 + l0 * a[r1 + j])) / a[r1 + j + 1];
  a[row + j + 1] = l1;
  const l2 = (a[row + j + 2] - (x2 + l0 * a[r2 + j] + l1 * a[r2 + j + 1])) / a[r2 + j + 2];
  a[row + j + 2] = l2;
  a[row + j + 3] = (a[row + j + 3] - (x3 + l0 * a[r3 + j] + l1 * a[r3 + j + 1] + l2 * a[r3 + j + 2])) / a[r3 + j + 3];
}

/** Σ_{k<len} x[xo+k]·x[yo+k], in k order (as {@link dot2x4} sums). */
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
 * contiguous rows. Four right-hand sides and two rows of L are done at once (a 2×4
 * register block, the same 6 loads per 8 multiply-adds as {@link gramRows}, and no store
 * in the inner loop), so it runs at Gram speed — about twice {@link forwardSolveMany},
 * whose row-axpy form loads and stores its target on every step. Each sum runs in k
 * order, so results are bit-reproducible.
 */
export function forwardSolveRows(l: Float64Array, n: number, y: Float64Array, m: number): void {
  if (y.length < n * m) throw new RangeError(`forwardSolveRows: expected ${m}×${n} values, got ${y.length}`);
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const y0 = i * n, y1 = y0 + n, y2 = y1 + n, y3 = y2 + n;
    let a = 0;
    for (; a + 1 < n; a += 2) {
      const ra = a * n, rb = ra + n;
      const s = dot2x4(l, ra, rb, y, y0, y1, y2, y3, a);
      const daa = l[ra + a], lba = l[rb + a], dbb = l[rb + a + 1];
      const v0 = (y[y0 + a] - s[0]) / daa, v1 = (y[y1 + a] - s[1]) / daa;
      const v2 = (y[y2 + a] - s[2]) / daa, v3 = (y[y3 + a] - s[3]) / daa;
      y[y0 + a] = v0; y[y1 + a] = v1; y[y2 + a] = v2; y[y3 + a] = v3;
      y[y0 + a + 1] = (y[y0 + a + 1] - (s[4] + lba * v0)) / dbb;
      y[y1 + a + 1] = (y[y1 + a + 1] - (s[5] + lba * v1)) / dbb;
      y[y2 + a + 1] = (y[y2 + a + 1] - (s[6] + lba * v2)) / dbb;
      y[y3 + a + 1] = (y[y3 + a + 1] - (s[7] + lba * v3)) / dbb;
    }
    if (a < n) {
      const ra = a * n;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < a; k++) {
        const la = l[ra + k];
        s0 += la * y[y0 + k]; s1 += la * y[y1 + k]; s2 += la * y[y2 + k]; s3 += la * y[y3 + k];
      }
      const daa = l[ra + a];
      y[y0 + a] = (y[y0 + a] - s0) / daa; y[y1 + a] = (y[y1 + a] - s1) / daa;
      y[y2 + a] = (y[y2 + a] - s2) / daa; y[y3 + a] = (y[y3 + a] - s3) / daa;
    }
  }
  for (; i < m; i++) {
    const yi = i * n;
    for (let a = 0; a < n; a++) {
      const ra = a * n;
      let s = 0;
      for (let k = 0; k < a; k++) s += l[ra + k] * y[yi + k];
      y[yi + a] = (y[yi + a] - s) / l[ra + a];
    }
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
