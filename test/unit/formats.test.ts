import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { detectFormat, parseTripleLine } from '../../server/src/core/formats';
import type { Problem, RawTriple } from '../../server/src/core/types';
import { J, jsonl, only, tsv, tuples } from '../helpers/formatsCheck';

// ---------------------------------------------------------------- shapes

test('flat query/positive/negative with source and id', () => {
  const r = jsonl(J({ query: 'q', positive: 'p', negative: 'n', source: 'BM25', id: 'a-1' }));
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.triples, [{ query: 'q', positive: 'p', negative: 'n', posIndex: 0, negIndex: 0, source: 'BM25', id: 'a-1' }]);
});

test('numeric id becomes a string; absent source and id stay absent', () => {
  const r = jsonl(J({ query: 'q', positive: 'p', negative: 'n', id: 17 }));
  assert.equal(r.triples[0].id, '17');
  const plain = jsonl(J({ query: 'q', positive: 'p', negative: 'n' })).triples[0];
  assert.equal('source' in plain, false);
  assert.equal('id' in plain, false);
  assert.equal('vectors' in plain, false);
});

test('sentence-transformers aliases anchor/positive/negative', () => {
  const r = jsonl(J({ anchor: 'a', positive: 'p', negative: 'n' }));
  assert.deepEqual(tuples(r.triples), [['a', 'p', 'n', 0, 0, null]]);
});

test('short aliases q/pos/neg with strings', () => {
  const r = jsonl(J({ q: 'a', pos: 'p', neg: 'n' }));
  assert.deepEqual(r.problems, []);
  assert.deepEqual(tuples(r.triples), [['a', 'p', 'n', 0, 0, null]]);
});

test('"query" takes precedence over "anchor" and "q"', () => {
  const r = jsonl(J({ q: 'short', anchor: 'anc', query: 'full', positive: 'p', negative: 'n' }));
  assert.equal(r.triples[0].query, 'full');
});

test('FlagEmbedding lists: every negative pairs with every positive, indices set', () => {
  const r = jsonl(J({ query: 'q', pos: ['p0', 'p1'], neg: ['n0', 'n1', 'n2'] }));
  assert.deepEqual(r.problems, []);
  assert.deepEqual(tuples(r.triples), [
    ['q', 'p0', 'n0', 0, 0, null], ['q', 'p0', 'n1', 0, 1, null], ['q', 'p0', 'n2', 0, 2, null],
    ['q', 'p1', 'n0', 1, 0, null], ['q', 'p1', 'n1', 1, 1, null], ['q', 'p1', 'n2', 1, 2, null],
  ]);
});

test('negative_1 … negative_n are read in numeric order', () => {
  const r = jsonl(J({ anchor: 'a', positive: 'p', negative_10: 'ten', negative_2: 'two', negative_1: 'one' }));
  assert.deepEqual(r.problems, []);
  assert.deepEqual(tuples(r.triples), [['a', 'p', 'one', 0, 0, null], ['a', 'p', 'two', 0, 1, null], ['a', 'p', 'ten', 0, 2, null]]);
});

test('grouped negatives: the key becomes the source, indices restart per key', () => {
  const r = jsonl(J({ query: 'q', pos: ['p'], neg: { bm25: ['b0', 'b1'], dense: ['d0'] }, source: 'ignored' }));
  assert.deepEqual(r.problems, []);
  assert.deepEqual(tuples(r.triples), [['q', 'p', 'b0', 0, 0, 'bm25'], ['q', 'p', 'b1', 0, 1, 'bm25'], ['q', 'p', 'd0', 0, 0, 'dense']]);
});

test('grouped negatives accept a single string per key', () => {
  const r = jsonl(J({ query: 'q', pos: 'p', neg: { llm: 'x' } }));
  assert.deepEqual(tuples(r.triples), [['q', 'p', 'x', 0, 0, 'llm']]);
});

// ---------------------------------------------------------------- errors

