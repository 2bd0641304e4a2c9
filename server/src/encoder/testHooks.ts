/**
 * TEST-ONLY fault injection and tracing for the encoder worker (used by
 * test/reliability/*). Nothing in eci-sem, the extension or the CLI sets these
 * variables; when they are unset every function here does nothing.
 *
 *   ECI_SEM_TEST_FAULT=<fault>:<n>:<marker file>[,<fault>:<n>:<marker file>…]
 *     encoder-exit       the worker calls process.exit(3) once n inference batches have completed
 *     encoder-throw      the worker throws an uncaught error once n batches have completed
 *     encoder-load-exit  the worker exits as it starts loading the model (n is ignored)
 *
 * A fault fires only while its marker file exists, and a worker claims it by deleting
 * the file, so it fires exactly once across workers and processes: the restarted
 * worker (or the next run) works normally. A test can also create a marker later,
 * against a running language server, to crash the run it starts next. Batches are
 * counted per worker, from its start.
 *
 *   ECI_SEM_TEST_TRACE=<file>
 *     the worker appends "load" when it loads a model and "embed <count>" for every
 *     embed request it serves, so a test can count what a process embedded.
 */
import { appendFileSync, unlinkSync } from 'node:fs';

type FaultKind = 'encoder-exit' | 'encoder-throw' | 'encoder-load-exit';

interface Fault {
  kind: FaultKind;
  afterBatches: number;
  marker: string;
}

/** Exit code of a worker that a test fault ended (any non-zero code would do). */
export const FAULT_EXIT_CODE = 3;

function parseFaults(value: string | undefined): Fault[] {
  if (!value) return [];
  return value.split(',').map((item) => {
    const m = /^(encoder-exit|encoder-throw|encoder-load-exit):(\d+):(.+)$/.exec(item);
    if (!m) throw new Error(`ECI_SEM_TEST_FAULT: expected <encoder-exit|encoder-throw|encoder-load-exit>:<batches>:<marker file>, got "${item}"`);
    return { kind: m[1] as FaultKind, afterBatches: Number(m[2]), marker: m[3]! };
  });
}

const faults = parseFaults(process.env['ECI_SEM_TEST_FAULT']);
const tracePath = process.env['ECI_SEM_TEST_TRACE'];
let batches = 0;

/** Deletes the marker; true for the one caller that deleted it. */
function claim(f: Fault): boolean {
  try {
    unlinkSync(f.marker);
    return true;
  } catch {
    return false;
  }
}

/** Called by the worker as it starts loading a model. */
export function atLoad(): void {
  trace('load');
  for (const f of faults) if (f.kind === 'encoder-load-exit' && claim(f)) process.exit(FAULT_EXIT_CODE);
}

/** Called by the worker after every inference batch. */
export function afterBatch(): void {
  batches++;
  const f = faults.find((x) => x.kind !== 'encoder-load-exit' && batches >= x.afterBatches && claim(x));
  if (!f) return;
  if (f.kind === 'encoder-exit') process.exit(FAULT_EXIT_CODE);
  // Outside any promise chain, so nothing catches it: the worker dies with an 'error' event.
  setImmediate(() => {
    throw new Error(`test fault: uncaught error in the encoder worker after ${batches} batches`);
  });
}

export function trace(line: string): void {
  if (tracePath) appendFileSync(tracePath, `${line}\n`);
}
