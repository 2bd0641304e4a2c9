/**
 * Stability on the example dataset with the default model, through the bundled
 * CLI (one run). Next to the four example sources the config adds two that are
 * drawn from one distribution: Mix1 takes BM25's negative for the odd-numbered
 * queries and Dense's for the even ones, Mix2 the other way round. The two are
 * reported tied; clearly different sources (Random, LLM) are not.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import test from 'node:test';
import { promisify } from 'node:util';
import { renderTable } from '../../server/src/core/render';
import type { ReportSource } from '../../server/src/core/report';

const root = resolve(__dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'eci-stability-examples-'));
cpSync(join(root, 'examples'), join(work, 'examples'), { recursive: true });
const data = join(work, 'examples/data');
const lines = (f: string) => readFileSync(join(data, f), 'utf8').trimEnd().split('\n');
const bm25 = lines('bm25.jsonl'), dense = lines('dense.jsonl');
assert.deepEqual(bm25.map((l) => JSON.parse(l).query), dense.map((l) => JSON.parse(l).query), 'one query per line, the same in both files');
writeFileSync(join(data, 'mix1.jsonl'), bm25.map((l, i) => (i % 2 ? l : dense[i])).join('\n') + '\n');
writeFileSync(join(data, 'mix2.jsonl'), bm25.map((l, i) => (i % 2 ? dense[i] : l)).join('\n') + '\n');
const config = JSON.parse(readFileSync(join(work, 'examples/eci.config.jsonc'), 'utf8').replace(/^\s*\/\/.*$/gm, ''));
config.sources.push({ name: 'Mix1', files: 'data/mix1.jsonl' }, { name: 'Mix2', files: 'data/mix2.jsonl' });
writeFileSync(join(work, 'examples/mix.config.json'), JSON.stringify(config, null, 2));

type Source = ReportSource & { stability: NonNullable<ReportSource['stability']> };
interface Report {
  settings: { temperature: number; lambda: number; sampleSize: number; seed: number; resamples: number; thresholds: { stableAgreement: number }; encoder: { model: string; dimension: number } };
  residualScale: number;
  sources: Source[];
  agreement: { group: string; a: string; b: string; share: number | null; comparable: boolean }[];
}

const run = promisify(execFile)(process.execPath, [join(root, 'bin/eci-sem.js'), 'score', 'examples/mix.config.json', '--format', 'json', '--quiet', '--cache-dir', join(work, 'cache')], { cwd: work, maxBuffer: 1 << 26 })
  .then(({ stdout }) => JSON.parse(stdout) as Report);

test('examples: two sources drawn from one distribution are tied, clearly different ones are not', async () => {
  const report = await run;
  const by = Object.fromEntries(report.sources.map((s) => [s.name, s]));
  const share = (x: string, y: string) => {
    const p = report.agreement.find((q) => (q.a === x && q.b === y) || (q.a === y && q.b === x))!;
    return p.a === x ? p.share! : 1 - p.share!;
  };
  const [upper, lower] = by.Mix1.rank < by.Mix2.rank ? [by.Mix1, by.Mix2] : [by.Mix2, by.Mix1];
  assert.equal(lower.rank, upper.rank + 1, 'the two mixtures are neighbours in the ranking');
  assert.equal(upper.stability.tiedWithNext, true, `agreement ${upper.stability.agreementWithNext}`);
  assert.equal(upper.findings['tied-with-next'], 1);
  assert.ok(share(upper.name, lower.name) < report.settings.thresholds.stableAgreement);
  // Random and LLM negatives are clearly weaker than the others, and LLM's minimal
  // edits (duplicates of the positive) weaker than random ones: not tied, in any half-sample.
  for (const name of ['BM25', 'Dense', 'Mix1', 'Mix2']) {
    assert.equal(share(name, 'Random'), 1, `${name} above Random`);
    assert.equal(share(name, 'LLM'), 1, `${name} above LLM`);
  }
  assert.equal(share('Random', 'LLM'), 1);
  assert.equal(by.Dense.stability.tiedWithNext, false);
  assert.equal(by.Random.stability.tiedWithNext, false);
  assert.equal(report.agreement.filter((p) => p.group === 'plain').length, 15, 'every pair of six plain sources');
  assert.equal(by['Dense+LLM'].stability.agreementWithNext, null, 'the only hybrid has no next one');
  for (const s of report.sources) assert.equal(s.stability.n, s.n >> 1);

  // The table of this report shows the tie and says which ranks it joins.
  const table = renderTable({
    sources: report.sources.map((s) => ({ ...s, unsafe: 0 })),
    settings: { ...report.settings, encoder: report.settings.encoder }, residualScale: report.residualScale, problems: [], skippedLines: 0,
  });
  assert.match(table, new RegExp(`${upper.name}\\s+[0-9.]+\\s+≈ ${lower.name} \\d+%`));
  assert.match(table, new RegExp(`${upper.rank} ≈ ${lower.rank}: the order of ${upper.name} and ${lower.name} is supported by only \\d+% of 20 half-samples`));
  assert.match(table, /Random\s+[0-9.]+\s+> LLM 100%/);
});
