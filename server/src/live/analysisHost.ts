/**
 * Main-thread handle on the analysis worker: one request per run, typed replies
 * `{kind: 'ok' | 'failed' | 'cancelled'}`, AbortSignal → 'cancel'. If the worker
 * dies (out of memory, a native crash), pending runs fail and the next run
 * starts a fresh worker.
 */
import { Worker } from 'node:worker_threads';
import { bundleOrSource, type WorkerEntry } from '../workerEntry';
import type { Progress } from '../pipeline/analyze';
import type { FailureStage, HostToWorker, RunNote, RunSpec, WireResult, WireStability, WorkerToHost } from './wire';

export type RunOutcome =
  /** `runId` matches the stability check that follows the result (spec resamples > 0). */
  | { kind: 'ok'; result: WireResult; runId: number }
  | { kind: 'failed'; stage: FailureStage; message: string; notes: RunNote[] }
  | { kind: 'cancelled' };

interface Pending {
  resolve: (o: RunOutcome) => void;
  onProgress: (p: Progress) => void;
  onProvisional?: (r: WireResult) => void;
}

/** Bundle next to us (dist/analysisWorker.js), else the TypeScript source through tsx's require hook. */
export function analysisWorkerEntry(): WorkerEntry {
  return bundleOrSource(__dirname, 'analysisWorker.js', 'analysisWorker.ts', 'analysis worker', (message) => new Error(message));
}

export class AnalysisHost {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  /** Receives the stability check of a result after its 'ok' (null: the check was abandoned). */
  onStability: ((scope: string, runId: number, stability: WireStability | null) => void) | undefined;

  /** `log` receives whatever the worker (or ONNX Runtime in it) prints: stdout belongs to the LSP stream. */
  constructor(private readonly log: (text: string) => void) {}

  /** `onProvisional` receives the sample-scope ranking of a run that embeds, before its outcome. */
  run(spec: RunSpec, signal: AbortSignal, onProgress: (p: Progress) => void, onProvisional?: (r: WireResult) => void): Promise<RunOutcome> {
    if (signal.aborted) return Promise.resolve({ kind: 'cancelled' });
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<RunOutcome>((resolve) => {
      const onAbort = () => this.post(worker, { kind: 'cancel', id });
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        onProgress,
        ...(onProvisional ? { onProvisional } : {}),
        resolve: (o) => {
          signal.removeEventListener('abort', onAbort);
          resolve(o);
        },
      });
      this.post(worker, { kind: 'run', id, spec });
    });
  }

  async dispose(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.failAll('the language server is shutting down');
    if (w) await w.terminate();
  }

  private post(worker: Worker, msg: HostToWorker): void {
    worker.postMessage(msg);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const entry = analysisWorkerEntry();
    // stdout: true keeps the worker's prints out of the LSP stream (they are forwarded to the log).
    const worker = new Worker(entry.file, { execArgv: entry.execArgv ?? [], stdout: true, stderr: true });
    worker.stdout.on('data', (c: Buffer) => this.log(c.toString('utf8')));
    worker.stderr.on('data', (c: Buffer) => this.log(c.toString('utf8')));
    worker.on('message', (m: WorkerToHost) => this.onMessage(m));
    worker.on('error', (err) => this.log(`analysis worker crashed: ${err.stack ?? err.message}\n`));
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failAll(`the analysis worker exited (code ${code}); the next run starts a new one`);
    });
    this.worker = worker;
    return worker;
  }

  private failAll(message: string): void {
    for (const [id, p] of [...this.pending]) {
      this.pending.delete(id);
      p.resolve({ kind: 'failed', stage: 'internal', message, notes: [] });
    }
  }

  private onMessage(m: WorkerToHost): void {
    if (m.kind === 'stability') {
      this.onStability?.(m.scope, m.id, m.stability);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    switch (m.kind) {
      case 'progress':
        p.onProgress(m.progress);
        return;
      case 'provisional':
        p.onProvisional?.(m.result);
        return;
      case 'ok':
        this.pending.delete(m.id);
        p.resolve({ kind: 'ok', result: m.result, runId: m.id });
        return;
      case 'failed':
        this.pending.delete(m.id);
        p.resolve({ kind: 'failed', stage: m.stage, message: m.message, notes: m.notes });
        return;
      case 'cancelled':
        this.pending.delete(m.id);
        p.resolve({ kind: 'cancelled' });
        return;
    }
  }
}
