/**
 * Source scores on a second thread. An edit that moves m (the median ‖u‖) or the idf of
 * common terms changes every source's clipped residuals or weights, and then every
 * source is factorised again: about 170 ms each at N = 1000, d = 512, most of a run after
 * an edit. The analysis worker scores half of the sources the memo lacks itself and sends
 * the other half to a scorer thread (the same bundle, started with `role: 'scorer'`), then
 * puts every score in the memo, where aggregateSources finds it. The scorer runs the same
 * code on the same numbers, so the scores are the same bits either way; a scorer that
 * fails only leaves its sources to be scored by aggregateSources as before.
 */
import { Worker, type MessagePort } from 'node:worker_threads';
import { memoParams, sampledInputs, scoreSample } from '../core/aggregate';
import type { SourceScore } from '../core/eci';
import type { MemoScore, ScoreMemo } from '../core/scoreMemo';
import type { Settings, Thresholds } from '../core/settings';
import type { PrescoreInput } from '../pipeline/analyze';

interface ScoreJob {
  id: number;
  /** N rows of dimension d, row-major. */
  rows: Float64Array;
  n: number;
  d: number;
  weights: Float64Array;
  lambda: number;
  thresholds: Thresholds;
  keepGram: boolean;
}

type ScoreReply = { id: number; score: SourceScore; redundant: Uint8Array } | { id: number; error: string };


export class ScorePool {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly waiting = new Map<number, (reply: ScoreReply) => void>();
  /** Sources whose score came from the scorer thread (for tests and the curious). */
  scoredElsewhere = 0;

  /** `start` makes the scorer thread (lazily, at the first run with two sources to score). */
  constructor(private readonly start: () => Worker) {}

  /** Scores every source of the run the memo lacks, on two threads, into the memo. */
  async prefill(memo: ScoreMemo, x: PrescoreInput): Promise<void> {
    const misses: { key: string; units: Float64Array[]; weights: Float64Array }[] = [];
    for (const spec of x.specs) {
      const { units, weights } = sampledInputs(x.table, spec, x.residuals, x.residualScale, x.settings);
      const key = memo.key(units, weights, memoParams(x.settings, x.keepGram));
      if (!memo.has(key)) misses.push({ key, units, weights });
    }
    // One source is as fast on this thread; two or more go half and half.
    if (misses.length < 2) return;
    const remote = misses.filter((_, k) => k % 2 === 1);
    const pending = remote.map((m) => this.score(m.units, m.weights, x.settings, x.keepGram).then(
      (r) => { if (r) { memo.set(m.key, r); this.scoredElsewhere++; } },
    ));
    for (const m of misses.filter((_, k) => k % 2 === 0)) memo.set(m.key, scoreSample(m.units, m.weights, x.settings, x.keepGram));
    await Promise.all(pending);
  }

  /**
   * Starts the scorer thread now and has it score a small random sample, so that the first
   * edit that needs it does not wait for the thread to load and its kernels to be compiled.
   */
  prepare(): void {
    if (this.worker) return;
    const n = 96, d = 48;
    const units = Array.from({ length: n }, (_, i) => Float64Array.from({ length: d }, (_, k) => Math.sin(i * 7.1 + k * 1.3) / Math.sqrt(d)));
    const weights = Float64Array.from({ length: n }, (_, i) => 0.1 + 0.3 * ((i * 37) % 11) / 11);
    const settings = { lambda: 1, thresholds: { redundantGainRatio: 0.1, redundantCosine: 0.95 } } as Settings;
    for (let r = 0; r < 3; r++) void this.score(units, weights, settings, false);
  }

  private score(units: Float64Array[], weights: Float64Array, settings: Settings, keepGram: boolean): Promise<MemoScore | null> {
    const n = units.length;
    const d = n > 0 ? units[0].length : 0;
    if (n === 0) return Promise.resolve(null);
    const rows = new Float64Array(n * d);
    units.forEach((u, i) => rows.set(u, i * d));
    let worker: Worker;
    try {
      worker = this.worker ??= this.spawn();
    } catch {
      return Promise.resolve(null);
    }
    const id = this.nextId++;
    const job: ScoreJob = { id, rows, n, d, weights: weights.slice(), lambda: settings.lambda, thresholds: settings.thresholds, keepGram };
    return new Promise((resolve) => {
      this.waiting.set(id, (reply) => resolve('error' in reply ? null : { score: reply.score, redundant: reply.redundant }));
      worker.ref(); // a job under way keeps the process alive until its reply
      worker.postMessage(job, [job.rows.buffer as ArrayBuffer, job.weights.buffer as ArrayBuffer]);
    });
  }

  private spawn(): Worker {
    const worker = this.start();
    worker.on('message', (reply: ScoreReply) => {
      const done = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) worker.unref();
      done?.(reply);
    });
    const gone = (why: string) => {
      if (this.worker === worker) this.worker = undefined;
      for (const [id, done] of this.waiting) done({ id, error: why });
      this.waiting.clear();
    };
    worker.on('error', (err) => gone(err.message));
    worker.on('exit', (code) => gone(`the scorer thread exited (code ${code})`));
    // An idle scorer must not keep its process alive (after the listeners: adding a 'message'
    // listener refs the worker again).
    worker.unref();
    return worker;
  }

  /** Ends the scorer thread (its jobs fall back to the caller). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }
}

/** The scorer thread's side: score each job and send it back. */
export function serveScores(port: MessagePort): void {
  port.on('message', (job: ScoreJob) => {
    try {
      const units = Array.from({ length: job.n }, (_, i) => job.rows.subarray(i * job.d, (i + 1) * job.d));
      const { score, redundant } = scoreSample(units, job.weights, { lambda: job.lambda, thresholds: job.thresholds }, job.keepGram);
      const transfer = [score.leverage.buffer, score.gain.buffer, redundant.buffer, ...(score.gram ? [score.gram.buffer] : [])] as ArrayBuffer[];
      port.postMessage({ id: job.id, score, redundant } satisfies ScoreReply, transfer);
    } catch (err) {
      port.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) } satisfies ScoreReply);
    }
  });
}