test('invalid JSON: exact column and jsonc-parser error code', () => {
  const cases: [string, number, RegExp, string | undefined][] = [
    ['{"query":"q","positive":"p","negative":"n"', 43, /the line ends too early: expected ',' or '}' \(CloseBraceExpected\)/, undefined],
    ['{"query":"q","positive":"p","negative":"n",}', 43, /trailing comma before '}' \(not allowed in JSON\)/, 'negative'],
    ['{"query":"q","positive":"p" "negative":"n"}', 29, /expected ',' or '}' \(CloseBraceExpected\)|expected ',' \(CommaExpected\)/, 'negative'],
    ["{'query':'q'}", 2, /unexpected character "'" \(InvalidSymbol\)/, undefined],
    ['{"query":"a\tb","positive":"p","negative":"n"}', 12, /control character in a string.*\(InvalidCharacter\)/, 'query'],
    ['{"query":"a\\qb","positive":"p","negative":"n"}', 12, /invalid escape.*\(InvalidEscapeCharacter\)/, 'query'],
    ['{"query":"q"} // note', 15, /comments are not allowed in JSON Lines/, undefined],
    ['{"query":"q","positive":"p","negative":"n"}{"x":1}', 44, /expected the end of the line after the record \(one JSON object per line\) \(EndOfFileExpected\)/, undefined],
    ['{"query":"q","positive":tru,"negative":"n"}', 25, /unexpected character "t" \(InvalidSymbol\)/, 'positive'],
  ];
  for (const [text, column, message, field] of cases) {
    const p = only(jsonl(text).problems);
    assert.equal(p.column, column, text);
    assert.match(p.message, /^invalid JSON: /);
    assert.match(p.message, message, text);
    assert.equal(p.field, field, text);
    assert.equal(p.line, 1);
    assert.equal(p.file, 'f.jsonl');
  }
});

test('not an object', () => {
  for (const [text, kind] of [['[1,2]', 'a list'], ['"text"', 'a string'], ['42', 'a number'], ['null', 'null'], ['true', 'a boolean']]) {
    const p = only(jsonl(text).problems);
    assert.equal(p.column, 1);
    assert.equal(p.message, `expected a JSON object with "query", "positive" and "negative", got ${kind}`);
  }
});

test('missing fields name the accepted aliases', () => {
  assert.equal(only(jsonl(J({ positive: 'p', negative: 'n' })).problems).message, 'missing "query" (accepted: "query", "anchor", "q")');
  assert.equal(only(jsonl(J({ query: 'q', negative: 'n' })).problems).message, 'missing "positive" (accepted: "positive", "pos")');
  const p = only(jsonl(J({ query: 'q', positive: 'p' })).problems);
  assert.equal(p.message, 'missing "negative" (accepted: "negative", "neg", "negative_1"…"negative_n")');
  assert.equal(p.column, 1);
  assert.equal(p.field, undefined);
  // All missing fields are reported at once, in the line's one problem.
  assert.equal(only(jsonl('{}').problems).message,
    'missing "query" (accepted: "query", "anchor", "q"); missing "positive" (accepted: "positive", "pos"); missing "negative" (accepted: "negative", "neg", "negative_1"…"negative_n")');
  // The column is the object's start, after leading spaces.
  assert.equal(jsonl('   {"query":"q","positive":"p"}').problems[0].column, 4);
});

test('wrong types where text is expected', () => {
  const cases: [Record<string, unknown>, string, string][] = [
    [{ query: 5, positive: 'p', negative: 'n' }, 'query', 'a number'],
    [{ query: 'q', positive: ['p'], negative: 'n' }, 'positive', 'a list'],
    [{ query: 'q', positive: 'p', negative: { text: 'n' } }, 'negative', 'an object'],
    [{ query: 'q', positive: null, negative: 'n' }, 'positive', 'null'],
    [{ anchor: true, positive: 'p', negative: 'n' }, 'anchor', 'a boolean'],
    [{ query: 'q', positive: 'p', negative_1: 3 }, 'negative_1', 'a number'],
  ];
  for (const [rec, field, kind] of cases) {
    const text = J(rec);
    const r = jsonl(text);
    const p = only(r.problems);
    assert.equal(p.field, field);
    assert.equal(p.message, `${field}: expected text (a JSON string), got ${kind}`);
    assert.equal(p.column, text.indexOf(`"${field}":`) + field.length + 4, field);
    assert.equal(r.triples.length, 0);
  }
});

