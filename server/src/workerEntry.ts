/**
 * Where a worker's code is, for the encoder worker and the analysis worker alike: the
 * esbuild bundle's entry next to the calling module when we run from dist/, else the
 * TypeScript source next to it, run through tsx (tests, source runs).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface WorkerEntry {
  file: string;
  execArgv?: string[];
}

/**
 * A .ts worker entry run through tsx. `--import tsx` does NOT work for a Worker's entry on
 * Node 20 (tsx 4.23: "Unknown file extension .ts" — the ESM hooks are not active for the
 * worker's main module), but tsx's CommonJS require hook does, and this project compiles to
 * CommonJS. Resolved to an absolute path so it works whatever the cwd is.
 * `fail` builds the caller's error from a message.
 */
export function viaTsx(file: string, what: string, fail: (message: string) => Error): WorkerEntry {
  let preload: string;
  try {
    preload = require.resolve('tsx/cjs');
  } catch {
    throw fail(`running the ${what} from TypeScript source needs the tsx package (dev dependency)`);
  }
  return { file, execArgv: ['--require', preload] };
}

/** `dir/bundle` when it exists, else `dir/source` through tsx; `what` names the worker in errors. */
export function bundleOrSource(dir: string, bundle: string, source: string, what: string, fail: (message: string) => Error): WorkerEntry {
  const bundled = join(dir, bundle);
  if (existsSync(bundled)) return { file: bundled };
  const src = join(dir, source);
  if (existsSync(src)) return viaTsx(src, what, fail);
  throw fail(`${what} not found: expected ${bundled} (bundle) or ${src} (source run with tsx)`);
}
