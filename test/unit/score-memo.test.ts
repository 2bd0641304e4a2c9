/** Re-used source scores (the language server keeps them between runs): only a source whose sample changed is factorised again. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { ScoreMemo } from '../../server/src/core/scoreMemo';
import { defaultSettings } from '../../server/src/core/settings';
import { analyze, type AnalysisResult } from '../../server/src/pipeline/analyze';
import { planFromFiles } from '../../server/src/pipeline/plan';
import { syntheticLines } from '../helpers/synthetic';

const precomputed = { kind: 'precomputed' as const };
const settings = { ...defaultSettings(), sampleSize: 12 };

async function run(dir: string, memo?: ScoreMemo): Promise<AnalysisResult> {
  memo?.nextRun();
  return analyze({ plan: planFromFiles(['a.jsonl', 'b.jsonl'], dir), settings, encoder: precomputed, ...(memo ? { scoreMemo: memo } : {}) });
}

/** Everything a source reports, as plain data. */
const card = (r: AnalysisResult, name: string) => {
  const s = r.sources.find((x) => x.name === name)!;
  // The source's own numbers (its agreement with a neighbour depends on the neighbour too).
  return JSON.stringify({ eci: s.eci, d: s.diversity, lev: [...s.leverage], gain: [...s.gain], red: [...s.redundant], half: s.stability && [...s.stability.scores] });
};

test('an unchanged source re-uses its score bit for bit; a changed one is scored again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eci-memo-'));
  const a = syntheticLines('A', 30, 'hard', 61);
  writeFileSync(join(dir, 'a.jsonl'), a.join('\n') + '\n');
  writeFileSync(join(dir, 'b.jsonl'), syntheticLines('B', 30, 'hard', 62).join('\n') + '\n');
  const memo = new ScoreMemo();
  const first = await run(dir, memo);
  assert.equal(memo.hits, 0);
  const second = await run(dir, memo);
  assert.equal(memo.hits, 2, 'nothing changed: both sources re-used');
  assert.equal(memo.halves.hits, 2, 'and their half-sample scores');
  for (const s of ['A', 'B']) assert.equal(card(second, s), card(first, s));

  // A new query text for every line of A: its triples' lexical overlap (so their weights) and
  // its query groups change; B's residuals, weights and IDF (over passages) do not.
  writeFileSync(join(dir, 'a.jsonl'), a.map((l) => { const r = JSON.parse(l); r.query = `${r.query} reworded`; return JSON.stringify(r); }).join('\n') + '\n');
  const third = await run(dir, memo);
  assert.equal(memo.hits, 3, 'only B re-used');
  assert.equal(memo.halves.hits, 3);
  assert.equal(card(third, 'B'), card(second, 'B'));
  assert.notEqual(card(third, 'A'), card(second, 'A'));
  // And re-use changes nothing: the same as a run without the memo.
  const fresh = await run(dir);
  for (const s of ['A', 'B']) assert.equal(card(third, s), card(fresh, s));
});

test('the memo hands out copies: transferring a result to another thread leaves it intact', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eci-memo-'));
  writeFileSync(join(dir, 'a.jsonl'), syntheticLines('A', 20, 'hard', 63).join('\n') + '\n');
  writeFileSync(join(dir, 'b.jsonl'), syntheticLines('B', 20, 'easy', 64).join('\n') + '\n');
  const memo = new ScoreMemo();
  const first = await run(dir, memo);
  const before = card(first, 'A');
  // What the analysis worker does with a result: transfer (detach) its arrays.
  const { port1 } = new MessageChannel();
  port1.postMessage(null, first.sources.flatMap((s) => [s.leverage.buffer, s.gain.buffer, s.redundant.buffer]) as ArrayBuffer[]);
  port1.close();
  assert.equal(first.sources[0].gain.length, 0, 'the buffers were detached');
  const second = await run(dir, memo);
  assert.equal(memo.hits, 2);
  assert.equal(card(second, 'A'), before);
});

test('a memo key is the same for residuals in separate arrays and for views laid end to end in one buffer', () => {
  const memo = new ScoreMemo();
  const rows = [[1, 2, 3], [4, 5, 6], [7, 8, 9]].map((r) => Float64Array.from(r));
  const block = new Float64Array(9);
  const views = rows.map((r, k) => { const v = block.subarray(k * 3, k * 3 + 3); v.set(r); return v; });
  const w = Float64Array.from([0.1, 0.2, 0.3]);
  assert.equal(memo.key(views, w, [1]), memo.key(rows, w, [1]));
  // Views that are not in order are hashed one by one: a different order is a different key.
  assert.notEqual(memo.key([views[1], views[0], views[2]], w, [1]), memo.key(rows, w, [1]));
  assert.equal(memo.key([views[1], views[0], views[2]], w, [1]), memo.key([rows[1], rows[0], rows[2]], w, [1]));
});
