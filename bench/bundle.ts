/**
 * Bundles what the benchmarks run as child processes from the current sources,
 * into bench/out/bin/ (same esbuild settings as esbuild.mjs, so they start like
 * dist/cli.js): the end-to-end driver, the CLI, and the encoder worker they load.
 */
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { ensureOut, ROOT } from './common';

export const BIN = join(ROOT, 'bench', 'out', 'bin');

export async function bundle(): Promise<{ driver: string; cli: string }> {
  ensureOut('bin');
  const common: esbuild.BuildOptions = {
    bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: false,
    external: ['onnxruntime-node', 'vscode'], mainFields: ['module', 'main'],
    define: { 'import.meta.url': '__importMetaUrl' },
    banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'warning', absWorkingDir: ROOT,
  };
  const entries = [
    { entryPoints: ['bench/e2e-driver.ts'], outfile: join(BIN, 'e2e-driver.js') },
    { entryPoints: ['server/src/cli.ts'], outfile: join(BIN, 'cli.js') },
    { entryPoints: ['server/src/encoder/worker.ts'], outfile: join(BIN, 'encoderWorker.js') },
  ];
  await Promise.all(entries.map((e) => esbuild.build({ ...common, ...e })));
  return { driver: entries[0].outfile, cli: entries[1].outfile };
}
