/**
 * One analysis run: scan → sample → embed and measure → score. The CLI and the
 * language server both call `analyze`; nothing here knows about either.
 */
import { median } from '../core/median';
import { EncoderError } from '../encoder/protocol';
import { aggregateSources, applyStability, TripleEvaluations, type SourceResult, type SourceSpec } from '../core/aggregate';
import { DocumentFrequencies, wordTerms } from '../core/lexical';
import type { ScoreMemo } from '../core/scoreMemo';
import type { Settings } from '../core/settings';
import { computeStability, type StabilityInput, type StabilityResult } from '../core/stability';
import type { Problem } from '../core/types';
import type { Embedder, EncoderChoice, EncoderInfo } from './embedder';
import { readIdfCorpus } from './idfCorpus';
import type { LineSource } from './lines';
import { AnalysisError } from './errors';
import { LineFactsOverBudget, type LineFacts, type LineReuse, type TripleFact } from './lineFacts';
import type { RunIdf } from './lineIdf';
import { measure } from './measure';
import type { Plan, ReadUnit, SourceDef } from './plan';
import { scan } from './scan';
import type { TripleTable } from './tripleTable';

export interface Progress {
  phase: 'scan' | 'load' | 'embed' | 'score' | 'stability';
  /** Lines read (scan) or triples measured (embed). */
  done: number;
  total: number;
  /** Texts the model embedded so far (cache misses). */
  embedded?: number;
}

export interface AnalyzeOptions {
  plan: Plan;
  settings: Settings;
  encoder: EncoderChoice;
  /** Files of the IDF corpus; null = every distinct passage of the analysis. */
  idfCorpus?: { path: string; lines: LineSource }[] | null;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /**
   * The stability check (resamples > 0): 'inline' computes it before returning (CLI);
   * 'deferred' returns at once with `pendingStability` to call next, so an editor shows
   * the scores without waiting for the half-samples.
   */
  stability?: 'inline' | 'deferred';
  /**
   * Scope of the result (docs/spec.md, "Scope of a result"): 'all' measures every triple;
   * 'sample' embeds and scores the sampled triples only (m over the union of the samples,
   * findings of sampled triples only).
   */
  scope?: ResultScope;
  /** With scope 'all': receives the sample-scope result first, when measuring the samples had to embed. */
  onProvisional?: (result: AnalysisResult) => void;
  /** Scores of earlier runs by content, re-used where a source's sample is bit-identical (the language server's worker keeps one). */
  scoreMemo?: ScoreMemo;
  /**
   * Facts of the lines of earlier runs of the same scope (the language server's worker keeps
   * one per scope): lines seen before are neither parsed nor measured again. Not used with an
   * `idfCorpus` (its frequencies come from other files).
   */
  lineFacts?: LineFacts;
}

export type ResultScope = 'all' | 'sample';

/** Runs the deferred stability check and attaches it to the result's sources. */
export type PendingStability = (control?: { signal?: AbortSignal; pause?: () => Promise<void> }) => Promise<StabilityResult>;

export interface AnalysisResult {
  /** 'sample': only the sampled triples were measured; the rest have no scalars or findings. */
  scope: ResultScope;
  settings: Settings;
  encoder: EncoderInfo;
  residualScale: number;
  sources: SourceResult[];
  sourceDefs: SourceDef[];
  table: TripleTable;
  units: ReadUnit[];
  problems: Problem[];
  skippedLines: number;
  linesRead: number;
  timings: { scanMs: number; embedMs: number; scoreMs: number; stabilityMs?: number };
  /** The stability check, when computed (resamples > 0). */
  stability?: StabilityResult;
  /** With `stability: 'deferred'`: computes the check, attaches it to `sources` and sets `stability`. */
  pendingStability?: PendingStability;
  /** With `lineFacts`: how many lines were re-used, parsed, and triples measured. */
  reuse?: LineReuse;
  /** Each triple's weight and finding mask as the scores used them (computed on first use). */
  evaluations: TripleEvaluations;
}

