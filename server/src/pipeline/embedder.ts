/** What the analysis needs from a target encoder; the ONNX worker client implements it. */

export interface EncoderInfo {
  kind: 'default' | 'onnx' | 'precomputed' | 'http';
  /** Model name or path, as reported in settings.encoder.model. */
  model: string;
  dimension: number;
  queryPrefix: string;
  passagePrefix: string;
  /** kind "http": which API the server speaks. */
  api?: 'openai' | 'tei';
  /** kinds "default"/"onnx" with executionProviders: the ONNX Runtime provider the model runs on. */
  provider?: string;
}

export interface Embedder {
  readonly info: EncoderInfo;
  /** Unit vectors for the texts, in order. Texts already carry their prefix. */
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
  /** The encoder's own sub-word tokens (for tokenizer "encoder"), when it has a tokenizer. */
  terms?(text: string): string[];
  /**
   * Names the vectors this embedder gives (the same identity, the same vector for a text),
   * so that measurements can be kept between runs; absent: nothing is kept.
   */
  readonly identity?: string;
  /**
   * Its embedding cache lost records when it opened (damaged or cut off): measurements kept
   * from earlier runs are made again, so that the lost texts are embedded again as the
   * cache's warning says, and the cache is whole afterwards.
   */
  readonly lostVectors?: boolean;
  /**
   * Gets ready to embed without waiting at the next call (starts a model that loads lazily,
   * at its first cache miss); optional, and a no-op when it is ready.
   */
  prepare?(): void;
  /** Texts embedded by the model (cache misses) so far. */
  readonly embeddedCount?: number;
  close(): Promise<void>;
}

/** How a run gets its vectors: from the records themselves, or from an encoder. */
export type EncoderChoice =
  | { kind: 'precomputed' }
  | { kind: 'model'; load: () => Promise<Embedder> }
  /** CLI without a config: precomputed when every triple carries vectors, else the model. */
  | { kind: 'auto'; load: () => Promise<Embedder> };
