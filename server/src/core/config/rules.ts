/**
 * Validation rules of the config's settings, shared by the config reader and by
 * overrides given outside a config (CLI flags): ranges, messages, near-miss hints.
 */
import { jsonPathText } from '../formats/common';
import type { LexicalTokenizer, Settings, Thresholds } from '../settings';

export type ConfigPath = (string | number)[];

export interface NumberRule { integer?: boolean; min?: number; minOpen?: boolean; max?: number; maxOpen?: boolean }

export type NumericSetting = 'temperature' | 'lambda' | 'sampleSize' | 'seed' | 'resamples' | 'lexicalFloor';

export const SETTING_RULES: Readonly<Record<NumericSetting, NumberRule>> = {
  temperature: { min: 0, minOpen: true },
  lambda: { min: 0, minOpen: true },
  sampleSize: { integer: true, min: 2 },
  seed: { integer: true },
  resamples: { integer: true, min: 0, max: 1000 },
  lexicalFloor: { min: 0, minOpen: true, max: 1 },
};

export const THRESHOLD_RULES: Readonly<Record<keyof Thresholds, NumberRule>> = {
  duplicateCosine: { min: -1, max: 1 },
  nearDuplicateJaccard: { min: 0, max: 1 },
  falseNegativeT: { min: 0, max: 1 },
  tooEasyL: { min: 0, max: 1 },
  lexicalOnlyR: { min: 0, max: 1 },
  redundantGainRatio: { min: 0 },
  redundantCosine: { min: -1, max: 1 },
  lowDiversity: { min: 0, max: 1 },
  manyFalseNegativesShare: { min: 0, max: 1 },
  stableAgreement: { min: 0.5, max: 1 },
};

export const NUMERIC_SETTINGS = Object.keys(SETTING_RULES) as NumericSetting[];
export const THRESHOLD_KEYS = Object.keys(THRESHOLD_RULES) as (keyof Thresholds)[];
export const TOKENIZERS: readonly LexicalTokenizer[] = ['word', 'encoder'];
export const TOP_KEYS = ['$schema', 'sources', 'encoder', ...NUMERIC_SETTINGS, 'tokenizer', 'idfCorpus', 'thresholds', 'cacheDir', 'corpus', 'queries', 'qrels', 'embeddings'];
export const SOURCE_KEYS = ['name', 'files', 'key', 'union', 'negativesPerQuery'];
/** Keys of an http encoder (kind "http"); `apiKey` is known only to be refused (keys come from the environment). */
export const HTTP_ENCODER_KEYS = ['api', 'url', 'model', 'revision', 'apiKeyEnv', 'apiKey', 'concurrency', 'timeoutMs', 'maxRetries', 'truncate'];
export const ENCODER_KEYS = ['kind', 'path', 'pooling', 'queryPrefix', 'passagePrefix', 'maxLength', 'batchSize', 'quantized', ...HTTP_ENCODER_KEYS, 'executionProviders'];
export const ENCODER_KINDS = ['default', 'onnx', 'precomputed', 'http'] as const;
export const POOLINGS = ['mean', 'cls', 'none'] as const;

export function describeRule(r: NumberRule): string {
  const what = r.integer ? 'an integer' : 'a number';
  if (r.min !== undefined && r.max !== undefined) {
    return `${what} in ${r.minOpen ? '(' : '['}${r.min}, ${r.max}${r.maxOpen ? ')' : ']'}`;
  }
  if (r.min !== undefined) return `${what} ${r.minOpen ? '>' : '≥'} ${r.min}`;
  if (r.max !== undefined) return `${what} ${r.maxOpen ? '<' : '≤'} ${r.max}`;
  return what;
}

export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return typeof v === 'object' ? 'an object' : typeof v;
}

/** null when `value` obeys the rule, else what was expected and what was found. */
export function checkNumber(value: unknown, r: NumberRule): string | null {
  const ok = typeof value === 'number' && Number.isFinite(value)
    && (!r.integer || Number.isSafeInteger(value))
    && (r.min === undefined || (r.minOpen ? value > r.min : value >= r.min))
    && (r.max === undefined || (r.maxOpen ? value < r.max : value <= r.max));
  return ok ? null : `expected ${describeRule(r)}, got ${kindOf(value)}`;
}