export async function analyze(opts: AnalyzeOptions): Promise<AnalysisResult> {
  const { plan, settings, signal } = opts;
  let embedder: Embedder | null = null;
  try {
    const t0 = performance.now();
    // Encoder tokens as lexical terms are needed from pass 1 on.
    if (opts.encoder.kind === 'model' || (opts.encoder.kind === 'auto' && settings.tokenizer === 'encoder')) {
      opts.onProgress?.({ phase: 'load', done: 0, total: 1 });
      embedder = await opts.encoder.load();
    }
    const termsOf = resolveTerms(settings, embedder, opts.encoder.kind === 'precomputed');
    const ownCorpus = !!opts.idfCorpus && opts.idfCorpus.length > 0;
    const inputBytes = plan.units.reduce((n, u) => n + (u.lines.bytes?.() ?? 0), 0);
    let lineFacts = ownCorpus || !opts.lineFacts?.usableFor(inputBytes) ? undefined : opts.lineFacts;
    // Pass-1 facts depend on the seed and on the terms (the encoder's own tokens with tokenizer "encoder").
    lineFacts?.begin(JSON.stringify([settings.seed, settings.tokenizer, settings.tokenizer === 'encoder' ? embedder?.identity ?? null : null, opts.encoder.kind]), settings.seed, termsOf);
    const scanWith = (facts: LineFacts | undefined) => scan(plan, {
      ...(facts ? { lineFacts: facts } : {}),
      precomputed: opts.encoder.kind === 'precomputed',
      sampling: { sampleSize: settings.sampleSize, seed: settings.seed },
      termsOf: ownCorpus ? null : termsOf,
      signal,
      onLines: (n) => opts.onProgress?.({ phase: 'scan', done: n, total: 0 }),
    });
    let scanned: Awaited<ReturnType<typeof scan>>;
    try {
      scanned = await scanWith(lineFacts);
    } catch (err) {
      if (!(err instanceof LineFactsOverBudget) || !lineFacts) throw err;
      // Too large to keep per line: this run (and the next ones while the scope is this
      // large) reads every line as the CLI does.
      const over = lineFacts;
      lineFacts = undefined;
      over.overflow(over.seenTriples);
      scanned = await scanWith(undefined);
    }
    opts.lineFacts?.observe(scanned.table.length);
    const problems = scanned.problems;
    const { table } = scanned;
    if (!embedder && opts.encoder.kind === 'auto' && (table.length === 0 || scanned.withVectors < table.length)) {
      opts.onProgress?.({ phase: 'load', done: 0, total: 1 });
      embedder = await opts.encoder.load();
    }
    let frequencies: DocumentFrequencies = scanned.frequencies;
    if (ownCorpus) frequencies = await readIdfCorpus(opts.idfCorpus!, termsOf, problems);
    // With line facts the idf is per lexicon id (runIdf); measure()'s own overlaps are replaced.
    const idf = lineFacts ? new DocumentFrequencies().toIdf() : frequencies.toIdf();
    const runIdf = lineFacts ? lineFacts.idf(scanned.passageFrequencies!) : undefined;

    // Paired hash samples per source (drawn in pass 1), known before embedding so that
    // only sampled triples keep their residual vectors.
    const keepResidual = new Uint8Array(table.length);
    const specs = scanned.sources.map((def) => {
      const members = scanned.members.get(def.name) ?? [];
      const { positions, keys } = scanned.samples.get(def.name)!;
      for (const pos of positions) keepResidual[members[pos]] = 1;
      return { name: def.name, group: def.group, members, sample: positions, keys };
    });
    const t1 = performance.now();
    const sampledCount = keepResidual.reduce((n, k) => n + k, 0);
    const encoder = (): EncoderInfo => embedder?.info ?? {
      kind: 'precomputed', model: 'precomputed', dimension: scanned.vectorDimension ?? 0, queryPrefix: '', passagePrefix: '',
    };
    /**
     * Pass 2 with line facts: only triples without scalars of this encoder (or sampled ones
     * without their residual) are measured; the others come from the facts. Overlap and
     * Jaccard of every triple of the part follow this run's idf.
     */
    const measureWithFacts = async (
      memo: LineFacts, facts: TripleFact[], runIdf: RunIdf, value: number | undefined,
      measureSelected: (select: { flags: Uint8Array; value: number }) => Promise<Map<number, Float64Array>>,
    ): Promise<Map<number, Float64Array>> => {
      const n = table.length;
      // The vectors behind cached scalars: the kept embedder (its identity), or the records' own.
      const by = embedder ? embedder.identity ?? null : 'precomputed';
      const again = embedder?.lostVectors === true;
      const inPart = (i: number) => value === undefined || keepResidual[i] === value;
      const wanted = new Uint8Array(n);
      let count = 0;
      for (let i = 0; i < n; i++) {
        if (!inPart(i)) continue;
        const f = facts[i];
        if (by === null || again || f.measuredBy !== by || (keepResidual[i] === 1 && !f.u)) { wanted[i] = 1; count++; }
      }
      const residuals = count > 0 ? await measureSelected({ flags: wanted, value: 1 }) : new Map<number, Float64Array>();
      memo.reuse.measured += count;
      const keptFacts = new Set<TripleFact>();
      for (let i = 0; i < n; i++) if (keepResidual[i] === 1) keptFacts.add(facts[i]);
      const norms = table.residualNorms();
      for (let i = 0; i < n; i++) {
        if (!inPart(i)) continue;
        const f = facts[i];
        const keep = keepResidual[i] === 1;
        if (wanted[i]) {
          f.a = table.a(i); f.b = table.b(i); f.c = table.c(i);
          f.residualNorm = norms[i];
          f.textDuplicate = table.textDuplicate(i);
          if (f.measuredBy !== by) { f.measuredBy = by; memo.changed = true; }
          if (keep) f.u = residuals.get(i);
        } else if (keep) residuals.set(i, f.u!);
        runIdf.lexical(f);
        table.setScalars(i, f.a, f.b, f.c, f.ov, f.jaccard, f.residualNorm, f.textDuplicate);
      }
      // Residuals are kept while a triple is sampled only.
      for (let i = 0; i < n; i++) if (inPart(i) && keepResidual[i] === 0 && facts[i].u && !keptFacts.has(facts[i])) facts[i].u = undefined;
      return residuals;
    };
    /** Pass 2 over the selected triples (all of them without `value`), progress counted from `base`. */
    const measurePart = (base: number, value?: number) => lineFacts
      ? measureWithFacts(lineFacts, scanned.facts!, runIdf!, value, (select) => measureSome(base, select, factsHint(scanned.facts!)))
      : measureSome(base, value === undefined ? undefined : { flags: keepResidual, value });
    /**
     * With facts, measure() does no lexical work (the facts' term ids give overlap and Jaccard);
     * word terms equal whenever texts are equal after normalisation, so different term ids rule
     * a duplicate out without normalising either text.
     */
    const factsHint = (facts: TripleFact[]) => ({
      mayBeSame: termsOf === wordTerms
        ? (i: number, of: 'p' | 'q') => { const f = facts[i]; const o = of === 'p' ? f.p : f.q; return o === f.n || sameIds(o.ids, f.n.ids); }
        : () => true,
    });
    const measureSome = (base: number, select?: { flags: Uint8Array; value: number }, facts?: ReturnType<typeof factsHint>) => measure(plan, table, {
      embedder, idf, termsOf, keepResidual, signal,
      ...(select ? { select } : {}),
      ...(facts ? { facts } : {}),
      onTriples: (done) => opts.onProgress?.({ phase: 'embed', done: base + done, total: opts.scope === 'sample' ? sampledCount : table.length, embedded: embedder?.embeddedCount }),
    }).catch((err: unknown) => {
      // The encoder failing (a crashed worker, a model that rejects its inputs) is an
      // outcome to report, not a bug in the run: callers show the message.
      if (err instanceof EncoderError) throw new AnalysisError(`the target encoder failed: ${err.message}`, 'encoder');
      throw err;
    });
    /** Scores the measured triples: all of them, or (scope "sample") the samples alone. */
    const score = (scope: ResultScope, residuals: Map<number, Float64Array>, stabilityMode: 'inline' | 'deferred' | 'none') =>
      scoreResult({ scope, table, specs, residuals, settings, keepResidual, stabilityMode, signal, onProgress: opts.onProgress, memo: opts.scoreMemo,
        base: { settings, encoder: encoder(), sourceDefs: scanned.sources, table, units: plan.units, problems, skippedLines: scanned.skippedLines, linesRead: scanned.linesRead } });

    // The ranking first: an editor (onProvisional) gets the sample-scope result as soon as the
    // sampled triples are measured, when measuring them had to embed; the rest follows.
    const split = opts.scope !== 'sample' && !!opts.onProvisional && opts.encoder.kind !== 'precomputed' && sampledCount < table.length;
    let residuals: Map<number, Float64Array>;
    if (opts.scope === 'sample' || split) {
      const embeddedBefore = embedder?.embeddedCount ?? 0;
      residuals = await measurePart(0, 1);
      if (split && (embedder?.embeddedCount ?? 0) > embeddedBefore) {
        const provisional = await score('sample', residuals, 'none');
        provisional.timings = { ...provisional.timings, scanMs: t1 - t0, embedMs: performance.now() - t1 };
        opts.onProvisional!(provisional);
      }
      if (split) await measurePart(sampledCount, 0);
    } else {
      residuals = await measurePart(0);
    }
    const t2 = performance.now();
    const result = await score(opts.scope ?? 'all', residuals, settings.resamples > 0 ? (opts.stability ?? 'inline') : 'none');
    result.timings = { ...result.timings, scanMs: t1 - t0, embedMs: t2 - t1 };
    if (lineFacts) {
      result.reuse = lineFacts.reuse;
      lineFacts.end();
    }
    return result;
  } finally {
    await embedder?.close();
  }
}

