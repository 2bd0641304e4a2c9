/**
 * Item 1: the encoder against its limit and a peer — same ONNX file, same texts, same
 * batch size and threads, interleaved in one process (the order rotates every repetition).
 * The texts come in triple order (query, positive, negative, …), as a caller embedding a
 * triple file meets them.
 *
 *   ours     CachedEncoder → EncoderClient → worker (tokenize, bucket, run, pool, normalise)
 *            → transferred back → written to a fresh on-disk cache: the whole path.
 *   raw      bare session.run in this thread on the very tensors our worker feeds
 *            (pre-tokenized and pre-padded before the clock starts): the limit.
 *   tjs      @huggingface/transformers pipeline('feature-extraction') on the same local
 *            files, fully offline, batches in input order as a caller would send them;
 *   tjsSorted the same, given our length-sorted batches (isolates bucketing from overhead).
 *
 * encode_vs_raw = raw time / ours (goal ≥ 0.95); encode_vs_transformersjs = tjs / ours (≥ 1.5),
 * each the median of the per-repetition ratios.
 *
 *   npx tsx bench/encoder.ts [--reps=5] [--texts=480] [--block=160] [--batch=32] [--threads=N] [--int8]
 */
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { EmbeddingCache } from '../server/src/encoder/cache';
import { CachedEncoder, planChunks } from '../server/src/encoder/cachedEncoder';
import { EncoderClient } from '../server/src/encoder/client';
import { sessionOptions } from '../server/src/encoder/onnx';
import { bucketOrder, EncoderTokenizer, padBatch } from '../server/src/encoder/tokenizer';
import { BIN, bundle } from './bundle';
import { args, ensureOut, load1, log, machine, median, record, ROOT, round } from './common';
import { tripleTexts } from './synth';

interface ModelCase { key: string; dir: string; label: string; modelFile?: string }

async function bertModel(): Promise<string> {
  const dir = join(ensureOut('models'), 'bert-6x384');
  if (!existsSync(join(dir, 'model.onnx'))) {
    const fixture = join(ROOT, 'test', 'fixtures', 'make-bert.mjs');
    const { makeBert } = await import(fixture) as { makeBert: (dir: string, o: object) => unknown };
    makeBert(dir, { layers: 6, hidden: 384, heads: 6, seed: 11 });
  }
  return dir;
}

