/**
 * Main-thread handle on the encoder worker.
 *
 * The worker owns the ONNX session (inference blocks the thread it runs on); this class
 * correlates requests and replies, turns AbortSignals into 'cancel' messages, and survives
 * worker death: pending calls reject with a clear message and the next call starts a fresh
 * worker for the same spec.
 *
 * When the model folder pins its settings (eci-sem.json, as the default model does), the
 * info is computed here from file digests and the worker starts only at the first embed():
 * a run served entirely from the embedding cache never loads the model (≈ 0.3–1 s saved).
 */
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { bundleOrSource, viaTsx, type WorkerEntry } from '../workerEntry';
import { pinnedInfo } from './modelInfo';
import {
  EncoderError,
  deserializeError,
  type EncoderInfo,
  type EncoderSpec,
  type FileDigest,
  type WorkerReply,
  type WorkerRequest,
} from './protocol';

export type { EncoderInfo, EncoderSpec, Pooling } from './protocol';
export { EncoderError } from './protocol';

export interface EmbedOptions {
  signal?: AbortSignal;
  /** Texts of this call done so far (reported between inference batches). */
  onProgress?: (done: number, total: number) => void;
}

/** File digests outlive workers (and clients), so restarts and reopens skip re-hashing the model. */
const digestCache = new Map<string, FileDigest>();

/**
 * Where the worker code is. Explicit path first (a .ts file runs through tsx). Otherwise, next
 * to this module: `encoderWorker.js` when we are the esbuild bundle in dist/ (the bundle has a
 * second entry for the worker), else `worker.ts` when running from source under tsx (tests).
 */
export function resolveWorkerEntry(explicit?: string): WorkerEntry {
  const fail = (message: string) => new EncoderError('missing-file', message);
  if (explicit) {
    if (!existsSync(explicit)) throw fail(`encoder worker file ${explicit} does not exist`);
    return extname(explicit) === '.ts' ? viaTsx(explicit, 'encoder worker', fail) : { file: explicit };
  }
  return bundleOrSource(__dirname, 'encoderWorker.js', 'worker.ts', 'encoder worker', fail);
}

interface Pending {
  total: number;
  resolve: (v: Float32Array[]) => void;
  reject: (e: Error) => void;
  onProgress?: (done: number, total: number) => void;
  cleanup: () => void;
}

export class EncoderClient {
  readonly info: EncoderInfo;
  private readonly spec: EncoderSpec;
  private readonly entry: WorkerEntry;
  private worker: Worker | undefined;
  private starting: Promise<Worker> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  /** Info computed on this thread before any worker ran (lazy start); checked against the worker's. */
  private readonly pinned: boolean;

  private constructor(spec: EncoderSpec, entry: WorkerEntry, worker: Worker | undefined, info: EncoderInfo) {
    this.spec = spec;
    this.entry = entry;
    this.worker = worker;
    this.info = info;
    this.pinned = worker === undefined;
  }

  /**
   * A client for the spec. With pinned settings (see pinnedInfo) it returns at once and the
   * worker starts at the first embed(); otherwise it starts the worker and waits for the load.
   * `lazy: false` always loads now (load errors then surface here rather than at the first embed).
   */
  static async start(spec: EncoderSpec, workerFile?: string, opts: { lazy?: boolean } = {}): Promise<EncoderClient> {
    const entry = resolveWorkerEntry(workerFile);
    // Execution providers are known to work only once a session started: load now.
    if (opts.lazy !== false && !spec.executionProviders?.length) {
      const pinned = await pinnedInfo(spec, digestCache.values());
      if (pinned) {
        for (const d of pinned.digests) digestCache.set(d.path, d);
        return new EncoderClient(spec, entry, undefined, pinned.info);
      }
    }
    let client: EncoderClient | undefined;
    const { worker, info } = await spawn(spec, entry, (w, reason) => client?.onWorkerGone(w, reason));
    client = new EncoderClient(spec, entry, worker, info);
    worker.on('message', (m: WorkerReply) => client!.onReply(m));
    worker.unref(); // idle workers must not keep a CLI process alive
    return client;
  }

  /** Whether a worker is running (false before the first embed() of a lazily started client). */
  get started(): boolean {
    return this.worker !== undefined;
  }

  /** Test hook: the current worker, e.g. to terminate it and check recovery. */
  get workerForTests(): Worker | undefined {
    return this.worker;
  }

