/**
 * The ECI_sem mathematics (spec §2–§4): per-triple factors, semantic residuals,
 * the per-source log-determinant score, leverages and leave-one-out gains.
 * Pure functions on numbers and Float64Arrays; no I/O.
 */
import {
  choleskyInverseInPlace,
  cholesky,
  dot,
  forwardSolveRows,
  gramRows,
  logDetCholesky,
  transpose,
} from './linalg';
import type { Thresholds } from './settings';

/**
 * σ(x) = 1 / (1 + e^(−x)), evaluated so that e^(…) never overflows and small
 * results keep full relative precision: with τ = 0.02, |Δ/τ| reaches 100 and
 * σ(−100) ≈ 3.7e-44 must not round to 0 (t of a clear false negative is
 * reported, and t·l must equal min(π, 1−π) to relative precision).
 */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export interface TripleFactors {
  /** Margin Δ = a − b. */
  delta: number;
  /** Confusability π = σ(−Δ/τ). */
  pi: number;
  /** Target consistency t = σ(Δ/τ). */
  t: number;
  /** Semantic locality l = exp(−max(Δ, 0)/τ). */
  l: number;
  /** Lexical residuality r = max(ε_r, 1 − ov). */
  r: number;
  /** Weight w = t·l·r ∈ [0, 0.5]. */
  w: number;
}

/**
 * Per-triple factors of spec §2 from the cosines a = q·p, b = q·n and the
 * IDF-weighted overlap ov. `_c` (= p·n) is accepted so callers hand over the
 * whole cosine triple, but no factor depends on it (it only drives the
 * duplicate finding).
 *
 * t is computed as σ(Δ/τ) rather than 1 − π so it keeps relative precision
 * when the encoder strongly prefers the negative (t ≈ 1e-40 instead of 0).
 */
export function tripleFactors(
  a: number,
  b: number,
  _c: number,
  ov: number,
  s: { temperature: number; lexicalFloor: number },
): TripleFactors {
  const tau = s.temperature;
  if (!(tau > 0)) throw new RangeError(`temperature must be > 0, got ${tau}`);
  if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(ov)) {
    throw new RangeError(`tripleFactors: non-finite input (a=${a}, b=${b}, ov=${ov})`);
  }
  const delta = a - b;
  const x = delta / tau;
  const pi = sigmoid(-x);
  const t = sigmoid(x);
  const l = Math.exp(-Math.max(delta, 0) / tau);
  // ov is a share in [0, 1]; the min() only guards against an overlap that
  // rounding pushed below 0, so that ε_r ≤ r ≤ 1 always holds.
  const r = Math.min(1, Math.max(s.lexicalFloor, 1 - ov));
  return { delta, pi, t, l, r, w: t * l * r };
}

/**
 * Semantic residual u = (I − q qᵀ)(n − p) = x − (q·x) q with x = n − p,
 * computed in O(d) without forming the d×d projector, into `out` when given.
 */
export function residual(
  q: ArrayLike<number>,
  p: ArrayLike<number>,
  n: ArrayLike<number>,
  out?: Float64Array,
): { u: Float64Array; norm: number } {
  const d = q.length;
  if (p.length !== d || n.length !== d) {
    throw new RangeError(`residual: dimension mismatch (q ${d}, p ${p.length}, n ${n.length})`);
  }
  if (out !== undefined && out.length !== d) throw new RangeError(`residual: out has length ${out.length}, expected ${d}`);
  // `out`: reuse a buffer when only the norm is kept (most triples are not sampled).
  const u = out ?? new Float64Array(d);
  let s = 0;
  for (let k = 0; k < d; k++) {
    const xk = n[k] - p[k];
    u[k] = xk;
    s += q[k] * xk;
  }
  let nn = 0;
  for (let k = 0; k < d; k++) {
    const v = u[k] - s * q[k];
    u[k] = v;
    nn += v * v;
  }
  return { u, norm: Math.sqrt(nn) };
}

