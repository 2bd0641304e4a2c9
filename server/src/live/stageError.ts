/** A run that failed at a stage the server can point at (the config, its encoder key, the input…). */
import type { FailureStage, RunNote } from './wire';

export class StageError extends Error {
  constructor(readonly stage: FailureStage, message: string, readonly notes: RunNote[] = []) {
    super(message);
  }
}
