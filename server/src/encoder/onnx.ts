/**
 * The ONNX side of the encoder: loads a Hugging Face style model folder, works out how to
 * feed it and which output to read, and turns texts into unit-length float32 vectors.
 *
 * This module blocks its thread during inference (onnxruntime-node's run() does), so it is
 * only imported by the worker; the main thread talks to it through client.ts.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { readMeta, resolveModelFiles, type EciSemMeta, type ModelFiles } from './modelInfo';
import { EncoderError, type EncoderSpec, type Pooling } from './protocol';
import { startSession, type StartedSession } from './providers';
import { bucketOrder, EncoderTokenizer, padBatch, readOptionalJson, type IdTensorType } from './tokenizer';

export { resolveModelFiles, type ModelFiles } from './modelInfo';

/** Inputs we know how to fill; a model that wants anything else is rejected at load. */
const FEEDABLE = ['input_ids', 'attention_mask', 'token_type_ids'] as const;
/** Upper bound for the default maxLength: BERT-family position tables stop at 512. */
const DEFAULT_MAX_LENGTH_CAP = 512;
/** Texts tokenized between cancellation checks (tokenizing is pure JS and adds up on big calls). */
const TOKENIZE_STEP = 256;

/** The ONNX session settings (also used by the benchmark's bare-session baseline). */
export function sessionOptions(threads?: number): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: threads ?? availableParallelism(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  };
}

function describeOutputs(session: ort.InferenceSession): string {
  return session.outputMetadata
    .map((m) => (m.isTensor ? `${m.name} [${m.shape.join(', ')}]` : `${m.name} (not a tensor)`))
    .join(', ');
}

function outputRank(session: ort.InferenceSession, name: string): number | undefined {
  const m = session.outputMetadata.find((x) => x.name === name);
  return m && m.isTensor && m.shape.length > 0 ? m.shape.length : undefined;
}

function positiveInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

/**
 * Signs that tokenizer.json comes from another model than the one it sits with: far fewer
 * token ids than the embedding table has rows (config.json's vocab_size; a table a little
 * larger than the vocabulary is normal padding, less than half used is not), or most of
 * the special tokens tokenizer_config.json names missing from it. Empty when it fits.
 */
function foreignTokenizer(tokenizer: EncoderTokenizer, tableRows: number | undefined, configPath: string): string[] {
  const out: string[] = [];
  if (tableRows !== undefined && tokenizer.vocabSize * 2 < tableRows) {
    out.push(`it has ${tokenizer.vocabSize} token ids where the model's embedding table has ${tableRows} rows (vocab_size in ${configPath})`);
  }
  const { named, absent } = tokenizer.specialTokens;
  if (absent.length > 0 && absent.length * 2 > named.length) {
    out.push(`tokenizer_config.json names the special tokens ${absent.map((t) => JSON.stringify(t)).join(', ')}, which it does not have`);
  }
  return out;
}

/** Why ONNX Runtime could not open a model file, said in terms of the file. */
function unreadableModel(modelPath: string, ortMessage: string): string {
  let size = -1;
  let head = '';
  try {
    size = statSync(modelPath).size;
    const fd = openSync(modelPath, 'r');
    try {
      const buf = Buffer.alloc(64);
      head = buf.subarray(0, readSync(fd, buf, 0, 64, 0)).toString('latin1');
    } finally {
      closeSync(fd);
    }
  } catch {
    // unreadable: ONNX Runtime's own message below says why
  }
  if (size === 0) return `model ${modelPath} is empty (0 bytes): expected an ONNX model`;
  if (head.startsWith('version https://git-lfs')) {
    return `model ${modelPath} is a Git LFS pointer (${size} bytes), not the model itself: run "git lfs pull" where it was cloned, or download the file`;
  }
  if (/protobuf parsing failed|parse|invalid model|ModelProto/i.test(ortMessage)) {
    return `model ${modelPath} (${size.toLocaleString('en-US')} bytes) is not a readable ONNX file — ONNX Runtime could not parse it ` +
      `(${ortMessage.replace(/\s+$/, '')}); expected a complete ONNX model: a truncated download or copy looks like this`;
  }
  return `cannot load ONNX model ${modelPath}: ${ortMessage}`;
}

