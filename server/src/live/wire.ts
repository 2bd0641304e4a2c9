/**
 * Messages between the language server's main thread (analysisHost) and the
 * analysis worker (analysisWorker). The whole `analyze()` runs in the worker —
 * parsing big files and the Cholesky of a 1000-triple sample are CPU work that
 * would otherwise freeze hovers and typing. Everything here is structured-clone
 * safe; per-triple columns travel as transferred typed arrays (zero copy).
 */
import type { LineReuse } from '../pipeline/lineFacts';
import type { SourceResult } from '../core/aggregate';
import type { Settings } from '../core/settings';
import type { EncoderEndpointSetting } from '../../../common/endpoint';
import type { Agreement, SourceStability } from '../core/stability';
import type { Problem } from '../core/types';
import type { EncoderInfo } from '../pipeline/embedder';
import type { Progress } from '../pipeline/analyze';
import type { SourceDef } from '../pipeline/plan';

/** What one run reads: a config (by path, with its text as the editor holds it) or loose triple files. */
export type RunInput =
  | { kind: 'config'; configPath: string; configText: string }
  /** One source per file; `source` names it. */
  | { kind: 'files'; files: { path: string; source: string }[] };

export interface RunSpec {
  scope: string;
  input: RunInput;
  /** Texts of open documents by absolute path; they take precedence over the disk. */
  open: Record<string, string>;
  /** Client settings that override the config (eciSem.temperature, …). */
  overrides: { temperature?: number; sampleSize?: number; resamples?: number; thresholds?: Record<string, number> };
  /** eciSem.encoderPath: a model folder that replaces the config's encoder (a user setting). */
  encoderPath?: string;
  /** eciSem.encoderEndpoint: an embedding server that replaces the config's encoder (and encoderPath). */
  encoderEndpoint?: EncoderEndpointSetting;
  /** Workspace Trust: when false nothing the workspace config names is loaded. */
  trusted: boolean;
  /** Embedding cache folder (initializationOptions.cacheDir or the default). */
  cacheDir: string;
  /** Folder against which paths are shown (the config's folder or the workspace folder). */
  cwd: string;
  /** eciSem.scope: 'sample' embeds and scores the sampled triples only. */
  resultScope?: 'all' | 'sample';
  /**
   * Measure the samples first and send their ranking when that had to embed: worth it when
   * the run may embed a lot (the scope's first run, or after one that embedded many texts),
   * not for an edit's re-run, where it would only score twice.
   */
  provisional?: boolean;
}

/** Per-unit (file × source) facts: which triples it holds (a contiguous index range). */
export interface WireUnit {
  path: string;
  shown: string;
  format: 'jsonl' | 'tsv';
  source: string | null;
  key?: string;
  /** Triples [start, end) of the table belong to this unit (scan adds them in unit order). */
  start: number;
  end: number;
}

/** Per-triple columns; index i is the triple's index in the run. */
export interface WireColumns {
  unit: Uint32Array;
  /** 1-based line in its file. */
  line: Uint32Array;
  posIndex: Uint32Array;
  negIndex: Uint32Array;
  a: Float64Array;
  b: Float64Array;
  c: Float64Array;
  ov: Float64Array;
  jaccard: Float64Array;
  /** FLAG_TEXT_DUPLICATE of tripleTable. */
  flags: Uint8Array;
  /** w = t·l·r, kept because "weakest triples" sorts by it. */
  w: Float64Array;
  /** Bit k = TRIPLE_FINDINGS[k]; "redundant" as judged in the triple's primary source. */
  findings: Uint8Array;
  /** Index into `sources` of the plain source the triple belongs to (-1 when none). */
  primary: Int32Array;
  /** Position in that source's sample (its leverage/gain arrays), or -1 when not sampled. */
  samplePos: Int32Array;
}

export type WireSource = Omit<SourceResult, 'members'> & { members: Uint32Array };

export interface WireResult {
  scope: string;
  /** 'sample': a ranking from the sampled triples only (the others have no scalars or findings). */
  resultScope: 'all' | 'sample';
  settings: Settings;
  encoder: EncoderInfo;
  residualScale: number;
  sources: WireSource[];
  sourceDefs: SourceDef[];
  units: WireUnit[];
  columns: WireColumns;
  length: number;
  problems: Problem[];
  skippedLines: number;
  linesRead: number;
  timings: { scanMs: number; embedMs: number; scoreMs: number };
  /** Files read from disk (not from an open document): mtime and size when the run started. */
  diskStamps: Record<string, { mtimeMs: number; size: number }>;
  /** Texts the model embedded in this run (cache misses). */
  embedded: number;
  /** Lines re-used from earlier runs of the scope, lines parsed, triples measured (the worker's line facts). */
  reuse?: LineReuse;
  /** Notes for the user about what the run did not use (restricted mode, ignored settings). */
  notes: RunNote[];
  /** Every pair's half-sample agreement, once the stability check arrived (sources then carry `stability`). */
  agreement?: Agreement[];
}

/** The stability check of a result, sent after the result itself so that it never delays the scores. */
export interface WireStability {
  bySource: Record<string, SourceStability>;
  agreement: Agreement[];
  ms: number;
}

/** Something about the config the run could not honour, reported on the config key it concerns. */
export interface RunNote {
  /** JSON path in the config, e.g. ["encoder", "kind"]. */
  path: (string | number)[];
  message: string;
  severity: 'error' | 'warning' | 'information';
}

/** Where a failed run failed, so the server can put the message on the right key. */
export type FailureStage = 'config' | 'settings' | 'encoder' | 'input' | 'internal';

// ---- main → worker ----

export type HostToWorker =
  | { kind: 'run'; id: number; spec: RunSpec }
  | { kind: 'cancel'; id: number };

// ---- worker → main ----

export type WorkerToHost =
  | { kind: 'progress'; id: number; progress: Progress }
  | { kind: 'ok'; id: number; result: WireResult }
  /** Before 'ok' on a run that embeds: the ranking from the sampled triples, while the rest are measured. */
  | { kind: 'provisional'; id: number; result: WireResult }
  /** After 'ok' (resamples > 0): the half-sample check of that result; null when it was abandoned (a newer run of the scope). */
  | { kind: 'stability'; id: number; scope: string; stability: WireStability | null }
  | { kind: 'failed'; id: number; stage: FailureStage; message: string; notes: RunNote[] }
  | { kind: 'cancelled'; id: number };

/** The typed arrays of a result, for the transfer list. */
export function transferables(c: WireColumns, sources: WireSource[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const v of Object.values(c)) out.add((v as ArrayBufferView).buffer as ArrayBuffer);
  for (const s of sources) {
    for (const v of [s.members, s.sampled, s.leverage, s.gain, s.redundant]) out.add(v.buffer as ArrayBuffer);
  }
  return [...out];
}
