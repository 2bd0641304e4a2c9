/**
 * The scorer thread (live/scorePool.ts): sources scored half on another thread land in the
 * score memo and give the results of scoring them all here, bit for bit; a scorer thread
 * that dies leaves its sources to be scored here, with the same results.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { Worker } from 'node:worker_threads';
import { ScoreMemo } from '../../server/src/core/scoreMemo';
import { defaultSettings } from '../../server/src/core/settings';
import { analysisWorkerEntry } from '../../server/src/live/analysisHost';
import { ScorePool } from '../../server/src/live/scorePool';
import { analyze, type AnalysisResult, type AnalyzeOptions } from '../../server/src/pipeline/analyze';
import { planFromFiles } from '../../server/src/pipeline/plan';
import { syntheticLines } from '../helpers/synthetic';

const settings = { ...defaultSettings(), sampleSize: 20, resamples: 4 };

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'eci-pool-'));
  writeFileSync(join(dir, 'a.jsonl'), syntheticLines('A', 40, 'hard', 71, 24).join('\n') + '\n');
  writeFileSync(join(dir, 'b.jsonl'), syntheticLines('B', 40, 'easy', 72, 24).join('\n') + '\n');
  writeFileSync(join(dir, 'c.jsonl'), syntheticLines('C', 40, 'hard', 73, 24).join('\n') + '\n');
  return dir;
}

async function run(dir: string, extra: Partial<AnalyzeOptions> = {}): Promise<AnalysisResult> {
  return analyze({ plan: planFromFiles(['a.jsonl', 'b.jsonl', 'c.jsonl'], dir), settings, encoder: { kind: 'precomputed' }, stability: 'inline', ...extra });
}

/** A source's numbers as exact text (bits, not a tolerance). */
const cards = (r: AnalysisResult) => r.sources.map((s) => JSON.stringify({
  name: s.name, rank: s.rank, eci: s.eci, lower: s.lower, upper: s.upper, lev: [...s.leverage], gain: [...s.gain], red: [...s.redundant], half: s.stability && [...s.stability.scores],
}));

const scorer = () => {
  const entry = analysisWorkerEntry();
  return new Worker(entry.file, { workerData: { role: 'scorer' }, ...(entry.execArgv ? { execArgv: entry.execArgv } : {}) });
};

test('sources scored on the scorer thread give the same bits as scoring them here', async () => {
  const dir = workspace();
  const alone = await run(dir);
  const memo = new ScoreMemo();
  const pool = new ScorePool(scorer);
  const withPool = await run(dir, { scoreMemo: memo, prescore: (x) => pool.prefill(memo, x) });
  assert.equal(pool.scoredElsewhere, 1, 'of three sources to score, one went to the scorer thread');
  assert.equal(memo.hits, 3, 'every source was in the memo when the sources were aggregated');
  assert.deepEqual(cards(withPool), cards(alone));
  await pool.close();
});

test('a scorer thread that dies leaves its sources to this thread, with the same results', async () => {
  const dir = workspace();
  const alone = await run(dir);
  const memo = new ScoreMemo();
  const pool = new ScorePool(() => new Worker('process.exit(3)', { eval: true }));
  const withPool = await run(dir, { scoreMemo: memo, prescore: (x) => pool.prefill(memo, x) });
  assert.equal(pool.scoredElsewhere, 0);
  assert.equal(memo.hits, 2, 'the two scored here were in the memo; the one sent away was scored again');
  assert.deepEqual(cards(withPool), cards(alone));
});
