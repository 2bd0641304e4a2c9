/** Precomputed vectors in triple records. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { J, jsonl, only, tuples } from '../helpers/formatsCheck';

// ---------------------------------------------------------------- vectors

test('flat precomputed vectors become Float32Arrays', () => {
  const r = jsonl(J({ query: 'q', positive: 'p', negative: 'n', query_embedding: [1, 0, 0], positive_embedding: [0, 1, 0], negative_embedding: [0.5, 0.5, 0] }));
  assert.deepEqual(r.problems, []);
  const v = r.triples[0].vectors!;
  assert.ok(v.query instanceof Float32Array);
  assert.deepEqual([...v.query!], [1, 0, 0]);
  assert.deepEqual([...v.positive!], [0, 1, 0]);
  assert.deepEqual([...v.negative!], [0.5, 0.5, 0]);
});

test('pos_embeddings / neg_embeddings align with the lists', () => {
  const r = jsonl(J({ query: 'q', pos: ['p0', 'p1'], neg: ['n0'], query_embedding: [1, 0], pos_embeddings: [[1, 1], [2, 1]], neg_embeddings: [[0, 3]] }));
  assert.deepEqual(r.problems, []);
  assert.equal(r.triples.length, 2);
  assert.deepEqual([...r.triples[1].vectors!.positive!], [2, 1]);
  assert.deepEqual([...r.triples[1].vectors!.negative!], [0, 3]);
});

test('grouped neg_embeddings is an object with the same keys', () => {
  const r = jsonl(J({ query: 'q', pos: ['p'], neg: { a: ['x', 'y'], b: ['z'] }, neg_embeddings: { a: [[1, 0], [0, 1]], b: [[1, 1]] } }));
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.triples.map((t) => [...t.vectors!.negative!]), [[1, 0], [0, 1], [1, 1]]);
});

test('grouped neg_embeddings missing a key: that group is skipped', () => {
  const text = J({ query: 'q', pos: ['p'], neg: { a: ['x'], b: ['z'] }, neg_embeddings: { a: [[1, 0]] } });
  const r = jsonl(text);
  assert.deepEqual(tuples(r.triples), [['q', 'p', 'x', 0, 0, 'a']]);
  const p = only(r.problems);
  assert.equal(p.field, 'neg_embeddings');
  assert.match(p.message, /^neg_embeddings: missing key "b" \(expected vectors aligned with neg\.b\)$/);
  assert.equal(p.column, text.indexOf('{"a":[[') + 1);
});

test('vector errors name the field and point at the value', () => {
  const cases: [Record<string, unknown>, string, RegExp, string][] = [
    [{ query_embedding: 'x' }, 'query_embedding', /expected a list of numbers \(a vector\), got a string/, '"x"'],
    [{ query_embedding: [] }, 'query_embedding', /got an empty list/, '[]'],
    [{ query_embedding: [1, 'a'] }, 'query_embedding[1]', /expected a number, got a string/, '"a"'],
    [{ query_embedding: [0, 0] }, 'query_embedding', /zero norm/, '[0,0]'],
    [{ positive_embedding: [1, null] }, 'positive_embedding[1]', /expected a number, got null/, 'null'],
  ];
  for (const [extra, field, message, valueText] of cases) {
    const text = J({ query: 'q', positive: 'p', negative: 'n', ...extra });
    const r = jsonl(text);
    const p = only(r.problems);
    assert.equal(p.field, field);
    assert.match(p.message, message);
    assert.ok(p.message.startsWith(`${field}: `), p.message);
    assert.equal(p.column, text.lastIndexOf(valueText) + 1, field);
    assert.equal(r.triples.length, 0);
  }
});

test('numbers beyond float32 (or 1e400 = Infinity) are rejected', () => {
  const text = '{"query":"q","positive":"p","negative":"n","query_embedding":[1,1e400]}';
  const p = only(jsonl(text).problems);
  assert.equal(p.field, 'query_embedding[1]');
  assert.match(p.message, /expected a finite number within the float32 range, got Infinity/);
  assert.equal(p.column, text.indexOf('1e400') + 1);
  assert.equal(only(jsonl(J({ query: 'q', positive: 'p', negative: 'n', negative_embedding: [1, 1e39] })).problems).field, 'negative_embedding[1]');
});

test('vectors of one line must share one dimension', () => {
  const text = J({ query: 'q', pos: ['p0', 'p1'], neg: ['n'], query_embedding: [1, 0], pos_embeddings: [[1, 0], [1, 0, 0]], neg_embeddings: [[0, 1]] });
  const r = jsonl(text);
  const p = only(r.problems);
  assert.equal(p.field, 'pos_embeddings[1]');
  assert.equal(p.message, 'pos_embeddings[1]: expected 2 numbers like query_embedding, got 3');
  assert.equal(p.column, text.indexOf('[1,0,0]') + 1);
  // The positive whose vector is bad is dropped; the other one stays.
  assert.deepEqual(tuples(r.triples), [['q', 'p0', 'n', 0, 0, null]]);
});

test('dimension reference without a query vector is the first vector', () => {
  const r = jsonl(J({ query: 'q', positive: 'p', negative: 'n', positive_embedding: [1, 2, 3], negative_embedding: [1, 2] }));
  assert.equal(only(r.problems).message, 'negative_embedding: expected 3 numbers like positive_embedding, got 2');
});

test('embedding list of the wrong length: the line is skipped', () => {
  const text = J({ query: 'q', pos: ['p0', 'p1'], neg: ['n'], pos_embeddings: [[1, 0]] });
  const r = jsonl(text);
  assert.equal(r.triples.length, 0);
  const p = only(r.problems);
  assert.equal(p.field, 'pos_embeddings');
  assert.equal(p.message, 'pos_embeddings: expected 2 vectors (one per entry of "pos"), got 1');
  assert.equal(p.column, text.indexOf('[[') + 1);
});

test('a single vector for a list of several is a mismatch', () => {
  const r = jsonl(J({ query: 'q', pos: ['p'], neg: ['a', 'b'], negative_embedding: [1, 0] }));
  assert.equal(r.triples.length, 0);
  assert.equal(only(r.problems).message, 'negative_embedding: one vector, but "neg" has 2 entries (use a list of vectors aligned with it)');
});

test('null embeddings count as absent', () => {
  const r = jsonl(J({ query: 'q', positive: 'p', negative: 'n', query_embedding: null, pos_embeddings: null }));
  assert.deepEqual(r.problems, []);
  assert.equal(r.triples[0].vectors, undefined);
});

test('numbered negatives take their vectors from neg_embeddings (numeric order) or negative_embedding', () => {
  const r = jsonl(J({ query: 'q', positive: 'p', negative_2: 'two', negative_1: 'one', query_embedding: [1, 0], positive_embedding: [0, 1], neg_embeddings: [[1, 1], [2, 1]] }));
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.triples.map((t) => [t.negative, [...t.vectors!.negative!]]), [['one', [1, 1]], ['two', [2, 1]]]);
  const one = jsonl(J({ query: 'q', positive: 'p', negative_1: 'one', negative_embedding: [3, 4] }));
  assert.deepEqual(one.problems, []);
  assert.deepEqual([...one.triples[0].vectors!.negative!], [3, 4]);
  const text = J({ query: 'q', positive: 'p', negative_1: 'one', negative_2: 'two', neg_embeddings: [[1, 1]] });
  const bad = jsonl(text);
  assert.equal(bad.triples.length, 0);
  const p = only(bad.problems);
  assert.equal(p.field, 'neg_embeddings');
  assert.equal(p.message, 'neg_embeddings: expected 2 vectors (one per entry of "negative_1"…"negative_n"), got 1');
  assert.equal(p.column, text.indexOf('[[1,1]]') + 1);
});
