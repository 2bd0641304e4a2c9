/**
 * An `http` encoder (an embedding server) as the analysis's Embedder: the spec from the
 * config and CLI flags, the key from the environment variable the config names, the
 * dimension from the embedding cache of the same identity (else from one probe request),
 * and the same CachedEncoder (dedup + cache) as the ONNX path.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EncoderEndpointSetting } from '../../../common/endpoint';
import type { EncoderConfig } from '../core/config';
import { urlProblem } from '../core/config/httpEncoder';
import { EmbeddingCache } from '../encoder/cache';
import { CachedEncoder, DEFAULT_CHUNK_SIZE } from '../encoder/cachedEncoder';
import { HTTP_DEFAULTS, HttpEncoder, httpFingerprint, type HttpEncoderSpec } from '../encoder/http';
import { AnalysisError } from './errors';
import type { Embedder, EncoderInfo } from './embedder';

export interface HttpFlags {
  kind?: string; api?: string; model?: string; apiKeyEnv?: string; concurrency?: number;
  queryPrefix?: string; passagePrefix?: string; batchSize?: number;
}

/**
 * eciSem.encoderEndpoint as an encoder config: the server replaces the config's encoder;
 * the config's prefixes (they belong to the model) still apply.
 */
export function endpointEncoder(e: EncoderEndpointSetting, config: EncoderConfig | undefined): EncoderConfig {
  return {
    kind: 'http', api: e.api, url: e.url, model: e.model,
    ...(e.apiKeyEnv ? { apiKeyEnv: e.apiKeyEnv } : {}),
    ...(e.concurrency ? { concurrency: e.concurrency } : {}),
    batchSize: e.batchSize ?? HTTP_DEFAULTS.batchSize,
    queryPrefix: config?.queryPrefix ?? '', passagePrefix: config?.passagePrefix ?? '',
    quantized: false, offset: config?.offset ?? 0, length: config?.length ?? 0,
  };
}

/** Whether the flags or the config choose an embedding server. */
export function wantsHttp(cli: HttpFlags, config: EncoderConfig | undefined): boolean {
  if (cli.kind !== undefined) return /^https?:\/\//i.test(cli.kind);
  return config?.kind === 'http';
}

/** The server spec from config + flags (flags win), with the key read from the environment. */
export function httpSpec(cli: HttpFlags, config: EncoderConfig | undefined, env: NodeJS.ProcessEnv = process.env): HttpEncoderSpec {
  const c = config?.kind === 'http' ? config : undefined;
  const urls = cli.kind !== undefined ? [cli.kind] : c?.url ?? [];
  for (const u of urls) {
    const problem = urlProblem(u);
    if (problem) throw new AnalysisError(`--encoder ${problem}`, 'encoder');
  }
  if (urls.length === 0) throw new AnalysisError('the http encoder has no url', 'encoder');
  const api = cli.api ?? c?.api ?? 'openai';
  if (api !== 'openai' && api !== 'tei') throw new AnalysisError(`--api expects openai | tei, got "${api}"`, 'encoder');
  const model = cli.model ?? c?.model;
  if (!model) {
    throw new AnalysisError('an embedding server needs the model name: give --model NAME (e.g. intfloat/e5-base-v2); it is sent to the server and names the embedding cache', 'encoder');
  }
  const apiKeyEnv = cli.apiKeyEnv ?? c?.apiKeyEnv;
  let apiKey: string | undefined;
  if (apiKeyEnv !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(apiKeyEnv)) throw new AnalysisError('--api-key-env expects the NAME of an environment variable, not a key', 'encoder');
    apiKey = env[apiKeyEnv];
    if (!apiKey) throw new AnalysisError(`apiKeyEnv names the environment variable ${apiKeyEnv}, but it is not set (or empty) in the environment eci-sem runs in`, 'encoder');
  }
  return {
    api, urls, model,
    ...(c?.revision !== undefined ? { revision: c.revision } : {}),
    ...(apiKey !== undefined ? { apiKey, apiKeyEnv } : {}),
    batchSize: cli.batchSize ?? config?.batchSize ?? HTTP_DEFAULTS.batchSize,
    concurrency: cli.concurrency ?? c?.concurrency ?? HTTP_DEFAULTS.concurrency,
    timeoutMs: c?.timeoutMs ?? HTTP_DEFAULTS.timeoutMs,
    maxRetries: c?.maxRetries ?? HTTP_DEFAULTS.maxRetries,
    truncate: c?.truncate ?? HTTP_DEFAULTS.truncate,
    queryPrefix: cli.queryPrefix ?? config?.queryPrefix ?? '',
    passagePrefix: cli.passagePrefix ?? config?.passagePrefix ?? '',
    ...testTiming(env),
  };
}

