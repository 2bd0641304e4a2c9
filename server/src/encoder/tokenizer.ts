/**
 * Tokenization for the ONNX encoder: a Hugging Face tokenizer.json (+ tokenizer_config.json)
 * loaded with @huggingface/tokenizers, which reproduces the Python fast tokenizers in pure JS,
 * so ids match what the model was trained/exported with (WordPiece for BERT, Unigram for the
 * default model, BPE for others).
 *
 * tokenizers.js has no truncation, so we do it the way HF does for a single sequence:
 * tokenize without special tokens, cut the content to `maxLength - specials`, then let the
 * tokenizer's own post-processor add its special tokens ([CLS] … [SEP] for BERT). That keeps
 * the closing special token, which a naive cut of the final sequence would drop.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { missingTokenizerMessage } from './modelFolder';
import { EncoderError } from './protocol';

// The package is ESM-typed but ships a CommonJS build under its "require" condition; this
// project compiles to CommonJS, so load the value with require() and only take types from
// the ESM declarations (a value import would be rejected by TypeScript's Node16 checks).
type TokenizersModule = typeof import('@huggingface/tokenizers', { with: { 'resolution-mode': 'import' } });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Tokenizer } = require('@huggingface/tokenizers') as TokenizersModule;
type Tokenizer = InstanceType<TokenizersModule['Tokenizer']>;

/** Parses a JSON file, naming the file and what it should hold in every error. */
export function readJson(path: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new EncoderError('missing-file', `cannot read ${what} ${path}: ${(e as Error).message}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('expected a JSON object');
    return value as Record<string, unknown>;
  } catch (e) {
    throw new EncoderError('bad-config', `${what} ${path} is not valid: ${(e as Error).message}`);
  }
}

/** Reads an optional JSON file: absent → undefined, present but broken → error. */
export function readOptionalJson(path: string, what: string): Record<string, unknown> | undefined {
  return existsSync(path) ? readJson(path, what) : undefined;
}

/** Largest sane model_max_length; transformers writes 1e30 to mean "no limit". */
const NO_LIMIT = 1_000_000;

/** Distinct words remembered by the per-word memo before it starts over (bounded memory). */
const WORD_MEMO_SIZE = 1 << 16;

/**
 * Memoises a WordPiece or Unigram model per pre-token. Both segment each pre-token (word)
 * independently — their encode(tokens) is the concatenation of encode([t]) over the tokens,
 * and unknown-token fusion runs afterwards on the whole list, outside encode — so serving a
 * word seen before from a map gives the same tokens. Natural text repeats its words
 * (Zipf), so most lookups hit: for the default model's Unigram, whose lattice search is
 * pure JS, this cuts tokenizing an 80-token passage several-fold. BPE keeps its own
 * cache; other models are left alone.
 */
function memoizeWords(tok: Tokenizer, modelType: unknown): void {
  if (modelType !== 'WordPiece' && modelType !== 'Unigram') return;
  const model = tok.model as unknown as { encode?: (tokens: string[]) => string[] } | undefined;
  const encode = model?.encode;
  if (!model || typeof encode !== 'function') return;
  const memo = new Map<string, string[]>();
  model.encode = (tokens: string[]): string[] => {
    const out: string[] = [];
    for (const t of tokens) {
      let pieces = memo.get(t);
      if (pieces === undefined) {
        pieces = encode.call(model, [t]);
        if (memo.size >= WORD_MEMO_SIZE) memo.clear();
        memo.set(t, pieces);
      }
      for (const p of pieces) out.push(p);
    }
    return out;
  };
}

/** tokenizer_config.json keys naming special tokens (a string or an AddedToken object). */
const SPECIAL_TOKEN_KEYS = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'] as const;

/** Characters kept per token of budget before tokenizing (see encode). */
const MAX_CHARS_PER_TOKEN = 64;

export class EncoderTokenizer {
  readonly path: string;
  /** Highest token id + 1 (model vocab and added tokens): the embedding table must have as many rows. */
  readonly vocabSize: number;
  /** Id written into padded positions (attention mask 0 there, so its value does not matter to the model). */
  readonly padId: number;
  /**
   * Id used when a text yields no tokens at all (empty text with a tokenizer that adds no
   * special tokens, e.g. the default Unigram model). Every row needs ≥ 1 attended token: with
   * zero, mean pooling divides by zero and attention softmax over an all-masked row is NaN.
   * We use the unknown token (a trained embedding meaning "no usable content"), falling back to
   * the pad id, and give it mask 1. Empty texts therefore all map to one fixed vector.
   */
  readonly emptyId: number;
  /** Special tokens the post-processor adds around one sequence (2 for BERT). */
  readonly specialCount: number;
  /** Length limit the tokenizer files declare (model_max_length / truncation), if any. */
  readonly declaredMaxLength: number | undefined;
  /**
   * Special tokens tokenizer_config.json names (cls_token, pad_token, …), and those of them
   * tokenizer.json does not have: when most are missing, tokenizer.json was swapped for one
   * of another model family.
   */
  readonly specialTokens: { named: string[]; absent: string[] };
  private readonly tok: Tokenizer;

  private constructor(path: string, tok: Tokenizer, config: Record<string, unknown>, json: Record<string, unknown>) {
    this.path = path;
    this.tok = tok;
    memoizeWords(tok, (json['model'] as { type?: unknown } | undefined)?.type);
    const model = tok.model;
    const vocab = model?.vocab ?? [];
    let maxId = vocab.length - 1;
    for (const id of tok.get_added_tokens_decoder().keys()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;

    const padding = json['padding'] as { pad_id?: unknown } | null | undefined;
    const idOf = (t: unknown): number | undefined => (typeof t === 'string' ? tok.token_to_id(t) : undefined);
    this.padId =
      (typeof padding?.pad_id === 'number' ? padding.pad_id : undefined) ??
      idOf(config['pad_token']) ?? idOf('[PAD]') ?? idOf('<pad>') ?? 0;
    this.emptyId = model?.unk_token_id ?? idOf(config['unk_token']) ?? this.padId;

    const post = tok.post_processor;
    this.specialCount = post ? post([], null, true).tokens.length : 0;

    const limits: number[] = [];
    const mml = config['model_max_length'];
    if (typeof mml === 'number' && mml > 0 && mml < NO_LIMIT) limits.push(mml);
    const trunc = json['truncation'] as { max_length?: unknown } | null | undefined;
    if (typeof trunc?.max_length === 'number' && trunc.max_length > 0) limits.push(trunc.max_length);
    this.declaredMaxLength = limits.length ? Math.min(...limits) : undefined;

    const named: string[] = [];
    for (const key of SPECIAL_TOKEN_KEYS) {
      const v = config[key];
      const content = typeof v === 'string' ? v : typeof (v as { content?: unknown } | null)?.content === 'string' ? (v as { content: string }).content : undefined;
      if (content !== undefined && content !== '' && !named.includes(content)) named.push(content);
    }
    this.specialTokens = { named, absent: named.filter((t) => tok.token_to_id(t) === undefined) };
  }

  /** Loads `<modelDir>/tokenizer.json` and, when present, `<modelDir>/tokenizer_config.json`. */
  static load(modelDir: string): EncoderTokenizer {
    const path = join(modelDir, 'tokenizer.json');
    if (!existsSync(path)) {
      throw new EncoderError('missing-file', missingTokenizerMessage(path));
    }
    const json = readJson(path, 'tokenizer');
    const config = readOptionalJson(join(modelDir, 'tokenizer_config.json'), 'tokenizer config') ?? {};
    if (!Array.isArray(json['added_tokens'])) json['added_tokens'] = [];
    let tok: Tokenizer;
    try {
      tok = new Tokenizer(json, config);
    } catch (e) {
      throw new EncoderError('bad-config', `cannot build a tokenizer from ${path}: ${(e as Error).message}`);
    }
    return new EncoderTokenizer(path, tok, config, json);
  }

  /**
   * Token ids of one text with the tokenizer's special tokens, at most `maxLength` long and
   * never empty (see emptyId).
   */
  encode(text: string, maxLength: number): Int32Array {
    const budget = Math.max(0, maxLength - this.specialCount);
    // Only the first `budget` tokens are kept, so only a prefix of the text needs
    // tokenizing: a 10 MB text must not cost gigabytes. A token averages a few
    // characters; MAX_CHARS_PER_TOKEN is far above any real tokenizer's.
    if (text.length > budget * MAX_CHARS_PER_TOKEN) text = text.slice(0, budget * MAX_CHARS_PER_TOKEN);
    let tokens = this.tok.tokenize(text, { add_special_tokens: false });
    if (tokens.length > budget) tokens = tokens.slice(0, budget);
    const post = this.tok.post_processor;
    const full = post ? post(tokens, null, true).tokens : tokens;
    if (full.length === 0) return Int32Array.of(this.emptyId);
    const unk = this.tok.model?.unk_token_id ?? this.emptyId;
    const ids = new Int32Array(Math.min(full.length, maxLength));
    for (let i = 0; i < ids.length; i++) ids[i] = this.tok.token_to_id(full[i]!) ?? unk;
    return ids;
  }

  /**
   * The text's distinct sub-word tokens without special tokens or truncation: the terms of
   * lexical residuality when the setting `tokenizer` is "encoder" (spec §2).
   */
  terms(text: string): string[] {
    return [...new Set<string>(this.tok.tokenize(text, { add_special_tokens: false }) as string[])];
  }

  encodeBatch(texts: readonly string[], maxLength: number): Int32Array[] {
    return texts.map((t) => this.encode(t, maxLength));
  }
}

/**
 * Length bucketing: row indices ordered longest first (ties by index), so that consecutive
 * batches hold rows of similar length and each is padded only to its own longest row.
 * Longest first also makes a batch that does not fit in memory fail early.
 */
export function bucketOrder(lengths: readonly number[]): number[] {
  return lengths.map((_, i) => i).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
}

export type IdTensorType = 'int64' | 'int32';

/** One padded batch, row-major [batch, seq], in the integer type the model declares. */
export interface PaddedBatch {
  batch: number;
  seq: number;
  inputIds: BigInt64Array | Int32Array;
  attentionMask: BigInt64Array | Int32Array;
  /** All zeros: a single sequence is segment A. */
  tokenTypeIds: BigInt64Array | Int32Array;
}

/** Pads rows to the longest row of this batch only (length bucketing keeps that short). */
export function padBatch(rows: readonly Int32Array[], padId: number, type: IdTensorType = 'int64'): PaddedBatch {
  const batch = rows.length;
  let seq = 1;
  for (const r of rows) seq = Math.max(seq, r.length);
  const n = batch * seq;
  if (type === 'int32') {
    const ids = new Int32Array(n).fill(padId);
    const mask = new Int32Array(n);
    rows.forEach((r, b) => {
      ids.set(r, b * seq);
      mask.fill(1, b * seq, b * seq + r.length);
    });
    return { batch, seq, inputIds: ids, attentionMask: mask, tokenTypeIds: new Int32Array(n) };
  }
  const ids = new BigInt64Array(n).fill(BigInt(padId));
  const mask = new BigInt64Array(n);
  rows.forEach((r, b) => {
    const base = b * seq;
    for (let i = 0; i < r.length; i++) ids[base + i] = BigInt(r[i]!);
    mask.fill(1n, base, base + r.length);
  });
  return { batch, seq, inputIds: ids, attentionMask: mask, tokenTypeIds: new BigInt64Array(n) };
}
