/**
 * Issue 11 in the editor: a config naming .jsonl.gz / Parquet files and a
 * corpus is checked as it is typed — the binary files are accepted as triple
 * files (never opened as text), a missing corpus, queries, qrels or .npy is
 * underlined at its value.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { gzipSync } from 'node:zlib';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { configDiagnostics } from '../../server/src/handlers/configDiagnostics';

test('config checks accept .jsonl.gz and .parquet sources and underline missing data files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eci-editor-'));
  writeFileSync(join(dir, 'hard.jsonl.gz'), gzipSync('{}\n'));
  writeFileSync(join(dir, 'train.parquet'), 'PAR1');
  writeFileSync(join(dir, 'collection.tsv'), '1\tx\n');
  writeFileSync(join(dir, 'notes.txt'), 'x');
  const text = JSON.stringify({
    corpus: 'collection.tsv',
    queries: 'queries.tsv',
    embeddings: { corpus: 'emb/corpus.npy' },
    sources: [
      { name: 'BM25', files: 'hard.jsonl.gz', key: 'bm25' },
      { name: 'HF', files: ['train.parquet', '*.parquet'] },
      { name: 'Notes', files: 'notes.txt' },
    ],
  }, null, 2);
  const configPath = join(dir, 'eci.config.jsonc');
  const doc = TextDocument.create(`file://${configPath}`, 'jsonc', 1, text);
  const diags = (await configDiagnostics(doc, configPath, true))!;
  const at = (d: { range: { start: { line: number; character: number } } }) => text.split('\n')[d.range.start.line].slice(d.range.start.character);
  const messages = diags.map((d) => [at(d).slice(0, 20), d.message]);
  assert.deepEqual(messages, [
    ['"notes.txt"', 'not a triple file: expected .jsonl, .ndjson, .tsv (each optionally .gz) or .parquet'],
    ['"queries.tsv",', `queries: file not found: ${join(dir, 'queries.tsv')}`],
    ['"emb/corpus.npy"', `embeddings.corpus: file not found: ${join(dir, 'emb/corpus.npy')}`],
  ]);
});
