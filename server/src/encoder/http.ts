/**
 * The target encoder behind an embedding server (OpenAI-compatible `/v1/embeddings` or TEI
 * `/embed`), one or several replicas. Same contract as the ONNX worker's client: `embed()`
 * gives one unit vector per text, in order, or throws an EncoderError — never a part — so
 * the cache, dedup, progress, cancellation and the language server work unchanged.
 *
 * A call's texts are cut into batches of `batchSize`; up to `concurrency` requests are in
 * flight, each sent to the replica with the fewest requests in flight among those not set
 * aside. Faults (see httpFaults.ts): 429/503 wait for Retry-After, other 5xx, resets,
 * timeouts and unreadable bodies retry with exponential backoff and jitter up to
 * `maxRetries` per batch (on another replica when there is one); a batch too large is
 * halved; a replica failing `SET_ASIDE_AFTER` times in a row rests for `setAsideMs` while
 * the others carry on; anything retrying cannot fix ends the call with one message that
 * names the URL (never the key). Aborting the signal aborts the requests in flight.
 */
import { createHash } from 'node:crypto';
import { backoffMs, classifyNetworkError, classifyStatus, type Fault } from './httpFaults';
import { BadResponse, endpointUrl, parseEmbeddings, requestBody, shownUrl, type HttpApi } from './httpWire';
import { EncoderError } from './protocol';

export interface HttpEncoderSpec {
  api: HttpApi;
  /** Base URLs of the replicas (…/v1/embeddings and …/embed are added unless given). */
  urls: string[];
  /** Sent to the server (OpenAI API) and part of the cache identity. */
  model: string;
  /** Optional model revision, for the cache identity only. */
  revision?: string;
  /** The key itself, read by the caller from the environment variable `apiKeyEnv` names. */
  apiKey?: string;
  apiKeyEnv?: string;
  batchSize: number;
  concurrency: number;
  timeoutMs: number;
  maxRetries: number;
  /** TEI: let the server cut texts longer than the model takes (the ONNX path truncates too). */
  truncate: boolean;
  queryPrefix: string;
  passagePrefix: string;
  /** First backoff and its cap (tests shorten them). */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** How long a replica that keeps failing is left out. */
  setAsideMs?: number;
}

export const HTTP_DEFAULTS = { batchSize: 32, concurrency: 4, timeoutMs: 60_000, maxRetries: 5, truncate: true } as const;

/** Consecutive failures after which a replica is set aside. */
const SET_ASIDE_AFTER = 3;

/**
 * What the vectors depend on: the API, the model (and revision), prefixes and truncation —
 * not the URL, so replicas and re-runs share one cache. A folder-safe sha256 hex.
 */
export function httpFingerprint(s: Pick<HttpEncoderSpec, 'api' | 'model' | 'revision' | 'queryPrefix' | 'passagePrefix' | 'truncate'>): string {
  const identity = { kind: 'http', api: s.api, model: s.model, revision: s.revision ?? null, queryPrefix: s.queryPrefix, passagePrefix: s.passagePrefix, truncate: s.truncate };
  return `http-${createHash('sha256').update(JSON.stringify(identity)).digest('hex')}`;
}

interface Replica {
  url: string;
  shown: string;
  inFlight: number;
  failures: number;
  asideUntil: number;
}

interface Batch { start: number; texts: string[]; attempts: number }

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve, reject) => {
  if (signal.aborted) { reject(signal.reason); return; }
  const t = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
  const onAbort = () => { clearTimeout(t); reject(signal.reason); };
  signal.addEventListener('abort', onAbort, { once: true });
});

export class HttpEncoder {
  /** Set by the first response (or by the caller from the cache) and checked on every one after. */
  dimension: number | undefined;
  readonly fingerprint: string;
  /** Requests sent and retries made, over this object's lifetime (for tests and benchmarks). */
  requests = 0;
  retries = 0;
  private readonly spec: HttpEncoderSpec;
  private readonly replicas: Replica[];
  private base64: boolean;
  private closed = false;
  private readonly live = new Set<AbortController>();

  /** Where an expected dimension came from, for the mismatch message. */
  private readonly expectedFrom: string;

