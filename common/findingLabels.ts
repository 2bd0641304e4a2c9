/** Short names of findings, as the CLI table and the ranking panel print them. */
import type { FindingId } from './protocol';

export const FINDING_LABELS: Readonly<Record<FindingId, string>> = {
  'duplicate-of-positive': 'dup',
  'near-duplicate-of-positive': 'near-dup',
  'likely-false-negative': 'false-neg',
  'too-easy': 'too-easy',
  'lexical-only': 'lexical',
  redundant: 'redundant',
  'low-diversity': 'low-diversity',
  'many-false-negatives': 'many-false-negatives',
  'under-sampled': 'under-sampled',
  'tied-with-next': 'tied',
};
