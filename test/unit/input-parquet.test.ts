/**
 * Issue 11, Parquet: the same triples as flat JSONL, written as Parquet with
 * text columns and list<float> vectors, as int64 id columns (+ corpus and .npy),
 * and as FlagEmbedding `query/pos/neg` lists, give identical scores and
 * findings; rows stand for lines; a missing column or a column of the wrong
 * type is one problem for the file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { makeDataset, SYSTEMS, triplesOf, writeLayouts } from '../helpers/idDatasets';
import { writeParquet } from '../helpers/parquetFixtures';
import { scoreJson } from '../helpers/cliJson';

const dir = mkdtempSync(join(tmpdir(), 'eci-parquet-'));
const ds = makeDataset(10, 3);
const files = writeLayouts(ds, dir);
const triples = triplesOf(ds);
const q = new Map(ds.queries.map((x) => [x.id, x]));
const p = new Map(ds.passages.map((x) => [x.id, x]));

interface Report {
  sources: unknown[];
  triples: { file: string; line: number; source: string; findings: string[] }[];
  problems: { file: string; line: number; column: number; message: string }[];
}

async function run(args: string[]) {
  const r = await scoreJson<Report>(args, dir);
  return { code: r.code, report: r.report, err: r.stderr };
}

function config(name: string, files: string, body: Record<string, unknown> = {}): string {
  const path = join(dir, `${name}.jsonc`);
  writeFileSync(path, JSON.stringify({ ...body, encoder: { kind: 'precomputed' }, sources: SYSTEMS.map((s) => ({ name: s, key: s, files })) }));
  return path;
}

const essence = (r: Report) => ({ sources: r.sources, triples: r.triples.map(({ file: _f, line: _l, ...rest }) => rest) });
const msmarco = { corpus: 'collection.tsv', queries: 'queries.tsv', embeddings: { corpus: 'corpus.npy', queries: 'queries.npy' } };

const written = (async () => {
  await writeParquet(join(dir, 'flat.parquet'), [
    { name: 'anchor', type: 'STRING', data: triples.map((t) => q.get(t.qid)!.text) },
    { name: 'positive', type: 'STRING', data: triples.map((t) => p.get(t.pos)!.text) },
    { name: 'negative', type: 'STRING', data: triples.map((t) => p.get(t.neg)!.text) },
    { name: 'source', type: 'STRING', data: triples.map((t) => t.source) },
    { name: 'query_embedding', type: 'FLOAT', list: 1, data: triples.map((t) => q.get(t.qid)!.vector) },
    { name: 'positive_embedding', type: 'FLOAT', list: 1, data: triples.map((t) => p.get(t.pos)!.vector) },
    { name: 'negative_embedding', type: 'FLOAT', list: 1, data: triples.map((t) => p.get(t.neg)!.vector) },
  ]);
  await writeParquet(join(dir, 'ids.parquet'), [
    { name: 'qid', type: 'INT64', data: triples.map((t) => t.qid) },
    { name: 'positive_id', type: 'INT64', data: triples.map((t) => t.pos) },
    { name: 'negative_id', type: 'INT64', data: triples.map((t) => t.neg) },
    { name: 'source', type: 'STRING', data: triples.map((t) => t.source) },
  ], 7);
  // FlagEmbedding: one row per query and system, negatives as a list with aligned vectors.
  const rows = ds.items.flatMap((it) => SYSTEMS.map((s) => ({ it, s })));
  await writeParquet(join(dir, 'flag.parquet'), [
    { name: 'query', type: 'STRING', data: rows.map(({ it }) => q.get(it.qid)!.text) },
    { name: 'pos', type: 'STRING', list: 1, data: rows.map(({ it }) => [p.get(it.pos)!.text]) },
    { name: 'neg', type: 'STRING', list: 1, data: rows.map(({ it, s }) => it.neg[s].map((n) => p.get(n)!.text)) },
    { name: 'source', type: 'STRING', data: rows.map(({ s }) => s) },
    { name: 'query_embedding', type: 'FLOAT', list: 1, data: rows.map(({ it }) => q.get(it.qid)!.vector) },
    { name: 'pos_embeddings', type: 'FLOAT', list: 2, data: rows.map(({ it }) => [p.get(it.pos)!.vector]) },
    { name: 'neg_embeddings', type: 'FLOAT', list: 2, data: rows.map(({ it, s }) => it.neg[s].map((n) => p.get(n)!.vector)) },
  ]);
})();

test('text, id and FlagEmbedding Parquet files score like flat JSONL; rows stand for lines', async () => {
  await written;
  const ref = await run([config('flat-jsonl', 'flat.jsonl')]);
  assert.equal(ref.code, 0, ref.err);
  for (const [name, body] of [['flat.parquet', {}], ['ids.parquet', msmarco], ['flag.parquet', {}]] as const) {
    const { code, report, err } = await run([config(name.replace('.', '-'), name, body)]);
    assert.equal(code, 0, `${name}: ${err}`);
    assert.deepEqual(report!.problems, [], name);
    if (name === 'flag.parquet') {
      // Same triples, grouped differently: compare per source, ignoring order within it.
      assert.deepEqual(report!.sources, ref.report!.sources, name);
    } else assert.deepEqual(essence(report!), essence(ref.report!), name);
    if (name === 'ids.parquet') {
      assert.deepEqual(report!.triples.map((t) => t.line).sort((a, b) => a - b), triples.map((_, i) => i + 1), 'row numbers, across row groups of 7');
      assert.equal(report!.triples[0].file, 'ids.parquet');
    }
  }
});

test('a Parquet file without a negative column, or with a column of the wrong type, is one problem', async () => {
  await writeParquet(join(dir, 'no-neg.parquet'), [
    { name: 'query', type: 'STRING', data: ['a', 'b'] },
    { name: 'positive', type: 'STRING', data: ['c', 'd'] },
  ]);
  await writeParquet(join(dir, 'int-neg.parquet'), [
    { name: 'query', type: 'STRING', data: ['a', 'b'] },
    { name: 'positive', type: 'STRING', data: ['c', 'd'] },
    { name: 'negative', type: 'INT32', data: [1, 2] },
  ]);
  const missing = await run(['no-neg.parquet', '--encoder', 'precomputed']);
  assert.equal(missing.code, 2);
  assert.equal(missing.err.split('\n').filter((l) => l.startsWith('no-neg.parquet:')).length, 1, missing.err);
  assert.match(missing.err, /no-neg\.parquet:1:1: no negative column: expected "negative", "neg", "negative_1"…"negative_n"; the file has "query", "positive"; no row is read/);
  const wrong = await run(['int-neg.parquet', '--encoder', 'precomputed']);
  assert.match(wrong.err, /int-neg\.parquet:1:1: column "negative" holds int values; expected text \(a string column\); no row is read/);
  writeFileSync(join(dir, 'junk.parquet'), readFileSync(files.collection));
  const junk = await run(['junk.parquet', '--encoder', 'precomputed']);
  assert.match(junk.err, /junk\.parquet:1:1: not a readable Parquet file/);
});
