/**
 * One analysis run: scan → sample → embed and measure → score. The CLI and the
 * language server both call `analyze`; nothing here knows about either.
 */
import { median } from '../core/eci';
import { EncoderError } from '../encoder/protocol';
import { aggregateSources, applyStability, type SourceResult } from '../core/aggregate';
import { wordTerms, type DocumentFrequencies } from '../core/lexical';
import type { Settings } from '../core/settings';
import { computeStability, type StabilityInput, type StabilityResult } from '../core/stability';
import type { Problem } from '../core/types';
import type { Embedder, EncoderChoice, EncoderInfo } from './embedder';
import { readIdfCorpus } from './idfCorpus';
import type { LineSource } from './lines';
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
}

/** Runs the deferred stability check and attaches it to the result's sources. */
export type PendingStability = (control?: { signal?: AbortSignal; pause?: () => Promise<void> }) => Promise<StabilityResult>;

export interface AnalysisResult {
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
}

/** A run that cannot go on, with a message for the user; `stage` says what to point at (e.g. the config's encoder key). */
export class AnalysisError extends Error {
  constructor(message: string, readonly stage: 'encoder' | 'settings' = 'settings') {
    super(message);
    this.name = 'AnalysisError';
  }
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
    const scanned = await scan(plan, {
      precomputed: opts.encoder.kind === 'precomputed',
      sampling: { sampleSize: settings.sampleSize, seed: settings.seed },
      termsOf: ownCorpus ? null : termsOf,
      signal,
      onLines: (n) => opts.onProgress?.({ phase: 'scan', done: n, total: 0 }),
    });
    const problems = scanned.problems;
    const { table } = scanned;
    if (!embedder && opts.encoder.kind === 'auto' && (table.length === 0 || scanned.withVectors < table.length)) {
      opts.onProgress?.({ phase: 'load', done: 0, total: 1 });
      embedder = await opts.encoder.load();
    }
    let frequencies: DocumentFrequencies = scanned.frequencies;
    if (ownCorpus) frequencies = await readIdfCorpus(opts.idfCorpus!, termsOf, problems);
    const idf = frequencies.toIdf();

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

    const residuals = await measure(plan, table, {
      embedder,
      idf,
      termsOf,
      keepResidual,
      signal,
      onTriples: (done) => opts.onProgress?.({ phase: 'embed', done, total: table.length, embedded: embedder?.embeddedCount }),
    }).catch((err: unknown) => {
      // The encoder failing (a crashed worker, a model that rejects its inputs) is an
      // outcome to report, not a bug in the run: callers show the message.
      if (err instanceof EncoderError) throw new AnalysisError(`the target encoder failed: ${err.message}`, 'encoder');
      throw err;
    });
    const t2 = performance.now();
    opts.onProgress?.({ phase: 'score', done: 0, total: specs.length });
    const residualScale = table.length > 0 ? median(table.residualNorms()) : 0;
    const stabilityInputs: StabilityInput[] | undefined = settings.resamples > 0 ? [] : undefined;
    const sources = table.length > 0 ? aggregateSources(table, specs, residuals, residualScale, settings, stabilityInputs) : [];
    const t3 = performance.now();
    const timings: AnalysisResult['timings'] = { scanMs: t1 - t0, embedMs: t2 - t1, scoreMs: t3 - t2 };
    let pendingStability: PendingStability | undefined;
    let stability: StabilityResult | undefined;
    if (stabilityInputs) {
      let inputs: StabilityInput[] | undefined = stabilityInputs;
      pendingStability = async (control) => {
        if (!inputs) throw new Error('internal: the stability check of a result runs once');
        const s0 = performance.now();
        const done = await computeStability(inputs, settings, control);
        inputs = undefined; // the residuals and Gram matrices are no longer needed
        applyStability(sources, done);
        timings.stabilityMs = performance.now() - s0;
        return done;
      };
      if (opts.stability !== 'deferred') {
        opts.onProgress?.({ phase: 'stability', done: 0, total: sources.length });
        stability = await pendingStability({ signal });
        pendingStability = undefined;
      }
    }
    const encoder: EncoderInfo = embedder?.info ?? {
      kind: 'precomputed', model: 'precomputed', dimension: scanned.vectorDimension ?? 0, queryPrefix: '', passagePrefix: '',
    };
    const result: AnalysisResult = {
      settings, encoder, residualScale, sources, sourceDefs: scanned.sources, table, units: plan.units,
      problems, skippedLines: scanned.skippedLines, linesRead: scanned.linesRead, timings,
      ...(stability ? { stability } : {}),
    };
    if (pendingStability) {
      const run = pendingStability;
      result.pendingStability = async (control) => (result.stability = await run(control));
    }
    return result;
  } finally {
    await embedder?.close();
  }
}

function resolveTerms(settings: Settings, embedder: Embedder | null, precomputed: boolean): (text: string) => string[] {
  if (settings.tokenizer === 'word') return wordTerms;
  if (embedder?.terms) return embedder.terms.bind(embedder);
  throw new AnalysisError(precomputed
    ? 'tokenizer "encoder" needs the target encoder\'s tokenizer, but the encoder is "precomputed"; use tokenizer "word"'
    : 'tokenizer "encoder" is not available for this encoder; use tokenizer "word"');
}
