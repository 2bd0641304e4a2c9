#!/usr/bin/env node
/**
 * Builds one platform VSIX: `node scripts/package.mjs [--target linux-x64] [--out file.vsix]`.
 *
 * Why a staging folder: `vsce --no-dependencies` leaves out node_modules/ entirely
 * (the bundles carry every JS dependency), but onnxruntime-node is a native addon
 * that cannot be bundled and ships binaries for five platforms (~290 MB). So we
 * build the bundles straight into a temporary folder, copy the files that ship
 * next to them, put only the target platform's runtime under dist/node_modules/
 * (Node resolves `require('onnxruntime-node')` from dist/*.js there first), run
 * vsce on that folder, check the result, and delete the folder. The repo's own
 * dist/ is never touched, so a running `npm test` or watch build is not disturbed.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const target = option('--target', 'linux-x64');
const [platform, arch] = target.split('-');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = resolve(option('--out', join(root, `${pkg.name}-${pkg.version}-${target}.vsix`)));

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
 * "exports" hide package.json from require.resolve.
 */
function packageDir(name, from) {
  let dir = dirname(require.resolve(name, { paths: [from] }));
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of ${name}`);
    dir = up;
  }
  return dir;
}

/** onnxruntime-node's JS, its one dependency at run time, and the target's binaries only. */
function stageRuntime(stage) {
  const ortDir = packageDir('onnxruntime-node', root);
  const commonDir = packageDir('onnxruntime-common', ortDir);
  const bin = join(ortDir, 'bin', 'napi-v6', platform, arch);
  need(bin, `onnxruntime-node has no binaries for ${target}`);
  const into = join(stage, 'dist', 'node_modules');
  copy(join(ortDir, 'package.json'), join(into, 'onnxruntime-node', 'package.json'));
  copyTree(join(ortDir, 'dist'), join(into, 'onnxruntime-node', 'dist'), (n) => n.endsWith('.js'));
  copyTree(bin, join(into, 'onnxruntime-node', 'bin', 'napi-v6', platform, arch), () => true);
  copy(join(commonDir, 'package.json'), join(into, 'onnxruntime-common', 'package.json'));
  // dist/cjs/package.json says "commonjs" inside a "type": "module" package: it must come along.
  copyTree(join(commonDir, 'dist', 'cjs'), join(into, 'onnxruntime-common', 'dist', 'cjs'), (n) => n.endsWith('.js') || n === 'package.json');
}

function stageFiles(stage) {
  for (const f of ['package.json', 'README.md', 'LICENSE', '.vscodeignore']) {
    need(join(root, f), 'it ships in the VSIX');
    copy(join(root, f), join(stage, f));
  }
  copyTree(join(root, 'schemas'), join(stage, 'schemas'), (n) => n.endsWith('.json'));
  // README's screenshots, so the extension's details page shows them from the package.
  copyTree(join(root, 'docs', 'images'), join(stage, 'docs', 'images'), (n) => n.endsWith('.png'));
  copyTree(join(root, 'syntaxes'), join(stage, 'syntaxes'), (n) => n.endsWith('.json'));
  copyTree(join(root, 'media', 'ranking'), join(stage, 'media', 'ranking'), (n) => n.endsWith('.css'));
  const model = join(root, 'models', 'default');
  for (const f of ['model.onnx', 'model.int8.onnx', 'tokenizer.json', 'eci-sem.json']) need(join(model, f), 'run `npm run build:model` first');
  copyTree(model, join(stage, 'models', 'default'), (n) => /^(model(\.int8)?\.onnx|tokenizer.*\.json|eci-sem\.json)$/.test(n));
}

/** Unzips the VSIX and loads the runtime from the extension folder, as the server will. */
function verify(vsix) {
  const dir = mkdtempSync(join(tmpdir(), 'eci-sem-vsix-check-'));
  try {
    run('unzip', ['-q', vsix, '-d', dir], root);
    const ext = join(dir, 'extension');
    for (const f of ['dist/extension.js', 'dist/server.js', 'media/dist/ranking.js', 'models/default/model.onnx']) need(join(ext, f), 'not in the VSIX');
    if (`${process.platform}-${process.arch}` !== target) {
      console.log(`package: ${target} VSIX not loaded on this ${process.platform}-${process.arch} machine`);
      return;
    }
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
  stageRuntime(stage);
  const vsce = join(dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');
  // No repository field on purpose (not published from a public repo yet); without
  // the flag vsce would stop and ask. With no repository to rewrite README's relative
  // image links against, keep them relative: they resolve inside the package.
  run(process.execPath, [vsce, 'package', '--target', target, '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out], stage);
  verify(out);
  console.log(`package: ${relative(process.cwd(), out)} (${(statSync(out).size / 1048576).toFixed(1)} MiB)`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
