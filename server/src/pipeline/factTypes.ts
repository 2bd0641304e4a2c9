/**
 * The shapes of line facts (pipeline/lineFacts.ts keeps them between runs, pipeline/factsFile.ts
 * on disk for the CLI): a line's triples with what the two passes derived from them.
 */
import type { LexicalSlots } from './lineIdf';

/** One triple of a line. */
export interface TripleFact extends LexicalSlots {
  /** The record's own "source" (or `neg` key). */
  readonly source: string | undefined;
  readonly posIndex: number;
  readonly negIndex: number;
  /** Dimension of the precomputed vectors when the record carries all three, else −1. */
  readonly dim: number;
  /** norm(query), and its id in this LineFacts (one per distinct normalised query): the query group. */
  readonly query: string;
  readonly queryId: number;
  /** H(seed, q, p, n): the order within the query group. */
  readonly hashHi: number;
  readonly hashLo: number;
  /** Identity of the hybrid union (from the three texts' ids), made when a hybrid needs it. */
  tripleKey: Buffer | undefined;
  /** Pass 2, valid for the encoder `measuredBy` (null: not measured). */
  measuredBy: string | null;
  a: number;
  b: number;
  c: number;
  residualNorm: number;
  textDuplicate: boolean;
  /** The residual u, kept while the triple is sampled. */
  u: Float64Array | undefined;
}

export interface LineFact {
  readonly triples: readonly TripleFact[];
}

/** Counts of a run, for tests and the status of a run. */
export interface LineReuse {
  /** Lines whose facts came from an earlier run. */
  reused: number;
  /** Lines parsed (new or changed text, problems, or units that cannot be kept). */
  parsed: number;
  /** Triples measured (embedded or read from the cache) in pass 2. */
  measured: number;
}

/** A line of a unit read whole, for replaying the unit while its file is unchanged. */
export interface KeptLine {
  line: number;
  key: string;
  fact: LineFact;
}
