/**
 * Encoder worker entry (bundled as dist/encoderWorker.js; run from source via tsx in tests).
 *
 * Owns the ONNX session so that inference, which blocks its thread, never blocks the
 * language server's event loop. Requests are served one at a time in arrival order (one
 * session; running two at once would only split the same cores); between batches the worker
 * yields to its event loop so that 'cancel' messages are seen and honoured.
 */
import { parentPort } from 'node:worker_threads';
import { fileDigest, fingerprint } from './modelInfo';
import { OnnxEncoder } from './onnx';
import {
  serializeError,
  type EmbedRequest,
  type EncoderInfo,
  type LoadRequest,
  type WorkerReply,
  type WorkerRequest,
} from './protocol';
import { afterBatch, atLoad, trace } from './testHooks';

const port = parentPort;
if (!port) throw new Error('encoder worker must run in a worker_threads Worker');

let encoder: OnnxEncoder | undefined;
let loadError: string | undefined;
/** Ids of embed requests queued or running; a cancel for any other id is stale and ignored. */
const live = new Set<number>();
const cancelled = new Set<number>();
let queue: Promise<void> = Promise.resolve();

function send(reply: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(reply, transfer);
}

async function load(msg: LoadRequest): Promise<void> {
  atLoad(); // test-only fault injection (testHooks.ts); a no-op otherwise
  try {
    const enc = await OnnxEncoder.load(msg.spec);
    const [m, t] = await Promise.all([
      fileDigest(enc.files.modelPath, msg.knownDigests),
      fileDigest(enc.files.tokenizerPath, msg.knownDigests),
    ]);
    const info: EncoderInfo = {
      name: enc.name,
      dimension: enc.dimension,
      fingerprint: fingerprint(m, t, { pooling: enc.pooling, maxLength: enc.maxLength, output: enc.output }),
      pooling: enc.pooling,
      maxLength: enc.maxLength,
      output: enc.output,
      modelPath: enc.files.modelPath,
      tokenizerPath: enc.files.tokenizerPath,
      ...(enc.provider ? { provider: enc.provider } : {}),
      ...(enc.providerNote ? { providerNote: enc.providerNote } : {}),
    };
    encoder = enc;
    send({ kind: 'loaded', info, digests: [m, t] });
  } catch (e) {
    loadError = e instanceof Error ? e.message : String(e);
    send({ kind: 'loadFailed', error: serializeError(e, 'model-load') });
  }
}

const yieldToEventLoop = () => new Promise<void>((r) => setImmediate(r));

async function embed(msg: EmbedRequest): Promise<void> {
  const { id } = msg;
  try {
    if (cancelled.has(id)) return send({ kind: 'cancelled', id });
    if (!encoder) {
      return send({ kind: 'failed', id, error: { code: 'model-load', message: `encoder not loaded: ${loadError ?? 'no load request'}` } });
    }
    trace(`embed ${msg.texts.length}`);
    const data = await encoder.embed(msg.texts, async (done, total) => {
      if (done > 0) send({ kind: 'progress', id, done, total });
      await yieldToEventLoop(); // lets a pending 'cancel' message arrive
      return !cancelled.has(id);
    }, afterBatch);
    if (!data) return send({ kind: 'cancelled', id });
    send({ kind: 'ok', id, count: msg.texts.length, dimension: encoder.dimension, data: data.buffer as ArrayBuffer }, [data.buffer as ArrayBuffer]);
  } catch (e) {
    send({ kind: 'failed', id, error: serializeError(e, 'inference') });
  } finally {
    live.delete(id);
    cancelled.delete(id);
  }
}

port.on('message', (msg: WorkerRequest) => {
  switch (msg.kind) {
    case 'load':
      queue = queue.then(() => load(msg));
      break;
    case 'embed':
      live.add(msg.id);
      queue = queue.then(() => embed(msg));
      break;
    case 'cancel':
      if (live.has(msg.id)) cancelled.add(msg.id);
      break;
  }
});