/**
 * Clipped residual û = u / max(m, ‖u‖) (spec §2): ‖û‖ ≤ 1, residuals smaller
 * than the typical scale m shrink, larger ones are not amplified. A zero
 * residual (u = 0, whatever m) yields the zero vector, never NaN. Written into
 * `out` when given (a view into one buffer per source saves an allocation a triple).
 */
export function clipResidual(u: ArrayLike<number>, m: number, out?: Float64Array): Float64Array {
  if (!(m >= 0)) throw new RangeError(`clipResidual: residual scale must be ≥ 0, got ${m}`);
  if (out !== undefined && out.length !== u.length) throw new RangeError(`clipResidual: out has length ${out.length}, expected ${u.length}`);
  const v = out ?? new Float64Array(u.length);
  let nn = 0;
  for (let k = 0; k < u.length; k++) nn += u[k] * u[k];
  const denom = Math.max(m, Math.sqrt(nn));
  if (denom === 0) { v.fill(0); return v; }
  for (let k = 0; k < u.length; k++) v[k] = u[k] / denom;
  return v;
}

export interface SourceScore {
  /** Number of scored (sampled) triples. */
  n: number;
  /** ECI_sem = log det(I + M/λ), nats. */
  eci: number;
  /** eci / N (0 when N = 0). */
  perExample: number;
  /** δ = (eci − L)/(U − L) ∈ [0, 1]; 1 when U = L. */
  diversity: number;
  /** L = ln(1 + tr(M)/λ): the score if all directions were collinear. */
  lower: number;
  /** U = Σ ln(1 + w_i‖û_i‖²/λ): the score if all directions were orthogonal. */
  upper: number;
  /** tr(M) = Σ w_i ‖û_i‖². */
  traceM: number;
  /** h_i = w_i û_iᵀ(λI + M)⁻¹û_i, per unit in input order. */
  leverage: Float64Array;
  /** g_i = −ln(1 − h_i): the drop in eci if triple i were removed. */
  gain: Float64Array;
  /** Which side of Sylvester's identity was factorised. */
  space: 'n' | 'd';
  /** G = BBᵀ (N × N), when asked for with `keepGram` and the score was computed in N-space. */
  gram?: Float64Array;
}

/**
 * Relative tolerance under which U and L count as equal for δ. The log-det is
 * a sum of N logs of numbers ≥ 1, accurate to about N·ε in absolute terms
 * whatever the weights, so the gap U − L must clear that noise (scaled by
 * max(1, U)) before (eci − L)/(U − L) means anything.
 */
const DIVERSITY_TOLERANCE = 1e-9;

/**
 * ECI_sem of one source's sample (spec §3) with leverages and gains (spec §4).
 *
 * `units` are the clipped residuals û_i (all of one dimension d), `weights` the
 * w_i ≥ 0. By Sylvester's identity log det(I_d + M/λ) = log det(I_N + G) with
 * G = W^½ÛÛᵀW^½/λ; 'auto' factorises the smaller of the two (N-space when
 * N ≤ d). Both are the Gram matrix of scaled rows b_i = √(w_i/λ)·û_i: BBᵀ
 * (N×N) or BᵀB (d×d).
 *
 * Leverages are computed so that they keep relative precision for tiny
 * weights (h_i ≈ G_ii), which the "redundant" rule g_i < 0.1·w_i relies on:
 *   - d-space: h_i = ‖L⁻¹b_i‖² with S = I + BᵀB = LLᵀ;
 *   - N-space: h_i = [G(I+G)⁻¹]_ii = Σ_j G_ij (I+G)⁻¹_ij, rather than the
 *     algebraically equal 1 − (I+G)⁻¹_ii, which cancels catastrophically.
 * Gains: g = −log1p(−h); in N-space, when h > ½, −ln((I+G)⁻¹_ii) (= the same
 * value, exact for h near 1). In d-space h ≤ x/(1+x) with x = w‖û‖²/λ ≤ 0.5/λ,
 * so h ≤ ⅓ at the default λ = 1 and log1p is accurate.
 *
 * N = 0: eci 0, perExample 0, diversity 1 (nothing collinear to penalise),
 * empty leverage/gain.
 */
