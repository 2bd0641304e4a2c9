/**
 * The CLI end to end on precomputed vectors (no model): ranking, the JSON
 * report of spec §6, reproducibility, bad lines, exit codes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import test from 'node:test';
import { main } from '../../server/src/cli/main';
import { syntheticLines } from '../helpers/synthetic';

function capture() {
  const stdout = new PassThrough();
  const stderr = new PassThrough() as unknown as NodeJS.WriteStream;
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  (stderr as unknown as PassThrough).on('data', (c: Buffer) => (err += c));
  return { io: { stdout, stderr, cwd: dir }, out: () => out, err: () => err };
}

const dir = mkdtempSync(join(tmpdir(), 'eci-cli-'));
writeFileSync(join(dir, 'hard.jsonl'), syntheticLines('Hard', 60, 'hard', 1).join('\n') + '\n');
writeFileSync(join(dir, 'easy.jsonl'), syntheticLines('Easy', 60, 'easy', 2).join('\n') + '\n');
writeFileSync(join(dir, 'dup.jsonl'), syntheticLines('Dup', 60, 'duplicate', 3).join('\n') + '\n');
const bad = syntheticLines('Hard2', 5, 'hard', 4);
bad.splice(2, 0, '{"query": "broken json", ');
bad.splice(4, 0, JSON.stringify({ query: 'q', positive: 42, negative: 'n' }));
writeFileSync(join(dir, 'mixed.jsonl'), bad.join('\n') + '\n');

async function runJson(args: string[]) {
  const c = capture();
  const code = await main(['score', ...args, '--format', 'json', '--quiet'], c.io);
  return { code, report: code === 2 ? null : JSON.parse(c.out()), err: c.err() };
}

test('ranks a near-boundary source above random and duplicate negatives', async () => {
  const { code, report } = await runJson(['hard.jsonl', 'easy.jsonl', 'dup.jsonl']);
  assert.equal(code, 0);
  assert.equal(report.schemaVersion, 2);
  assert.equal(report.scope, 'all');
  assert.equal(report.settings.resamples, 20);
  assert.equal(report.settings.encoder.kind, 'precomputed');
  assert.equal(report.settings.encoder.dimension, 16);
  const byName = Object.fromEntries(report.sources.map((s: { name: string }) => [s.name, s]));
  assert.equal(byName.Hard.rank, 1);
  assert.ok(byName.Hard.eci > byName.Easy.eci, 'hard negatives carry more information than random ones');
  assert.ok(byName.Dup.eci < 1e-6, 'a negative identical to its positive has no residual');
  assert.equal(byName.Dup.findings['duplicate-of-positive'], 60);
  assert.ok(byName.Easy.findings['too-easy'] > 50);
  assert.equal(byName.Hard.size, 60);
  assert.equal(byName.Hard.underSampled, true);
  assert.equal(byName.Hard.findings['under-sampled'], 1);
  for (const s of report.sources) {
    assert.deepEqual(Object.keys(s), ['name', 'group', 'rank', 'size', 'n', 'underSampled', 'eci', 'perExample', 'diversity', 'mean', 'stability', 'findings']);
    assert.ok(s.diversity >= 0 && s.diversity <= 1);
  }
});

test('scores with precomputed vectors are bit-identical across runs', async () => {
  const first = await runJson(['hard.jsonl', 'easy.jsonl', '--triples']);
  const second = await runJson(['hard.jsonl', 'easy.jsonl', '--triples']);
  assert.deepEqual(first.report.sources, second.report.sources);
  assert.deepEqual(first.report.triples, second.report.triples);
  assert.equal(first.report.residualScale, second.report.residualScale);
});

test('--triples lists every triple at its file and line with its factors', async () => {
  const { report } = await runJson(['hard.jsonl', '--triples', '--sample-size', '10']);
  assert.equal(report.triples.length, 60);
  const t = report.triples[4];
  assert.equal(t.file, 'hard.jsonl');
  assert.equal(t.line, 5);
  assert.ok(t.a >= -1 && t.a <= 1 && t.b >= -1 && t.b <= 1);
  assert.ok(Math.abs(t.w - t.t * t.l * t.r) < 1e-12);
  assert.equal(report.triples.filter((x: { sampled: boolean }) => x.sampled).length, 10);
  for (const x of report.triples) {
    assert.equal('gain' in x, x.sampled);
    const keys = ['source', 'file', 'line', 'a', 'b', 'c', 't', 'l', 'r', 'w', 'sampled', ...(x.sampled ? ['leverage', 'gain'] : []), 'findings'];
    assert.deepEqual(Object.keys(x), keys, 'spec §6 field order');
  }
  assert.equal(report.sources[0].n, 10);
  assert.equal(report.sources[0].underSampled, false);
});

test('bad lines are reported at their line and skipped; good lines still count', async () => {
  const { code, report, err } = await runJson(['mixed.jsonl']);
  assert.equal(code, 0);
  assert.equal(report.sources[0].size, 5);
  const lines = report.problems.map((p: { line: number }) => p.line).sort();
  assert.deepEqual(lines, [3, 5]);
  assert.match(err, /2 problem\(s\) on 2 line\(s\)/);
  for (const p of report.problems) assert.equal(p.file, 'mixed.jsonl');
});

test('--fail-on error exits 1 when duplicates exist, 0 otherwise', async () => {
  assert.equal((await runJson(['dup.jsonl', '--fail-on', 'error'])).code, 1);
  assert.equal((await runJson(['hard.jsonl', '--fail-on', 'error'])).code, 0);
});

test('unusable input exits 2 with a message', async () => {
  writeFileSync(join(dir, 'empty.jsonl'), '\n\n');
  const c = capture();
  assert.equal(await main(['score', 'empty.jsonl', '--quiet'], c.io), 2);
  assert.match(c.err(), /no usable triples/);
  const d = capture();
  assert.equal(await main(['score', '--sample-size', 'many', 'hard.jsonl'], d.io), 2);
  assert.match(d.err(), /--sample-size expects an integer/);
});

test('table and markdown formats name the settings and both groups', async () => {
  const c = capture();
  assert.equal(await main(['score', 'hard.jsonl', 'easy.jsonl', '--quiet'], c.io), 0);
  assert.match(c.out(), /plain sources/);
  assert.match(c.out(), /τ 0\.02 · λ 1 · sample 1000 · seed 13 · resamples 20/);
  const m = capture();
  assert.equal(await main(['score', 'hard.jsonl', '--format', 'markdown', '--out', 'r.md', '--quiet'], m.io), 0);
  assert.match(readFileSync(join(dir, 'r.md'), 'utf8'), /^# ECI_sem ranking/);
});
