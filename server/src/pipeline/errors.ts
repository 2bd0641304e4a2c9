/** How a run ends without a result: errors with a message for the user, shared by the passes and their callers. */

/** A run that cannot go on, with a message for the user; `stage` says what to point at (e.g. the config's encoder key). */
export class AnalysisError extends Error {
  constructor(message: string, readonly stage: 'encoder' | 'settings' = 'settings') {
    super(message);
    this.name = 'AnalysisError';
  }
}

/** A file changed between the two passes: the run stops rather than mix two versions of it. */
export class AnalysisInputChanged extends Error {}
