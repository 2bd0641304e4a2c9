/**
 * One analysis run: scan → sample → embed and measure → score. The CLI and the
 * language server both call `analyze`; nothing here knows about either.
 */
import { median } from '../core/eci';
import { EncoderError } from '../encoder/protocol';
import { aggregateSources, type SourceResult } from '../core/aggregate';
import { wordTerms, type DocumentFrequencies } from '../core/lexical';
import { sampleIndices } from '../core/sampling';
import type { Settings } from '../core/settings';
import type { Problem } from '../core/types';
import type { Embedder, EncoderChoice, EncoderInfo } from './embedder';
import { readIdfCorpus } from './idfCorpus';
import type { LineSource } from './lines';
import { measure } from './measure';
import type { Plan, ReadUnit, SourceDef } from './plan';
import { scan } from './scan';
import type { TripleTable } from './tripleTable';

export interface Progress {
  phase: 'scan' | 'load' | 'embed' | 'score';
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
}

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
  timings: { scanMs: number; embedMs: number; scoreMs: number };
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

    // Seeded samples per source (spec §3), decided before embedding so that only
    // sampled triples keep their residual vectors.
    const keepResidual = new Uint8Array(table.length);
    const specs = scanned.sources.map((def) => {
      const members = scanned.members.get(def.name) ?? [];
      const sample = sampleIndices(members.length, settings.sampleSize, settings.seed, def.name);
      for (const pos of sample) keepResidual[members[pos]] = 1;
      return { name: def.name, group: def.group, members, sample };
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
    const sources = table.length > 0 ? aggregateSources(table, specs, residuals, residualScale, settings) : [];
    const t3 = performance.now();
    const encoder: EncoderInfo = embedder?.info ?? {
      kind: 'precomputed', model: 'precomputed', dimension: scanned.vectorDimension ?? 0, queryPrefix: '', passagePrefix: '',
    };
    return {
      settings, encoder, residualScale, sources, sourceDefs: scanned.sources, table, units: plan.units,
      problems, skippedLines: scanned.skippedLines, linesRead: scanned.linesRead,
      timings: { scanMs: t1 - t0, embedMs: t2 - t1, scoreMs: t3 - t2 },
    };
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