test('pos/neg of the wrong type say what is expected', () => {
  const p = only(jsonl(J({ query: 'q', pos: 3, neg: ['n'] })).problems);
  assert.equal(p.message, 'pos: expected text or a list of positive texts, got a number');
  const g = only(jsonl(J({ query: 'q', pos: ['p'], neg: null })).problems);
  assert.equal(g.message, 'neg: expected text or a list of negative texts, got null');
});

test('empty and whitespace-only strings', () => {
  const e = only(jsonl('{"query":"","positive":"p","negative":"n"}').problems);
  assert.deepEqual([e.column, e.field, e.message], [10, 'query', 'query: expected non-empty text, got an empty string']);
  const w = only(jsonl('{"query":"q","positive":" \\n\\t ","negative":"n"}').problems);
  assert.deepEqual([w.column, w.field, w.message], [25, 'positive', 'positive: expected non-empty text, got only whitespace']);
});

test('empty lists and empty groups', () => {
  const a = only(jsonl('{"query":"q","pos":[],"neg":["n"]}').problems);
  assert.deepEqual([a.column, a.field, a.message], [20, 'pos', 'pos: expected at least one positive, got an empty list']);
  const b = only(jsonl('{"query":"q","pos":["p"],"neg":[]}').problems);
  assert.deepEqual([b.column, b.field, b.message], [32, 'neg', 'neg: expected at least one negative, got an empty list']);
  const c = only(jsonl('{"query":"q","pos":["p"],"neg":{}}').problems);
  assert.equal(c.field, 'neg');
  assert.match(c.message, /^neg: expected at least one group of negatives/);
  const text = '{"query":"q","pos":["p"],"neg":{"bm25":["x"],"dense":[]}}';
  const d = jsonl(text);
  assert.deepEqual(tuples(d.triples), [['q', 'p', 'x', 0, 0, 'bm25']]);
  assert.deepEqual([only(d.problems).field, only(d.problems).column], ['neg.dense', text.indexOf('[]') + 1]);
});

test('bad negatives in a list are reported, good ones kept', () => {
  const text = '{"query":"q","pos":["p"],"neg":["a",7,"","b",{"t":1}]}';
  const r = jsonl(text, 9);
  assert.deepEqual(tuples(r.triples), [['q', 'p', 'a', 0, 0, null], ['q', 'p', 'b', 0, 3, null]]);
  // One problem for the line, at its first bad entry, naming every bad entry left to right.
  assert.deepEqual(r.problems.map((p) => [p.line, p.column, p.field]), [[9, 37, 'neg[1]']]);
  assert.equal(r.problems[0].message, 'neg[1]: expected text (a JSON string), got a number; neg[2]: expected non-empty text, got an empty string; neg[4]: expected text (a JSON string), got an object');
});

test('bad positives in a list are reported, good ones kept', () => {
  const r = jsonl('{"query":"q","pos":["",  "p1"],"neg":["n"]}');
  assert.deepEqual(tuples(r.triples), [['q', 'p1', 'n', 1, 0, null]]);
  assert.equal(only(r.problems).field, 'pos[0]');
});

test('bad source or id: the line is skipped', () => {
  const s = jsonl('{"query":"q","positive":"p","negative":"n","source":3}');
  assert.equal(s.triples.length, 0);
  assert.deepEqual([only(s.problems).field, only(s.problems).column, only(s.problems).message], ['source', 53, 'source: expected a non-empty source name (a string), got a number']);
  assert.equal(only(jsonl('{"query":"q","positive":"p","negative":"n","source":" "}').problems).message, 'source: expected a non-empty source name (a string), got an empty string');
  const i = jsonl('{"query":"q","positive":"p","negative":"n","id":[1]}');
  assert.deepEqual([only(i.problems).field, only(i.problems).message], ['id', 'id: expected a string or a number, got a list']);
});

// ---------------------------------------------------------------- lines