/** A transformers.js model folder for the same files: config, tokenizer, onnx/model.onnx → ours. */
function tjsFolder(c: ModelCase, modelPath: string): { root: string; id: string } {
  const root = ensureOut('tjs');
  const dir = join(root, c.key);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  symlinkSync(modelPath, join(dir, 'onnx', 'model.onnx'));
  symlinkSync(join(c.dir, 'tokenizer.json'), join(dir, 'tokenizer.json'));
  const tcfg = JSON.parse(readFileSync(join(c.dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  // Our Unigram tokenizer.json has no pad token; transformers.js needs one to pad (the
  // attention mask hides it; we pad with the same id 0 = unk).
  tcfg.pad_token ??= tcfg.unk_token;
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(tcfg));
  const cfgPath = join(c.dir, 'config.json');
  writeFileSync(join(dir, 'config.json'), existsSync(cfgPath) ? readFileSync(cfgPath) : JSON.stringify({ model_type: 'use-lite' }));
  return { root, id: c.key };
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0, na = 0, nb = 0;
  for (let k = 0; k < a.length; k++) { s += a[k] * b[k]; na += a[k] * a[k]; nb += b[k] * b[k]; }
  return s / Math.sqrt(na * nb);
}

/** What each method needs for one block of texts, prepared before any clock starts. */
interface Block { texts: string[]; feeds: Record<string, ort.Tensor>[]; sortedBatches: string[][]; inputOrder: string[][] }

async function benchModel(c: ModelCase, texts: string[], reps: number, batch: number, threads: number, blockSize: number) {
  const spec = { modelDir: c.dir, batchSize: batch, threads, modelFile: c.modelFile };
  const client = await EncoderClient.start(spec, join(BIN, 'encoderWorker.js'), { lazy: false });
  const info = client.info;
  const tokenizer = EncoderTokenizer.load(c.dir);
  const session = await ort.InferenceSession.create(info.modelPath, sessionOptions(threads));
  const idType = (session.inputMetadata[0] as { type?: string }).type === 'int32' ? 'int32' : 'int64';
  const blocks: Block[] = [];
  for (let b0 = 0; b0 < texts.length; b0 += blockSize) {
    const block: Block = { texts: texts.slice(b0, b0 + blockSize), feeds: [], sortedBatches: [], inputOrder: [] };
    // Raw: the worker's exact batches — planChunks (cache misses) → bucketOrder → batchSize.
    for (const chunk of planChunks(block.texts)) {
      const rows = chunk.map((t) => tokenizer.encode(t, info.maxLength));
      const order = bucketOrder(rows.map((r) => r.length));
      for (let s = 0; s < order.length; s += batch) {
        const idx = order.slice(s, s + batch);
        block.sortedBatches.push(idx.map((i) => chunk[i]));
        const p = padBatch(idx.map((i) => rows[i]), tokenizer.padId, idType);
        const all: Record<string, BigInt64Array | Int32Array> = { input_ids: p.inputIds, attention_mask: p.attentionMask, token_type_ids: p.tokenTypeIds };
        block.feeds.push(Object.fromEntries(session.inputNames.map((n) => [n, new ort.Tensor(idType, all[n], [p.batch, p.seq])])));
      }
    }
    for (let s = 0; s < block.texts.length; s += batch) block.inputOrder.push(block.texts.slice(s, s + batch));
    blocks.push(block);
  }
  const { pipeline, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  const folder = tjsFolder(c, info.modelPath);
  env.localModelPath = folder.root + '/';
  env.cacheDir = join(folder.root, '.cache');
  const extractor = await pipeline('feature-extraction', folder.id, {
    dtype: 'fp32', device: 'cpu',
    session_options: { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' },
  });
  const pooling = info.pooling === 'none' ? 'none' : info.pooling === 'cls' ? 'cls' : 'mean';
  if (info.pooling === 'none') {
    // The model outputs its pooled sentence_embedding; the pipeline reads last_hidden_state.
    const model = extractor.model as unknown as { forward: (x: unknown) => Promise<Record<string, unknown>> };
    const forward = model.forward.bind(model);
    model.forward = async (x) => { const o = await forward(x); return { ...o, last_hidden_state: o[info.output] }; };
  }

  const ours = new Map<string, Float32Array>();
  const theirs = new Map<string, Float32Array>();
  const store: { cache: EmbeddingCache | null } = { cache: null };
  const methods: Record<string, (b: Block) => Promise<void>> = {
    ours: async (b) => {
      const vectors = await new CachedEncoder(client, store.cache).embed(b.texts); // writes the cache before it returns
      b.texts.forEach((t, i) => ours.set(t, vectors[i]));
    },
    raw: async (b) => { for (const f of b.feeds) await session.run(f); },
    tjs: async (b) => {
      for (const group of b.inputOrder) {
        const out = await extractor(group, { pooling, normalize: true });
        const d = out.dims[1];
        group.forEach((t, i) => theirs.set(t, (out.data as Float32Array).slice(i * d, (i + 1) * d)));
      }
    },
    tjsSorted: async (b) => { for (const group of b.sortedBatches) await extractor(group, { pooling, normalize: true }); },
  };
  const names = Object.keys(methods);
  const freshCache = () => {
    store.cache?.close();
    const dir = join(ensureOut('enc-cache'), c.key);
    rmSync(dir, { recursive: true, force: true });
    store.cache = EmbeddingCache.open(dir, info.fingerprint, info.dimension);
  };
  // Warm-up: JIT, session allocations, the tokenizer memos.
  freshCache();
  for (const n of names) await methods[n](blocks[0]);
  // Side by side: every block goes through all four methods (order rotating) before the
  // next block, so a burst of load from other processes hits all of them alike.
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < reps; r++) {
    freshCache(); // our path writes every vector to an empty cache
    const sums: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
    for (let k = 0; k < blocks.length; k++) {
      const order = names.map((_, i) => names[(i + r + k) % names.length]);
      for (const n of order) {
        const t0 = performance.now();
        await methods[n](blocks[k]);
        sums[n] += (performance.now() - t0) / 1000;
      }
    }
    for (const n of names) times[n].push(sums[n]);
    log(`${c.key} rep ${r + 1}: ${names.map((n) => `${n} ${sums[n].toFixed(2)} s`).join(', ')}`);
  }
  store.cache?.close();
  const minCos = Math.min(...texts.map((t) => cosine(ours.get(t)!, theirs.get(t)!)));
  const ratio = (num: string) => median(times[num].map((x, i) => x / times.ours[i]));
  await client.close();
  await session.release();
  await (extractor as unknown as { dispose(): Promise<void> }).dispose();
  return {
    model: c.label, modelFile: info.modelPath.replace(ROOT + '/', ''), dimension: info.dimension, pooling: info.pooling,
    medianSeconds: Object.fromEntries(names.map((n) => [n, round(median(times[n]))])),
    oursTextsPerS: round(texts.length / median(times.ours)),
    encode_vs_raw: round(ratio('raw')), encode_vs_transformersjs: round(ratio('tjs')),
    encode_vs_transformersjs_sorted: round(ratio('tjsSorted')),
    minCosineOursVsTransformersjs: Number(minCos.toFixed(6)),
    batches: blocks.reduce((a, b) => a + b.feeds.length, 0), blockSize,
    secondsPerRep: Object.fromEntries(names.map((n) => [n, times[n].map(round)])),
  };
}

async function main(): Promise<void> {
  const { value, flags } = args();
  const reps = value('reps', 5);
  const batch = value('batch', 32);
  const threads = value('threads', availableParallelism());
  const texts = tripleTexts(value('texts', 480));
  await bundle();
  const cases: ModelCase[] = [
    { key: 'default', dir: join(ROOT, 'models', 'default'), label: 'default (USE-lite, 2 layers × 512, fp32)' },
    { key: 'bert-6x384', dir: await bertModel(), label: 'BERT-shaped, 6 layers × 384, random weights' },
  ];
  if (flags.has('--int8')) cases.push({ key: 'default-int8', dir: join(ROOT, 'models', 'default'), label: 'default, int8', modelFile: 'model.int8.onnx' });
  const started = load1();
  const rows: Awaited<ReturnType<typeof benchModel>>[] = [];
  for (const c of cases) rows.push(await benchModel(c, texts, reps, batch, threads, value('block', 160)));
  const by = (k: 'encode_vs_raw' | 'encode_vs_transformersjs') => Object.fromEntries(rows.map((r, i) => [cases[i].key, r[k]]));
  record('encoder', { encode_vs_raw: by('encode_vs_raw'), encode_vs_transformersjs: by('encode_vs_transformersjs') }, {
    machine: machine(), load1AtStart: started, reps, batch, threads,
    texts: { count: texts.length, order: 'triple order: query, positive, negative, next query …', meanChars: round(texts.reduce((a, t) => a + t.length, 0) / texts.length) },
    models: Object.fromEntries(rows.map((r, i) => [cases[i].key, r])),
    blockSize: value('block', 160),
    method: 'per repetition, each block of texts goes through all four methods (order rotating) before the next block; ratios are medians of per-repetition ratios',
    command: `npx tsx bench/encoder.ts --reps=${reps} --texts=${texts.length} --block=${value('block', 160)} --batch=${batch} --threads=${threads}`,
  });
}

main().catch((e) => { console.error(e); process.exit(1); });
