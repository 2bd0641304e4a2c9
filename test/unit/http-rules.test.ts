/**
 * The pure rules of the http encoder: what a status means (TEI's and OpenAI-style bodies),
 * Retry-After in its three forms, backoff bounds, endpoint URLs, and responses that must
 * be refused whole (a missing or repeated index, unequal lengths, non-numbers).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffMs, classifyStatus, MAX_RETRY_AFTER_MS, retryAfterMs, serverMessage } from '../../server/src/encoder/httpFaults';
import { BadResponse, endpointUrl, parseEmbeddings, shownUrl } from '../../server/src/encoder/httpWire';

const ctx = { size: 8, base64: true, model: 'intfloat/e5-base-v2', api: 'tei' as const };
const h = (o: Record<string, string>) => new Headers(o);

test('Retry-After: seconds, an HTTP date, retry-after-ms first, capped', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(retryAfterMs(h({ 'retry-after': '3' }), now), 3000);
  assert.equal(retryAfterMs(h({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now), 5000);
  assert.equal(retryAfterMs(h({ 'retry-after': '3', 'retry-after-ms': '250' }), now), 250);
  assert.equal(retryAfterMs(h({ 'retry-after': '86400' }), now), MAX_RETRY_AFTER_MS);
  assert.equal(retryAfterMs(h({ 'retry-after': 'soon' }), now), undefined);
  assert.equal(retryAfterMs(h({}), now), undefined);
});

test('backoff doubles per attempt, with jitter in [half, all], up to the cap', () => {
  assert.equal(backoffMs(0, 100, 10_000, () => 0), 50);
  assert.equal(backoffMs(0, 100, 10_000, () => 1), 100);
  assert.equal(backoffMs(3, 100, 10_000, () => 1), 800);
  assert.equal(backoffMs(20, 100, 10_000, () => 1), 10_000);
});

test('statuses: wait, retry, split, floats, or stop with what to change', () => {
  assert.deepEqual(classifyStatus(429, h({ 'retry-after': '2' }), '{"error":"Model is overloaded","error_type":"overloaded"}', ctx),
    { kind: 'retry', reason: 'answered 429: Model is overloaded', waitMs: 2000, replicaFault: false });
  assert.equal(classifyStatus(502, h({}), 'bad gateway', ctx).kind, 'retry');
  assert.equal(classifyStatus(413, h({}), 'Payload Too Large', ctx).kind, 'split');
  assert.equal(classifyStatus(422, h({}), '{"error":"batch size 64 > maximum allowed batch size 32","error_type":"Validation"}', ctx).kind, 'split');
  const long = classifyStatus(422, h({}), '{"error":"Input validation error: `inputs` must have less than 512 tokens. Given: 700","error_type":"Validation"}', ctx);
  assert.equal(long.kind, 'fatal');
  assert.match((long as { hint: string }).hint, /truncate/);
  assert.equal(classifyStatus(413, h({}), 'Payload Too Large', { ...ctx, size: 1 }).kind, 'fatal', 'one text cannot be split');
  assert.equal(classifyStatus(400, h({}), '{"error":{"message":"unsupported encoding_format base64"}}', { ...ctx, api: 'openai' }).kind, 'floats');
  const denied = classifyStatus(401, h({}), '{"error":{"message":"Invalid API key"}}', { ...ctx, apiKeyEnv: 'EMBEDDINGS_API_KEY' });
  assert.match((denied as { hint: string }).hint, /environment variable EMBEDDINGS_API_KEY/);
  assert.match((classifyStatus(404, h({}), '{"detail":"Not Found"}', { ...ctx, api: 'openai' }) as { hint: string }).hint, /v1\/embeddings.*intfloat\/e5-base-v2/);
  assert.equal(serverMessage('x'.repeat(1000)).length, 301);
});

test('endpoint URLs: the route is added unless given; messages show no credentials or query', () => {
  assert.equal(endpointUrl('http://gpu-1:8080', 'openai'), 'http://gpu-1:8080/v1/embeddings');
  assert.equal(endpointUrl('http://gpu-1:8080/v1/', 'openai'), 'http://gpu-1:8080/v1/embeddings');
  assert.equal(endpointUrl('https://api.example.com/openai/v1/embeddings', 'openai'), 'https://api.example.com/openai/v1/embeddings');
  assert.equal(endpointUrl('http://gpu-1:8080/', 'tei'), 'http://gpu-1:8080/embed');
  assert.equal(shownUrl('https://u:p@host:1/embed?key=sk-1'), 'https://host:1/embed');
});

test('responses are refused whole when anything is wrong; vectors come back unit length in input order', () => {
  const two = JSON.stringify({ data: [{ index: 1, embedding: [0, 2] }, { index: 0, embedding: [3, 4] }] });
  const v = parseEmbeddings('openai', two, 2);
  assert.deepEqual([...v[0]!].map((x) => Math.round(x * 1e6) / 1e6), [0.6, 0.8]);
  assert.deepEqual([...v[1]!], [0, 1]);
  const b64 = Buffer.from(Float32Array.of(0, 0, 5).buffer).toString('base64');
  assert.deepEqual([...parseEmbeddings('openai', JSON.stringify({ data: [{ index: 0, embedding: b64 }] }), 1)[0]!], [0, 0, 1]);
  const bad: [string, string, number][] = [
    ['openai', JSON.stringify({ data: [{ index: 0, embedding: [1] }, { index: 0, embedding: [1] }] }), 2],
    ['openai', JSON.stringify({ data: [{ index: 0, embedding: [1, 2] }, { index: 1, embedding: [1] }] }), 2],
    ['openai', JSON.stringify({ data: [{ index: 0, embedding: [1, 'x'] }] }), 1],
    ['openai', JSON.stringify({ data: [{ index: 0, embedding: [0, 0] }] }), 1],
    ['openai', JSON.stringify({ data: [] }), 1],
    ['tei', JSON.stringify([[1, 2]]), 2],
    ['tei', '{"data": [', 1],
  ];
  for (const [api, body, n] of bad) assert.throws(() => parseEmbeddings(api as 'openai' | 'tei', body, n), BadResponse, body);
});
