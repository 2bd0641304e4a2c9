/**
 * Issue 11 in the language server: a config naming a corpus, queries, .npy
 * matrices, a gzipped hard-negatives file and MS MARCO id triples runs in the
 * analysis worker like any other; its sources are ranked, an unknown id is a
 * diagnostic at its line and column of the id file, a bad corpus line one at
 * the config's "corpus" key (the corpus is no source's file), and the findings of
 * the .jsonl.gz are listed by line of the decompressed file.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { RankingSnapshot } from '../../common/protocol';
import { makeDataset, triplesOf, writeLayouts } from '../helpers/idDatasets';
import { writeParquet } from '../helpers/parquetFixtures';
import { messageOf, TestClient } from '../helpers/lspClient';
import { tempDir } from '../helpers/lspFixtures';

describe('id-based datasets in the editor', () => {
  const clients: TestClient[] = [];
  after(() => Promise.all(clients.map((c) => c.stop())));

  test('a config by id is scored, and bad ids and corpus lines are diagnostics at their place', async () => {
    const dir = tempDir('ids');
    const ds = makeDataset(10, 3);
    const files = writeLayouts(ds, dir);
    const tsv = readFileSync(files.idTsv, 'utf8').split('\n');
    const [qid, pos] = tsv[2].split('\t');
    tsv[2] = `${qid}\t${pos}\t123456789\tbm25`;
    writeFileSync(files.idTsv, tsv.join('\n'));
    const corpus = readFileSync(files.collection, 'utf8').split('\n');
    corpus[corpus.length - 2] = corpus[corpus.length - 2].replace('\t', ' '); // an unreferenced passage: no tab
    writeFileSync(files.collection, corpus.join('\n'));
    const triples = triplesOf(ds);
    await writeParquet(join(dir, 'ids.parquet'), [
      { name: 'qid', type: 'INT64', data: triples.map((t) => t.qid) },
      { name: 'positive_id', type: 'INT64', data: triples.map((t) => t.pos) },
      { name: 'negative_id', type: 'INT64', data: triples.map((t) => t.neg) },
      { name: 'source', type: 'STRING', data: triples.map((t) => t.source) },
    ]);
    writeFileSync(join(dir, 'eci.config.jsonc'), JSON.stringify({
      encoder: { kind: 'precomputed' },
      corpus: 'collection.tsv', queries: 'queries.tsv', embeddings: { corpus: 'corpus.npy', queries: 'queries.npy' },
      sources: [
        { name: 'BM25', files: 'hard-negatives.jsonl.gz', key: 'bm25', negativesPerQuery: 2 },
        { name: 'Dense', files: 'hard-negatives.jsonl.gz', key: 'dense' },
        { name: 'Triples', files: 'triples.tsv' },
        { name: 'Rows', files: 'ids.parquet', key: 'random' },
      ],
      sampleSize: 20,
    }, null, 2));
    const client = await TestClient.start({ folder: dir, cacheDir: tempDir('cache') });
    clients.push(client);
    await client.waitForResults();
    const [snap] = await client.request<RankingSnapshot[]>('eci/ranking', {});
    const size = Object.fromEntries(snap.sources.map((s) => [s.name, s.size]));
    assert.deepEqual(size, { BM25: 20, Dense: 30, Triples: 89, Rows: 30 });
    const idDiags = await client.diagnosticsOf(files.idTsv, (d) => d.some((x) => /is not in/.test(messageOf(x))));
    const bad = idDiags.find((x) => /is not in/.test(messageOf(x)))!;
    assert.equal(messageOf(bad), 'skipped: pid 123456789 is not in collection.tsv');
    assert.deepEqual(bad.range.start, { line: 2, character: qid.length + pos.length + 2 });
    // The corpus is no source's file: its problem sits on the config's "corpus" key.
    const config = join(dir, 'eci.config.jsonc');
    client.open(config, undefined, 'jsonc');
    const configDiags = await client.diagnosticsOf(config, (d) => d.some((x) => x.code === 'data-file'));
    const onCorpus = configDiags.filter((x) => x.code === 'data-file');
    assert.deepEqual(onCorpus.map((d) => messageOf(d)), [`collection.tsv:${corpus.length - 1}:${corpus[corpus.length - 2].length + 1}: expected id<TAB>text, found no tab: the line ends where the text column should start`]);
    const text = client.text(config);
    assert.equal(text.split('\n')[onCorpus[0].range.start.line].slice(onCorpus[0].range.start.character, onCorpus[0].range.end.character), '"collection.tsv"');
    // Findings of the .jsonl.gz are listed by line (for the Problems panel; the file is never read as text).
    const gz = client.diagnostics.get(`file://${files.hard}`)?.diagnostics ?? [];
    const dup = gz.filter((d) => d.code === 'duplicate-of-positive');
    assert.deepEqual(dup.map((d) => [d.range.start.line, d.range.start.character, d.range.end.line]), [[0, 0, 1]], 'query 0 of the .jsonl.gz: its bm25 negative has the positive\'s id');
    // And those of a Parquet file by row (rows 7–9 of each query hold its random negatives).
    const rows = client.diagnostics.get(`file://${join(dir, 'ids.parquet')}`)?.diagnostics ?? [];
    assert.ok(rows.length > 0 && rows.every((d) => d.range.start.line % 9 >= 6), JSON.stringify(rows.slice(0, 2)));
  });
});
