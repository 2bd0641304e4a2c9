/**
 * From per-triple scalars to per-source scores (spec §2–§4). Pure: the caller
 * supplies the scalars, the sources' members and samples, and the residual
 * vectors of sampled triples.
 */
import { clipResidual, redundantFlags, scoreSource, tripleFactors } from './eci';
import { ExactSum } from './exactSum';
import { FINDING_BIT, findingsOfMask, sourceFindings, tripleFindingMask } from './findings';
import { rankSources } from './ranking';
import type { SampleKey } from './sampling';
import type { MemoScore, ScoreMemo } from './scoreMemo';
import type { Settings } from './settings';
import type { SourceStability, StabilityInput, StabilityResult } from './stability';
import { TRIPLE_FINDINGS, type FindingId, type TripleFindingId } from './types';

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
  return { a, b, c, jaccard, delta: f.delta, pi: f.pi, t: f.t, l: f.l, r: f.r, w: f.w, findings: findingsOfMask(maskOf(table, i, c, f, settings)) };
}

/** The finding mask of triple i from its factors (evaluateTriple and TripleEvaluations share it). */
function maskOf(table: TripleScalars, i: number, c: number, f: { t: number; l: number; r: number }, settings: Settings): number {
  return tripleFindingMask({ textDuplicate: table.textDuplicate(i), c, jaccard: table.jaccard(i), t: f.t, l: f.l, r: f.r }, settings.thresholds);
}

/** Marks a triple whose weight and mask are not computed yet (real masks use the low five bits). */
const UNSET = 0xff;

/**
 * The weight w and the finding mask of every triple of one run, each computed once, when
 * first asked for: the sources' counts, their samples' weights and the result's columns
 * read them. t, l and r are not kept (8 bytes a triple each at 10M triples); `factorsOf`
 * gives them for the triple at hand. The same arithmetic as evaluateTriple, so the same bits.
 */
export class TripleEvaluations {
  readonly w: Float64Array;
  /** Finding mask (FINDING_BIT) of every finding but "redundant". */
  readonly mask: Uint8Array;
  /** t, l, r of the triple last given to factorsOf (until the next call). */
  t = 0;
  l = 0;
  r = 0;

  constructor(private readonly table: TripleScalars, private readonly settings: Settings) {
    this.w = new Float64Array(table.length);
    this.mask = new Uint8Array(table.length).fill(UNSET);
  }

  /** Computes triple i's factors into t, l, r, and keeps its w and mask; returns i. */
  factorsOf(i: number): number {
    const table = this.table;
    const c = table.c(i);
    const f = tripleFactors(table.a(i), table.b(i), c, table.ov(i), this.settings);
    this.t = f.t; this.l = f.l; this.r = f.r;
    if (this.mask[i] === UNSET) {
      this.w[i] = f.w;
      this.mask[i] = maskOf(table, i, c, f, this.settings);
    }
    return i;
  }

  /** Makes sure triple i's w and mask are computed; returns i. */
  at(i: number): number {
    return this.mask[i] === UNSET ? this.factorsOf(i) : i;
  }
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
  /** The run's per-triple weights and finding masks, when the caller reads them afterwards too (made here otherwise). */
  evaluations?: TripleEvaluations;
}

const FALSE_NEGATIVE_MASK = FINDING_BIT['duplicate-of-positive'] | FINDING_BIT['near-duplicate-of-positive'] | FINDING_BIT['likely-false-negative'];

export function aggregateSources(
  table: TripleScalars,
  specs: SourceSpec[],
  residuals: ReadonlyMap<number, Float64Array>,
  residualScale: number,
  settings: Settings,
  opts: AggregateOptions = {},
): SourceResult[] {
  const { stabilityInputs, scope = 'all', memo } = opts;
  const ev = opts.evaluations ?? new TripleEvaluations(table, settings);
  const kept: Pick<StabilityInput, 'units' | 'weights' | 'gram'>[] = [];
  const results: SourceResult[] = specs.map((spec) => {
    const size = spec.members.length;
    /** The triples the counts and means are over: the whole source, or its sample. */
    const scored = scope === 'all' ? size : spec.sample.length;
    const at = (k: number) => spec.members[scope === 'all' ? k : spec.sample[k]];
    // Per finding bit, its count and the rank of its first appearance (the order of `counts`' keys, as before).
    const bitCounts = new Array<number>(TRIPLE_FINDINGS.length).fill(0);
    const firstSeen: number[] = [];
    // Exact sums: the means must not depend on the order of lines (invariant 9).
    const st = new ExactSum(), sl = new ExactSum(), sr = new ExactSum(), sw = new ExactSum();
    let falseNegativeLike = 0, weak = 0;
    for (let k = 0; k < scored; k++) {
      const i = ev.factorsOf(at(k));
      st.add(ev.t); sl.add(ev.l); sr.add(ev.r); sw.add(ev.w[i]);
      const mask = ev.mask[i];
      if (mask === 0) continue;
      weak++;
      if (mask & FALSE_NEGATIVE_MASK) falseNegativeLike++;
      for (let b = 0; b < TRIPLE_FINDINGS.length; b++) {
        if (!(mask & (1 << b))) continue;
        if (bitCounts[b]++ === 0) firstSeen.push(b);
      }
    }
    const counts: Partial<Record<FindingId, number>> = {};
    for (const b of firstSeen) counts[TRIPLE_FINDINGS[b]] = bitCounts[b];
    const { sampled, units, weights } = sampledInputs(ev, spec, residuals, residualScale);
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
      if (ev.mask[ev.at(sampled[k])] === 0) weak++;
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

/**
 * What a source's score is computed from: its sampled triples, their clipped residuals û
 * (views into one buffer) and weights w.
 */
function sampledInputs(
  ev: TripleEvaluations, spec: SourceSpec, residuals: ReadonlyMap<number, Float64Array>, residualScale: number,
): { sampled: Uint32Array; units: Float64Array[]; weights: Float64Array } {
  const sampled = Uint32Array.from(Array.from(spec.sample, (pos) => spec.members[pos]));
  const d = sampled.length > 0 ? (residuals.get(sampled[0]) ?? missing(sampled[0])).length : 0;
  const block = new Float64Array(sampled.length * d);
  const units = Array.from(sampled, (i, k) => {
    const u = residuals.get(i) ?? missing(i);
    if (u.length !== d) throw new RangeError(`internal: residual of triple ${i} has dimension ${u.length}, expected ${d}`);
    return clipResidual(u, residualScale, block.subarray(k * d, (k + 1) * d));
  });
  const weights = Float64Array.from(sampled, (i) => ev.w[ev.at(i)]);
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
