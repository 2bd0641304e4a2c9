/**
 * Findings of spec §4: per-triple rules (all but "redundant", which needs the
 * source's sample and lives in eci.ts), source-level rules, severities and
 * plain-words explanations for reports and hovers.
 */
import type { Thresholds } from './settings';
import { TRIPLE_FINDINGS, type FindingId, type Severity, type SourceFindingId, type TripleFindingId } from './types';

/** Per-triple numbers the rules look at. */
export interface TripleFindingInput {
  /** Normalised text of n equals that of p or q. */
  textDuplicate: boolean;
  /** c = cos(p, n). */
  c: number;
  /** IDF-weighted Jaccard J(p, n). */
  jaccard: number;
  t: number;
  l: number;
  r: number;
}

/** Bit of each triple finding in a finding mask: bit k is TRIPLE_FINDINGS[k]. */
export const FINDING_BIT: Readonly<Record<TripleFindingId, number>> = Object.fromEntries(
  TRIPLE_FINDINGS.map((f, k) => [f, 1 << k]),
) as Record<TripleFindingId, number>;

/**
 * Every triple finding except "redundant", as a mask of FINDING_BIT (one number, no
 * array: a run evaluates every triple). Comparisons are exactly the spec's: "≥"
 * thresholds include the boundary, "<" thresholds exclude it.
 */
export function tripleFindingMask(x: TripleFindingInput, th: Thresholds): number {
  let mask = 0;
  const duplicate = x.textDuplicate || x.c >= th.duplicateCosine;
  if (duplicate) mask |= FINDING_BIT['duplicate-of-positive'];
  // A duplicate is also a near-duplicate; report only the stronger finding.
  else if (x.jaccard >= th.nearDuplicateJaccard) mask |= FINDING_BIT['near-duplicate-of-positive'];
  if (x.t < th.falseNegativeT) mask |= FINDING_BIT['likely-false-negative'];
  if (x.l < th.tooEasyL) mask |= FINDING_BIT['too-easy'];
  // A too-easy negative is already explained by its distance; calling it
  // lexical-only as well would double-count.
  if (x.r < th.lexicalOnlyR && x.l >= th.tooEasyL) mask |= FINDING_BIT['lexical-only'];
  return mask;
}

/** The findings of a mask, in the fixed order of TRIPLE_FINDINGS (so reports are stable). */
export function findingsOfMask(mask: number): TripleFindingId[] {
  const out: TripleFindingId[] = [];
  for (let k = 0; k < TRIPLE_FINDINGS.length; k++) if (mask & (1 << k)) out.push(TRIPLE_FINDINGS[k]);
  return out;
}

/** Every triple finding except "redundant", in the fixed order of TRIPLE_FINDINGS. */
export function tripleFindings(x: TripleFindingInput, th: Thresholds): TripleFindingId[] {
  return findingsOfMask(tripleFindingMask(x, th));
}

/** Source-level numbers the rules look at. */
export interface SourceFindingInput {
  /** |S|: triples in the source. */
  size: number;
  /** N: triples in its sample. */
  n: number;
  /** Triples the counts below are over: |S| (default), or N for a sample-scope result. */
  scored?: number;
  sampleSize: number;
  /** δ of the sample. */
  diversity: number;
  /** Triples of the whole source with duplicate-, near-duplicate-of-positive or likely-false-negative. */
  falseNegativeLike: number;
}

/** Source findings in the fixed order low-diversity, many-false-negatives, under-sampled. */
export function sourceFindings(x: SourceFindingInput, th: Thresholds): SourceFindingId[] {
  const out: SourceFindingId[] = [];
  if (x.diversity < th.lowDiversity) out.push('low-diversity');
  // An empty source has no share of anything (and 0/0 must not decide).
  const scored = x.scored ?? x.size;
  if (scored > 0 && x.falseNegativeLike / scored > th.manyFalseNegativesShare) out.push('many-false-negatives');
  if (x.size < x.sampleSize) out.push('under-sampled');
  return out;
}

const SEVERITY: Readonly<Record<FindingId, Severity>> = {
  'duplicate-of-positive': 'error',
  'near-duplicate-of-positive': 'warning',
  'likely-false-negative': 'warning',
  'too-easy': 'information',
  'lexical-only': 'information',
  redundant: 'information',
  'low-diversity': 'warning',
  'many-false-negatives': 'warning',
  'under-sampled': 'warning',
  'tied-with-next': 'information',
};

/** Severity of a finding (spec §4 table; source findings are warnings). */
export function severityOf(id: FindingId): Severity {
  return SEVERITY[id];
}

const DESCRIPTION: Readonly<Record<FindingId, string>> = {
  'duplicate-of-positive':
    'The negative is the positive (or the query) itself — same text (for triples by id: the same id as a positive, which names the same text) or near-identical embedding — so training would push the answer away from its own question.',
  'near-duplicate-of-positive':
    'The negative repeats most of the positive\'s weighted terms, so it is probably the same passage trimmed or re-edited (a false negative); a deliberate minimal edit that changes the answer also scores high — you decide.',
  'likely-false-negative':
    'The target encoder ranks this negative above the labelled positive, so it may actually answer the query; training on it is unsafe until checked.',
  'too-easy':
    'The negative is far from the query compared with the positive, so it gives almost no training signal.',
  'lexical-only':
    'The negative is hard mainly because it repeats the query\'s rare terms, not because it is semantically close.',
  redundant:
    'This negative adds almost nothing to its source\'s score: another sampled negative points in nearly the same residual direction.',
  'low-diversity':
    'The source\'s negatives mostly point in the same few residual directions, so they teach the encoder the same thing over and over.',
  'many-false-negatives':
    'More than the allowed share of the source\'s negatives are duplicates, near-duplicates or likely false negatives of their positives.',
  'under-sampled':
    'The source has fewer triples than the sample size, so its score is computed at a smaller N and is not directly comparable to fully sampled sources.',
  'tied-with-next':
    'Half-samples of the data do not agree often enough that this source beats the next one below it: the order of the two is not supported, treat them as tied.',
};

/** One-line plain-words explanation of a finding, for reports and hovers. */
export function describeFinding(id: FindingId): string {
  return DESCRIPTION[id];
}
