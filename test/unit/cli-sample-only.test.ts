/**
 * `eci-sem score --sample-only` (spec §3.6): embeds only the sampled triples, writes a
 * report of scope "sample" whose triples are the sampled ones only (the others are
 * absent, not zero), and says so in the table.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { main } from '../../server/src/cli/main';
import { intactCacheFile } from '../helpers/encoderFaults';
import { cli } from '../helpers/httpRuns';
import { ROOT } from '../helpers/lspClient';

interface Report {
  scope: string;
  residualScale: number;
  sources: { name: string; n: number; size: number; eci: number; findings: Record<string, number> }[];
  triples: { source: string; file: string; line: number; sampled: boolean; findings: string[] }[];
}

function examples(): string {
  const dir = mkdtempSync(join(tmpdir(), 'eci-sample-only-'));
  cpSync(join(ROOT, 'examples'), dir, { recursive: true });
  const config = join(dir, 'eci.config.jsonc');
  const text = readFileSync(config, 'utf8');
  assert.ok(text.includes('"sampleSize": 1000'));
  writeFileSync(config, text.replace('"sampleSize": 1000', '"sampleSize": 15'));
  return dir;
}

test('--sample-only embeds the samples alone and reports scope "sample"', async () => {
  const dir = examples();
  const config = join(dir, 'eci.config.jsonc');
  const cacheSample = mkdtempSync(join(tmpdir(), 'eci-cache-'));
  const cacheFull = mkdtempSync(join(tmpdir(), 'eci-cache-'));
  const sample = await cli([config, '--sample-only', '--cache-dir', cacheSample], dir);
  assert.equal(sample.code, 0, sample.stderr);
  const full = await cli([config, '--cache-dir', cacheFull], dir);
  assert.equal(full.code, 0, full.stderr);
  const s = sample.report as unknown as Report, f = full.report as unknown as Report;
  assert.equal(s.scope, 'sample');
  assert.equal(f.scope, 'all');
  // The same samples, sources and sizes; only sampled triples are listed.
  const sizes = (r: Report) => r.sources.map((x) => [x.name, x.n, x.size]).sort();
  assert.deepEqual(sizes(s), sizes(f));
  assert.ok(s.triples.length > 0 && s.triples.every((t) => t.sampled), 'unsampled triples are absent, not zero');
  const key = (t: Report['triples'][number]) => `${t.source}|${t.file}|${t.line}`;
  assert.deepEqual(s.triples.map(key).sort(), f.triples.filter((t) => t.sampled).map(key).sort());
  assert.ok(f.triples.length > 3 * s.triples.length / 2, `${f.triples.length} triples in all, ${s.triples.length} sampled`);
  // Counts cover the sample: LLM's 56 duplicates of 60 are at most its 15 sampled ones.
  const llm = s.sources.find((x) => x.name === 'LLM')!;
  assert.ok((llm.findings['duplicate-of-positive'] ?? 0) <= 15 && (llm.findings['duplicate-of-positive'] ?? 0) > 5);
  // Only the texts of sampled triples were embedded.
  const embeddedSample = intactCacheFile(cacheSample).records;
  const embeddedFull = intactCacheFile(cacheFull).records;
  assert.ok(embeddedSample < embeddedFull * 0.8, `sample-only embedded ${embeddedSample} texts, a full run ${embeddedFull}`);
});

test('the table names the sample scope', async () => {
  const dir = examples();
  const run = async (extra: string[]) => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => { text += c.toString(); });
    const code = await main(['score', join(dir, 'eci.config.jsonc'), '--quiet', ...extra], { stdout: out, stderr: new PassThrough() as unknown as NodeJS.WriteStream, cwd: dir });
    assert.equal(code, 0);
    return text;
  };
  assert.match(await run(['--sample-only']), /^scope: sample — only the sampled triples were embedded and scored/m);
  assert.doesNotMatch(await run([]), /scope: sample/);
});
