#!/usr/bin/env node
/**
 * Builds one VSIX per platform:
 *   node scripts/package.mjs [--target linux-x64 ...] [--out-dir DIR | --out file.vsix]
 * Without --target: all of TARGETS. Each lands in DIR (default: the repo root) as
 * `<name>-<version>-<target>.vsix`; --out names the file when one target is built.
 *
 * Why a staging folder: `vsce --no-dependencies` leaves out node_modules/ entirely
 * (the bundles carry every JS dependency), but onnxruntime-node is a native addon
 * that cannot be bundled and ships binaries for five platforms (~290 MB). So we
 * build the bundles straight into a temporary folder, copy the files that ship
 * next to them, and then for each target put only that platform's runtime under
 * dist/node_modules/ (Node resolves `require('onnxruntime-node')` from dist/*.js there
 * first), run vsce on the folder and check the result. The folder is deleted at the
 * end. The repo's own dist/ is never touched, so a running `npm test` or watch build
 * is not disturbed.
 *
 * darwin-x64: onnxruntime-node stopped shipping Intel-Mac binaries after 1.23.2, so
 * that VSIX carries 1.23.2 (devDependency alias onnxruntime-node-darwin-x64).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractZip, listZip } from './zip.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

/** Every platform a VSIX is built for, and the package that has its onnxruntime binaries. */
const TARGETS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64'];
const RUNTIME_PACKAGE = { 'darwin-x64': 'onnxruntime-node-darwin-x64' };

function options(name) {
  const values = [];
  process.argv.forEach((a, i) => {
    if (a === name && process.argv[i + 1]) values.push(process.argv[i + 1]);
  });
  return values;
}

const targets = options('--target').length ? options('--target') : TARGETS;
for (const t of targets) if (!TARGETS.includes(t)) throw new Error(`unknown --target ${t} (one of ${TARGETS.join(', ')})`);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const outDir = resolve(options('--out-dir')[0] ?? root);
const outFile = options('--out')[0];
if (outFile && targets.length !== 1) throw new Error('--out names one file: give exactly one --target with it (or use --out-dir)');
const outOf = (target) => (outFile ? resolve(outFile) : join(outDir, `${pkg.name}-${pkg.version}-${target}.vsix`));

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${[cmd, ...args].join(' ')} failed (exit ${r.status ?? r.signal})`);
}

function copy(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}

/** Copies files under `dir` (relative to root) whose name passes `keep`, keeping the layout. */
function copyTree(fromDir, toDir, keep) {
  for (const name of readdirSync(fromDir)) {
    const from = join(fromDir, name);
    if (statSync(from).isDirectory()) copyTree(from, join(toDir, name), keep);
    else if (keep(name)) copy(from, join(toDir, name));
  }
}

function need(path, hint) {
  if (!existsSync(path)) throw new Error(`missing ${relative(root, path) || path}: ${hint}`);
}

/**
 * The folder of an installed package, found from its entry point: onnxruntime-common's
 * "exports" hide package.json from require.resolve. `realName` is the name its
 * package.json gives (an npm alias is installed under another folder name).
 */
function packageDir(name, from, realName = name) {
  let dir = dirname(require.resolve(name, { paths: [from] }));
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== realName) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of ${name}`);
    dir = up;
  }
  return dir;
}

/** The onnxruntime-node folder whose binaries `target` gets, and its napi-v* folders holding them. */
function runtimeFor(target) {
  const [platform, arch] = target.split('-');
  const ortDir = packageDir(RUNTIME_PACKAGE[target] ?? 'onnxruntime-node', root, 'onnxruntime-node');
  const napi = readdirSync(join(ortDir, 'bin')).filter((d) => /^napi-v\d+$/.test(d) && existsSync(join(ortDir, 'bin', d, platform, arch)));
  if (napi.length === 0) throw new Error(`${relative(root, ortDir)} has no binaries for ${target}`);
  return { ortDir, platform, arch, napi };
}

/** onnxruntime-node's JS, its one dependency at run time, and the target's binaries only. */
function stageRuntime(stage, target) {
  const into = join(stage, 'dist', 'node_modules');
  rmSync(into, { recursive: true, force: true });
  const { ortDir, platform, arch, napi } = runtimeFor(target);
  const commonDir = packageDir('onnxruntime-common', ortDir);
  copy(join(ortDir, 'package.json'), join(into, 'onnxruntime-node', 'package.json'));
  copyTree(join(ortDir, 'dist'), join(into, 'onnxruntime-node', 'dist'), (n) => n.endsWith('.js'));
  for (const v of napi) copyTree(join(ortDir, 'bin', v, platform, arch), join(into, 'onnxruntime-node', 'bin', v, platform, arch), () => true);
  copy(join(commonDir, 'package.json'), join(into, 'onnxruntime-common', 'package.json'));
  // dist/cjs/package.json says "commonjs" inside a "type": "module" package: it must come along.
  copyTree(join(commonDir, 'dist', 'cjs'), join(into, 'onnxruntime-common', 'dist', 'cjs'), (n) => n.endsWith('.js') || n === 'package.json');
}

