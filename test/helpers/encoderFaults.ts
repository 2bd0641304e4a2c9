/**
 * Test helpers for the reliability tests of the encoder and its cache: an independent
 * reader of the on-disk embedding cache (so a test does not trust the code it checks),
 * the test-only fault/trace environment of server/src/encoder/testHooks.ts, and broken
 * model folders built from the tiny BERT fixture.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { ROOT } from './lspClient';

const KEY_BYTES = 16;
const CRC_BYTES = 4;

export interface CacheFileCheck {
  path: string;
  dimension: number;
  records: number;
  /** Records whose CRC-32 does not match (should be 0). */
  bad: number;
  /** Bytes after the last whole record (should be 0). */
  tail: number;
  distinctKeys: number;
}

/**
 * Reads every `<cacheDir>/<fingerprint>/vectors-d<dim>.bin` and checks each record's
 * CRC-32 with zlib's own implementation (not the cache module's).
 */
export function checkCacheDir(cacheDir: string): CacheFileCheck[] {
  const crc32 = (zlib as unknown as { crc32: (b: Uint8Array) => number }).crc32;
  const out: CacheFileCheck[] = [];
  if (!existsSync(cacheDir)) return out;
  for (const fp of readdirSync(cacheDir)) {
    const dir = join(cacheDir, fp);
    if (!statSync(dir).isDirectory()) continue;
    for (const name of readdirSync(dir)) {
      const m = /^vectors-d(\d+)\.bin$/.exec(name);
      if (!m) continue;
      const dimension = Number(m[1]);
      const R = KEY_BYTES + 4 * dimension + CRC_BYTES;
      const bytes = readFileSync(join(dir, name));
      const records = Math.floor(bytes.length / R);
      const keys = new Set<string>();
      let bad = 0;
      for (let i = 0; i < records; i++) {
        const rec = bytes.subarray(i * R, (i + 1) * R);
        if ((crc32(rec.subarray(0, R - CRC_BYTES)) >>> 0) !== rec.readUInt32LE(R - CRC_BYTES)) bad++;
        else keys.add(rec.subarray(0, KEY_BYTES).toString('hex'));
      }
      out.push({ path: join(dir, name), dimension, records, bad, tail: bytes.length - records * R, distinctKeys: keys.size });
    }
  }
  return out;
}

/** The one cache file in `cacheDir` (asserts there is exactly one). */
export function onlyCacheFile(cacheDir: string): CacheFileCheck {
  const files = checkCacheDir(cacheDir);
  assert.equal(files.length, 1, `one cache file expected in ${cacheDir}`);
  return files[0]!;
}

/** Every record of a cache file passes its checksum and no stray bytes follow the last one. */
export function assertCacheIntact(f: CacheFileCheck): void {
  assert.equal(f.bad, 0, `${f.path}: ${f.bad} record(s) fail their checksum`);
  assert.equal(f.tail, 0, `${f.path}: ${f.tail} stray bytes after the last record`);
}

/** The one cache file of `cacheDir`, checked intact. */
export function intactCacheFile(cacheDir: string): CacheFileCheck {
  const f = onlyCacheFile(cacheDir);
  assertCacheIntact(f);
  return f;
}

/**
 * Equal up to float32 rounding: numbers within 1e-6 (relative, absolute below 1), arrays
 * element by element, objects key by key (of `expected`), anything else exactly. Texts
 * embedded again, or in batches padded to other lengths, differ from the first vectors in
 * the last bits (scores by ~1e-8); a wrong vector shows as 1e-2 and more.
 */
