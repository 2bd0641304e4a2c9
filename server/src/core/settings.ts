/**
 * Settings of ECI_sem (spec §1–§4). Every constant of the method is a setting;
 * reports name the settings they were computed with.
 */

export interface Thresholds {
  /** duplicate-of-positive when cos(p, n) >= this (spec §4). */
  duplicateCosine: number;
  /** near-duplicate-of-positive when IDF-weighted Jaccard J(p, n) >= this. */
  nearDuplicateJaccard: number;
  /** likely-false-negative when t < this. */
  falseNegativeT: number;
  /** too-easy when l < this. */
  tooEasyL: number;
  /** lexical-only when r < this (and l >= tooEasyL). */
  lexicalOnlyR: number;
  /** redundant when gain < this * w ... */
  redundantGainRatio: number;
  /** ... and another sampled triple has cos(û_i, û_j) >= this. */
  redundantCosine: number;
  /** low-diversity when δ < this. */
  lowDiversity: number;
  /** many-false-negatives when more than this share of a source is duplicate / near-duplicate / likely false negative. */
  manyFalseNegativesShare: number;
  /** tied-with-next when fewer than this share of half-samples agree that a source outranks the next one. */
  stableAgreement: number;
}

export type LexicalTokenizer = 'word' | 'encoder';

export interface Settings {
  temperature: number;
  lambda: number;
  sampleSize: number;
  seed: number;
  /** Half-samples of the stability check (R); 0 turns it off. */
  resamples: number;
  lexicalFloor: number;
  tokenizer: LexicalTokenizer;
  /** Files whose texts form the IDF corpus; null = every distinct passage of the analysis. */
  idfCorpus: string[] | null;
  thresholds: Thresholds;
}

export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = Object.freeze({
  duplicateCosine: 0.98,
  nearDuplicateJaccard: 0.5,
  falseNegativeT: 0.25,
  tooEasyL: 0.05,
  lexicalOnlyR: 0.2,
  redundantGainRatio: 0.1,
  redundantCosine: 0.98,
  lowDiversity: 0.3,
  manyFalseNegativesShare: 0.1,
  stableAgreement: 0.8,
});

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  temperature: 0.02,
  lambda: 1,
  sampleSize: 1000,
  seed: 13,
  resamples: 20,
  lexicalFloor: 0.05,
  tokenizer: 'word' as const,
  idfCorpus: null,
  thresholds: DEFAULT_THRESHOLDS,
});

export function defaultSettings(): Settings {
  return { ...DEFAULT_SETTINGS, thresholds: { ...DEFAULT_THRESHOLDS } };
}
