/**
 * Issue 11: the same triples as flat JSONL, MS MARCO id TSV + collection,
 * the hard-negatives `.jsonl.gz` (negatives by system), BEIR (corpus.jsonl,
 * queries.jsonl, qrels) — vectors from aligned `.npy` matrices — give the same
 * scores and findings through the CLI's JSON report; only file and line differ.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { makeDataset, SYSTEMS, writeLayouts } from '../helpers/idDatasets';
import { scoreJson } from '../helpers/cliJson';

const dir = mkdtempSync(join(tmpdir(), 'eci-layouts-'));
const ds = makeDataset();
writeLayouts(ds, dir);

interface Report {
  sources: { name: string; size: number; eci: number; findings: Record<string, number> }[];
  triples: { source: string; file: string; line: number; findings: string[]; [k: string]: unknown }[];
  problems: { file: string; line: number; column: number; message: string }[];
}

async function runCli(args: string[], cwd = dir): Promise<{ code: number; report: Report | null; err: string }> {
  const r = await scoreJson<Report>(args, cwd);
  return { code: r.code, report: r.report, err: r.stderr };
}

function config(name: string, body: Record<string, unknown>, sources: (sys: string) => Record<string, unknown>): string {
  const path = join(dir, `${name}.jsonc`);
  writeFileSync(path, JSON.stringify({ ...body, encoder: { kind: 'precomputed' }, sources: SYSTEMS.map((s) => ({ name: s, key: s, ...sources(s) })) }, null, 2));
  return path;
}

const vectors = { embeddings: { corpus: 'corpus.npy', queries: 'queries.npy' } };
const msmarco = { corpus: 'collection.tsv', queries: 'queries.tsv', ...vectors };
const beir = { corpus: 'corpus.jsonl', queries: 'queries.jsonl', qrels: 'qrels/train.tsv', ...vectors };

const layouts = {
  flat: config('flat', {}, () => ({ files: 'flat.jsonl' })),
  idTsv: config('id-tsv', msmarco, () => ({ files: 'triples.tsv' })),
  hardNegatives: config('hard', msmarco, () => ({ files: 'hard-negatives.jsonl.gz' })),
  beir: config('beir', beir, () => ({ files: 'beir-negatives.jsonl' })),
  trecQrels: config('trec', { ...msmarco, qrels: 'qrels.train.tsv' }, () => ({ files: 'beir-negatives.jsonl' })),
};

/** What must not depend on the layout: everything but where a triple was read. */
function essence(r: Report) {
  return {
    sources: r.sources,
    triples: r.triples.map(({ file: _f, line: _l, ...rest }) => rest),
  };
}

const runs = Object.fromEntries(Object.entries(layouts).map(([k, path]) => [k, runCli([path])]));

test('flat JSONL: the reference run scores every triple', async () => {
  const { code, report, err } = await runs.flat;
  assert.equal(code, 0, err);
  assert.deepEqual(report!.problems, []);
  assert.equal(report!.triples.length, ds.items.length * SYSTEMS.length * 3);
  const bm25 = report!.sources.find((s) => s.name === 'bm25')!;
  assert.equal(bm25.findings['duplicate-of-positive'], 1, 'the negative that is the positive itself');
});

for (const name of ['idTsv', 'hardNegatives', 'beir', 'trecQrels'] as const) {
  test(`${name}: the same scores and findings as flat JSONL`, async () => {
    const ref = (await runs.flat).report!;
    const { code, report, err } = await runs[name];
    assert.equal(code, 0, err);
    assert.deepEqual(report!.problems, []);
    assert.deepEqual(essence(report!), essence(ref));
  });
}

test('hard-negatives .jsonl.gz: a triple is reported at its line of the decompressed file', async () => {
  const { report } = await runs.hardNegatives;
  const dup = report!.triples.find((t) => t.findings.includes('duplicate-of-positive'))!;
  assert.equal(dup.file, 'hard-negatives.jsonl.gz');
  assert.equal(dup.line, 1, 'query 0 is the first record');
  const last = report!.triples[report!.triples.length - 1];
  assert.equal(last.line, ds.items.length);
});
