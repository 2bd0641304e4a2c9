/**
 * From the config's `encoder` block and CLI flags to an EncoderChoice: which
 * model folder, which settings, which cache. Loading happens only when the
 * analysis asks for it (precomputed runs never touch a model).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EncoderConfig } from '../core/config';
import { EmbeddingCache } from '../encoder/cache';
import { CachedEncoder } from '../encoder/cachedEncoder';
import { EncoderClient } from '../encoder/client';
import { notAFolder } from '../encoder/modelFolder';
import { EncoderTokenizer } from '../encoder/tokenizer';
import type { Embedder, EncoderChoice, EncoderInfo } from './embedder';
import { AnalysisError } from './errors';
import { httpSpec, loadHttpEmbedder, wantsHttp, type HttpFlags } from './httpEmbedder';
import { defaultCacheDir, defaultModelDir } from './paths';

export interface EncoderOptions {
  config?: EncoderConfig;
  /** Folder that relative model paths are resolved against. */
  base: string;
  cli?: HttpFlags & {
    kind?: string; pooling?: string; queryPrefix?: string; passagePrefix?: string;
    maxLength?: number; batchSize?: number; quantized?: boolean; threads?: number;
  };
  /** null = no cache; undefined = the default cache folder. */
  cacheDir?: string | null;
  onWarning?: (message: string) => void;
}

export function encoderChoice(opts: EncoderOptions): EncoderChoice {
  const cli = opts.cli ?? {};
  const kindFlag = cli.kind;
  const configKind = opts.config?.kind;
  if (kindFlag === 'precomputed' || (!kindFlag && configKind === 'precomputed')) return { kind: 'precomputed' };
  const load = () => loadEmbedder(opts);
  // Without a config or flag, records that carry vectors are scored as they are.
  return kindFlag || opts.config ? { kind: 'model', load } : { kind: 'auto', load };
}

async function loadEmbedder(opts: EncoderOptions): Promise<Embedder> {
  const cli = opts.cli ?? {};
  const config = opts.config;
  if (wantsHttp(cli, config)) {
    const cacheDir = opts.cacheDir === undefined ? defaultCacheDir() : opts.cacheDir;
    return loadHttpEmbedder(httpSpec(cli, config), cacheDir, opts.onWarning);
  }
  if (cli.api !== undefined || cli.model !== undefined) {
    throw new AnalysisError('--api and --model are for an embedding server: give its URL with --encoder http://host:port', 'encoder');
  }
  const flag = cli.kind;
  const isDefault = flag ? flag === 'default' : !config || config.kind === 'default';
  const modelDir = isDefault ? defaultModelDir() : resolve(opts.base, flag ?? config?.path ?? '');
  if (!existsSync(modelDir)) {
    throw new AnalysisError(isDefault
      ? `the bundled default model is missing at ${modelDir}; run "npm run build" in the eci-sem folder`
      : `encoder path ${modelDir} does not exist (expected a folder with model.onnx and tokenizer.json)`, 'encoder');
  }
  const notFolder = notAFolder(modelDir);
  if (notFolder) throw new AnalysisError(notFolder, 'encoder');
  const quantized = cli.quantized ?? config?.quantized ?? false;
  const spec = {
    modelDir,
    modelFile: quantized ? 'model.int8.onnx' : undefined,
    pooling: (cli.pooling ?? config?.pooling) as 'mean' | 'cls' | 'none' | undefined,
    maxLength: cli.maxLength ?? config?.maxLength,
    batchSize: cli.batchSize ?? config?.batchSize ?? 32,
    threads: cli.threads,
    ...(config?.executionProviders ? { executionProviders: config.executionProviders } : {}),
  };
  let client: EncoderClient;
  try {
    client = await EncoderClient.start(spec);
  } catch (err) {
    throw new AnalysisError(`cannot load the target encoder: ${(err as Error).message}`, 'encoder');
  }
  const cacheDir = opts.cacheDir === undefined ? defaultCacheDir() : opts.cacheDir;
  let cache: EmbeddingCache | null = null;
  if (cacheDir) {
    try {
      cache = EmbeddingCache.open(cacheDir, client.info.fingerprint, client.info.dimension, opts.onWarning);
    } catch (err) {
      // A cache is an optimisation: a folder we cannot create or write must not stop the run.
      opts.onWarning?.(`embedding cache in ${cacheDir} cannot be used (${(err as Error).message}); embedding without a cache`);
    }
  }
  const cached = new CachedEncoder(client, cache);
  const info: EncoderInfo = {
    kind: isDefault ? 'default' : 'onnx',
    model: client.info.name,
    dimension: client.info.dimension,
    queryPrefix: cli.queryPrefix ?? config?.queryPrefix ?? '',
    passagePrefix: cli.passagePrefix ?? config?.passagePrefix ?? '',
    ...(client.info.provider ? { provider: client.info.provider } : {}),
  };
  if (client.info.providerNote) opts.onWarning?.(client.info.providerNote);
  // The worker has its own copy; this one serves lexical terms on demand.
  let tokenizer: EncoderTokenizer | undefined;
  return {
    info,
    // The embedding cache's identity, with the prefixes: cosines measured under it hold in the next process too.
    identity: JSON.stringify([client.info.fingerprint, info.queryPrefix, info.passagePrefix]),
    lostVectors: cache?.lostAtOpen ?? false,
    terms(text: string) {
      tokenizer ??= EncoderTokenizer.load(modelDir);
      return tokenizer.terms(text);
    },
    embed: (texts, signal) => cached.embed(texts, { signal }),
    prepare: () => client.prepare(),
    get embeddedCount() { return cached.misses; },
    async close() {
      cache?.close();
      await client.close();
    },
  };
}
