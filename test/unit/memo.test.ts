/** The bounded memo that keeps per-text lexical work to once per distinct text of a run. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoundedMemo } from '../../server/src/core/memo';

test('computes a key once while it recurs, and forgets keys two generations old', () => {
  const calls: string[] = [];
  const memo = new BoundedMemo<string, string>(3, (k) => { calls.push(k); return k.toUpperCase(); });
  assert.equal(memo.get('a'), 'A');
  assert.equal(memo.get('a'), 'A');
  memo.get('b'); memo.get('c');
  assert.deepEqual(calls, ['a', 'b', 'c']);
  // A fourth key starts a new generation; the previous one still answers (and promotes).
  memo.get('d');
  assert.equal(memo.get('a'), 'A');
  assert.deepEqual(calls, ['a', 'b', 'c', 'd']);
  // Two more generations later, 'b' (never touched again) is recomputed.
  for (const k of ['e', 'f', 'g', 'h', 'i', 'j']) memo.get(k);
  memo.get('b');
  assert.equal(calls.filter((k) => k === 'b').length, 2);
});

test('memory stays bounded: a million distinct keys keep at most two generations', () => {
  let live = 0;
  const memo = new BoundedMemo<number, { n: number }>(1000, (n) => { live++; return { n }; });
  for (let i = 0; i < 1_000_000; i++) memo.get(i);
  assert.equal(live, 1_000_000);
  // Only the last ≤ 2000 keys answer without recomputing.
  const before = live;
  for (let i = 999_000; i < 1_000_000; i++) memo.get(i);
  assert.equal(live, before, 'the newest generation is kept');
  memo.get(0);
  assert.equal(live, before + 1, 'an old key was forgotten');
});
