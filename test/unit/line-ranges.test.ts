/**
 * Where a finding's squiggle goes on its line (server/src/handlers/lineRanges.ts):
 * on the negative's JSON value or TSV column, and — for a line nested deeper than
 * jsonc-parser's recursion can go — nowhere in particular (null), so the caller
 * marks the whole line instead of the server overflowing its stack.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { negativeSpans } from '../../server/src/handlers/lineRanges';

const JSONL = { format: 'jsonl' as const, key: undefined };
const slice = (text: string, s: { start: number; end: number } | null) => (s ? text.slice(s.start, s.end) : null);

describe('negativeSpans', () => {
  test('a record line: the negative\'s value, quotes included; each of a list', () => {
    const one = '{"query": "q", "positive": "p", "negative": "the negative"}';
    assert.deepEqual(negativeSpans(one, 1, JSONL, 1).map((s) => slice(one, s)), ['"the negative"']);
    const list = '{"query": "q", "pos": ["p"], "neg": ["n0", "n1"]}';
    assert.deepEqual(negativeSpans(list, 1, JSONL, 2).map((s) => slice(list, s)), ['"n0"', '"n1"']);
  });

  test('spans found before are given again for the same text, and a changed line or format gets its own', () => {
    const line = '{"query": "q", "positive": "p", "negative": "n0"}';
    const first = negativeSpans(line, 5, JSONL, 1);
    assert.equal(negativeSpans(line, 9, JSONL, 1), first, 'same text on another line: the remembered spans');
    const longer = '{"query": "q", "positive": "p", "negative": "a longer n0"}';
    assert.deepEqual(negativeSpans(longer, 5, JSONL, 1).map((s) => slice(longer, s)), ['"a longer n0"']);
    // The same characters read as TSV (one column only): no span, not the JSON one.
    assert.deepEqual(negativeSpans(line, 5, { format: 'tsv', key: undefined }, 1), [null]);
    // With a byte-order mark on line 1 the span moves by one.
    assert.deepEqual(negativeSpans(`\ufeff${line}`, 1, JSONL, 1), [{ start: first[0]!.start + 1, end: first[0]!.end + 1 }]);
  });

  test('a TSV line: the third column', () => {
    const row = 'q\tp\tthe negative';
    assert.deepEqual(negativeSpans(row, 1, { format: 'tsv', key: undefined }, 1).map((s) => slice(row, s)), ['the negative']);
  });

  test('a line nested 100,000 deep: no span (the whole line is marked), no stack overflow', () => {
    const depth = 100_000;
    const deep = `{"query": "q", "positive": "p", "negative": "n", "meta": ${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    assert.deepEqual(negativeSpans(deep, 1, JSONL, 1), [null]);
  });
});