test('blank lines, BOM on line 1, trailing CR', () => {
  assert.deepEqual(jsonl(''), { triples: [], problems: [] });
  assert.deepEqual(jsonl('  \t '), { triples: [], problems: [] });
  assert.deepEqual(jsonl('\r'), { triples: [], problems: [] });
  const bom = jsonl('\uFEFF{"query":"q","positive":"p","negative":"n"}\r');
  assert.deepEqual(bom.problems, []);
  assert.equal(bom.triples.length, 1);
  // A BOM in the text is counted (an open document's positions count it); the file reader drops it before.
  assert.equal(only(jsonl('\uFEFF{"query":1,"positive":"p","negative":"n"}').problems).column, 11);
  assert.equal(only(jsonl('{"query":1,"positive":"p","negative":"n"}').problems).column, 10);
  // A BOM on another line is not stripped.
  assert.equal(only(jsonl('\uFEFF{"query":"q","positive":"p","negative":"n"}', 2).problems).message, 'invalid JSON: unexpected byte order mark (U+FEFF) (InvalidSymbol)');
  // CR is stripped before the syntax check: the error is at the end of the text.
  assert.equal(only(jsonl('{"query":"q"\r').problems).column, 13);
});

test('TSV: three or four columns, header skipped', () => {
  assert.deepEqual(tuples(tsv('a q\ta p\ta n').triples), [['a q', 'a p', 'a n', 0, 0, null]]);
  assert.deepEqual(tuples(tsv('q\tp\tn\tBM25\r').triples), [['q', 'p', 'n', 0, 0, 'BM25']]);
  assert.deepEqual(tuples(tsv('q\tp\tn\t').triples), [['q', 'p', 'n', 0, 0, null]]);
  assert.deepEqual(tsv('Query\tPositive\tNegative\tSource'), { triples: [], problems: [] });
  assert.deepEqual(tsv('query\tpositive\tnegative'), { triples: [], problems: [] });
  assert.deepEqual(tsv('\uFEFFQUERY\tpositive\tnegative'), { triples: [], problems: [] });
  assert.deepEqual(tsv('   '), { triples: [], problems: [] });
});

test('TSV: wrong column count points where it went wrong', () => {
  const two = only(tsv('the query\tthe positive', 4).problems);
  assert.deepEqual([two.line, two.column, two.field], [4, 23, 'negative']);
  assert.match(two.message, /expected 3 or 4 tab-separated columns \(query, positive, negative\[, source\]\), found 2/);
  assert.equal(only(tsv('just one').problems).field, 'positive');
  const five = only(tsv('q\tp\tn\ts\textra').problems);
  assert.equal(five.column, 8);
  assert.match(five.message, /found 5: a 5th column starts after this tab/);
});

test('TSV: empty columns', () => {
  const r = tsv('q\t\t  ');
  assert.deepEqual(r.problems.map((p) => [p.column, p.field, p.message]), [
    [3, 'positive', 'positive: expected non-empty text, got an empty column; negative: expected non-empty text, got only whitespace'],
  ]);
  assert.equal(r.triples.length, 0);
});

test('detectFormat', () => {
  assert.equal(detectFormat('a/b.jsonl'), 'jsonl');
  assert.equal(detectFormat('B.NDJSON'), 'jsonl');
  assert.equal(detectFormat('x.json-lines'), 'jsonl');
  assert.equal(detectFormat('x.tsv'), 'tsv');
  assert.equal(detectFormat('x.json'), null);
  assert.equal(detectFormat('x.csv'), null);
  assert.equal(detectFormat('jsonl'), null);
});

// ---------------------------------------------------------------- fixture

