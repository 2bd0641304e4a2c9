/**
 * Issue 11, bad input of the new layouts: each mistake is one clear problem at
 * its place (file, line, column), the good records are still scored, and
 * nothing crashes. Also `negativesPerQuery` and the CLI's --corpus/--queries.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { gzipSync } from 'node:zlib';
import { parseConfig } from '../../server/src/core/config';
import { describeFinding } from '../../server/src/core/findings';
import { makeDataset, npyBytes, SYSTEMS, triplesOf, writeLayouts } from '../helpers/idDatasets';
import { scoreJson } from '../helpers/cliJson';

const dir = mkdtempSync(join(tmpdir(), 'eci-adversarial-'));
const ds = makeDataset(8, 3);
const files = writeLayouts(ds, dir);
const triples = triplesOf(ds);

interface Report {
  sources: { name: string; size: number; findings: Record<string, number> }[];
  triples: { source: string; file: string; line: number; findings: string[] }[];
  problems: { file: string; line: number; column: number; message: string; field?: string }[];
}

async function run(args: string[]): Promise<{ code: number; report: Report | null; err: string }> {
  const r = await scoreJson<Report>(args, dir);
  return { code: r.code, report: r.report, err: r.stderr };
}

/** Problems of a run that scored nothing: printed as file:line:column: message. */
function printed(err: string): { file: string; line: number; column: number; message: string }[] {
  return err.split('\n').map((l) => /^(.+?):(\d+):(\d+): (.*)$/.exec(l)).filter((m) => m !== null)
    .map((m) => ({ file: m![1], line: Number(m![2]), column: Number(m![3]), message: m![4] }));
}

function write(name: string, data: string | Buffer): string {
  writeFileSync(join(dir, name), data);
  return name;
}

function config(name: string, body: Record<string, unknown>): string {
  return write(`${name}.jsonc`, JSON.stringify({ corpus: 'collection.tsv', queries: 'queries.tsv', embeddings: { corpus: 'corpus.npy', queries: 'queries.npy' }, encoder: { kind: 'precomputed' }, ...body }));
}

const tsvLines = readFileSync(files.idTsv, 'utf8').trimEnd().split('\n');

test('an unknown id is one problem at its line and column; the other lines are scored', async () => {
  const lines = [...tsvLines];
  const [qid, pos] = lines[4].split('\t');
  lines[4] = `${qid}\t${pos}\t9999999\tbm25`;
  const file = write('unknown.tsv', lines.join('\n') + '\n');
  const { code, report } = await run([config('unknown', { sources: [{ name: 'All', files: file }] })]);
  assert.equal(code, 0);
  assert.deepEqual(report!.problems, [{ file, line: 5, column: qid.length + pos.length + 3, message: 'pid 9999999 is not in collection.tsv' }]);
  assert.equal(report!.triples.length, triples.length - 1);
});