export class OnnxEncoder {
  readonly name: string;
  readonly pooling: Pooling;
  readonly output: string;
  readonly maxLength: number;
  readonly dimension: number;
  readonly batchSize: number;
  readonly files: ModelFiles;
  readonly tokenizer: EncoderTokenizer;
  /** encoder.executionProviders: the one that runs the model, and why earlier ones did not. */
  provider?: string;
  providerNote?: string;
  private readonly session: ort.InferenceSession;
  private readonly feeds: readonly string[];
  private readonly idType: IdTensorType;

  private constructor(init: {
    name: string; pooling: Pooling; output: string; maxLength: number; dimension: number; batchSize: number;
    files: ModelFiles; tokenizer: EncoderTokenizer; session: ort.InferenceSession; feeds: string[]; idType: IdTensorType;
  }) {
    this.name = init.name;
    this.pooling = init.pooling;
    this.output = init.output;
    this.maxLength = init.maxLength;
    this.dimension = init.dimension;
    this.batchSize = init.batchSize;
    this.files = init.files;
    this.tokenizer = init.tokenizer;
    this.session = init.session;
    this.feeds = init.feeds;
    this.idType = init.idType;
  }

  static async load(spec: EncoderSpec): Promise<OnnxEncoder> {
    const files = resolveModelFiles(spec);
    const { modelDir, modelPath } = files;
    const configPath = join(modelDir, 'config.json');
    const meta = readMeta(modelDir);
    const config = readOptionalJson(configPath, 'model config') ?? {};
    const tokenizer = EncoderTokenizer.load(modelDir);

    const tableRows = positiveInt(config['vocab_size']);
    const foreign = foreignTokenizer(tokenizer, tableRows, configPath);
    if (foreign.length > 0) {
      throw new EncoderError('vocab-mismatch',
        `tokenizer ${files.tokenizerPath} does not belong to model ${modelPath} (a tokenizer of another model family?): ` +
        `${foreign.join('; ')}; expected the tokenizer.json exported with this model`);
    }
    if (tableRows !== undefined && tokenizer.vocabSize > tableRows) {
      throw new EncoderError('vocab-mismatch',
        `tokenizer ${files.tokenizerPath} has ${tokenizer.vocabSize} token ids but the model's embedding table has ` +
        `${tableRows} rows (vocab_size in ${configPath}); the tokenizer and model ${modelPath} do not belong together`);
    }

    let started: StartedSession;
    try {
      started = await startSession(ort, modelPath, sessionOptions(spec.threads), spec.executionProviders);
    } catch (e) {
      if (e instanceof EncoderError) throw e;
      throw new EncoderError('model-load', unreadableModel(modelPath, (e as Error).message));
    }
    const { session } = started;
    try {
      const enc = await OnnxEncoder.configure(spec, files, meta, config, tokenizer, session);
      if (started.provider) enc.provider = started.provider;
      if (started.note) enc.providerNote = started.note;
      return enc;
    } catch (e) {
      await session.release().catch(() => undefined);
      throw e;
    }
  }

