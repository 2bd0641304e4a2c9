/**
 * Faults of an embedding server, each through a CLI run against the local test server:
 * the run either completes with the local model's scores or fails with one clear message,
 * and the embedding cache verifies afterwards (a failed run leaves only whole, correct
 * vectors: a healthy re-run on the same cache scores like the local model).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HttpEncoder, HTTP_DEFAULTS } from '../../server/src/encoder/http';
import { deadUrl, EmbedServer, type FaultAction, type RequestInfo } from '../helpers/embedServer';
import { checkCacheDir, intactCacheFile } from '../helpers/encoderFaults';
import { assertSameScores, cli, workFolder, type Report, type Run } from '../helpers/httpRuns';

let server: EmbedServer;
let reference: Report;
const SOURCES = ['bm25', 'llm'];

before(async () => {
  process.env.ECI_SEM_TEST_HTTP_TIMING = '20,200,400'; // backoff base, cap, set-aside (ms)
  server = await EmbedServer.start({ memo: true });
  const w = workFolder({ kind: 'default' }, SOURCES);
  const run = await cli([w.config, '--no-cache'], w.dir);
  assert.equal(run.code, 0, run.stderr);
  reference = run.report!;
});
after(async () => {
  delete process.env.ECI_SEM_TEST_HTTP_TIMING;
  await server.close();
});

/** A run with `fault` switched on; the cache folder is its own. */
async function runWith(fault: (r: RequestInfo) => FaultAction | undefined, encoder: Record<string, unknown> = {}): Promise<{ run: Run; cache: string; sent: RequestInfo[] }> {
  const first = server.requests.length;
  server.fault = fault;
  const w = workFolder({ kind: 'http', api: 'openai', url: server.url, model: 'use-lite-en', batchSize: 8, concurrency: 2, maxRetries: 3, timeoutMs: 2000, ...encoder }, SOURCES);
  const cache = join(w.dir, 'cache');
  try {
    const run = await cli([w.config, '--cache-dir', cache], w.dir);
    return { run, cache, sent: server.requests.slice(first) };
  } finally {
    server.fault = () => undefined;
  }
}

function completes(r: { run: Run; cache: string }): void {
  assert.equal(r.run.code, 0, r.run.stderr);
  assertSameScores(r.run.report!, reference);
  intactCacheFile(r.cache);
}

