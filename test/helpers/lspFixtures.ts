/** Workspaces for the language-server tests: loose precomputed-vector files and copies of examples/. */
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lspClient';
import { near, rng, syntheticLines, unitVector } from './synthetic';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `eci-${prefix}-`));
}

/** A copy of examples/ (config + four sources) in a fresh folder. */
export function examplesWorkspace(): string {
  const dir = tempDir('examples');
  cpSync(join(ROOT, 'examples'), dir, { recursive: true });
  return dir;
}

function record(query: string, positive: string, negative: string, q: number[], p: number[], n: number[]): string {
  return JSON.stringify({ query, positive, negative, query_embedding: q, positive_embedding: p, negative_embedding: n });
}

/** Line numbers (1-based) of the planted problems in mixed.jsonl. */
export const MIXED = { duplicates: [3, 8], falseNegative: 12, list: 15, lines: 20 };

/**
 * A folder without a config: hard.jsonl, easy.jsonl (mostly too easy),
 * mixed.jsonl (text duplicates, a false negative, a list line with two
 * negatives whose first is a duplicate) and notes.jsonl (JSON Lines that are
 * not triples, which must be left alone).
 */
export function looseWorkspace(): string {
  const dir = tempDir('loose');
  writeFileSync(join(dir, 'hard.jsonl'), syntheticLines('Hard', 40, 'hard', 1).join('\n') + '\n');
  writeFileSync(join(dir, 'easy.jsonl'), syntheticLines('Easy', 40, 'easy', 2).join('\n') + '\n');
  const lines = syntheticLines('Mixed', MIXED.lines, 'hard', 3);
  const rand = rng(7);
  for (const at of MIXED.duplicates) {
    const q = unitVector(rand, 16);
    const p = near(rand, q, 0.15);
    lines[at - 1] = record(`duplicate query ${at}`, `The positive passage number ${at}.`, `the positive  passage number ${at}. `, q, p, near(rand, p, 0.01));
  }
  {
    // The negative is the query's own direction: the encoder prefers it by far.
    const q = unitVector(rand, 16);
    lines[MIXED.falseNegative - 1] = record('false negative query', 'an off-topic positive', 'a negative that answers the query', q, near(rand, q, 0.6), near(rand, q, 0.02));
  }
  {
    const q = unitVector(rand, 16);
    const p = near(rand, q, 0.15);
    lines[MIXED.list - 1] = JSON.stringify({
      query: 'list query', pos: ['list positive text'], neg: ['list positive text', 'a different list negative'],
      pos_embeddings: [p], query_embedding: q, neg_embeddings: [p, near(rand, q, 0.25)],
    });
  }
  writeFileSync(join(dir, 'mixed.jsonl'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'notes.jsonl'), '{"level":"info","msg":"not a triple"}\n{"level":"warn","msg":"still not"}\n');
  return dir;
}

/** A folder with a config that uses precomputed vectors (no model needed). */
export function precomputedConfigWorkspace(config: string): string {
  const dir = tempDir('config');
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data', 'a.jsonl'), syntheticLines('A', 30, 'hard', 11).join('\n') + '\n');
  writeFileSync(join(dir, 'data', 'b.jsonl'), syntheticLines('B', 30, 'easy', 12).join('\n') + '\n');
  writeFileSync(join(dir, 'eci.config.jsonc'), config);
  return dir;
}