  constructor(spec: HttpEncoderSpec, expectedDimension?: number, expectedFrom = 'the first response') {
    if (spec.urls.length === 0) throw new EncoderError('bad-config', 'the http encoder needs at least one url');
    this.spec = spec;
    this.replicas = spec.urls.map((u) => ({ url: endpointUrl(u, spec.api), shown: shownUrl(endpointUrl(u, spec.api)), inFlight: 0, failures: 0, asideUntil: 0 }));
    this.base64 = spec.api === 'openai';
    this.dimension = expectedDimension;
    this.expectedFrom = expectedFrom;
    this.fingerprint = httpFingerprint(spec);
  }

  get name(): string {
    return this.spec.revision ? `${this.spec.model}@${this.spec.revision}` : this.spec.model;
  }

  /** Where the vectors come from, for messages: the replica URLs. */
  get shownUrls(): string {
    return this.replicas.map((r) => r.shown).join(', ');
  }

  /** One unit vector per text, in order; all or nothing. */
  async embed(texts: string[], opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Promise<Float32Array[]> {
    if (this.closed) throw new EncoderError('closed', 'encoder client is closed');
    if (opts.signal?.aborted) throw new EncoderError('cancelled', 'embedding cancelled');
    if (texts.length === 0) return [];
    const call = new AbortController();
    this.live.add(call);
    const onAbort = () => call.abort(new EncoderError('cancelled', 'embedding cancelled'));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const out: Float32Array[] = new Array<Float32Array>(texts.length);
    const queue: Batch[] = [];
    for (let s = 0; s < texts.length; s += this.spec.batchSize) queue.push({ start: s, texts: texts.slice(s, s + this.spec.batchSize), attempts: 0 });
    let done = 0;
    let active = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        let failed = false;
        const fail = (e: unknown) => {
          if (failed) return;
          failed = true;
          call.abort(e); // the other requests of this call are of no use now
          reject(e);
        };
        const pump = () => {
          if (failed) return;
          if (queue.length === 0 && active === 0) { resolve(); return; }
          while (!failed && active < this.spec.concurrency && queue.length > 0) {
            const batch = queue.shift()!;
            active++;
            this.runBatch(batch, call.signal, queue).then((vecs) => {
              active--;
              if (vecs) {
                vecs.forEach((v, k) => { out[batch.start + k] = v; });
                done += vecs.length;
                opts.onProgress?.(done, texts.length);
              }
              pump();
            }, (e: unknown) => { active--; fail(e); });
          }
        };
        pump();
      });
    } catch (e) {
      if (opts.signal?.aborted || (e instanceof EncoderError && e.code === 'cancelled')) throw new EncoderError('cancelled', 'embedding cancelled');
      if (this.closed) throw new EncoderError('closed', 'encoder client was closed');
      throw e;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      this.live.delete(call);
    }
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.live) c.abort(new EncoderError('closed', 'encoder client was closed'));
  }

  /**
   * One batch until it has vectors. Resolves undefined when the batch was split (its halves
   * went back on the queue); throws a user-worded EncoderError when it cannot succeed.
   */
  private async runBatch(batch: Batch, signal: AbortSignal, queue: Batch[]): Promise<Float32Array[] | undefined> {
    const lastReasons: string[] = [];
    let previous: Replica | undefined;
    for (;;) {
      const replica = await this.pickReplica(signal, previous);
      previous = replica;
      const fault = await this.attempt(replica, batch, signal);
      if (Array.isArray(fault)) return fault;
      if (fault.kind === 'split') {
        const half = Math.ceil(batch.texts.length / 2);
        queue.unshift(
          { start: batch.start, texts: batch.texts.slice(0, half), attempts: batch.attempts },
          { start: batch.start + half, texts: batch.texts.slice(half), attempts: batch.attempts },
        );
        return undefined;
      }
      if (fault.kind === 'floats') { this.base64 = false; continue; }
      if (fault.kind === 'fatal') {
        throw new EncoderError('endpoint', `the embedding server ${replica.shown} ${fault.reason}; ${fault.hint}`);
      }
      lastReasons.push(`${replica.shown} ${fault.reason}`);
      if (fault.replicaFault) this.markFailure(replica);
      if (batch.attempts >= this.spec.maxRetries) {
        const distinct = [...new Set(lastReasons.slice(-3))];
        throw new EncoderError('endpoint',
          `the embedding server failed ${batch.attempts + 1} time(s) for one batch of ${batch.texts.length} text(s) and encoder.maxRetries (${this.spec.maxRetries}) is used up: ` +
          `${distinct.join('; ')}; check that the server at ${this.shownUrls} is running and reachable, or raise encoder.timeoutMs / encoder.maxRetries`);
      }
      batch.attempts++;
      this.retries++;
      const wait = fault.waitMs ?? backoffMs(batch.attempts - 1, this.spec.backoffBaseMs ?? 500, this.spec.backoffCapMs ?? 30_000);
      await sleep(wait, signal);
    }
  }

  /**
   * The healthy replica with the fewest requests in flight — another than `avoid` (the one
   * that just failed this batch) when there is one; waits when all are set aside.
   */
  private async pickReplica(signal: AbortSignal, avoid?: Replica): Promise<Replica> {
    for (;;) {
      const now = Date.now();
      const others = avoid && this.replicas.some((r) => r !== avoid && r.asideUntil <= now);
      let best: Replica | undefined;
      for (const r of this.replicas) {
        if (r.asideUntil > now || (others && r === avoid)) continue;
        if (!best || r.inFlight < best.inFlight || (r.inFlight === best.inFlight && r.failures < best.failures)) best = r;
      }
      if (best) return best;
      const soonest = Math.min(...this.replicas.map((r) => r.asideUntil));
      await sleep(Math.max(1, soonest - now), signal);
    }
  }

  private markFailure(r: Replica): void {
    r.failures++;
    // With one replica there is nobody to carry on: its retries and their backoff are the rest.
    if (r.failures >= SET_ASIDE_AFTER && this.replicas.length > 1) r.asideUntil = Date.now() + (this.spec.setAsideMs ?? 30_000);
  }

  /** One request: vectors, or what went wrong. Cancellation propagates as an exception. */
  private async attempt(r: Replica, batch: Batch, callSignal: AbortSignal): Promise<Float32Array[] | Fault> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.spec.timeoutMs);
    const signal = AbortSignal.any([callSignal, timeout.signal]);
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.spec.apiKey) headers.authorization = `Bearer ${this.spec.apiKey}`;
    const base64 = this.base64;
    r.inFlight++;
    this.requests++;
    try {
      let res: Response;
      let body: string;
      try {
        res = await fetch(r.url, {
          method: 'POST', headers, signal,
          body: requestBody(this.spec.api, batch.texts, { model: this.spec.model, truncate: this.spec.truncate, base64 }),
        });
        body = await res.text();
      } catch (e) {
        if (callSignal.aborted) throw callSignal.reason;
        return classifyNetworkError(e, timeout.signal.aborted, this.spec.timeoutMs);
      }
      if (!res.ok) {
        return classifyStatus(res.status, res.headers, this.scrub(body), {
          size: batch.texts.length, base64, model: this.spec.model, api: this.spec.api,
          ...(this.spec.apiKeyEnv ? { apiKeyEnv: this.spec.apiKeyEnv } : {}),
        });
      }
      let vecs: Float32Array[];
      try {
        vecs = parseEmbeddings(this.spec.api, body, batch.texts.length);
      } catch (e) {
        if (!(e instanceof BadResponse)) throw e;
        return { kind: 'retry', reason: `sent a response that cannot be used (${this.scrub(e.message)})`, replicaFault: true };
      }
      const d = vecs[0]!.length;
      if (this.dimension === undefined) this.dimension = d;
      else if (d !== this.dimension) {
        return {
          kind: 'fatal', reason: `returned ${d}-dimensional vectors where ${this.dimension} were expected for model "${this.name}" (as in ${this.expectedFrom})`,
          hint: 'every replica must serve the same model; a model that changed under the same name needs a new encoder.revision (the cache keeps its vectors by api, model and revision)',
        };
      }
      r.failures = 0;
      return vecs;
    } finally {
      clearTimeout(timer);
      r.inFlight--;
    }
  }

  /** Servers sometimes echo the request's headers: the key never goes into a message. */
  private scrub(text: string): string {
    const key = this.spec.apiKey;
    return key && key.length >= 4 ? text.split(key).join('[key]') : text;
  }
}
