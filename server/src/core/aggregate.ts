/**
 * From per-triple scalars to per-source scores (spec §2–§4). Pure: the caller
 * supplies the scalars, the sources' members and samples, and the residual
 * vectors of sampled triples.
 */
import { clipResidual, redundantFlags, scoreSource, tripleFactors } from './eci';
import { ExactSum } from './exactSum';
import { sourceFindings, tripleFindings } from './findings';
import { rankSources } from './ranking';
import type { SampleKey } from './sampling';
import type { MemoScore, ScoreMemo } from './scoreMemo';
import type { Settings } from './settings';
import type { SourceStability, StabilityInput, StabilityResult } from './stability';
import type { FindingId, TripleFindingId } from './types';

/** Per-triple scalars measured from embeddings and texts. */
export interface TripleScalars {
  readonly length: number;
  a(i: number): number;
  b(i: number): number;
  c(i: number): number;
  ov(i: number): number;
  jaccard(i: number): number;
  textDuplicate(i: number): boolean;
}

export interface TripleEvaluation {
  a: number; b: number; c: number;
  delta: number; pi: number; t: number; l: number; r: number; w: number;
  jaccard: number;
  /** Every finding but "redundant", which depends on the source's sample. */
  findings: TripleFindingId[];
}

export function evaluateTriple(table: TripleScalars, i: number, settings: Settings): TripleEvaluation {
  const a = table.a(i), b = table.b(i), c = table.c(i), jaccard = table.jaccard(i);
  const f = tripleFactors(a, b, c, table.ov(i), settings);
  const findings = tripleFindings({ textDuplicate: table.textDuplicate(i), c, jaccard, t: f.t, l: f.l, r: f.r }, settings.thresholds);
  return { a, b, c, jaccard, delta: f.delta, pi: f.pi, t: f.t, l: f.l, r: f.r, w: f.w, findings };
}

export interface SourceSpec {
  name: string;
  group: 'plain' | 'hybrid';
  /** Triple indices of the source, in reading order. */
  members: ArrayLike<number>;
  /**
   * Positions within `members` that are sampled, in the order they enter the score
   * (ascending sample key, so that the order of lines does not change a bit of it).
   */
  sample: ArrayLike<number>;
  /** The sample key of each sampled triple (aligned with `sample`), for the half-samples of the stability check. */
  keys?: SampleKey[];
}

export interface SourceResult {
  name: string;
  group: 'plain' | 'hybrid';
  rank: number;
  size: number;
  n: number;
  underSampled: boolean;
  eci: number;
  perExample: number;
  diversity: number;
  lower: number;
  upper: number;
  space: 'n' | 'd';
  mean: { t: number; l: number; r: number; w: number };
  /** Counts over the whole source (redundant: over the sample); source-level findings count 1. */
  findings: Partial<Record<FindingId, number>>;
  /** Share of the source's triples with at least one triple finding. */
  weakShare: number;
  /** Triples that are duplicate, near-duplicate or likely false negatives (unsafe to train on). */
  unsafe: number;
  members: ArrayLike<number>;
  /** Sampled triple indices, and per sampled triple its leverage, gain and redundant flag. */
  sampled: Uint32Array;
  leverage: Float64Array;
  gain: Float64Array;
  redundant: Uint8Array;
  /** Half-sample stability, once computed (absent while pending, or with resamples 0). */
  stability?: SourceStability;
}

export interface AggregateOptions {
  /** When given, receives what each source's stability check needs (computed later, or at once, by the caller). */
  stabilityInputs?: StabilityInput[];
  /** 'sample': only the sampled triples were measured, so counts and means are over the sample. */
  scope?: 'all' | 'sample';
  /** Scores of earlier runs by content (the language server keeps one between runs). */
  memo?: ScoreMemo;
}

const FALSE_NEGATIVE_LIKE: ReadonlySet<TripleFindingId> = new Set(['duplicate-of-positive', 'near-duplicate-of-positive', 'likely-false-negative']);

