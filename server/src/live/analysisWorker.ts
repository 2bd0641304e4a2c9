/**
 * Analysis worker entry (bundled as dist/analysisWorker.js; run from source via
 * tsx in tests). Runs whole analyses so the language server's thread only
 * routes messages. The encoder worker is started from here and kept between
 * runs by EmbedderKeeper.
 */
import { parentPort } from 'node:worker_threads';
import { transferables, type HostToWorker, type WorkerToHost } from './wire';
import { ScoreMemo } from '../core/scoreMemo';
import { LineFacts } from '../pipeline/lineFacts';
import { EmbedderKeeper } from './state/embedderKeeper';
import { StageError } from './stageError';
import { runInWorker } from './workerRun';

const port = parentPort;
if (!port) throw new Error('the analysis worker must run in a worker_threads Worker');

const keeper = new EmbedderKeeper();
/** Source scores of the last runs by content: an edit re-scores only the sources it changed. */
const scores = new ScoreMemo();
/** Per scope, the facts of its lines: an edit parses and measures only the lines it changed. */
const lineFacts = new Map<string, LineFacts>();
const running = new Map<number, AbortController>();
/** The stability check under way per scope: a newer run of the scope abandons it (its result is being replaced). */
const checking = new Map<string, AbortController>();

function factsOf(scope: string): LineFacts {
  let facts = lineFacts.get(scope);
  if (!facts) { facts = new LineFacts(); lineFacts.set(scope, facts); }
  return facts;
}

function send(msg: WorkerToHost, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

async function run(id: number, spec: Extract<HostToWorker, { kind: 'run' }>['spec']): Promise<void> {
  const controller = new AbortController();
  running.set(id, controller);
  checking.get(spec.scope)?.abort();
  let last = 0;
  let lastPhase = '';
  scores.nextRun();
  try {
    const outcome = await runInWorker(spec, keeper, controller.signal, (progress) => {
      // Progress comes per chunk or per 16k lines; ~10 messages a second is plenty for a
      // bar, but a new phase and the end of embedding (with its count of new texts) always go.
      const now = Date.now();
      const final = progress.phase === 'embed' && progress.done === progress.total;
      if (now - last < 100 && progress.phase === lastPhase && !final) return;
      last = now;
      lastPhase = progress.phase;
      send({ kind: 'progress', id, progress });
    }, (provisional) => send({ kind: 'provisional', id, result: provisional }, transferables(provisional.columns, provisional.sources)),
    { scoreMemo: scores, lineFacts: factsOf(spec.scope) });
    if (controller.signal.aborted) { send({ kind: 'cancelled', id }); return; }
    const result = outcome.wire;
    send({ kind: 'ok', id, result }, transferables(result.columns, result.sources));
    // The next run is likely an edit with a new text: have the model ready for it.
    keeper.prepare();
    if (outcome.stability) {
      running.delete(id);
      const stop = new AbortController();
      checking.set(spec.scope, stop);
      try {
        send({ kind: 'stability', id, scope: spec.scope, stability: await outcome.stability(stop.signal) });
      } catch (err) {
        if (!stop.signal.aborted) console.error(`eci-sem: the stability check of ${spec.scope} failed: ${err instanceof Error ? err.stack : String(err)}`);
        send({ kind: 'stability', id, scope: spec.scope, stability: null });
      } finally {
        if (checking.get(spec.scope) === stop) checking.delete(spec.scope);
      }
    }
  } catch (err) {
    if (controller.signal.aborted) send({ kind: 'cancelled', id });
    else if (err instanceof StageError) send({ kind: 'failed', id, stage: err.stage, message: err.message, notes: err.notes });
    else send({ kind: 'failed', id, stage: 'internal', message: err instanceof Error ? err.stack ?? err.message : String(err), notes: [] });
  } finally {
    running.delete(id);
  }
}

port.on('message', (m: HostToWorker) => {
  if (m.kind === 'cancel') running.get(m.id)?.abort();
  else if (m.kind === 'run') void run(m.id, m.spec);
});
// Closing the encoder flushes nothing new (the cache flushes per call) but ends its worker cleanly.
process.on('exit', () => void keeper.close());
