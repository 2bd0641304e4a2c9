/**
 * What can be known about a model folder without loading the ONNX runtime: its files,
 * their digests, the encoder fingerprint, and — when the folder's eci-sem.json pins
 * pooling, output, dimension and maxLength — the whole EncoderInfo.
 *
 * Used by both threads: the worker fingerprints what it loaded; the main thread uses the
 * pinned info to open the embedding cache without starting the worker, so a run whose
 * texts are all cached never loads the model (the worker starts at the first miss, and
 * its fingerprint must then equal the one computed here).
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { missingModelMessage, modelCandidates, notAFolder } from './modelFolder';
import { EncoderError, type EncoderInfo, type EncoderSpec, type FileDigest, type Pooling } from './protocol';
import { readOptionalJson } from './tokenizer';

/** Our own metadata file (eci-sem.json); every field optional. */
export interface EciSemMeta {
  name?: string;
  pooling?: Pooling;
  output?: string;
  maxLength?: number;
  dimension?: number;
}

export interface ModelFiles {
  modelDir: string;
  modelPath: string;
  tokenizerPath: string;
}

/** Finds the model file: explicit modelFile, else model.onnx, else onnx/model.onnx (HF optimum layout). */
export function resolveModelFiles(spec: Pick<EncoderSpec, 'modelDir' | 'modelFile'>): ModelFiles {
  const modelDir = resolve(spec.modelDir);
  if (!existsSync(modelDir)) {
    throw new EncoderError('missing-file', `model folder ${modelDir} does not exist`);
  }
  const notFolder = notAFolder(modelDir);
  if (notFolder) throw new EncoderError('missing-file', notFolder);
  let modelPath: string;
  if (spec.modelFile) {
    modelPath = isAbsolute(spec.modelFile) ? spec.modelFile : join(modelDir, spec.modelFile);
    if (!existsSync(modelPath)) throw new EncoderError('missing-file', `missing model file ${modelPath} (set by modelFile)`);
  } else {
    const found = modelCandidates(modelDir).find((p) => existsSync(p));
    if (!found) throw new EncoderError('missing-file', missingModelMessage(modelDir));
    modelPath = found;
  }
  return { modelDir, modelPath, tokenizerPath: join(modelDir, 'tokenizer.json') };
}

export function readMeta(modelDir: string): EciSemMeta {
  return (readOptionalJson(join(modelDir, 'eci-sem.json'), 'eci-sem metadata') ?? {}) as EciSemMeta;
}

/**
 * sha256 of a file, streamed (models are hundreds of MB, and the main thread must not
 * block on them); reused when path, mtime and size match a known digest.
 */
export async function fileDigest(path: string, known: Iterable<FileDigest>): Promise<FileDigest> {
  const st = statSync(path);
  for (const k of known) if (k.path === path && k.mtimeMs === st.mtimeMs && k.size === st.size) return k;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return { path, mtimeMs: st.mtimeMs, size: st.size, sha256: hash.digest('hex') };
}

/**
 * Fingerprint of everything that determines the vectors: model bytes, tokenizer bytes and
 * the resolved settings. Hashing the two file digests is as strong as hashing the bytes
 * themselves and lets the per-file digests be cached.
 */
export function fingerprint(model: FileDigest, tokenizer: FileDigest, settings: { pooling: Pooling; maxLength: number; output: string }): string {
  return createHash('sha256')
    .update('eci-sem encoder fingerprint v1\n')
    .update(`${model.sha256}\n${tokenizer.sha256}\n${JSON.stringify({ pooling: settings.pooling, maxLength: settings.maxLength, output: settings.output })}`)
    .digest('hex');
}

/**
 * The EncoderInfo the worker will report, when eci-sem.json pins it (pooling, output,
 * dimension, and maxLength unless the spec sets one) and the spec does not override the
 * pooling; otherwise null (only the loaded session can tell: output detection, probing).
 * Missing files throw the same errors as a load would.
 */
export async function pinnedInfo(spec: EncoderSpec, known: Iterable<FileDigest>): Promise<{ info: EncoderInfo; digests: FileDigest[] } | null> {
  const files = resolveModelFiles(spec);
  const meta = readMeta(files.modelDir);
  const pooling = meta.pooling;
  const maxLength = spec.maxLength ?? meta.maxLength;
  if (!pooling || !meta.output || !meta.dimension || maxLength === undefined) return null;
  if (spec.pooling !== undefined && spec.pooling !== pooling) return null;
  if (!existsSync(files.tokenizerPath)) return null; // let the load report it
  const [m, t] = await Promise.all([fileDigest(files.modelPath, known), fileDigest(files.tokenizerPath, known)]);
  const info: EncoderInfo = {
    name: meta.name ?? basename(files.modelDir),
    dimension: meta.dimension,
    fingerprint: fingerprint(m, t, { pooling, maxLength, output: meta.output }),
    pooling,
    maxLength,
    output: meta.output,
    modelPath: files.modelPath,
    tokenizerPath: files.tokenizerPath,
  };
  return { info, digests: [m, t] };
}