test('ids of the wrong type are reported at the value, by field', async () => {
  const recs = readFileSync(files.beirNegatives, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
  recs[1].neg.dense[2] = 1.5;
  recs[2].query_id = true;
  const text = recs.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const file = write('wrong-type.jsonl', text);
  const { code, report } = await run([config('wrong-type', { qrels: 'qrels/train.tsv', sources: [{ name: 'All', files: file }] })]);
  assert.equal(code, 0);
  const [p1, p2] = report!.problems;
  const line2 = text.split('\n')[1];
  assert.equal(p1.line, 2);
  assert.equal(p1.column, line2.indexOf('1.5') + 1);
  assert.match(p1.message, /neg\.dense\[2\]: expected an id \(a string or an integer\), got the number 1\.5/);
  assert.equal(p2.line, 3);
  assert.match(p2.message, /query_id: expected an id/);
  // Line 2 keeps its good negatives (other systems), line 3 has none.
  assert.equal(report!.triples.length, triples.length - 1 - SYSTEMS.length * 3);
});

test('a corpus line without a tab and a duplicate corpus id are one problem each, at their lines', async () => {
  const lines = readFileSync(files.collection, 'utf8').trimEnd().split('\n');
  const [id3] = lines[3].split('\t');
  lines[3] = lines[3].replace('\t', ' ');
  // The last record is a passage no triple names: the matrix keeps its row count.
  lines[lines.length - 1] = `${lines[0].split('\t')[0]}\tanother text for the same id`;
  const corpus = write('collection-bad.tsv', lines.join('\n') + '\n');
  const { report } = await run([config('bad-corpus', { corpus, sources: [{ name: 'All', files: 'triples.tsv' }] })]);
  const mine = report ? report.problems.filter((p) => p.file === corpus) : [];
  assert.deepEqual(mine.map((p) => [p.line, p.message]), [
    [4, 'expected id<TAB>text, found no tab: the line ends where the text column should start'],
    [lines.length, `duplicate corpus id ${lines[0].split('\t')[0]} (first at line 1, which is used)`],
  ]);
  // Triples naming the broken passage say where to look.
  const refs = report!.problems.filter((p) => p.file === 'triples.tsv');
  assert.ok(refs.length > 0 && refs.every((p) => p.message.includes(`pid ${id3} is not in ${corpus}`)), JSON.stringify(refs[0]));
});

test('a truncated .jsonl.gz: one problem after the last whole line, the lines before it scored', async () => {
  const whole = readFileSync(files.hard);
  const file = write('cut.jsonl.gz', whole.subarray(0, Math.floor(whole.length * 0.7)));
  const { code, report } = await run([config('cut', { sources: [{ name: 'All', files: file }] })]);
  assert.equal(code, 0);
  assert.equal(report!.problems.length, 1);
  const p = report!.problems[0];
  const lastGood = Math.max(...report!.triples.map((t) => t.line));
  assert.ok(lastGood >= 1 && lastGood < ds.items.length);
  assert.equal(p.line, lastGood + 1);
  assert.match(p.message, new RegExp(`^the gzip data is damaged or truncated after line ${lastGood} `));
  assert.equal(report!.triples.length, lastGood * SYSTEMS.length * 3);
  // A corrupt (not only short) stream too.
  const bad = Buffer.from(whole);
  bad.fill(0x55, 40, 60);
  const corrupt = await run([config('corrupt', { sources: [{ name: 'All', files: write('corrupt.jsonl.gz', bad) }] })]);
  const seen = corrupt.report?.problems ?? printed(corrupt.err);
  assert.equal(seen.length, 1, corrupt.err);
  assert.equal(seen[0].file, 'corrupt.jsonl.gz');
  assert.match(seen[0].message, /^the gzip data is damaged or truncated after line \d+ \((invalid|incorrect|unknown)[^)]*\)/);
});

test('an .npy of the wrong shape or dtype is one problem at the matrix, and is not used', async () => {
  write('short.npy', npyBytes(ds.passages.slice(1).map((p) => p.vector)));
  const shape = await run([config('short', { embeddings: { corpus: 'short.npy', queries: 'queries.npy' }, sources: [{ name: 'All', files: 'triples.tsv' }] })]);
  const m1 = printed(shape.err).find((p) => p.file === 'short.npy');
  assert.equal(m1?.message, `the matrix has ${ds.passages.length - 1} rows, but collection.tsv has ${ds.passages.length} records: row i must be the vector of record i (in file order); the matrix is not used`);
  const int = npyBytes(ds.passages.map((p) => p.vector));
  int.write("'<i4'", int.indexOf("'<f4'"), 'latin1');
  write('ints.npy', int);
  const dtype = await run([config('ints', { embeddings: { corpus: 'ints.npy', queries: 'queries.npy' }, sources: [{ name: 'All', files: 'triples.tsv' }] })]);
  const m2 = printed(dtype.err).find((p) => p.file === 'ints.npy');
  assert.match(m2?.message ?? dtype.err, /^dtype '<i4' is not supported: expected little-endian float32, float16 or float64/);
});

test('float16 and float64 matrices (format version 2) give the same findings as float32', async () => {
  write('c16.npy', npyBytes(ds.passages.map((p) => p.vector), '<f2', 2));
  write('q16.npy', npyBytes(ds.queries.map((p) => p.vector), '<f2', 2));
  write('c64.npy', npyBytes(ds.passages.map((p) => p.vector), '<f8', 3));
  write('q64.npy', npyBytes(ds.queries.map((p) => p.vector), '<f8', 3));
  const srcs = SYSTEMS.map((s) => ({ name: s, key: s, files: 'triples.tsv' }));
  const ref = await run([config('f32', { sources: srcs })]);
  const half = await run([config('f16', { embeddings: { corpus: 'c16.npy', queries: 'q16.npy' }, sources: srcs })]);
  const dbl = await run([config('f64', { embeddings: { corpus: 'c64.npy', queries: 'q64.npy' }, sources: srcs })]);
  assert.deepEqual(half.report!.problems, []);
  assert.deepEqual(dbl.report!.sources, ref.report!.sources, 'float64 of float32 values is exact');
  assert.deepEqual(half.report!.sources.map((s) => s.findings), ref.report!.sources.map((s) => s.findings));
});