export function scoreSource(
  units: Float64Array[],
  weights: ArrayLike<number>,
  lambda: number,
  opts?: { space?: 'auto' | 'n' | 'd'; keepGram?: boolean },
): SourceScore {
  const n = units.length;
  if (weights.length !== n) throw new RangeError(`scoreSource: ${n} units but ${weights.length} weights`);
  if (!(lambda > 0) || !Number.isFinite(lambda)) throw new RangeError(`scoreSource: λ must be finite and > 0, got ${lambda}`);
  const d = n > 0 ? units[0].length : 0;
  const wanted = opts?.space ?? 'auto';
  const space: 'n' | 'd' = wanted === 'auto' ? (n <= d ? 'n' : 'd') : wanted;
  if (n === 0) {
    return {
      n: 0, eci: 0, perExample: 0, diversity: 1, lower: 0, upper: 0, traceM: 0,
      leverage: new Float64Array(0), gain: new Float64Array(0), space,
    };
  }

  const { b, traceM, upper } = scaledRows(units, weights, lambda, d);

  const leverage = new Float64Array(n);
  const gain = new Float64Array(n);
  let eci: number;
  let gram: Float64Array | undefined;
  if (space === 'n') {
    const g = gramRows(b, n, d);
    if (opts?.keepGram) gram = g;
    const a = Float64Array.from(g);
    for (let i = 0; i < n; i++) a[i * n + i] += 1;
    cholesky(a, n);
    eci = logDetCholesky(a, n);
    choleskyInverseInPlace(a, n); // a = (I + G)⁻¹
    for (let i = 0; i < n; i++) {
      const h = dot(g, i * n, a, i * n, n);
      leverage[i] = h;
      gain[i] = h <= 0.5 ? -Math.log1p(-h) : -Math.log(a[i * n + i]);
    }
  } else {
    const sMat = gramRows(transpose(b, n, d), d, n); // BᵀB = M/λ, from the d × N transpose
    for (let k = 0; k < d; k++) sMat[k * d + k] += 1;
    cholesky(sMat, d);
    eci = logDetCholesky(sMat, d);
    forwardSolveRows(sMat, d, b, n); // row i of b ← L⁻¹b_i
    for (let i = 0; i < n; i++) {
      leverage[i] = dot(b, i * d, b, i * d, d);
      // h < 1 mathematically; the cap keeps g finite if rounding reaches 1.
      gain[i] = -Math.log1p(-Math.min(leverage[i], 1 - Number.EPSILON));
    }
  }
  // log det(I + PSD) ≥ 0; a rounding excursion below 0 is not a score.
  eci = Math.max(0, eci);

  const lower = Math.log1p(traceM / lambda);
  const gap = upper - lower;
  let diversity: number;
  if (gap <= DIVERSITY_TOLERANCE * Math.max(1, upper)) diversity = 1;
  else diversity = Math.min(1, Math.max(0, (eci - lower) / gap));

  return { n, eci, perExample: eci / n, diversity, lower, upper, traceM, leverage, gain, space, ...(gram ? { gram } : {}) };
}

/** Scaled rows b_i = √(w_i/λ)·û_i (N × d, row-major), with tr(M) and U = Σ ln(1 + w_i‖û_i‖²/λ). */
function scaledRows(units: Float64Array[], weights: ArrayLike<number>, lambda: number, d: number): { b: Float64Array; traceM: number; upper: number } {
  const n = units.length;
  const b = new Float64Array(n * d);
  let traceM = 0;
  let upper = 0;
  for (let i = 0; i < n; i++) {
    const u = units[i];
    const w = weights[i];
    if (u.length !== d) throw new RangeError(`scoreSource: unit ${i} has dimension ${u.length}, expected ${d}`);
    if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`scoreSource: weight ${i} must be finite and ≥ 0, got ${w}`);
    const sq = dot(u, 0, u, 0, d);
    traceM += w * sq;
    upper += Math.log1p((w * sq) / lambda);
    const f = Math.sqrt(w / lambda);
    const off = i * d;
    for (let k = 0; k < d; k++) b[off + k] = f * u[k];
  }
  return { b, traceM, upper };
}

