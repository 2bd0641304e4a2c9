/** Types shared by the pure core, the encoder, the analysis layer and the CLI. */

/** A piece of input that was skipped, at its exact place (1-based line and column). */
export interface Problem {
  file: string;
  line: number;
  column: number;
  message: string;
  /** JSON field (e.g. "negative" or "neg[2]") the problem is about, when there is one. */
  field?: string;
  /**
   * Found by a run, not by reading the line alone (a vector dimension unlike the earlier
   * lines', a line without vectors when the encoder is "precomputed"), so the structural
   * check of an open document cannot see it.
   */
  byRun?: true;
}

/** One (query, positive, negative) triple as read from a file, before embedding. */
export interface RawTriple {
  query: string;
  positive: string;
  negative: string;
  /** Source named in the record itself: a "source" field, or the key of a grouped `neg` object. */
  source?: string;
  id?: string;
  /** Index of the positive / negative within list formats (0 for flat triples). */
  posIndex: number;
  negIndex: number;
  /** Precomputed vectors, when the record carries them (not yet normalised). */
  vectors?: { query?: Float32Array; positive?: Float32Array; negative?: Float32Array };
}

export type TripleFindingId =
  | 'duplicate-of-positive'
  | 'near-duplicate-of-positive'
  | 'likely-false-negative'
  | 'too-easy'
  | 'lexical-only'
  | 'redundant';

export type SourceFindingId = 'low-diversity' | 'many-false-negatives' | 'under-sampled' | 'tied-with-next';

export type FindingId = TripleFindingId | SourceFindingId;

export type Severity = 'error' | 'warning' | 'information';

export const TRIPLE_FINDINGS: readonly TripleFindingId[] = [
  'duplicate-of-positive',
  'near-duplicate-of-positive',
  'likely-false-negative',
  'too-easy',
  'lexical-only',
  'redundant',
];
