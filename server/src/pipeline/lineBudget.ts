/**
 * The memory budget of line facts (pipeline/lineFacts.ts): what a line, a triple and a
 * distinct text are estimated to cost, the default budget, and the error a scan throws when
 * the facts outgrow it (analyze() then reads every line without them).
 */
import { getHeapStatistics } from 'node:v8';

/**
 * The facts outgrew their budget during a scan: the run goes on without them (the scope is
 * then analysed as the CLI does it, streaming, until it is much smaller).
 */
export class LineFactsOverBudget extends Error {
  constructor(readonly bytes: number, readonly budget: number) {
    super(`line facts need more than ${Math.round(budget / 1048576)} MB`);
    this.name = 'LineFactsOverBudget';
  }
}

/**
 * Estimated bytes of what is kept per line, per triple, and per distinct text (plus 4 a
 * term), as measured on the heap (100k triples of the benchmark set: 51 MB for lines and
 * triples, 32 MB for 84,643 texts, 9 MB for terms and queries), plus 60 a triple for the
 * terms its texts share (a small array each, kept since).
 */
export const LINE_BYTES = 150;
export const TRIPLE_BYTES = 460;
export const TEXT_BYTES = 420;

/** A quarter of the thread's heap limit: facts are an acceleration, never a reason to run out of memory. */
export function defaultBudget(): number {
  return Math.floor(getHeapStatistics().heap_size_limit / 4);
}