function stageFiles(stage) {
  for (const f of ['package.json', 'README.md', 'LICENSE', '.vscodeignore']) {
    need(join(root, f), 'it ships in the VSIX');
    copy(join(root, f), join(stage, f));
  }
  // `files` says what the npm package ships; vsce refuses it next to .vscodeignore.
  const manifest = JSON.parse(readFileSync(join(stage, 'package.json'), 'utf8'));
  delete manifest.files;
  writeFileSync(join(stage, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  copyTree(join(root, 'schemas'), join(stage, 'schemas'), (n) => n.endsWith('.json'));
  // README's screenshots, so the extension's details page shows them from the package.
  copyTree(join(root, 'docs', 'images'), join(stage, 'docs', 'images'), (n) => n.endsWith('.png'));
  copyTree(join(root, 'syntaxes'), join(stage, 'syntaxes'), (n) => n.endsWith('.json'));
  copyTree(join(root, 'media', 'ranking'), join(stage, 'media', 'ranking'), (n) => n.endsWith('.css'));
  // The getting-started walkthrough's pages, and the example it opens (ECI_sem: Open Example).
  copyTree(join(root, 'media', 'walkthrough'), join(stage, 'media', 'walkthrough'), (n) => /\.(md|svg|png)$/.test(n));
  copyTree(join(root, 'examples'), join(stage, 'examples'), (n) => /\.(jsonl|jsonc|md|mjs)$/.test(n));
  const model = join(root, 'models', 'default');
  for (const f of ['model.onnx', 'model.int8.onnx', 'tokenizer.json', 'eci-sem.json']) need(join(model, f), 'run `npm run build:model` first');
  copyTree(model, join(stage, 'models', 'default'), (n) => /^(model(\.int8)?\.onnx|tokenizer.*\.json|eci-sem\.json)$/.test(n));
}

/** What every VSIX must hold (paths inside the archive). */
const REQUIRED = [
  'extension/package.json', 'extension/dist/extension.js', 'extension/dist/server.js', 'extension/dist/analysisWorker.js',
  'extension/dist/encoderWorker.js', 'extension/media/dist/ranking.js', 'extension/models/default/model.onnx',
  'extension/models/default/model.int8.onnx', 'extension/models/default/tokenizer.json', 'extension/models/default/eci-sem.json',
  'extension/examples/eci.config.jsonc', 'extension/schemas/eci-config.schema.json',
];

/**
 * Checks the archive holds the bundles, the model and only `target`'s onnxruntime binaries;
 * on a machine of that platform, also unzips it and loads the model with its runtime.
 */
function verify(vsix, target) {
  const names = listZip(vsix).map((e) => e.name);
  const missing = REQUIRED.filter((f) => !names.includes(f));
  if (missing.length) throw new Error(`${vsix} lacks ${missing.join(', ')}`);
  const [platform, arch] = target.split('-');
  const bins = names.filter((n) => n.startsWith('extension/dist/node_modules/onnxruntime-node/bin/'));
  const foreign = bins.filter((n) => !new RegExp(`/bin/napi-v\\d+/${platform}/${arch}/[^/]+$`).test(n));
  if (bins.length === 0 || foreign.length) throw new Error(`${vsix}: onnxruntime binaries are not exactly ${target}'s (${foreign[0] ?? 'none at all'})`);
  if (`${process.platform}-${process.arch}` !== target) {
    console.log(`package: ${target} VSIX not loaded on this ${process.platform}-${process.arch} machine`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'eci-sem-vsix-check-'));
  try {
    extractZip(vsix, dir);
    const ext = join(dir, 'extension');
    const check = `
      const ort = require(require.resolve('onnxruntime-node', { paths: [${JSON.stringify(join(ext, 'dist'))}] }));
      ort.InferenceSession.create(${JSON.stringify(join(ext, 'models/default/model.int8.onnx'))})
        .then((s) => console.log('package: onnxruntime-node ' + require(${JSON.stringify(join(ext, 'dist/node_modules/onnxruntime-node/package.json'))}).version + ' loads the default model from the VSIX (inputs: ' + s.inputNames.join(', ') + ')'))
        .catch((e) => { console.error(e); process.exit(1); });`;
    run(process.execPath, ['-e', check], dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const stage = mkdtempSync(join(tmpdir(), 'eci-sem-vsix-'));
try {
  run(process.execPath, ['esbuild.mjs', '--production', `--outroot=${stage}`], root);
  for (const f of ['dist/extension.js', 'dist/server.js', 'media/dist/ranking.js']) need(join(stage, f), 'esbuild.mjs has no entry for it');
  stageFiles(stage);
  const vsce = join(dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');
  const built = [];
  mkdirSync(outDir, { recursive: true });
  for (const target of targets) {
    stageRuntime(stage, target);
    const out = outOf(target);
    // No repository field on purpose (not published from a public repo yet); without
    // the flag vsce would stop and ask. With no repository to rewrite README's relative
    // image links against, keep them relative: they resolve inside the package.
    run(process.execPath, [vsce, 'package', '--target', target, '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out], stage);
    verify(out, target);
    built.push(`package: ${relative(process.cwd(), out)} (${(statSync(out).size / 1048576).toFixed(1)} MiB)`);
  }
  console.log(built.join('\n'));
} finally {
  rmSync(stage, { recursive: true, force: true });
}
