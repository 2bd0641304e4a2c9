/**
 * The two embedding APIs on the wire: OpenAI's `POST /v1/embeddings` (vLLM, TEI, Infinity,
 * Ollama and hosted services speak it) and TEI's own `POST /embed`. Builds request bodies
 * and turns response bodies into one unit-length vector per input — in input order, matched
 * by `index` where the API has one — or says exactly what is wrong with the body. Pure.
 */

export type HttpApi = 'openai' | 'tei';

/** The endpoint for a replica's base URL: the URL itself when it already names the route. */
export function endpointUrl(base: string, api: HttpApi): string {
  const u = new URL(base);
  const path = u.pathname.replace(/\/+$/, '');
  if (api === 'openai') {
    if (!/\/embeddings$/.test(path)) u.pathname = /\/v1$/.test(path) ? `${path}/embeddings` : `${path}/v1/embeddings`;
  } else if (!/\/embed$/.test(path)) {
    u.pathname = `${path}/embed`;
  }
  return u.toString();
}

/** A URL as shown in messages: without user:password, query or fragment. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/$/, '')}`;
  } catch {
    return '(an invalid URL)';
  }
}

export interface RequestOptions {
  model: string;
  truncate: boolean;
  /** OpenAI API: ask for base64 float32 (a quarter of the bytes of JSON numbers). */
  base64: boolean;
}

export function requestBody(api: HttpApi, texts: readonly string[], o: RequestOptions): string {
  if (api === 'tei') return JSON.stringify({ inputs: texts, truncate: o.truncate, normalize: true });
  return JSON.stringify({ model: o.model, input: texts, encoding_format: o.base64 ? 'base64' : 'float' });
}

/** A response body that cannot be used; nothing of it may be kept. */
export class BadResponse extends Error {}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Little-endian float32 bytes in base64 → numbers. */
function decodeBase64(s: string, where: string): Float32Array {
  const bytes = Buffer.from(s, 'base64');
  if (bytes.length === 0 || bytes.length % 4 !== 0) throw new BadResponse(`${where}: base64 embedding of ${bytes.length} bytes is not a whole number of float32 values`);
  if (LITTLE_ENDIAN) return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

function toVector(v: unknown, where: string): Float32Array {
  if (typeof v === 'string') return decodeBase64(v, where);
  if (!Array.isArray(v) || v.length === 0) throw new BadResponse(`${where}: expected a list of numbers or a base64 string`);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new BadResponse(`${where}[${i}] is ${JSON.stringify(x)}, not a finite number`);
    out[i] = x;
  }
  return out;
}

/** Scales to unit length in place; a zero or non-finite vector is an error (no direction to score). */
export function normalize(v: Float32Array, where: string): Float32Array {
  let ss = 0;
  for (let i = 0; i < v.length; i++) ss += v[i]! * v[i]!;
  const n = Math.sqrt(ss);
  if (!(n > 0) || !Number.isFinite(n)) throw new BadResponse(`${where} has length ${n}; cannot normalise it`);
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
}

/**
 * Vectors of a response body for `count` inputs, unit length, in input order. Throws
 * BadResponse for anything else: not JSON, a wrong shape, missing or repeated indices,
 * a count that does not match, vectors of unequal lengths.
 */
export function parseEmbeddings(api: HttpApi, body: string, count: number): Float32Array[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    throw new BadResponse(`the response is not valid JSON (${(e as Error).message.slice(0, 120)})`);
  }
  const out: (Float32Array | undefined)[] = new Array<Float32Array | undefined>(count).fill(undefined);
  if (api === 'tei') {
    if (!Array.isArray(json)) throw new BadResponse('expected a list of embeddings (TEI /embed)');
    if (json.length !== count) throw new BadResponse(`${json.length} embeddings for ${count} inputs`);
    json.forEach((v, i) => { out[i] = toVector(v, `embedding [${i}]`); });
  } else {
    const data = (json as { data?: unknown } | null)?.data;
    if (!Array.isArray(data)) throw new BadResponse('expected {"data": [{"index", "embedding"}, …]} (OpenAI embeddings)');
    if (data.length !== count) throw new BadResponse(`${data.length} embeddings for ${count} inputs`);
    data.forEach((item, k) => {
      const o = item as { index?: unknown; embedding?: unknown } | null;
      const index = o?.index ?? k; // index is in the API; a server leaving it out answers in order
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count) throw new BadResponse(`data[${k}].index is ${JSON.stringify(index)}, not an input position`);
      if (out[index]) throw new BadResponse(`index ${index} appears twice`);
      out[index] = toVector(o?.embedding, `data[${k}].embedding`);
    });
  }
  const d = out[0]!.length;
  return out.map((v, i) => {
    if (!v) throw new BadResponse(`no embedding for input ${i}`);
    if (v.length !== d) throw new BadResponse(`embeddings of different lengths in one response (${d} and ${v.length})`);
    return normalize(v, `embedding ${i}`);
  });
}