/**
 * Test-only: shorter backoff and set-aside so fault tests take seconds, from
 * ECI_SEM_TEST_HTTP_TIMING="baseMs,capMs,asideMs". Inert when unset.
 */
function testTiming(env: NodeJS.ProcessEnv): Partial<HttpEncoderSpec> {
  const m = /^(\d+),(\d+),(\d+)$/.exec(env.ECI_SEM_TEST_HTTP_TIMING ?? '');
  return m ? { backoffBaseMs: Number(m[1]), backoffCapMs: Number(m[2]), setAsideMs: Number(m[3]) } : {};
}

/** The dimension of the vectors cached for this identity, if there are any. */
function cachedDimension(cacheDir: string, fingerprint: string): number | undefined {
  let names: string[];
  try {
    names = readdirSync(join(cacheDir, fingerprint));
  } catch {
    return undefined;
  }
  const dims = names.map((n) => /^vectors-d(\d+)\.bin$/.exec(n)).filter((m) => m !== null).map((m) => Number(m[1]));
  return dims.length === 1 ? dims[0] : undefined;
}

export async function loadHttpEmbedder(
  spec: HttpEncoderSpec, cacheDir: string | null, onWarning?: (m: string) => void,
): Promise<Embedder> {
  const fingerprint = httpFingerprint(spec);
  const known = cacheDir ? cachedDimension(cacheDir, fingerprint) : undefined;
  const http = known === undefined ? new HttpEncoder(spec) : new HttpEncoder(spec, known, 'the embedding cache of this api, model and revision');
  if (known === undefined) {
    // Nothing cached for this identity: one short request tells the dimension the cache needs.
    try {
      await http.embed(['eci-sem dimension probe']);
    } catch (err) {
      throw new AnalysisError(`cannot use the embedding server: ${(err as Error).message}`, 'encoder');
    }
  }
  const dimension = http.dimension!;
  let cache: EmbeddingCache | null = null;
  if (cacheDir) {
    try {
      cache = EmbeddingCache.open(cacheDir, fingerprint, dimension, onWarning);
    } catch (err) {
      onWarning?.(`embedding cache in ${cacheDir} cannot be used (${(err as Error).message}); embedding without a cache`);
    }
  }
  // Enough texts per call for every request slot to be refilled a few times before the call's
  // last batches leave slots idle (a call's vectors enter the cache together, when all are in).
  const cached = new CachedEncoder(http, cache, { chunkSize: Math.max(DEFAULT_CHUNK_SIZE, spec.batchSize * spec.concurrency * 4) });
  const info: EncoderInfo = {
    kind: 'http', model: http.name, dimension, queryPrefix: spec.queryPrefix, passagePrefix: spec.passagePrefix, api: spec.api,
  };
  return {
    info,
    identity: JSON.stringify([fingerprint, info.queryPrefix, info.passagePrefix]),
    lostVectors: cache?.lostAtOpen ?? false,
    embed: (texts, signal) => cached.embed(texts, { signal }),
    get embeddedCount() { return cached.misses; },
    async close() {
      cache?.close();
      await http.close();
    },
  };
}
