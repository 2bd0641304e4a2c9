/**
 * How stable the ranking is under resampling (docs/spec.md, "Stability"): each
 * source is scored again on R half-samples of its sample (same m, weights and
 * residuals; only the set changes), and every pair of sources in a group gets
 * the share of half-samples that order them as the full scores do.
 */
import { subsetScores } from './eci';
import { halfSamples, type SampleKey } from './sampling';
import type { ContentMemo } from './scoreMemo';

/** What scoring one source left for its stability check. */
export interface StabilityInput {
  name: string;
  group: 'plain' | 'hybrid';
  rank: number;
  eci: number;
  /** N: sampled triples. */
  n: number;
  units: Float64Array[];
  weights: Float64Array;
  keys: SampleKey[];
  /** The N × N Gram matrix the main score formed, when it has one. */
  gram?: Float64Array;
}

export interface SourceStability {
  resamples: number;
  /** ⌊N/2⌋: the size of each half-sample. */
  n: number;
  median: number;
  p10: number;
  p90: number;
  /** Agreement with the next source below in the group; null for the last one or when not comparable. */
  agreementWithNext: number | null;
  /** False when the next source below has another N (its half-sample scores are not comparable). */
  comparableWithNext: boolean;
  tiedWithNext: boolean;
  /** The name of the next source below, when there is one. */
  next?: string;
  /** The R half-sample scores, in r order (not in the report; the hover and tests use them). */
  scores: Float64Array;
}

/** One pair of sources of a group: `a` ranked above `b`; `share` of half-samples with ECI(a, r) > ECI(b, r). */
export interface Agreement {
  group: 'plain' | 'hybrid';
  a: string;
  b: string;
  share: number | null;
  comparable: boolean;
}

export interface StabilityResult {
  resamples: number;
  bySource: Map<string, SourceStability>;
  agreement: Agreement[];
}

/** Nearest-rank percentile: the ⌈p·R/100⌉-th smallest of R values. */
export function nearestRank(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const k = Math.min(n, Math.max(1, Math.ceil((p * n) / 100)));
  return sorted[k - 1];
}

/** The share of r with x[r] > y[r]. */
function share(x: Float64Array, y: Float64Array): number {
  let above = 0;
  for (let r = 0; r < x.length; r++) if (x[r] > y[r]) above++;
  return x.length > 0 ? above / x.length : NaN;
}

/**
 * Scores every source's half-samples and compares the pairs. `yieldEvery` (async
 * callers) lets the thread breathe between sources, and `signal` stops the work.
 */
export async function computeStability(
  inputs: readonly StabilityInput[],
  settings: { seed: number; lambda: number; resamples: number; thresholds: { stableAgreement: number } },
  control?: { signal?: AbortSignal; pause?: () => Promise<void> },
  /** Half-sample scores of earlier runs by content (the same sample, weights and settings give the same scores). */
  memo?: ContentMemo<Float64Array>,
): Promise<StabilityResult> {
  const R = settings.resamples;
  const scores = new Map<string, Float64Array>();
  for (const s of inputs) {
    control?.signal?.throwIfAborted();
    const key = memo?.key(s.units, s.weights, [settings.lambda, settings.seed, R], s.keys.map((k) => `${k.query}\u0000${k.j}`).join('\u0001'));
    let half = key !== undefined ? memo!.get(key) : undefined;
    if (!half) {
      half = subsetScores(s.units, s.weights, settings.lambda, halfSamples(s.keys, settings.seed, R), s.gram);
      if (key !== undefined) memo!.set(key, half);
      await control?.pause?.();
    }
    scores.set(s.name, half);
  }
  const bySource = new Map<string, SourceStability>();
  const agreement: Agreement[] = [];
  for (const group of ['plain', 'hybrid'] as const) {
    const ranked = inputs.filter((s) => s.group === group).sort((x, y) => x.rank - y.rank);
    for (let i = 0; i < ranked.length; i++) {
      for (let j = i + 1; j < ranked.length; j++) {
        const a = ranked[i], b = ranked[j];
        const comparable = a.n === b.n;
        agreement.push({ group, a: a.name, b: b.name, share: comparable ? share(scores.get(a.name)!, scores.get(b.name)!) : null, comparable });
      }
    }
    ranked.forEach((s, i) => {
      const own = scores.get(s.name)!;
      const sorted = Float64Array.from(own).sort();
      const next = ranked[i + 1];
      const comparableWithNext = next ? next.n === s.n : true;
      const agreementWithNext = next && comparableWithNext ? share(own, scores.get(next.name)!) : null;
      bySource.set(s.name, {
        resamples: R, n: s.n >> 1,
        median: nearestRank(sorted, 50), p10: nearestRank(sorted, 10), p90: nearestRank(sorted, 90),
        agreementWithNext, comparableWithNext,
        tiedWithNext: agreementWithNext !== null && agreementWithNext < settings.thresholds.stableAgreement,
        ...(next ? { next: next.name } : {}),
        scores: own,
      });
    });
  }
  return { resamples: R, bySource, agreement };
}