interface ScoreInput {
  scope: ResultScope;
  table: TripleTable;
  specs: SourceSpec[];
  residuals: Map<number, Float64Array>;
  settings: Settings;
  keepResidual: Uint8Array;
  stabilityMode: 'inline' | 'deferred' | 'none';
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  memo?: ScoreMemo;
  base: Omit<AnalysisResult, 'scope' | 'residualScale' | 'sources' | 'timings' | 'stability' | 'pendingStability' | 'evaluations'>;
}

/**
 * Aggregation of a measured table (spec §3.6 for the scope): m is the median ‖u‖ over
 * all triples, or over the union of the samples; then per-source scores and, inline or
 * deferred, the stability check.
 */
async function scoreResult(x: ScoreInput): Promise<AnalysisResult> {
  const t0 = performance.now();
  x.onProgress?.({ phase: 'score', done: 0, total: x.specs.length });
  const norms = x.table.residualNorms();
  const residualScale = x.table.length === 0 ? 0
    : x.scope === 'all' ? median(norms) : median(norms.filter((_, i) => x.keepResidual[i] === 1));
  const stabilityInputs: StabilityInput[] | undefined = x.stabilityMode !== 'none' ? [] : undefined;
  const evaluations = new TripleEvaluations(x.table, x.settings);
  const sources = x.table.length > 0 ? aggregateSources(x.table, x.specs, x.residuals, residualScale, x.settings, { stabilityInputs, scope: x.scope, memo: x.memo, evaluations }) : [];
  const timings: AnalysisResult['timings'] = { scanMs: 0, embedMs: 0, scoreMs: performance.now() - t0 };
  const result: AnalysisResult = { ...x.base, scope: x.scope, residualScale, sources, timings, evaluations };
  if (!stabilityInputs) return result;
  let inputs: StabilityInput[] | undefined = stabilityInputs;
  const check: PendingStability = async (control) => {
    if (!inputs) throw new Error('internal: the stability check of a result runs once');
    const s0 = performance.now();
    const done = await computeStability(inputs, x.settings, control, x.memo?.halves);
    inputs = undefined; // the residuals and Gram matrices are no longer needed
    applyStability(sources, done);
    result.timings.stabilityMs = performance.now() - s0;
    result.stability = done;
    return done;
  };
  if (x.stabilityMode === 'deferred') result.pendingStability = check;
  else {
    x.onProgress?.({ phase: 'stability', done: 0, total: sources.length });
    await check({ signal: x.signal });
  }
  return result;
}

function sameIds(x: Int32Array, y: Int32Array): boolean {
  if (x.length !== y.length) return false;
  for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return false;
  return true;
}

function resolveTerms(settings: Settings, embedder: Embedder | null, precomputed: boolean): (text: string) => string[] {
  if (settings.tokenizer === 'word') return wordTerms;
  if (embedder?.terms) return embedder.terms.bind(embedder);
  throw new AnalysisError(precomputed
    ? 'tokenizer "encoder" needs the target encoder\'s tokenizer, but the encoder is "precomputed"; use tokenizer "word"'
    : 'tokenizer "encoder" is not available for this encoder; use tokenizer "word"');
}