export function assertCloseScores(actual: unknown, expected: unknown, where = ''): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    assert.ok(Math.abs(actual - expected) <= 1e-6 * Math.max(1, Math.abs(expected)), `${where}: ${actual} vs ${expected}`);
  } else if (Array.isArray(expected) && Array.isArray(actual)) {
    assert.equal(actual.length, expected.length, `${where}: length`);
    expected.forEach((e, i) => assertCloseScores(actual[i], e, `${where}[${i}]`));
  } else if (expected && typeof expected === 'object' && actual && typeof actual === 'object') {
    for (const k of Object.keys(expected)) assertCloseScores((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${where}.${k}`);
  } else {
    assert.equal(actual, expected, where);
  }
}

/** Environment that turns on the encoder worker's test-only fault injection and tracing. */
export function faultEnv(opts: { fault?: string; trace?: string }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['ECI_SEM_TEST_FAULT'];
  delete env['ECI_SEM_TEST_TRACE'];
  if (opts.fault) env['ECI_SEM_TEST_FAULT'] = opts.fault;
  if (opts.trace) env['ECI_SEM_TEST_TRACE'] = opts.trace;
  return env;
}

/** What the trace file says a process embedded: model loads and texts embedded. */
export function readTrace(path: string): { loads: number; texts: number; requests: number[] } {
  const lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
  const requests = lines.filter((l) => l.startsWith('embed ')).map((l) => Number(l.slice(6)));
  return { loads: lines.filter((l) => l === 'load').length, texts: requests.reduce((a, b) => a + b, 0), requests };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (bin/eci-sem.js); never throws for a non-zero exit. */
export async function runCli(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(ROOT, 'bin', 'eci-sem.js'), ...args],
      { cwd: opts.cwd, env: opts.env ?? process.env, maxBuffer: 1 << 26 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Runs test/fixtures/make-bert.mjs (a tiny random-weight BERT) into dir. */
export async function makeBert(dir: string, ...flags: string[]): Promise<string> {
  await promisify(execFile)(process.execPath, [join(ROOT, 'test', 'fixtures', 'make-bert.mjs'), dir, ...flags]);
  return dir;
}

/**
 * One broken model folder per case under `root`, each next to a working one
 * (`ok`): what is wrong with it and what the message must name.
 */
export interface BrokenModel {
  name: string;
  /** Encoder path as written in a config (relative to root's parent) or given to --encoder. */
  dir: string;
  /** Fragments the message must contain: the problem and what was expected/found. */
  expect: RegExp[];
}

export async function brokenModels(root: string): Promise<{ ok: string; broken: BrokenModel[] }> {
  const ok = await makeBert(join(root, 'ok'));
  const [names, rank2, rank1] = await Promise.all([
    makeBert(join(root, 'wrong-input-names'), '--input-names', 'ids,mask,segments'),
    makeBert(join(root, 'hidden-rank-2'), '--hidden-rank', '2'),
    makeBert(join(root, 'hidden-rank-1'), '--hidden-rank', '1', '--undeclared-shape'),
  ]);
  const copy = (name: string) => {
    const dir = join(root, name);
    cpSync(ok, dir, { recursive: true });
    return dir;
  };
  const bigTable = await makeBert(join(root, 'small-table'), '--table-rows', '1000');
  const family = copy('foreign-tokenizer');
  cpSync(join(ROOT, 'models', 'default', 'tokenizer.json'), join(family, 'tokenizer.json'));
  const noModel = copy('no-model');
  rmSync(join(noModel, 'model.onnx'));
  const noTokenizer = copy('no-tokenizer');
  rmSync(join(noTokenizer, 'tokenizer.json'));
  const truncated = copy('truncated');
  const full = readFileSync(join(ok, 'model.onnx'));
  writeFileSync(join(truncated, 'model.onnx'), full.subarray(0, Math.floor(full.length / 3)));
  const p = (d: string) => d.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    ok,
    broken: [
      { name: 'wrong input names', dir: names, expect: [/has inputs \[ids, mask, segments\]/, /can feed only input_ids, attention_mask, token_type_ids/, new RegExp(p(join(names, 'model.onnx')))] },
      { name: 'vocab larger than the embedding table', dir: bigTable, expect: [/30522 token ids/, /1000\s+rows/, new RegExp(p(join(bigTable, 'tokenizer.json')))] },
      { name: 'tokenizer of another family', dir: family, expect: [/does not belong to model/, /8000 token ids where the model's embedding table has 30522 rows/, /"\[CLS\]"/, new RegExp(p(join(family, 'tokenizer.json')))] },
      { name: '2-D output where pooling mean needs 3-D', dir: rank2, expect: [/outputs last_hidden_state \[batch, 64\]/, /pooling 'mean' needs a token \[batch, sequence, dim\] output/, new RegExp(p(join(rank2, 'model.onnx')))] },
      { name: 'rank-1 output', dir: rank1, expect: [/last_hidden_state \[64\]/, /\[batch, sequence, dim\]/, new RegExp(p(join(rank1, 'model.onnx')))] },
      { name: 'missing model.onnx', dir: noModel, expect: [/missing model file/, /expected .*model\.onnx or .*onnx\/model\.onnx/, new RegExp(p(noModel))] },
      { name: 'missing tokenizer.json', dir: noTokenizer, expect: [/missing tokenizer/, new RegExp(p(join(noTokenizer, 'tokenizer.json')))] },
      { name: 'truncated model.onnx', dir: truncated, expect: [/is not a readable ONNX file/, /expected a complete ONNX model/, /truncated/, new RegExp(p(join(truncated, 'model.onnx')))] },
      { name: 'encoder path is a file', dir: join(ok, 'model.onnx'), expect: [/is a file, not a folder/, /expected a folder with model\.onnx and tokenizer\.json/, new RegExp(`name its folder, ${p(ok)}$`)] },
    ],
  };
}
