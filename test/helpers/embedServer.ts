/**
 * A local embedding server for the http-encoder tests and benchmark: speaks OpenAI's
 * `POST /v1/embeddings` (floats or base64) and TEI's `POST /embed` on 127.0.0.1 (port 0),
 * computing its vectors with the real default ONNX model through the project's own
 * encoder client — or, for latency tests, after a fixed delay with made-up vectors. A
 * fault hook decides, per request, to answer normally or to misbehave.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { EncoderClient } from '../../server/src/encoder/client';
import { ROOT } from './lspClient';

export type FaultAction =
  | { status: number; headers?: Record<string, string>; body?: string }
  /** Close the connection without an answer. */
  | 'reset'
  /** Never answer (until the server closes). */
  | 'hang'
  /** 200 with a body that is not JSON. */
  | 'malformed'
  /** Answer with vectors one component short. */
  | 'wrongDimension';

export interface RequestInfo {
  /** 1-based number of this request. */
  n: number;
  api: 'openai' | 'tei';
  texts: string[];
  authorization: string | undefined;
  body: Record<string, unknown>;
  /** performance.now() when the request arrived. */
  at: number;
}

export interface EmbedServerOptions {
  /** Vectors from the default ONNX model (default), or made up after a fixed delay per request. */
  latencyMs?: number;
  /** Dimension of made-up vectors (latency mode). */
  dimension?: number;
  /** Remember computed vectors by text (fault tests re-run the same texts). */
  memo?: boolean;
}

export class EmbedServer {
  requests: RequestInfo[] = [];
  /** Milliseconds during which the server was computing vectors (model inference or the fixed delay), overlaps counted once. */
  computeMs = 0;
  private busy = 0;
  private busySince = 0;
  /** Decides per request; undefined = answer normally. */
  fault: (r: RequestInfo) => FaultAction | undefined = () => undefined;
  url = '';
  /** Hung requests whose connection the client closed (a timeout or a cancel). */
  abandoned = 0;
  private readonly sockets = new Set<Socket>();
  private readonly memo = new Map<string, Float32Array>();
  private constructor(private readonly server: Server, private readonly client: EncoderClient | null, private readonly opts: EmbedServerOptions) {}

  static async start(opts: EmbedServerOptions = {}): Promise<EmbedServer> {
    const client = opts.latencyMs === undefined
      ? await EncoderClient.start({ modelDir: join(ROOT, 'models', 'default'), batchSize: 32, threads: 1 }, undefined, { lazy: false })
      : null;
    let self: EmbedServer | undefined;
    const server = createServer((req, res) => {
      // A request still computing when the server closes (its model client gone) just ends.
      self!.handle(req, res).catch(() => { if (!res.headersSent) res.writeHead(500).end(); else res.destroy(); });
    });
    self = new EmbedServer(server, client, opts);
    server.on('connection', (s) => { self!.sockets.add(s); s.on('close', () => self!.sockets.delete(s)); });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    self.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return self;
  }

  /** The vectors the server would send for these texts (for comparisons). */
  async vectors(texts: string[]): Promise<Float32Array[]> {
    const todo = [...new Set(texts)].filter((t) => !(this.opts.memo && this.memo.has(t)));
    if (this.busy++ === 0) this.busySince = performance.now();
    let got: Float32Array[];
    try {
      if (this.client) got = await this.client.embed(todo);
      else {
        await new Promise((ok) => setTimeout(ok, this.opts.latencyMs));
        got = fake(todo, this.opts.dimension ?? 16);
      }
    } finally {
      if (--this.busy === 0) this.computeMs += performance.now() - this.busySince;
    }
    const fresh = new Map(todo.map((t, i) => [t, got[i]!]));
    if (this.opts.memo) for (const [t, v] of fresh) this.memo.set(t, v);
    return texts.map((t) => fresh.get(t) ?? this.memo.get(t)!);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = (req.url ?? '').split('?')[0];
    const api = path === '/v1/embeddings' ? 'openai' : path === '/embed' ? 'tei' : undefined;
    if (req.method !== 'POST' || !api) { res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not Found"}'); return; }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end('{"error":"bad json"}');
      return;
    }
    const raw = api === 'openai' ? body.input : body.inputs;
    const texts = (Array.isArray(raw) ? raw : [raw]) as string[];
    const info: RequestInfo = { n: this.requests.length + 1, api, texts, authorization: req.headers.authorization, body, at: performance.now() };
    this.requests.push(info);
    const action = this.fault(info);
    if (action === 'hang') { res.on('close', () => { this.abandoned++; }); return; }
    if (action === 'reset') { req.socket.destroy(); return; }
    if (action === 'malformed') { res.writeHead(200, { 'content-type': 'application/json' }).end('{"data": [{"index": 0, "embedding": [0.1, '); return; }
    if (action && typeof action === 'object') {
      res.writeHead(action.status, { 'content-type': 'application/json', ...action.headers }).end(action.body ?? JSON.stringify({ error: `fault ${action.status}` }));
      return;
    }
    let vecs = await this.vectors(texts);
    if (action === 'wrongDimension') vecs = vecs.map((v) => v.subarray(0, v.length - 1));
    res.writeHead(200, { 'content-type': 'application/json' });
    if (api === 'tei') { res.end(JSON.stringify(vecs.map((v) => Array.from(v)))); return; }
    const base64 = body.encoding_format === 'base64';
    // Answered in reverse order: the client must match by index, not by position.
    const data = vecs.map((v, index) => ({
      object: 'embedding', index,
      embedding: base64 ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : Array.from(v),
    })).reverse();
    res.end(JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: 0, total_tokens: 0 } }));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((ok) => this.server.close(() => ok()));
    await this.client?.close();
  }
}

/** Deterministic made-up unit vectors (latency mode). */
function fake(texts: string[], d: number): Float32Array[] {
  return texts.map((t) => {
    const v = new Float32Array(d);
    for (let i = 0; i < t.length; i++) v[(t.charCodeAt(i) + i) % d] += 1;
    v[0] += 1;
    let n = 0;
    for (const x of v) n += x * x;
    return v.map((x) => x / Math.sqrt(n));
  });
}

/** A URL on 127.0.0.1 where nothing listens (a replica that is down). */
export async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((ok) => s.close(() => ok()));
  return `http://127.0.0.1:${port}`;
}