test('malformed.jsonl fixture, line by line', () => {
  const text = readFileSync(join(__dirname, '..', 'fixtures', 'malformed.jsonl'), 'utf8');
  const lines = text.split('\n');
  const triples: RawTriple[] = [];
  const problems: Problem[] = [];
  lines.forEach((t, i) => {
    const r = parseTripleLine(t, { file: 'malformed.jsonl', line: i + 1, format: 'jsonl' });
    triples.push(...r.triples);
    problems.push(...r.problems);
  });
  assert.deepEqual(problems.map((p) => [p.line, p.column, p.field ?? null, p.message]), [
    [2, 46, null, "invalid JSON: the line ends too early: expected ',' or '}' (CloseBraceExpected)"],
    [3, 42, 'negative', 'negative: expected text (a JSON string), got a number'],
    [5, 10, 'query', 'query: expected non-empty text, got only whitespace'],
    [6, 1, null, 'missing "negative" (accepted: "negative", "neg", "negative_1"…"negative_n")'],
    [8, 10, 'query', 'query: expected text (a JSON string), got a list'],
    [9, 26, 'positive', 'positive: expected text (a JSON string), got null'],
    [10, 44, 'neg[1]', 'neg[1]: expected non-empty text, got an empty string; neg[2]: expected text (a JSON string), got a number'],
    [11, 49, 'negative', "invalid JSON: trailing comma before '}' (not allowed in JSON) (PropertyNameExpected)"],
    [12, 1, null, 'expected a JSON object with "query", "positive" and "negative", got a list'],
    [14, 122, 'negative_embedding', 'negative_embedding: expected 2 numbers like query_embedding, got 3'],
    [16, 51, null, 'invalid JSON: expected the end of the line after the record (one JSON object per line) (EndOfFileExpected)'],
  ]);
  assert.deepEqual(tuples(triples), [
    ['q1', 'p1', 'n1', 0, 0, 'BM25'],
    ['q7', 'p7', 'n7', 0, 0, null],
    ['q10', 'p10', 'n10a', 0, 0, null],
    ['q15', 'p15', 'n15', 0, 0, null],
    ['q17', 'p17', 'n17a', 0, 0, 'bm25'],
    ['q17', 'p17', 'n17b', 0, 0, 'dense'],
    ['q17', 'p17', 'n17c', 0, 1, 'dense'],
  ]);
  assert.equal(triples[3].id, '15');
  for (const p of problems) assert.equal(p.file, 'malformed.jsonl');
});

test('a large valid line parses without building a tree', () => {
  const neg = Array.from({ length: 200 }, (_, i) => `negative ${i}`);
  const r = jsonl(J({ query: 'q', pos: ['p0', 'p1'], neg }));
  assert.equal(r.triples.length, 400);
  assert.equal(r.triples[399].negIndex, 199);
  assert.equal(r.triples[399].posIndex, 1);
});

test('group names that are Object.prototype keys are plain keys', () => {
  const r = jsonl('{"query":"q","pos":["p"],"neg":{"constructor":["x"]},"neg_embeddings":{"other":[[1]]}}');
  assert.equal(r.triples.length, 0);
  assert.equal(only(r.problems).message, 'neg_embeddings: missing key "constructor" (expected vectors aligned with neg.constructor)');
  assert.deepEqual(tuples(jsonl('{"query":"q","pos":["p"],"neg":{"toString":["x"]}}').triples), [['q', 'p', 'x', 0, 0, 'toString']]);
});

test('pathological nesting is one problem at its place, never a crash', () => {
  const deep = '['.repeat(200000) + ']'.repeat(200000);
  const r = parseTripleLine(deep, { file: 'deep.jsonl', line: 7, format: 'jsonl' });
  assert.equal(r.triples.length, 0);
  assert.deepEqual([only(r.problems).line, only(r.problems).column], [7, 1]);
  assert.match(r.problems[0].message, /expected a JSON object .*, got a list/);
  // Nested where text is expected: located without recursion, at the field.
  const inQuery = `{"positive":"p","negative":"n","query":${'['.repeat(200000)}${']'.repeat(200000)}}`;
  const q = only(jsonl(inQuery).problems);
  assert.deepEqual([q.column, q.field, q.message], [40, 'query', 'query: expected text (a JSON string), got a list']);
  // Deep and broken: JSON.parse's position is the fallback when the located parse would overflow.
  const broken = `{"query":${'['.repeat(200000)}1,,${']'.repeat(200000)}}`;
  const b = only(jsonl(broken).problems);
  assert.match(b.message, /^invalid JSON: /);
  // A valid record with a deep value in a field it does not read is scored.
  const extra = `{"query":"q","positive":"p","negative":"n","meta":${'{"a":'.repeat(100000)}1${'}'.repeat(100000)}}`;
  assert.deepEqual(jsonl(extra).problems, []);
  assert.equal(jsonl(extra).triples.length, 1);
});