test('negativesPerQuery takes the first k negatives of each query, in file order', async () => {
  const { report } = await run([config('k2', { sources: [{ name: 'BM25', files: 'hard-negatives.jsonl.gz', key: 'bm25', negativesPerQuery: 2 }, { name: 'Dense', files: 'hard-negatives.jsonl.gz', key: 'dense' }] })]);
  const size = Object.fromEntries(report!.sources.map((s) => [s.name, s.size]));
  assert.equal(size.BM25, ds.items.length * 2);
  assert.equal(size.Dense, ds.items.length * 3);
  // The id TSV spreads a query over lines: the limit counts across them.
  const tsv = await run([config('k1', { sources: [{ name: 'First', files: 'triples.tsv', negativesPerQuery: 1 }] })]);
  assert.equal(tsv.report!.sources[0].size, ds.items.length);
  assert.ok(tsv.report!.triples.every((t) => (t.line - 1) % (SYSTEMS.length * 3) === 0), 'the first line of each query');
  const bad = parseConfig(JSON.stringify({ sources: [{ name: 'A', files: 'a.jsonl', negativesPerQuery: 0 }], embeddings: { corpus: 'x.bin' } }));
  assert.deepEqual(bad.problems.map((p) => p.message), [
    'sources[0].negativesPerQuery: expected an integer ≥ 1, got 0',
    'embeddings.corpus: expected a .npy file (a matrix with one row per passage), got "x.bin"',
  ].sort((a, b) => bad.problems.findIndex((p) => p.message === a) - bad.problems.findIndex((p) => p.message === b)));
});

test('without a config: --corpus and --queries; without them, id files say what they need', async () => {
  const withFlags = await run(['triples.tsv', '--corpus', 'collection.tsv', '--queries', 'queries.tsv', '--encoder', 'precomputed']);
  // No vectors without a config's embeddings: every line says so, none is taken for text.
  assert.ok(withFlags.report === null || withFlags.report.problems.every((p) => /precomputed/.test(p.message)), withFlags.err);
  const without = await run(['triples.tsv', '--encoder', 'precomputed']);
  assert.equal(without.code, 2);
  assert.match(without.err + JSON.stringify(without.report?.problems ?? ''), /look like ids .*give the corpus and queries files/);
  const gz = write('ids-only.jsonl.gz', gzipSync(readFileSync(files.hard)));
  void gz;
  const hard = await run(['hard-negatives.jsonl.gz', '--encoder', 'precomputed']);
  assert.match(hard.err + JSON.stringify(hard.report?.problems ?? ''), /names its query and passages by id: give the corpus and queries files/);
});

test('a negative with the id of a positive is a duplicate-of-positive, and the finding says ids count', async () => {
  const { report } = await run([config('dup', { sources: [{ name: 'BM25', files: 'hard-negatives.jsonl.gz', key: 'bm25' }] })]);
  const dup = report!.triples.filter((t) => t.findings.includes('duplicate-of-positive'));
  assert.deepEqual(dup.map((t) => t.line), [1], 'query 0 lists its positive among its bm25 negatives');
  assert.match(describeFinding('duplicate-of-positive'), /the same id as a positive/);
});

test('a text record that also carries a qid is read as text; an id record with a text query key is not taken for ids', async () => {
  const line = JSON.stringify({ qid: 7, query: 'what is grep', positive: 'grep prints matching lines', negative: 'ls lists files', source: 'S' });
  const file = write('text-with-qid.jsonl', line + '\n');
  const { report, err } = await run([config('text-qid', { sources: [{ name: 'S', files: file }] }), '--encoder', 'precomputed']);
  // Read as a text triple: the one complaint is its missing vectors, not an id lookup.
  const problems = report?.problems ?? printed(err);
  assert.deepEqual(problems.map((p) => [p.file, p.line, p.message]), [[file, 1, 'the encoder is "precomputed", but this triple lacks query_embedding, positive_embedding or negative_embedding']]);
});

test('--corpus with a config is a usage error that says where the corpus goes', async () => {
  const { code, err } = await run([config('with-flags', { sources: [{ name: 'T', files: 'triples.tsv' }] }), '--corpus', 'collection.tsv']);
  assert.equal(code, 2);
  assert.match(err, /--corpus, --queries and --qrels are for triple files given without a config; in a config, name them as "corpus", "queries" and "qrels"/);
});