/**
 * ECI_sem of subsets of one source's sample (the half-samples of the stability
 * check), with the same û and w as the full score. A subset of size h is scored
 * in the smaller space: when h ≤ d, as log det(I_h + G[S, S]) from one N × N Gram
 * matrix shared by every subset (`gram`, when scoreSource kept it, saves forming it
 * again); otherwise as log det(I_d + B_Sᵀ B_S) accumulated per subset.
 */
export function subsetScores(
  units: Float64Array[],
  weights: ArrayLike<number>,
  lambda: number,
  subsets: readonly Uint32Array[],
  gram?: Float64Array,
): Float64Array {
  const n = units.length;
  const out = new Float64Array(subsets.length);
  if (n === 0) return out;
  const d = units[0].length;
  const { b } = scaledRows(units, weights, lambda, d);
  let g = gram && gram.length === n * n ? gram : undefined;
  subsets.forEach((subset, r) => {
    const h = subset.length;
    if (h === 0) return;
    let a: Float64Array;
    let size: number;
    if (h <= d) {
      g ??= gramRows(b, n, d);
      a = new Float64Array(h * h);
      for (let x = 0; x < h; x++) {
        const row = subset[x] * n;
        for (let y = 0; y <= x; y++) a[x * h + y] = g[row + subset[y]];
        a[x * h + x] += 1;
      }
      size = h;
    } else {
      const rows = new Float64Array(h * d);
      for (let x = 0; x < h; x++) rows.set(b.subarray(subset[x] * d, subset[x] * d + d), x * d);
      a = gramRows(transpose(rows, h, d), d, h);
      for (let k = 0; k < d; k++) a[k * d + k] += 1;
      size = d;
    }
    cholesky(a, size);
    out[r] = Math.max(0, logDetCholesky(a, size));
  });
  return out;
}

/**
 * The "redundant" finding of spec §4 for the sampled triples of one source:
 * g_i < redundantGainRatio·w_i and some other triple j of the list (and of
 * the same group key, when `groupKeys` is given — e.g. when units of several
 * sources are passed together) has cos(û_i, û_j) ≥ redundantCosine. Zero
 * vectors have no direction and never match. The cosine scan runs only for
 * triples that pass the gain test, and stops at the first match.
 */
export function redundantFlags(
  units: Float64Array[],
  weights: ArrayLike<number>,
  gain: ArrayLike<number>,
  thresholds: Pick<Thresholds, 'redundantGainRatio' | 'redundantCosine'>,
  groupKeys?: ArrayLike<string | number>,
): Uint8Array {
  const n = units.length;
  if (weights.length !== n || gain.length !== n || (groupKeys && groupKeys.length !== n)) {
    throw new RangeError('redundantFlags: units, weights, gain (and groupKeys) must have the same length');
  }
  const flags = new Uint8Array(n);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) norms[i] = Math.sqrt(dot(units[i], 0, units[i], 0, units[i].length));
  const cosMin = thresholds.redundantCosine;
  for (let i = 0; i < n; i++) {
    if (!(gain[i] < thresholds.redundantGainRatio * weights[i]) || norms[i] === 0) continue;
    const ui = units[i];
    for (let j = 0; j < n; j++) {
      if (j === i || norms[j] === 0) continue;
      if (groupKeys && groupKeys[j] !== groupKeys[i]) continue;
      const cos = dot(ui, 0, units[j], 0, ui.length) / (norms[i] * norms[j]);
      if (cos >= cosMin) {
        flags[i] = 1;
        break;
      }
    }
  }
  return flags;
}