// ---------------------------------------------------------------- paths and suggestions

/** `sources[2].union[0]`; `(root)` for the empty path. */
export function formatPath(path: ConfigPath): string {
  return jsonPathText(path) || '(root)';
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The closest candidate to a near miss (case, `_`/`-`, or a few edits), if any. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const squash = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  const w = squash(word);
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = squash(c) === w ? 0 : editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) { bestD = d; best = c; }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}
/** An invalid setting value given outside a config (e.g. a CLI flag). */
export class SettingError extends Error {
  constructor(readonly setting: string, message: string) {
    super(message);
    this.name = 'SettingError';
  }
}

export interface SettingOverrides {
  temperature?: number;
  lambda?: number;
  sampleSize?: number;
  seed?: number;
  lexicalFloor?: number;
  tokenizer?: LexicalTokenizer;
  resamples?: number;
  /** A file, several, or null for the default corpus. */
  idfCorpus?: string | string[] | null;
  thresholds?: Partial<Thresholds>;
}

/**
 * A copy of `settings` with the given overrides (CLI flags) applied, validated
 * by the same rules as the config. Throws SettingError on an unknown setting or
 * an invalid value. `undefined` values are ignored.
 */
export function applySettingOverrides(settings: Settings, overrides: SettingOverrides | Readonly<Record<string, unknown>>): Settings {
  const out: Settings = { ...settings, thresholds: { ...settings.thresholds } };
  const fail = (key: string, msg: string) => { throw new SettingError(key, `${key}: ${msg}`); };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if ((NUMERIC_SETTINGS as string[]).includes(key)) {
      const err = checkNumber(value, SETTING_RULES[key as NumericSetting]);
      if (err) fail(key, err);
      out[key as NumericSetting] = value as number;
    } else if (key === 'tokenizer') {
      if (!(TOKENIZERS as readonly unknown[]).includes(value)) fail(key, `expected "word" or "encoder", got ${kindOf(value)}`);
      out.tokenizer = value as LexicalTokenizer;
    } else if (key === 'idfCorpus') {
      const list = value === null ? null : typeof value === 'string' ? [value] : value;
      if (list !== null && (!Array.isArray(list) || list.length === 0 || !list.every((f) => typeof f === 'string' && f.trim() !== ''))) {
        fail(key, `expected a file path or a non-empty list of them, got ${kindOf(value)}`);
      }
      out.idfCorpus = list === null ? null : [...(list as string[])];
    } else if (key === 'thresholds') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(key, `expected an object, got ${kindOf(value)}`);
      for (const [tk, tv] of Object.entries(value as Record<string, unknown>)) {
        if (tv === undefined) continue;
        if (!(tk in THRESHOLD_RULES)) fail(`thresholds.${tk}`, `unknown threshold${hint(tk, THRESHOLD_KEYS)}`);
        const err = checkNumber(tv, THRESHOLD_RULES[tk as keyof Thresholds]);
        if (err) fail(`thresholds.${tk}`, err);
        out.thresholds[tk as keyof Thresholds] = tv as number;
      }
    } else {
      fail(key, `unknown setting${hint(key, [...NUMERIC_SETTINGS, 'tokenizer', 'idfCorpus', 'thresholds'])}`);
    }
  }
  return out;
}

export function hint(word: string, candidates: readonly string[]): string {
  const near = didYouMean(word, candidates);
  return near ? ` — did you mean "${near}"?` : '';
}

/** The valid range of every numeric setting and threshold, in words (for help texts and the schema test). */
export function settingRanges(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of NUMERIC_SETTINGS) out[k] = describeRule(SETTING_RULES[k]);
  for (const k of THRESHOLD_KEYS) out[`thresholds.${k}`] = describeRule(THRESHOLD_RULES[k]);
  return out;
}