/** Exit 2 with exactly one line on stderr matching `message`; the cache verifies and a healthy re-run is right. */
async function failsClearly(r: { run: Run; cache: string }, message: RegExp, encoder: Record<string, unknown> = {}): Promise<void> {
  assert.equal(r.run.code, 2, `expected a failure, got exit ${r.run.code}`);
  const lines = r.run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one message, got:\n${r.run.stderr}`);
  assert.match(lines[0]!, message);
  for (const f of checkCacheDir(r.cache)) {
    assert.equal(f.dimension, 512, 'no vector of a bad response was cached');
    assert.equal(f.bad + f.tail, 0);
  }
  const w = workFolder({ kind: 'http', api: 'openai', url: server.url, model: 'use-lite-en', ...encoder }, SOURCES);
  const again = await cli([w.config, '--cache-dir', r.cache], w.dir);
  assert.equal(again.code, 0, again.stderr);
  assertSameScores(again.report!, reference);
  intactCacheFile(r.cache);
}

const big = (r: RequestInfo) => r.texts.length > 1; // the first request of a run is a one-text dimension probe

test('429 with Retry-After (seconds) and retry-after-ms: waits as told, then completes', async () => {
  let n = 0;
  const r = await runWith((q) => (big(q) && n++ < 1 ? { status: 429, headers: { 'retry-after': '1' }, body: '{"error":"Model is overloaded","error_type":"overloaded"}' } : undefined));
  completes(r);
  const refused = r.sent.findIndex((q) => q.texts.length > 1);
  const retry = r.sent.slice(refused + 1).find((q) => q.texts.join() === r.sent[refused]!.texts.join())!;
  assert.ok(retry.at - r.sent[refused]!.at >= 950, `retried after ${Math.round(retry.at - r.sent[refused]!.at)} ms, Retry-After said 1 s`);
  let m = 0;
  completes(await runWith((q) => (big(q) && m++ < 2 ? { status: 429, headers: { 'retry-after-ms': '50' } } : undefined)));
});

test('500 then success, a connection reset, malformed JSON: retried, completes', async () => {
  let a = 0;
  completes(await runWith((q) => (big(q) && a++ < 2 ? { status: 500, body: 'internal error' } : undefined)));
  let b = 0;
  completes(await runWith((q) => (big(q) && b++ < 1 ? 'reset' : undefined)));
  let c = 0;
  completes(await runWith((q) => (big(q) && c++ < 1 ? 'malformed' : undefined)));
});

test('a hang past timeoutMs: the request is abandoned and retried, completes', async () => {
  const abandoned = server.abandoned;
  let n = 0;
  const t0 = performance.now();
  completes(await runWith((q) => (big(q) && n++ < 1 ? 'hang' : undefined), { timeoutMs: 400 }));
  assert.ok(performance.now() - t0 < 15_000);
  assert.equal(server.abandoned, abandoned + 1, 'the hung connection was closed by the client');
});

test('413 and TEI\'s 422 "batch size": the batch is split until the server takes it, completes', async () => {
  const r = await runWith((q) => (q.texts.length > 3 ? { status: 413, body: 'Payload Too Large' } : undefined), { batchSize: 16 });
  completes(r);
  assert.ok(r.sent.some((q) => q.texts.length === 16) && r.sent.every((q) => q.texts.length <= 16));
  const tei = await runWith((q) => (q.texts.length > 5 ? { status: 422, body: '{"error":"batch size 16 > maximum allowed batch size 5","error_type":"Validation"}' } : undefined), { api: 'tei', batchSize: 16 });
  completes(tei);
});

test('a replica that is down is set aside and the other carries on; all down fails with one message naming them', async () => {
  const dead = await deadUrl();
  const r = await runWith(() => undefined, { url: [dead, server.url] });
  completes(r);
  // A replica that answers but keeps failing is left out once it failed three times in a row.
  const sick = await EmbedServer.start({ latencyMs: 0 });
  sick.fault = () => 'reset';
  process.env.ECI_SEM_TEST_HTTP_TIMING = '20,200,60000'; // set aside for longer than the run
  try {
    const withSick = await runWith(() => undefined, { url: [sick.url, server.url], concurrency: 6, batchSize: 4 });
    completes(withSick);
    // Three failures, plus what was already on its way (at most concurrency − 1); without the set-aside it gets 15+.
    assert.ok(sick.requests.length >= 3 && sick.requests.length <= 8, `the failing replica got ${sick.requests.length} requests`);
    assert.ok(withSick.sent.length > 5, 'the healthy replica did the work');
  } finally {
    process.env.ECI_SEM_TEST_HTTP_TIMING = '20,200,400';
    await sick.close();
  }
  const alone = await runWith(() => undefined, { url: [dead], maxRetries: 2 });
  await failsClearly(alone, new RegExp(`could not be reached \\(ECONNREFUSED.*check that the server at ${dead.replace(/[.]/g, '\\.')}`));
});

test('wrong dimension: fails at once with one message, nothing of it cached', async () => {
  let n = 0;
  const r = await runWith((q) => (big(q) && n++ >= 1 ? 'wrongDimension' : undefined));
  await failsClearly(r, /embedding server http:\/\/127\.0\.0\.1:\d+\/v1\/embeddings returned 511-dimensional vectors where 512 were expected/);
});

test('always malformed, always 500: fails after maxRetries with one message', async () => {
  await failsClearly(await runWith((q) => (big(q) ? 'malformed' : undefined)), /failed 4 time\(s\).*maxRetries \(3\).*not valid JSON/);
  await failsClearly(await runWith((q) => (big(q) ? { status: 503 } : undefined)), /answered 503/);
});

test('401 and 404 end the run with one message naming the URL and what to change, never the key', async () => {
  process.env.ECI_TEST_FAULT_KEY = 'sk-very-secret-987';
  try {
    const r = await runWith(() => ({ status: 401, body: '{"error":{"message":"Incorrect API key provided: sk-very-secret-987"}}' }), { apiKeyEnv: 'ECI_TEST_FAULT_KEY' });
    assert.equal(r.run.code, 2);
    assert.match(r.run.stderr, /http:\/\/127\.0\.0\.1:\d+\/v1\/embeddings answered 401.*environment variable ECI_TEST_FAULT_KEY/);
    assert.ok(!r.run.stderr.includes('sk-very-secret'), r.run.stderr);
    assert.equal(r.sent.length, 1, 'not retried');
    assert.equal(existsSync(r.cache), false, 'no cache written');
  } finally {
    delete process.env.ECI_TEST_FAULT_KEY;
  }
  const nf = await runWith(() => ({ status: 404, body: '{"error":"model not found"}' }));
  assert.equal(nf.run.code, 2);
  assert.match(nf.run.stderr.trim(), /^eci-sem: .*answered 404: model not found; check the url .* "use-lite-en"$/);
});

test('cancelling aborts the requests in flight', async () => {
  const abandoned = server.abandoned;
  server.fault = () => 'hang';
  const enc = new HttpEncoder({ ...HTTP_DEFAULTS, api: 'openai', urls: [server.url], model: 'm', batchSize: 2, concurrency: 3, queryPrefix: '', passagePrefix: '' });
  const first = server.requests.length;
  const ac = new AbortController();
  const p = enc.embed(['a', 'b', 'c', 'd', 'e', 'f'], { signal: ac.signal });
  while (server.requests.length < first + 3) await new Promise((ok) => setTimeout(ok, 10));
  const t0 = performance.now();
  ac.abort();
  await assert.rejects(p, (e: Error & { code?: string }) => e.code === 'cancelled');
  assert.ok(performance.now() - t0 < 500);
  for (let i = 0; i < 100 && server.abandoned < abandoned + 3; i++) await new Promise((ok) => setTimeout(ok, 10));
  assert.equal(server.abandoned, abandoned + 3, 'all three connections closed');
  server.fault = () => undefined;
});

test('a server that refuses base64 embeddings gets asked for floats, and the run completes', async () => {
  const r = await runWith((q) => (q.body.encoding_format === 'base64' ? { status: 400, body: '{"error":{"message":"encoding_format \\"base64\\" is not supported"}}' } : undefined));
  completes(r);
  assert.ok(r.sent.some((q) => q.body.encoding_format === 'float'));
  assert.equal(r.sent.filter((q) => q.body.encoding_format === 'base64').length, 1, 'asked once, then floats');
});

test('another dimension than the cache holds for the same api and model is an error, not a mix', async () => {
  const ok = await runWith(() => undefined);
  completes(ok);
  const records = intactCacheFile(ok.cache).records;
  // The same identity, now served by a model one component short (another model under the same name).
  server.fault = () => 'wrongDimension';
  const w = workFolder({ kind: 'http', api: 'openai', url: server.url, model: 'use-lite-en' }, ['bm25', 'llm', 'dense']);
  const run = await cli([w.config, '--cache-dir', ok.cache], w.dir);
  server.fault = () => undefined;
  assert.equal(run.code, 2);
  assert.match(run.stderr.trim(), /returned 511-dimensional vectors where 512 were expected for model "use-lite-en" \(as in the embedding cache of this api, model and revision\).*encoder\.revision/);
  const after = intactCacheFile(ok.cache);
  assert.equal(after.dimension, 512);
  assert.equal(after.records, records, 'nothing added');
});
