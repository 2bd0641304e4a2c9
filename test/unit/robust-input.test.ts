/**
 * Input that used to crash or exhaust memory: pathological nesting (the column
 * locator recursed), multi-megabyte texts (the tokenizer tokenized all of them).
 */
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import test from 'node:test';
import { EncoderTokenizer } from '../../server/src/encoder/tokenizer';

const modelDir = resolve(__dirname, '../../models/default');

test('a multi-megabyte text tokenizes to maxLength ids in bounded time and memory', () => {
  const tok = EncoderTokenizer.load(modelDir);
  const huge = 'the quick brown fox jumps over the lazy dog. '.repeat(250_000); // ≈ 11 MB
  const before = process.memoryUsage().heapUsed;
  const started = performance.now();
  const ids = tok.encode(huge, 128);
  const ms = performance.now() - started;
  assert.equal(ids.length, 128);
  assert.deepEqual([...ids.slice(0, 20)], [...tok.encode(huge.slice(0, 2000), 128).slice(0, 20)], 'same prefix ids as a short text');
  // Tokenizing all 11 MB took minutes and gigabytes; a prefix takes milliseconds.
  assert.ok(ms < 10_000, `took ${ms} ms`);
  assert.ok(process.memoryUsage().heapUsed - before < 200 * 1024 * 1024);
});

test('the lexical terms of the encoder tokenizer skip no text', () => {
  const tok = EncoderTokenizer.load(join(modelDir));
  const terms = tok.terms('alpha beta gamma alpha');
  assert.deepEqual(terms, [...new Set(terms)], 'distinct');
  assert.ok(terms.length >= 3);
});
