/**
 * The http encoder against a local server (both APIs) that computes with the real default
 * model: the vectors and the CLI's scores equal the local ONNX path's, replicas share one
 * cache, the key travels only in the header, and a config with a literal key is refused.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EncoderClient } from '../../server/src/encoder/client';
import { HttpEncoder, HTTP_DEFAULTS } from '../../server/src/encoder/http';
import { EmbedServer } from '../helpers/embedServer';
import { intactCacheFile } from '../helpers/encoderFaults';
import { assertSameScores, cli, workFolder, type Report } from '../helpers/httpRuns';
import { ROOT } from '../helpers/lspClient';

let server: EmbedServer;
let second: EmbedServer;
let local: Report;
const texts = ['How do I list hidden files?', 'Use ls -a to show entries whose names start with a dot.', 'query: e5 style prefix', 'ünïcödé and emoji 🚀', ''];

before(async () => {
  [server, second] = await Promise.all([EmbedServer.start(), EmbedServer.start()]);
  const w = workFolder({ kind: 'default' });
  const run = await cli([w.config, '--cache-dir', join(w.dir, 'cache')], w.dir);
  assert.equal(run.code, 0, run.stderr);
  local = run.report!;
});
after(async () => { await Promise.all([server.close(), second.close()]); });

function cosine(a: Float32Array, b: Float32Array): number {
  let d = 0; let na = 0; let nb = 0;
  for (let i = 0; i < a.length; i++) { d += a[i]! * b[i]!; na += a[i]! * a[i]!; nb += b[i]! * b[i]!; }
  return d / Math.sqrt(na * nb);
}

for (const api of ['openai', 'tei'] as const) {
  test(`${api}: vectors through HTTP equal the local ONNX encoder's (cosine ≥ 0.9999), unit length, in input order`, async () => {
    const enc = new HttpEncoder({ ...HTTP_DEFAULTS, api, urls: [server.url], model: 'use-lite-en', batchSize: 2, concurrency: 2, queryPrefix: '', passagePrefix: '' });
    const client = await EncoderClient.start({ modelDir: join(ROOT, 'models', 'default'), batchSize: 32 });
    try {
      const [viaHttp, direct] = await Promise.all([enc.embed(texts), client.embed(texts)]);
      assert.equal(viaHttp.length, texts.length);
      viaHttp.forEach((v, i) => {
        assert.equal(v.length, 512);
        assert.ok(cosine(v, direct[i]!) >= 0.9999, `text ${i}: cosine ${cosine(v, direct[i]!)}`);
        assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5);
      });
      const last = server.requests.at(-1)!;
      assert.equal(last.api, api);
      if (api === 'openai') assert.equal(last.body.encoding_format, 'base64', 'base64 asked for (a quarter of the bytes)');
      else assert.equal(last.body.truncate, true, 'TEI is asked to truncate long texts');
    } finally {
      await client.close();
    }
  });
}

test('CLI: an openai http encoder over two replicas scores the examples exactly as the local model; the key goes in the header only', async () => {
  const w = workFolder({ kind: 'http', api: 'openai', url: [server.url, second.url], model: 'use-lite-en', apiKeyEnv: 'ECI_TEST_EMBED_KEY', concurrency: 4, batchSize: 16 });
  const before1 = server.requests.length;
  const before2 = second.requests.length;
  process.env.ECI_TEST_EMBED_KEY = 'sk-test-secret-1234';
  try {
    const run = await cli([w.config, '--cache-dir', join(w.dir, 'cache')], w.dir);
    assert.equal(run.code, 0, run.stderr);
    assertSameScores(run.report!, local);
    assert.equal(run.report!.settings.encoder.kind, 'http');
    assert.equal(run.report!.settings.encoder.model, 'use-lite-en');
    assert.equal(run.report!.settings.encoder.dimension, 512);
    assert.ok(!run.stdout.includes('sk-test-secret') && !run.stderr.includes('sk-test-secret'), 'the key is in no output');
    const sent = [...server.requests.slice(before1), ...second.requests.slice(before2)];
    assert.ok(server.requests.length > before1 && second.requests.length > before2, 'both replicas got work');
    assert.ok(sent.every((r) => r.authorization === 'Bearer sk-test-secret-1234'));
    assert.ok(sent.every((r) => r.texts.length <= 16), 'batches of batchSize');
    const f = intactCacheFile(join(w.dir, 'cache'));
    assert.equal(f.dimension, 512);
    // A re-run through the other replica alone is served from the same cache: the URL is not part of its identity.
    const w2Before = second.requests.length;
    const cfg2 = { kind: 'http', api: 'openai', url: second.url, model: 'use-lite-en', apiKeyEnv: 'ECI_TEST_EMBED_KEY' };
    const w2 = workFolder(cfg2);
    const again = await cli([w2.config, '--cache-dir', join(w.dir, 'cache')], w2.dir);
    assert.equal(again.code, 0, again.stderr);
    assertSameScores(again.report!, local);
    assert.equal(second.requests.length, w2Before, 'nothing sent: every vector came from the cache');
    assert.deepEqual(readdirSync(join(w.dir, 'cache')).filter((d) => d !== 'facts').length, 1, 'one cache identity for both runs');
  } finally {
    delete process.env.ECI_TEST_EMBED_KEY;
  }
});

test('CLI flags: --encoder URL --api tei --model NAME scores like the local model', async () => {
  const w = workFolder(undefined, ['bm25', 'llm']);
  const ref = workFolder(undefined, ['bm25', 'llm']);
  const [viaTei, direct] = await Promise.all([
    cli([w.config, '--encoder', server.url, '--api', 'tei', '--model', 'use-lite-en', '--concurrency', '3', '--no-cache'], w.dir),
    cli([ref.config, '--encoder', 'default', '--no-cache'], ref.dir),
  ]);
  assert.equal(viaTei.code, 0, viaTei.stderr);
  assert.equal(direct.code, 0, direct.stderr);
  assertSameScores(viaTei.report!, direct.report!);
  assert.equal(viaTei.report!.settings.encoder.kind, 'http');
});

test('config: a literal key is refused, apiKeyEnv must be a name, url and model are required', async () => {
  const cases: [unknown, RegExp][] = [
    [{ kind: 'http', url: server.url, model: 'm', apiKey: 'sk-abc' }, /encoder\.apiKey: a key in the config is refused/],
    [{ kind: 'http', url: server.url, model: 'm', apiKeyEnv: 'sk-live 123' }, /encoder\.apiKeyEnv: expected the NAME of an environment variable/],
    [{ kind: 'http', model: 'm' }, /encoder\.url: missing: kind "http" needs "url"/],
    [{ kind: 'http', url: server.url }, /encoder\.model: missing/],
    [{ kind: 'http', url: 'ftp://x', model: 'm' }, /encoder\.url: expected an http:\/\/ or https:\/\/ URL/],
    [{ kind: 'http', url: 'http://user:pw@host:1', model: 'm' }, /encoder\.url: the URL holds credentials/],
  ];
  const n = server.requests.length;
  for (const [encoder, message] of cases) {
    const w = workFolder(encoder, ['bm25']);
    const run = await cli([w.config, '--no-cache'], w.dir);
    assert.equal(run.code, 2, JSON.stringify(encoder));
    assert.match(run.stderr, message);
    assert.ok(!run.stderr.includes('sk-abc') && !run.stderr.includes('sk-live') && !run.stderr.includes(':pw@'), 'a key is never echoed');
  }
  assert.equal(server.requests.length, n, 'a refused config sends nothing');
  const unset = workFolder({ kind: 'http', url: server.url, model: 'm', apiKeyEnv: 'ECI_TEST_UNSET_KEY_VAR' }, ['bm25']);
  const run = await cli([unset.config, '--no-cache'], unset.dir);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /ECI_TEST_UNSET_KEY_VAR, but it is not set/);
});
