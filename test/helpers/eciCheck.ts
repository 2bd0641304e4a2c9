/** Numeric helpers shared by the ECI_sem core tests: tolerances, seeded vectors, the spec §2–§3 chain. */
import assert from 'node:assert/strict';
import { clipResidual, residual, scoreSource, tripleFactors } from '../../server/src/core/eci';
import { median } from '../../server/src/core/median';
import type { Rng } from './rng';
export function close(actual: number, expected: number, rel: number, abs = 0, what = ''): void {
  const tol = rel * Math.abs(expected) + abs;
  assert.ok(Math.abs(actual - expected) <= tol, `${what} expected ${expected}, got ${actual} (|diff| ${Math.abs(actual - expected)} > ${tol})`);
}

export function closeArrays(a: ArrayLike<number>, b: ArrayLike<number>, rel: number, abs: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) close(a[i], b[i], rel, abs, `${what}[${i}]`);
}

export function dotv(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < x.length; k++) s += x[k] * y[k];
  return s;
}

export function normalize(v: Float64Array): Float64Array {
  const n = Math.sqrt(dotv(v, v));
  return v.map((x) => x / n);
}

export function gaussian(rng: Rng, d: number, scale = 1): Float64Array {
  return Float64Array.from({ length: d }, () => rng.nextGaussian() * scale);
}

/** Random orthogonal d×d matrix (rows orthonormal): modified Gram–Schmidt on Gaussian rows. */
export function randomOrthogonal(rng: Rng, d: number): Float64Array[] {
  const rows: Float64Array[] = [];
  while (rows.length < d) {
    const v = gaussian(rng, d);
    for (const r of rows) {
      const p = dotv(v, r);
      for (let k = 0; k < d; k++) v[k] -= p * r[k];
    }
    rows.push(normalize(v));
  }
  return rows;
}

export function rotate(qm: Float64Array[], v: Float64Array): Float64Array {
  return Float64Array.from(qm, (row) => dotv(row, v));
}

export interface Triple { q: Float64Array; p: Float64Array; n: Float64Array; ov: number }

/** Triples around a random query: positives and negatives both near it, so weights are not negligible at τ = 0.05. */
export function makeTriples(rng: Rng, count: number, d: number): Triple[] {
  return Array.from({ length: count }, () => {
    const q = normalize(gaussian(rng, d));
    const p = normalize(q.map((x) => x + rng.nextGaussian() * 0.7 / Math.sqrt(d)));
    const n = normalize(q.map((x) => x + rng.nextGaussian() * 0.8 / Math.sqrt(d)));
    return { q, p, n, ov: rng.nextFloat() };
  });
}

export const FACTORS = { temperature: 0.05, lexicalFloor: 0.05 };

/** The whole chain of spec §2–§3: residuals, median m, clipping, weights, score. */
export function pipeline(triples: Triple[], lambda = 1, space: 'auto' | 'n' | 'd' = 'auto', fixedM?: number) {
  const res = triples.map((t) => residual(t.q, t.p, t.n));
  const m = fixedM ?? median(res.map((r) => r.norm));
  const units = res.map((r) => clipResidual(r.u, m));
  const weights = Float64Array.from(triples, (t) => tripleFactors(dotv(t.q, t.p), dotv(t.q, t.n), dotv(t.p, t.n), t.ov, FACTORS).w);
  return { m, units, weights, score: scoreSource(units, weights, lambda, { space }) };
}

export function randomUnits(rng: Rng, count: number, d: number): { units: Float64Array[]; weights: Float64Array } {
  const units = Array.from({ length: count }, () => {
    const v = normalize(gaussian(rng, d));
    const len = Math.min(1, 0.2 + rng.nextFloat()); // ‖û‖ ≤ 1, as after clipping
    return v.map((x) => x * len);
  });
  return { units, weights: Float64Array.from({ length: count }, () => rng.nextFloat() * 0.5) };
}

// ---------- invariant 1 ----------