  /** Embeds texts (prefixes already applied) → one unit-length vector per text, in order. */
  async embed(texts: string[], opts: EmbedOptions = {}): Promise<Float32Array[]> {
    const { signal } = opts;
    if (this.closed) throw new EncoderError('closed', 'encoder client is closed');
    if (signal?.aborted) throw new EncoderError('cancelled', 'embedding cancelled');
    if (texts.length === 0) return [];
    if (texts.some((t) => typeof t !== 'string')) throw new TypeError('embed() takes an array of strings');
    const worker = await this.ensureWorker();
    if (signal?.aborted) throw new EncoderError('cancelled', 'embedding cancelled');
    const id = this.nextId++;
    return new Promise<Float32Array[]>((resolve, reject) => {
      const onAbort = () => {
        if (!this.pending.has(id)) return;
        this.settle(id);
        this.post(worker, { kind: 'cancel', id });
        reject(new EncoderError('cancelled', 'embedding cancelled'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        total: texts.length, resolve, reject, onProgress: opts.onProgress,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      });
      worker.ref(); // keep the process alive while work is outstanding
      this.post(worker, { kind: 'embed', id, texts });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new EncoderError('closed', 'encoder client was closed'));
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  private post(worker: Worker, msg: WorkerRequest): void {
    worker.postMessage(msg);
  }

  /** Removes a pending entry; unrefs the worker when nothing is outstanding. */
  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    p.cleanup();
    if (this.pending.size === 0) this.worker?.unref();
    return p;
  }

  private failAll(err: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(err);
  }

  private onReply(m: WorkerReply): void {
    switch (m.kind) {
      case 'ok': {
        const p = this.settle(m.id);
        if (!p) return; // cancelled meanwhile
        const all = new Float32Array(m.data);
        const out: Float32Array[] = [];
        for (let i = 0; i < m.count; i++) out.push(all.subarray(i * m.dimension, (i + 1) * m.dimension));
        p.resolve(out);
        return;
      }
      case 'failed':
        this.settle(m.id)?.reject(deserializeError(m.error));
        return;
      case 'cancelled':
        this.settle(m.id)?.reject(new EncoderError('cancelled', 'embedding cancelled'));
        return;
      case 'progress':
        this.pending.get(m.id)?.onProgress?.(m.done, m.total);
        return;
      default:
        return;
    }
  }

  private onWorkerGone(w: Worker, reason: string): void {
    if (this.worker !== w) return; // an old worker, or closed on purpose
    this.worker = undefined;
    const n = this.pending.size;
    // Worded for the user (CLI stderr, the server's status and config diagnostic): what
    // happened, to which model, and that a new attempt starts a new worker.
    this.failAll(new EncoderError('worker-exit',
      `the encoder worker stopped unexpectedly (${reason}) while embedding with ${this.info.modelPath}` +
      ` (${n} request(s) pending); the next run (the next embed()) starts a new worker`));
  }

  /**
   * Starts the worker of a lazily started client now, in the background, so that the next
   * embed() does not wait for the model to load (a failure surfaces at that embed()).
   */
  prepare(): void {
    if (!this.closed) this.ensureWorker().catch(() => undefined);
  }

  /** The live worker, or a fresh one (same spec) after the previous one died. */
  private ensureWorker(): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker);
    this.starting ??= (async () => {
      try {
        const { worker, info } = await spawn(this.spec, this.entry, (w, reason) => this.onWorkerGone(w, reason));
        if (info.fingerprint !== this.info.fingerprint) {
          await worker.terminate();
          const was = this.info;
          const differs = (['name', 'dimension', 'pooling', 'output', 'maxLength'] as const)
            .filter((k) => info[k] !== was[k]).map((k) => `${k} ${String(info[k])} (expected ${String(was[k])})`);
          throw new EncoderError('model-load', this.pinned && differs.length > 0
            ? `model ${was.modelPath} loads with ${differs.join(', ')}: its eci-sem.json does not describe it`
            : `model ${was.modelPath} changed on disk since this encoder started (fingerprint differs); start a new encoder`);
        }
        if (this.closed) {
          await worker.terminate();
          throw new EncoderError('closed', 'encoder client was closed');
        }
        worker.on('message', (m: WorkerReply) => this.onReply(m));
        worker.unref();
        this.worker = worker;
        return worker;
      } finally {
        this.starting = undefined;
      }
    })();
    return this.starting;
  }
}

/** Starts a worker and waits for it to load the model. */
function spawn(
  spec: EncoderSpec, entry: WorkerEntry, onGone: (w: Worker, reason: string) => void,
): Promise<{ worker: Worker; info: EncoderInfo }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(entry.file, entry.execArgv ? { execArgv: entry.execArgv } : {});
    let loaded = false;
    let crash: string | undefined;
    const onLoad = (m: WorkerReply) => {
      if (m.kind === 'loaded') {
        loaded = true;
        worker.off('message', onLoad);
        for (const d of m.digests) digestCache.set(d.path, d);
        resolve({ worker, info: m.info });
      } else if (m.kind === 'loadFailed') {
        loaded = true; // settled; the exit that follows is ours
        worker.off('message', onLoad);
        void worker.terminate();
        reject(deserializeError(m.error));
      }
    };
    worker.on('message', onLoad);
    worker.on('error', (err) => {
      crash = `crashed (${err.message})`;
    });
    worker.on('exit', (code) => {
      const reason = crash ?? `exited with code ${code}`;
      if (!loaded) {
        loaded = true;
        reject(new EncoderError('worker-exit',
          `the encoder worker stopped unexpectedly (${reason}) while loading the model in ${spec.modelDir}; the next run starts a new worker`));
      } else {
        onGone(worker, reason);
      }
    });
    worker.postMessage({ kind: 'load', spec, knownDigests: [...digestCache.values()] } satisfies WorkerRequest);
  });
}
