// One esbuild context per entry; the ONNX runtime stays external (native binaries).
import * as esbuild from 'esbuild';
import { join } from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
// --outroot=<dir>: write every bundle under <dir> (same relative paths) instead of the
// repo, so scripts/package.mjs can stage a production VSIX without touching dist/.
const outRoot = process.argv.find((a) => a.startsWith('--outroot='))?.slice('--outroot='.length) ?? '.';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  external: ['onnxruntime-node', 'vscode'],
  // jsonc-parser's "main" is a UMD build esbuild cannot follow, so prefer ESM;
  // ESM dependencies (fdir) then read import.meta.url, which CJS output lacks.
  mainFields: ['module', 'main'],
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
};

const entries = [
  { entryPoints: ['server/src/cli.ts'], outfile: 'dist/cli.js' },
  { entryPoints: ['server/src/encoder/worker.ts'], outfile: 'dist/encoderWorker.js' },
  // The language server and its analysis worker (which starts encoderWorker.js next to it).
  { entryPoints: ['server/src/main.ts'], outfile: 'dist/server.js' },
  { entryPoints: ['server/src/live/analysisWorker.ts'], outfile: 'dist/analysisWorker.js' },
  { entryPoints: ['client/src/extension.ts'], outfile: 'dist/extension.js' },
  // The ranking webview runs in a browser sandbox: no Node banner, no import.meta shim.
  {
    entryPoints: ['media/ranking/main.ts'], outfile: 'media/dist/ranking.js',
    platform: 'browser', format: 'iife', target: 'es2022', external: [],
    mainFields: ['browser', 'module', 'main'], define: {}, banner: {},
  },
];

const contexts = await Promise.all(entries.map((e) => esbuild.context({ ...common, ...e, outfile: join(outRoot, e.outfile) })));
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
