/** Where the package's own files are, whether running bundled (dist/) or from source (tsx). */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if (JSON.parse(readFileSync(manifest, 'utf8')).name === 'eci-sem') return (root = dir);
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the eci-sem package root above ${__dirname}`);
    dir = parent;
  }
}

export function defaultModelDir(): string {
  return join(packageRoot(), 'models', 'default');
}

export function packageVersion(): string {
  return JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version;
}

/** $XDG_CACHE_HOME/eci-sem, else ~/.cache/eci-sem. */
export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return resolve(base, 'eci-sem');
}