  private static async configure(
    spec: EncoderSpec, files: ModelFiles, meta: EciSemMeta, config: Record<string, unknown>,
    tokenizer: EncoderTokenizer, session: ort.InferenceSession,
  ): Promise<OnnxEncoder> {
    const { modelPath } = files;
    const feedable: readonly string[] = FEEDABLE;
    const unknown = session.inputNames.filter((n) => !feedable.includes(n));
    if (unknown.length > 0 || !session.inputNames.includes('input_ids')) {
      throw new EncoderError('unfeedable-input',
        `model ${modelPath} has inputs [${session.inputNames.join(', ')}]; eci-sem can feed only ${FEEDABLE.join(', ')} ` +
        `(input_ids required)` + (unknown.length ? `, not ${unknown.join(', ')}` : ''));
    }
    const types = new Set(session.inputMetadata.map((m) => (m.isTensor ? m.type : 'non-tensor')));
    const idType = [...types][0];
    if (types.size !== 1 || (idType !== 'int64' && idType !== 'int32')) {
      throw new EncoderError('unfeedable-input',
        `model ${modelPath} inputs have types [${[...types].join(', ')}]; expected all int64 (or all int32) [batch, sequence]`);
    }

    // Pooling: explicit spec, then eci-sem.json, then detection (a sentence_embedding output
    // means the model pools and normalises itself).
    const pooling: Pooling = spec.pooling ?? meta.pooling ??
      (session.outputNames.includes('sentence_embedding') ? 'none' : 'mean');
    if (!['mean', 'cls', 'none'].includes(pooling)) {
      throw new EncoderError('bad-config', `unknown pooling '${pooling}' (expected mean, cls or none)`);
    }
    const wantRank = pooling === 'none' ? 2 : 3;
    if (meta.output !== undefined && !session.outputNames.includes(meta.output)) {
      throw new EncoderError('bad-config',
        `eci-sem.json in ${files.modelDir} names output '${meta.output}' but model ${modelPath} has outputs ${describeOutputs(session)}`);
    }
    const fits = (n: string) => { const r = outputRank(session, n); return r === undefined || r === wantRank; };
    const preferred = pooling === 'none' ? 'sentence_embedding' : 'last_hidden_state';
    const output = [meta.output, preferred].find((n): n is string => n !== undefined && session.outputNames.includes(n) && fits(n)) ??
      session.outputNames.find((n) => outputRank(session, n) === wantRank);
    if (output === undefined) {
      throw new EncoderError('bad-output',
        `model ${modelPath} has outputs ${describeOutputs(session)}; pooling '${pooling}' needs ` +
        (pooling === 'none' ? 'a pooled [batch, dim] output such as sentence_embedding' : 'a token [batch, sequence, dim] output such as last_hidden_state'));
    }

    const positions = positiveInt(config['max_position_embeddings']);
    const detected = Math.min(tokenizer.declaredMaxLength ?? Infinity, positions ?? Infinity, DEFAULT_MAX_LENGTH_CAP);
    const maxLength = spec.maxLength ?? meta.maxLength ?? detected;
    if (!Number.isInteger(maxLength) || maxLength < tokenizer.specialCount + 1) {
      throw new EncoderError('bad-config', `maxLength ${maxLength} must be an integer ≥ ${tokenizer.specialCount + 1} (special tokens + 1)`);
    }
    if (positions !== undefined && maxLength > positions) {
      throw new EncoderError('bad-config',
        `maxLength ${maxLength} exceeds max_position_embeddings ${positions} in ${join(files.modelDir, 'config.json')}`);
    }
    if (!Number.isInteger(spec.batchSize) || spec.batchSize < 1) {
      throw new EncoderError('bad-config', `batchSize ${spec.batchSize} must be a positive integer`);
    }

    const enc = new OnnxEncoder({
      name: meta.name ?? basename(files.modelDir), pooling, output, maxLength, dimension: 0,
      batchSize: spec.batchSize, files, tokenizer, session, feeds: [...session.inputNames], idType,
    });
    // Probe with the highest token id: finds the dimension, checks the output shape at run
    // time (metadata shapes are often symbolic), and catches a tokenizer whose ids run past
    // the embedding table when config.json does not say how big that table is.
    let dims: readonly number[];
    try {
      dims = (await enc.runRaw([Int32Array.of(tokenizer.vocabSize - 1)], 4)).dims;
    } catch (e) {
      const msg = (e as Error).message;
      if (/out of (data )?bounds|out of range|indices/i.test(msg)) {
        throw new EncoderError('vocab-mismatch',
          `model ${modelPath} rejects token id ${tokenizer.vocabSize - 1} from tokenizer ${files.tokenizerPath} ` +
          `(its embedding table is smaller than the tokenizer's ${tokenizer.vocabSize} ids): ${msg}`);
      }
      throw e;
    }
    const dimension = dims[dims.length - 1] ?? 0;
    if (dims.length !== wantRank || dimension < 1) {
      throw new EncoderError('bad-output',
        `output ${output} of model ${modelPath} has shape [${dims.join(', ')}] at run time; pooling '${pooling}' needs ` +
        (wantRank === 2 ? '[batch, dim]' : '[batch, sequence, dim]'));
    }
    if (meta.dimension !== undefined && meta.dimension !== dimension) {
      throw new EncoderError('bad-config',
        `eci-sem.json in ${files.modelDir} says dimension ${meta.dimension} but output ${output} of ${modelPath} has ${dimension}`);
    }
    (enc as { dimension: number }).dimension = dimension;
    return enc;
  }

