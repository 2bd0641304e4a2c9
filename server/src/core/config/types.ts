/**
 * What a parsed config is: its sources, encoder, settings and data files, and the
 * problems found on the way. Shared by the reader (config.ts) and its sections
 * (config/*), which therefore do not import each other in a circle.
 */
import type { Settings } from '../settings';
import type { ConfigPath } from './rules';

export interface ConfigProblem {
  path: ConfigPath;
  /** UTF-16 offset and length in the text given to parseConfig. */
  offset: number;
  length: number;
  /** 1-based. */
  line: number;
  column: number;
  /** Starts with the JSON path, e.g. `sources[2].union[0]: unknown source "LLM2"`. */
  message: string;
  severity: 'error' | 'warning';
}

export interface SourceConfig {
  name: string;
  /** Files or globs as written (relative to the config; the caller resolves them). Empty for a union. */
  files: string[];
  /** For grouped negatives: use only this key of the `neg` object. */
  key?: string;
  /** A hybrid source: the per-query union of these sources' negatives. */
  union?: string[];
  /** Only the first k negatives of each query, in file order. */
  negativesPerQuery?: number;
  /** Offset of the name's string literal. */
  nameOffset: number;
  /** Offset and length of the source object. */
  offset: number;
  length: number;
}

export interface EncoderConfig {
  kind: 'default' | 'onnx' | 'precomputed' | 'http';
  path?: string;
  pooling?: 'mean' | 'cls' | 'none';
  queryPrefix: string;
  passagePrefix: string;
  maxLength?: number;
  batchSize: number;
  quantized: boolean;
  /** kind "http" (an embedding server): see config/httpEncoder.ts. */
  api?: 'openai' | 'tei';
  url?: string[];
  model?: string;
  revision?: string;
  apiKeyEnv?: string;
  concurrency?: number;
  timeoutMs?: number;
  maxRetries?: number;
  truncate?: boolean;
  /** kinds "onnx"/"default": ONNX Runtime execution providers, in order of preference. */
  executionProviders?: string[];
  /** Offset and length of the `encoder` object (0, 0 when absent). */
  offset: number;
  length: number;
}

export interface EciConfig {
  sources: SourceConfig[];
  encoder: EncoderConfig;
  settings: Settings;
  cacheDir?: string;
  /** Corpus, queries, qrels and embeddings that id-based triples refer to. */
  data?: DataFilesConfig;
}

export interface ParsedConfig {
  config: EciConfig | null;
  problems: ConfigProblem[];
}

export interface DataFilesConfig {
  /** Passages by id: MS MARCO `id<TAB>text` TSV or BEIR `corpus.jsonl` (`_id`, `title`, `text`). */
  corpus?: string;
  /** Queries by id, in the same layouts. */
  queries?: string;
  /** Positives by query: BEIR `query-id corpus-id score` TSV or TREC `qid 0 pid rel`. */
  qrels?: string;
  /** `.npy` matrices whose rows are aligned with the corpus and queries files. */
  embeddings?: { corpus?: string; queries?: string };
}
