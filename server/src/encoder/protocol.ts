/**
 * Messages between the main thread (EncoderClient) and the encoder worker.
 *
 * Inference runs in a worker because onnxruntime-node's `session.run()` occupies the JS
 * thread that calls it; the language server must keep answering while a corpus is embedded.
 * Everything here is structured-clone safe; embeddings travel as one transferred
 * ArrayBuffer (zero copy) rather than an array of arrays.
 */

export type Pooling = 'mean' | 'cls' | 'none';

export interface EncoderSpec {
  /** Hugging Face style folder: model.onnx (or onnx/model.onnx), tokenizer.json, optional configs. */
  modelDir: string;
  /** Overrides eci-sem.json, which overrides detection from the model's outputs. */
  pooling?: Pooling;
  /** Overrides eci-sem.json; default min(tokenizer/model maximum, 512). */
  maxLength?: number;
  /** Texts per inference call (after length bucketing). */
  batchSize: number;
  /** ORT intra-op threads; default os.availableParallelism(). */
  threads?: number;
  /** Model file relative to modelDir (or absolute); default model.onnx, then onnx/model.onnx. */
  modelFile?: string;
  /** ONNX Runtime execution providers in order of preference (e.g. ["cuda", "cpu"]); default ONNX Runtime's CPU. */
  executionProviders?: string[];
}

/** What the loaded model resolved to; everything that changes the vectors is in the fingerprint. */
export interface EncoderInfo {
  name: string;
  dimension: number;
  /** sha256 hex of model bytes, tokenizer.json bytes and the resolved settings. */
  fingerprint: string;
  pooling: Pooling;
  maxLength: number;
  /** Name of the model output the vectors come from. */
  output: string;
  modelPath: string;
  tokenizerPath: string;
  /** With executionProviders: the provider that runs the model, and why preferred ones were passed over. */
  provider?: string;
  providerNote?: string;
}

/** sha256 of a file's bytes, remembered by path + mtime + size so restarts skip re-hashing. */
export interface FileDigest {
  path: string;
  mtimeMs: number;
  size: number;
  sha256: string;
}

export type EncoderErrorCode =
  | 'missing-file'
  | 'bad-config'
  | 'unfeedable-input'
  | 'bad-output'
  | 'vocab-mismatch'
  | 'model-load'
  | 'inference'
  | 'worker-exit'
  | 'cancelled'
  | 'closed'
  /** An embedding server (kind "http") refused or failed beyond what retrying fixes. */
  | 'endpoint';

/** Error with a stable code so callers (CLI, LSP) can react without parsing messages. */
export class EncoderError extends Error {
  readonly code: EncoderErrorCode;
  constructor(code: EncoderErrorCode, message: string) {
    super(message);
    this.name = code === 'cancelled' ? 'AbortError' : 'EncoderError';
    this.code = code;
  }
}

export interface SerializedError {
  code: EncoderErrorCode;
  message: string;
}

export function serializeError(err: unknown, fallback: EncoderErrorCode): SerializedError {
  if (err instanceof EncoderError) return { code: err.code, message: err.message };
  return { code: fallback, message: err instanceof Error ? err.message : String(err) };
}

export function deserializeError(e: SerializedError): EncoderError {
  return new EncoderError(e.code, e.message);
}

// ---- main → worker ----

export interface LoadRequest {
  kind: 'load';
  spec: EncoderSpec;
  /** Digests the main thread already knows (it outlives workers). */
  knownDigests: FileDigest[];
}

export interface EmbedRequest {
  kind: 'embed';
  id: number;
  texts: string[];
}

export interface CancelRequest {
  kind: 'cancel';
  id: number;
}

export type WorkerRequest = LoadRequest | EmbedRequest | CancelRequest;

// ---- worker → main ----

export interface LoadedReply {
  kind: 'loaded';
  info: EncoderInfo;
  digests: FileDigest[];
}

export interface LoadFailedReply {
  kind: 'loadFailed';
  error: SerializedError;
}

export interface OkReply {
  kind: 'ok';
  id: number;
  count: number;
  dimension: number;
  /** count × dimension float32, row-major, in request order; transferred, not copied. */
  data: ArrayBuffer;
}

export interface FailedReply {
  kind: 'failed';
  id: number;
  error: SerializedError;
}

export interface CancelledReply {
  kind: 'cancelled';
  id: number;
}

export interface ProgressReply {
  kind: 'progress';
  id: number;
  done: number;
  total: number;
}

export type WorkerReply = LoadedReply | LoadFailedReply | OkReply | FailedReply | CancelledReply | ProgressReply;
