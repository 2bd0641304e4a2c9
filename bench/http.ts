/**
 * The http encoder's own cost and its use of concurrency, against the local test server
 * (test/helpers/embedServer.ts, 127.0.0.1):
 *
 * - http_overhead: (time through HTTP − the server's compute time) ÷ time through HTTP,
 *   embedding the example dataset's distinct texts with the default model on the server
 *   (one ONNX thread, so the other core is the client's, as if on another machine),
 *   concurrency 2, batch 32, OpenAI API with base64. Goal ≤ 10 %.
 * - http_concurrency_gain: a server that answers each batch after a fixed 50 ms (a GPU's
 *   latency), 2,048 texts in batches of 32: throughput at concurrency 8 ÷ at 1. Goal ≥ 6×.
 *
 *   npx tsx bench/http.ts [--reps=3]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpEncoder, HTTP_DEFAULTS, type HttpEncoderSpec } from '../server/src/encoder/http';
import { EmbedServer } from '../test/helpers/embedServer';
import { args, load1, log, machine, median, record, ROOT, round } from './common';

function exampleTexts(): string[] {
  const texts = new Set<string>();
  for (const f of ['bm25', 'dense', 'llm', 'random']) {
    for (const line of readFileSync(join(ROOT, 'examples', 'data', `${f}.jsonl`), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const r = JSON.parse(line) as { query: string; positive: string; negative: string };
      texts.add(r.query).add(r.positive).add(r.negative);
    }
  }
  return [...texts];
}

const spec = (url: string, concurrency: number, api: HttpEncoderSpec['api'] = 'openai'): HttpEncoderSpec =>
  ({ ...HTTP_DEFAULTS, api, urls: [url], model: 'bench', batchSize: 32, concurrency, queryPrefix: '', passagePrefix: '' });

async function overhead(reps: number): Promise<Record<string, unknown>> {
  const server = await EmbedServer.start();
  try {
    const texts = exampleTexts();
    await new HttpEncoder(spec(server.url, 2)).embed(texts.slice(0, 64)); // warm-up: model, JIT, sockets
    const rows: { api: string; concurrency: number; wallMs: number; serverMs: number; overhead: number }[] = [];
    for (let r = 0; r < reps; r++) {
      // Concurrency 1 too, for the record: there nothing hides the HTTP round trips behind compute.
      for (const [api, concurrency] of [['openai', 2], ['tei', 2], ['openai', 1]] as const) {
        // Distinct texts each time (a suffix), so the server computes every one.
        const batch = texts.map((t) => `${t} (${r}, ${api}, ${concurrency})`);
        server.computeMs = 0;
        const t0 = performance.now();
        await new HttpEncoder(spec(server.url, concurrency, api)).embed(batch);
        const wallMs = performance.now() - t0;
        rows.push({ api, concurrency, wallMs: round(wallMs), serverMs: round(server.computeMs), overhead: round((wallMs - server.computeMs) / wallMs) });
        log(`http_overhead ${api} concurrency ${concurrency} rep ${r + 1}: ${rows.at(-1)!.wallMs} ms through HTTP, ${rows.at(-1)!.serverMs} ms computing → ${rows.at(-1)!.overhead}`);
      }
    }
    return { texts: texts.length, rows };
  } finally {
    await server.close();
  }
}

async function concurrencyGain(reps: number): Promise<Record<string, unknown>> {
  const server = await EmbedServer.start({ latencyMs: 50, dimension: 384 });
  try {
    const texts = Array.from({ length: 2048 }, (_, i) => `text number ${i} of the concurrency benchmark`);
    const timeAt = async (concurrency: number) => {
      const t0 = performance.now();
      await new HttpEncoder(spec(server.url, concurrency)).embed(texts);
      return performance.now() - t0;
    };
    await timeAt(8); // warm-up
    const one: number[] = [];
    const eight: number[] = [];
    for (let r = 0; r < reps; r++) {
      one.push(await timeAt(1));
      eight.push(await timeAt(8));
      log(`http_concurrency rep ${r + 1}: concurrency 1 ${round(one.at(-1)!)} ms, 8 ${round(eight.at(-1)!)} ms`);
    }
    return { texts: texts.length, batch: 32, latencyMsPerBatch: 50, concurrency1Ms: one.map(round), concurrency8Ms: eight.map(round), gain: round(median(one) / median(eight)) };
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const reps = args().value('reps', 3);
  const o = await overhead(reps);
  const c = await concurrencyGain(reps);
  const rows = o.rows as { api: string; concurrency: number; overhead: number }[];
  const of = (api: string, concurrency: number) => round(median(rows.filter((r) => r.api === api && r.concurrency === concurrency).map((r) => r.overhead)));
  const http_overhead = of('openai', 2);
  log(`http_overhead ${http_overhead} (openai, base64), ${of('tei', 2)} (tei, floats), ${of('openai', 1)} (openai, concurrency 1); http_concurrency_gain ${String(c.gain)}×`);
  record('http', { http_overhead, http_concurrency_gain: c.gain }, {
    overheadTei: of('tei', 2), overheadConcurrency1: of('openai', 1),
    machine: machine(), reps, overhead: o, concurrency: c, command: `npx tsx bench/http.ts --reps=${reps}`,
  });
}

const started = load1();
main().then(() => log(`http done (load ${started} → ${load1()})`), (e) => { console.error(e); process.exit(1); });