export function aggregateSources(
  table: TripleScalars,
  specs: SourceSpec[],
  residuals: ReadonlyMap<number, Float64Array>,
  residualScale: number,
  settings: Settings,
  opts: AggregateOptions = {},
): SourceResult[] {
  const { stabilityInputs, scope = 'all', memo } = opts;
  // Recomputed rather than memoised: it is cheap, and a memo would hold an
  // object per triple (the point of the columnar table is not to).
  const evaluate = (i: number) => evaluateTriple(table, i, settings);
  const kept: Pick<StabilityInput, 'units' | 'weights' | 'gram'>[] = [];
  const results: SourceResult[] = specs.map((spec) => {
    const size = spec.members.length;
    /** The triples the counts and means are over: the whole source, or its sample. */
    const scored = scope === 'all' ? size : spec.sample.length;
    const at = (k: number) => spec.members[scope === 'all' ? k : spec.sample[k]];
    const counts: Partial<Record<FindingId, number>> = {};
    // Exact sums: the means must not depend on the order of lines (invariant 9).
    const st = new ExactSum(), sl = new ExactSum(), sr = new ExactSum(), sw = new ExactSum();
    let falseNegativeLike = 0, weak = 0;
    for (let k = 0; k < scored; k++) {
      const e = evaluate(at(k));
      st.add(e.t); sl.add(e.l); sr.add(e.r); sw.add(e.w);
      for (const f of e.findings) counts[f] = (counts[f] ?? 0) + 1;
      if (e.findings.some((f) => FALSE_NEGATIVE_LIKE.has(f))) falseNegativeLike++;
      if (e.findings.length > 0) weak++;
    }
    const { sampled, units, weights } = sampledInputs(table, spec, residuals, residualScale, settings);
    const key = memo?.key(units, weights, memoParams(settings, !!stabilityInputs));
    let reused = key !== undefined ? memo!.get(key) : undefined;
    if (!reused) {
      reused = scoreSample(units, weights, settings, !!stabilityInputs);
      if (key !== undefined) memo!.set(key, reused);
    }
    const { score, redundant } = reused;
    if (stabilityInputs) kept.push({ units, weights, gram: score.gram });
    let redundantCount = 0;
    for (let k = 0; k < redundant.length; k++) {
      if (!redundant[k]) continue;
      redundantCount++;
      if (evaluate(sampled[k]).findings.length === 0) weak++;
    }
    if (redundantCount > 0) counts.redundant = redundantCount;
    for (const f of sourceFindings({ size, scored, n: sampled.length, sampleSize: settings.sampleSize, diversity: score.diversity, falseNegativeLike }, settings.thresholds)) {
      counts[f] = 1;
    }
    const mean = (s: ExactSum | number) => (scored > 0 ? (typeof s === 'number' ? s : s.value()) / scored : 0);
    return {
      name: spec.name, group: spec.group, rank: 0, size, n: sampled.length,
      underSampled: size < settings.sampleSize,
      eci: score.eci, perExample: score.perExample, diversity: score.diversity,
      lower: score.lower, upper: score.upper, space: score.space,
      mean: { t: mean(st), l: mean(sl), r: mean(sr), w: mean(sw) },
      findings: counts, weakShare: mean(weak), unsafe: falseNegativeLike, members: spec.members,
      sampled, leverage: score.leverage, gain: score.gain, redundant,
    };
  });
  const ranks = rankSources(results);
  for (const r of results) r.rank = ranks.get(r.name) ?? 0;
  results.forEach((r, k) => stabilityInputs?.push({
    name: r.name, group: r.group, rank: r.rank, eci: r.eci, n: r.n, ...kept[k], keys: specs[k].keys ?? [],
  }));
  return results;
}

/** What a source's score is computed from: its sampled triples, their clipped residuals û and weights w. */
function sampledInputs(
  table: TripleScalars, spec: SourceSpec, residuals: ReadonlyMap<number, Float64Array>, residualScale: number, settings: Settings,
): { sampled: Uint32Array; units: Float64Array[]; weights: Float64Array } {
  const sampled = Uint32Array.from(Array.from(spec.sample, (pos) => spec.members[pos]));
  const units = Array.from(sampled, (i) => clipResidual(residuals.get(i) ?? missing(i), residualScale));
  const weights = Float64Array.from(sampled, (i) => evaluateTriple(table, i, settings).w);
  return { sampled, units, weights };
}

/** The settings a source's score depends on besides û and w (part of its memo key). */
function memoParams(settings: Settings, keepGram: boolean): number[] {
  const th = settings.thresholds;
  return [settings.lambda, th.redundantGainRatio, th.redundantCosine, keepGram ? 1 : 0];
}

/** A source's log-determinant score, leverages, gains and redundant flags (spec §3–§4). */
function scoreSample(units: Float64Array[], weights: Float64Array, settings: Pick<Settings, 'lambda' | 'thresholds'>, keepGram: boolean): MemoScore {
  const score = scoreSource(units, weights, settings.lambda, { keepGram });
  return { score, redundant: redundantFlags(units, weights, score.gain, settings.thresholds) };
}

/** Attaches a stability check's outcome to the results: `stability` per source and the tied-with-next finding. */
export function applyStability(results: SourceResult[], stability: StabilityResult): void {
  for (const r of results) {
    const s = stability.bySource.get(r.name);
    if (!s) continue;
    r.stability = s;
    if (s.tiedWithNext) r.findings['tied-with-next'] = 1;
    else delete r.findings['tied-with-next'];
  }
}

function missing(i: number): never {
  throw new Error(`internal: no residual kept for sampled triple ${i}`);
}
