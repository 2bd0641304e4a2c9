/**
 * `npm run package` (issue 13): one VSIX per platform, each with the bundles, the default
 * model, the walkthrough and its example, and exactly its own platform's onnxruntime
 * binaries — listed from the archive itself. The darwin-x64 one carries onnxruntime-node
 * 1.23.2 (the last release with Intel-Mac binaries); that version's linux-x64 build is
 * run here on the examples to show the engine scores with it as with the main one.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { assertCloseScores } from '../helpers/encoderFaults';

const execFileP = promisify(execFile);
const root = resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string; version: string;
  contributes: { walkthroughs: { steps: { media: { markdown?: string; image?: string } }[] }[] };
};
/** Target → the installed package whose binaries it must carry. */
const TARGETS: Record<string, string> = {
  'linux-x64': 'onnxruntime-node',
  'linux-arm64': 'onnxruntime-node',
  'darwin-x64': 'onnxruntime-node-darwin-x64',
  'darwin-arm64': 'onnxruntime-node',
  'win32-x64': 'onnxruntime-node',
};
const REQUIRED = [
  'package.json', 'dist/extension.js', 'dist/server.js', 'dist/analysisWorker.js', 'dist/encoderWorker.js', 'media/dist/ranking.js',
  'models/default/model.onnx', 'models/default/model.int8.onnx', 'models/default/tokenizer.json', 'models/default/eci-sem.json',
  'schemas/eci-config.schema.json', 'examples/eci.config.jsonc', 'examples/data/llm.jsonl',
  ...pkg.contributes.walkthroughs.flatMap((w) => w.steps.map((s) => s.media.markdown ?? s.media.image ?? '')),
];
const ORT = 'dist/node_modules/onnxruntime-node/';

/** Every file under `dir`, as paths relative to it with `/`, with sizes. */
function filesUnder(dir: string, prefix = ''): Map<string, number> {
  const out = new Map<string, number>();
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) for (const [k, v] of filesUnder(p, `${prefix}${name}/`)) out.set(k, v);
    else out.set(prefix + name, statSync(p).size);
  }
  return out;
}

const out = mkdtempSync(join(tmpdir(), 'eci-vsix-'));
const listings = new Map<string, Map<string, number>>();

describe('VSIX per platform', () => {
  before(async () => {
    const t0 = Date.now();
    await execFileP(process.execPath, [join(root, 'scripts', 'package.mjs'), '--out-dir', out], { cwd: root, maxBuffer: 1 << 26, timeout: 600_000 });
    const { listZip } = (await import(pathToFileURL(join(root, 'scripts', 'zip.mjs')).href)) as { listZip: (f: string) => { name: string; size: number }[] };
    for (const target of Object.keys(TARGETS)) {
      const file = join(out, `${pkg.name}-${pkg.version}-${target}.vsix`);
      const entries = listZip(file).filter((e) => e.name.startsWith('extension/'));
      listings.set(target, new Map(entries.map((e) => [e.name.slice('extension/'.length), e.size])));
      console.log(`${target}: ${(statSync(file).size / 1048576).toFixed(1)} MiB`);
    }
    console.log(`five VSIXes built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  for (const [target, runtime] of Object.entries(TARGETS)) {
    test(`${target}: the bundles, the model, the walkthrough and exactly ${target}'s onnxruntime binaries`, () => {
      const files = listings.get(target)!;
      for (const f of REQUIRED) assert.ok(files.has(f), `${f} is not in the ${target} VSIX`);
      const [platform, arch] = target.split('-');
      const ortDir = join(root, 'node_modules', runtime);
      const expected = new Map<string, number>();
      for (const napi of readdirSync(join(ortDir, 'bin'))) {
        let here: Map<string, number>;
        try {
          here = filesUnder(join(ortDir, 'bin', napi, platform!, arch!));
        } catch {
          continue;
        }
        for (const [f, size] of here) expected.set(`${ORT}bin/${napi}/${platform}/${arch}/${f}`, size);
      }
      assert.ok(expected.size > 0, `${runtime} has no ${target} binaries`);
      const shipped = new Map([...files].filter(([f]) => f.startsWith(`${ORT}bin/`)));
      assert.deepEqual([...shipped].sort(), [...expected].sort(), `${target}: onnxruntime binaries differ from ${runtime}'s ${platform}/${arch} folder`);
      const version = (JSON.parse(readFileSync(join(ortDir, 'package.json'), 'utf8')) as { version: string }).version;
      assert.ok(files.has(`${ORT}package.json`) && files.has(`${ORT}dist/index.js`), 'onnxruntime-node JS missing');
      // Nothing else: no other package, no sources, no maps, no CLI.
      const stray = [...files.keys()].filter((f) => (f.startsWith('dist/node_modules/') && !/^dist\/node_modules\/onnxruntime-(node|common)\//.test(f))
        || /\.(ts|map)$/.test(f) || f === 'dist/cli.js' || /^(test|server|client|bench|scripts)\//.test(f));
      assert.deepEqual(stray, []);
      console.log(`${target}: onnxruntime-node ${version}, ${expected.size} binary files`);
    });
  }

  test('onnxruntime-node 1.23.2 (darwin-x64 VSIX) runs the engine: its linux-x64 build gives the same scores', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eci-ort-1.23-'));
    try {
      mkdirSync(join(dir, 'dist', 'node_modules'), { recursive: true });
      copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
      for (const f of ['cli.js', 'analysisWorker.js', 'encoderWorker.js']) copyFileSync(join(root, 'dist', f), join(dir, 'dist', f));
      symlinkSync(join(root, 'models'), join(dir, 'models'));
      symlinkSync(join(root, 'node_modules', TARGETS['darwin-x64']!), join(dir, 'dist', 'node_modules', 'onnxruntime-node'));
      const args = ['score', join(root, 'examples', 'eci.config.jsonc'), '--format', 'json', '--no-cache', '--quiet'];
      const check = `process.stdout.write(require.resolve('onnxruntime-node', { paths: [${JSON.stringify(join(dir, 'dist'))}] }))`;
      const used = (await execFileP(process.execPath, ['-e', check])).stdout;
      assert.match(used, /onnxruntime-node-darwin-x64/, 'the bundle would not load the 1.23.2 runtime');
      const [old, current] = await Promise.all([
        execFileP(process.execPath, [join(dir, 'dist', 'cli.js'), ...args], { cwd: dir, maxBuffer: 1 << 26, timeout: 120_000 }),
        execFileP(process.execPath, [join(root, 'bin', 'eci-sem.js'), ...args], { cwd: dir, maxBuffer: 1 << 26, timeout: 120_000 }),
      ]);
      const a = JSON.parse(old.stdout) as { sources: unknown[] };
      const b = JSON.parse(current.stdout) as { sources: unknown[] };
      assert.ok(b.sources.length >= 5);
      assertCloseScores(a.sources, b.sources, 'sources');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