  /** One inference call on already-tokenized rows; returns the raw output tensor and the mask. */
  private async runRaw(rows: readonly Int32Array[], logLevel?: 0 | 1 | 2 | 3 | 4) {
    const p = padBatch(rows, this.tokenizer.padId, this.idType);
    const shape = [p.batch, p.seq];
    const all: Record<string, BigInt64Array | Int32Array> = {
      input_ids: p.inputIds, attention_mask: p.attentionMask, token_type_ids: p.tokenTypeIds,
    };
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of this.feeds) feeds[name] = new ort.Tensor(this.idType, all[name]!, shape);
    let result: ort.InferenceSession.ReturnType;
    try {
      result = await this.session.run(feeds, [this.output], logLevel === undefined ? {} : { logSeverityLevel: logLevel });
    } catch (e) {
      throw new EncoderError('inference', `inference failed for model ${this.files.modelPath}: ${(e as Error).message}`);
    }
    const t = result[this.output] as ort.Tensor;
    if (t.type !== 'float32') {
      throw new EncoderError('bad-output', `output ${this.output} of ${this.files.modelPath} is ${t.type}; eci-sem needs float32`);
    }
    return { data: t.data as Float32Array, dims: t.dims, mask: p.attentionMask, seq: p.seq };
  }

  /** Pools (if needed) and L2-normalises one batch → rows × dimension float32. */
  private async embedRows(rows: readonly Int32Array[]): Promise<Float32Array> {
    const { data, dims, mask, seq } = await this.runRaw(rows);
    const d = this.dimension;
    const n = rows.length;
    const expected = this.pooling === 'none' ? [n, d] : [n, seq, d];
    if (dims.length !== expected.length || dims.some((v, i) => v !== expected[i])) {
      throw new EncoderError('bad-output',
        `output ${this.output} of ${this.files.modelPath} has shape [${dims.join(', ')}], expected [${expected.join(', ')}]`);
    }
    const out = new Float32Array(n * d);
    const acc = new Float64Array(d);
    for (let b = 0; b < n; b++) {
      acc.fill(0);
      if (this.pooling === 'none') {
        for (let j = 0; j < d; j++) acc[j] = data[b * d + j]!;
      } else if (this.pooling === 'cls') {
        const base = b * seq * d;
        for (let j = 0; j < d; j++) acc[j] = data[base + j]!;
      } else {
        // Mask-weighted mean: padded positions never contribute, so a text's vector does not
        // depend on what else is in its batch.
        let count = 0;
        for (let t = 0; t < seq; t++) {
          if (Number(mask[b * seq + t]) === 0) continue;
          count++;
          const base = (b * seq + t) * d;
          for (let j = 0; j < d; j++) acc[j] += data[base + j]!;
        }
        for (let j = 0; j < d; j++) acc[j] /= Math.max(count, 1);
      }
      let sq = 0;
      for (let j = 0; j < d; j++) sq += acc[j]! * acc[j]!;
      // A zero vector cannot be normalised; it stays zero (cosine 0 to everything).
      const inv = sq > 0 ? 1 / Math.sqrt(sq) : 0;
      for (let j = 0; j < d; j++) out[b * d + j] = acc[j]! * inv;
    }
    return out;
  }

  /**
   * Embeds texts → texts.length × dimension float32 (row i = texts[i]).
   * Length bucketing: rows are sorted by token count (longest first, so a batch that does not
   * fit in memory fails early), cut into batches of batchSize and each padded only to its own
   * longest row; results are written back at their original index.
   * `checkpoint(done, total)` runs before every batch and every TOKENIZE_STEP texts while
   * tokenizing (done = texts embedded so far); returning false stops (→ undefined).
   * `onBatch` runs after every inference batch.
   */
  async embed(
    texts: readonly string[],
    checkpoint?: (done: number, total: number) => Promise<boolean>,
    onBatch?: () => void,
  ): Promise<Float32Array | undefined> {
    const rows: Int32Array[] = [];
    for (let start = 0; start < texts.length; start += TOKENIZE_STEP) {
      if (start > 0 && checkpoint && !(await checkpoint(0, texts.length))) return undefined;
      for (const t of texts.slice(start, start + TOKENIZE_STEP)) rows.push(this.tokenizer.encode(t, this.maxLength));
    }
    const order = bucketOrder(rows.map((r) => r.length));
    const d = this.dimension;
    const out = new Float32Array(texts.length * d);
    for (let start = 0; start < order.length; start += this.batchSize) {
      if (checkpoint && !(await checkpoint(start, order.length))) return undefined;
      const idx = order.slice(start, start + this.batchSize);
      const vecs = await this.embedRows(idx.map((i) => rows[i]!));
      idx.forEach((orig, b) => out.set(vecs.subarray(b * d, (b + 1) * d), orig * d));
      onBatch?.();
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
