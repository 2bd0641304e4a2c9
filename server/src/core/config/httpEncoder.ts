/**
 * The config keys of an `http` encoder (an embedding server) and of the ONNX execution
 * providers, read into the EncoderConfig. Keys are never taken from the config: a key
 * there is refused, and `apiKeyEnv` must name an environment variable (its value is not
 * echoed in any message, in case it is a key after all).
 */
import type { Node } from 'jsonc-parser';
import type { EncoderConfig } from './types';
import { Reader } from './reader';
import { HTTP_ENCODER_KEYS, kindOf } from './rules';

export const HTTP_APIS = ['openai', 'tei'] as const;
/** Execution providers onnxruntime-node knows by these names (which are installed varies). */
export const EXECUTION_PROVIDERS = ['cpu', 'cuda', 'tensorrt', 'webgpu', 'dml', 'coreml'] as const;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An http(s) URL without credentials, or the reason it is not one. */
export function urlProblem(s: string): string | undefined {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return `expected an http:// or https:// URL such as "http://gpu-1:8080", got ${JSON.stringify(s)}`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `expected an http:// or https:// URL, got a ${u.protocol} URL`;
  if (u.username || u.password) return 'the URL holds credentials: remove them and put the key in an environment variable named by "apiKeyEnv"';
  return undefined;
}

export function readHttpEncoder(r: Reader, at: (k: string) => Node | undefined, has: (k: string) => boolean, enc: EncoderConfig): void {
  const P = (k: string) => ['encoder', k];
  if (has('apiKey')) {
    r.report(P('apiKey'), at('apiKey') ?? { offset: enc.offset - r.shift, length: 1 },
      'a key in the config is refused (configs are shared and committed): put the key in an environment variable and give its name in "apiKeyEnv"');
  }
  const eps = at('executionProviders');
  if (eps) {
    const list = eps.type === 'array' ? eps.children ?? [] : [];
    if (eps.type !== 'array' || list.length === 0) r.report(P('executionProviders'), eps, `expected a non-empty list such as ["cuda", "cpu"], got ${kindOf(Reader.valueOf(eps))}`);
    const out: string[] = [];
    list.forEach((n, i) => {
      const v = r.oneOf(n, ['encoder', 'executionProviders', i], EXECUTION_PROVIDERS);
      if (v) out.push(v);
    });
    if (enc.kind === 'onnx' || enc.kind === 'default') { if (out.length) enc.executionProviders = out; }
    else r.report(P('executionProviders'), eps, `ignored: kind "${enc.kind}" runs no ONNX model (executionProviders is for kinds "onnx" and "default")`, 'warning');
  }
  const given = HTTP_ENCODER_KEYS.filter((k) => k !== 'apiKey' && has(k));
  if (enc.kind !== 'http') {
    for (const k of given) r.report(P(k), at(k) ?? { offset: enc.offset - r.shift, length: 1 }, `ignored: "${k}" is for kind "http" (an embedding server)`, 'warning');
    return;
  }
  enc.api = 'openai';
  if (at('api')) enc.api = r.oneOf(at('api')!, P('api'), HTTP_APIS) ?? 'openai';
  const urlNode = at('url');
  if (!urlNode) r.report(P('url'), at('kind') ?? { offset: enc.offset - r.shift, length: 1 }, 'missing: kind "http" needs "url", the embedding server (a URL or a list of replicas)');
  else {
    const urls = r.stringList(urlNode, P('url'), 'URL');
    const items = urlNode.type === 'array' ? urlNode.children ?? [] : [urlNode];
    const ok: string[] = [];
    (urls ?? []).forEach((u) => {
      const problem = urlProblem(u);
      const k = items.findIndex((n) => n.value === u);
      if (problem) r.report(urlNode.type === 'array' ? ['encoder', 'url', k] : P('url'), items[k] ?? urlNode, problem);
      else ok.push(u);
    });
    if (ok.length) enc.url = ok;
  }
  if (at('model')) {
    const m = r.string(at('model')!, P('model'), { what: 'the model name the server serves (e.g. "intfloat/e5-base-v2")' });
    if (m !== undefined) enc.model = m;
  } else {
    r.report(P('model'), at('kind') ?? { offset: enc.offset - r.shift, length: 1 }, 'missing: kind "http" needs "model", the served model\'s name (sent to the server and the embedding cache\'s identity)');
  }
  if (at('revision')) {
    const v = r.string(at('revision')!, P('revision'), { what: 'a model revision (e.g. a commit hash)' });
    if (v !== undefined) enc.revision = v;
  }
  if (at('apiKeyEnv')) {
    const node = at('apiKeyEnv')!;
    if (node.type !== 'string') r.report(P('apiKeyEnv'), node, `expected the name of an environment variable, got ${kindOf(Reader.valueOf(node))}`);
    else if (!ENV_NAME.test(node.value as string)) {
      // Not echoed: a pasted key would otherwise end up in the editor's problems and logs.
      r.report(P('apiKeyEnv'), node, 'expected the NAME of an environment variable (letters, digits and _, e.g. "EMBEDDINGS_API_KEY"); this is not a name — if it is the key itself, remove it from the config');
    } else enc.apiKeyEnv = node.value as string;
  }
  if (at('concurrency')) enc.concurrency = r.number(at('concurrency')!, P('concurrency'), { integer: true, min: 1, max: 256 });
  if (at('timeoutMs')) enc.timeoutMs = r.number(at('timeoutMs')!, P('timeoutMs'), { integer: true, min: 1 });
  if (at('maxRetries')) enc.maxRetries = r.number(at('maxRetries')!, P('maxRetries'), { integer: true, min: 0, max: 100 });
  if (at('truncate')) {
    const t = at('truncate')!;
    if (t.type === 'boolean') enc.truncate = t.value as boolean;
    else r.report(P('truncate'), t, `expected true or false, got ${kindOf(Reader.valueOf(t))}`);
  }
  for (const k of ['concurrency', 'timeoutMs', 'maxRetries'] as const) if (enc[k] === undefined) delete enc[k];
}
