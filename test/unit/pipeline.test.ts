/**
 * The analysis pipeline on precomputed vectors: grouped formats, config sources
 * with `key`, hybrids as per-query unions, bounded residual memory, and a file
 * that changes between the two passes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { analyze } from '../../server/src/pipeline/analyze';
import type { LineSource } from '../../server/src/pipeline/lines';
import { measure } from '../../server/src/pipeline/measure';
import { planFromConfig, planFromFiles, type Plan } from '../../server/src/pipeline/plan';
import { scan } from '../../server/src/pipeline/scan';
import { parseConfig } from '../../server/src/core/config';
import { wordTerms } from '../../server/src/core/lexical';
import { defaultSettings } from '../../server/src/core/settings';
import { near, rng, syntheticLines, unitVector } from '../helpers/synthetic';

const dir = mkdtempSync(join(tmpdir(), 'eci-pipeline-'));

/** Grouped records: one query, two positives, negatives under "bm25" and "dense". */
function groupedLines(count: number): string[] {
  const rand = rng(7);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const q = unitVector(rand, 8);
    const pos = [near(rand, q, 0.1), near(rand, q, 0.1)];
    const neg = { bm25: [near(rand, q, 0.3)], dense: [near(rand, q, 0.2), near(rand, q, 0.25)] };
    lines.push(JSON.stringify({
      query: `question ${i}`, pos: [`answer ${i} a`, `answer ${i} b`],
      neg: { bm25: [`bm25 passage ${i}`], dense: [`dense passage ${i} x`, `dense passage ${i} y`] },
      query_embedding: q, pos_embeddings: pos, neg_embeddings: neg,
    }));
  }
  return lines;
}
writeFileSync(join(dir, 'grouped.jsonl'), groupedLines(20).join('\n') + '\n');

const precomputed = { kind: 'precomputed' as const };

test('grouped negatives: one source per key, each negative paired with each positive', async () => {
  const result = await analyze({ plan: planFromFiles(['grouped.jsonl'], dir), settings: defaultSettings(), encoder: precomputed });
  const by = Object.fromEntries(result.sources.map((s) => [s.name, s]));
  assert.equal(by.bm25.size, 20 * 2 * 1);
  assert.equal(by.dense.size, 20 * 2 * 2);
  assert.equal(result.problems.length, 0);
});

test('config: `key` picks one group of a file; a hybrid is the per-query union without repeats', async () => {
  const configText = `{
    "encoder": { "kind": "precomputed" },
    "sources": [
      { "name": "BM25", "files": "grouped.jsonl", "key": "bm25" },
      { "name": "Dense", "files": ["grouped.jsonl"], "key": "dense" },
      { "name": "DenseAgain", "files": "grouped.jsonl", "key": "dense" },
      { "name": "BM25+Dense", "union": ["BM25", "Dense", "DenseAgain"] },
    ],
    "sampleSize": 50,
  }`;
  writeFileSync(join(dir, 'eci.config.jsonc'), configText);
  const parsed = parseConfig(configText);
  assert.ok(parsed.config, JSON.stringify(parsed.problems));
  const plan = planFromConfig(parsed.config!, join(dir, 'eci.config.jsonc'), dir);
  const result = await analyze({ plan, settings: parsed.config!.settings, encoder: precomputed });
  const by = Object.fromEntries(result.sources.map((s) => [s.name, s]));
  assert.equal(by.BM25.size, 40);
  assert.equal(by.Dense.size, 80);
  assert.equal(by['BM25+Dense'].group, 'hybrid');
  assert.equal(by['BM25+Dense'].size, 120, 'DenseAgain repeats Dense triple for triple');
  assert.equal(by['BM25+Dense'].n, 50);
  assert.equal(by.BM25.underSampled, true);
  assert.equal(by.Dense.underSampled, false);
});

test('only sampled triples keep a residual vector', async () => {
  writeFileSync(join(dir, 'many.jsonl'), syntheticLines('Many', 400, 'hard', 5).join('\n') + '\n');
  const plan = planFromFiles(['many.jsonl'], dir);
  const scanned = await scan(plan, { precomputed: true, termsOf: wordTerms });
  assert.equal(scanned.table.length, 400);
  const keep = new Uint8Array(400);
  for (const i of [3, 50, 399]) keep[i] = 1;
  const residuals = await measure(plan, scanned.table, { embedder: null, idf: scanned.frequencies.toIdf(), termsOf: wordTerms, keepResidual: keep, chunkSize: 64 });
  assert.deepEqual([...residuals.keys()].sort((a, b) => a - b), [3, 50, 399]);
  assert.equal(residuals.get(50)!.length, 16);
  assert.ok(scanned.table.residualNorms().every((x) => x > 0));
});

test('a file that changes between the two passes fails the run instead of mixing versions', async () => {
  const lines = syntheticLines('Shrinking', 10, 'hard', 6);
  let reads = 0;
  const source: LineSource = {
    name: 'shrinking.jsonl',
    async *lines() {
      const now = reads++ === 0 ? lines : lines.slice(0, 6);
      for (let i = 0; i < now.length; i++) yield { line: i + 1, text: now[i], eol: '\n' };
    },
  };
  const plan: Plan = { sources: [], problems: [], units: [{ path: join(dir, 'shrinking.jsonl'), shown: 'shrinking.jsonl', format: 'jsonl', source: null, lines: source }] };
  await assert.rejects(analyze({ plan, settings: defaultSettings(), encoder: precomputed }), /input changed while it was analysed/);
});

test('a run can be cancelled', async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(analyze({ plan: planFromFiles(['many.jsonl'], dir), settings: defaultSettings(), encoder: precomputed, signal: controller.signal }), { name: 'AbortError' });
});
