/**
 * The README's main job, through the bundled CLI and the embedded default model:
 * `eci-sem score examples/eci.config.jsonc`. Checks the planted problems of
 * examples/README.md are found, the ranking is explainable, bad lines are
 * reported at their line, and a re-run embeds only what changed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import test from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(__dirname, '../..');
const bin = join(root, 'bin/eci-sem.js');
const work = mkdtempSync(join(tmpdir(), 'eci-examples-'));
const cacheDir = join(work, 'cache');
cpSync(join(root, 'examples'), join(work, 'examples'), { recursive: true });

interface Triple { source: string; line: number; findings: string[]; t: number; c: number }
interface Source { name: string; group: string; rank: number; size: number; n: number; eci: number; findings: Record<string, number>; mean: { l: number } }

async function score(args: string[]) {
  const { stdout, stderr } = await run(process.execPath, [bin, 'score', ...args, '--cache-dir', cacheDir, '--format', 'json', '--triples'], { cwd: work, maxBuffer: 1 << 28 });
  return { report: JSON.parse(stdout) as { sources: Source[]; triples: Triple[]; problems: { file: string; line: number }[] }, stderr };
}

/** Bytes of the embedding records (not the line facts kept beside them, in facts/). */
function cacheBytes(): number {
  let total = 0;
  for (const d of readdirSync(cacheDir)) {
    if (d === 'facts') continue;
    for (const f of readdirSync(join(cacheDir, d))) total += statSync(join(cacheDir, d, f)).size;
  }
  return total;
}

const first = score(['examples/eci.config.jsonc']);

test('scores the four example sources and the hybrid with the default model', async () => {
  const { report } = await first;
  const by = Object.fromEntries(report.sources.map((s) => [s.name, s]));
  assert.deepEqual(Object.keys(by).sort(), ['BM25', 'Dense', 'Dense+LLM', 'LLM', 'Random']);
  for (const name of ['BM25', 'Dense', 'LLM', 'Random']) {
    assert.equal(by[name].group, 'plain');
    assert.equal(by[name].size, 60);
    assert.equal(by[name].n, 60);
    assert.equal(by[name].findings['under-sampled'], 1);
  }
  assert.equal(by['Dense+LLM'].group, 'hybrid');
  assert.equal(by['Dense+LLM'].size, 120, 'per-query union of Dense and LLM');
  assert.equal(by['Dense+LLM'].rank, 1);
  // Random negatives are another query's positive: far from the boundary.
  assert.ok(by.Random.findings['too-easy'] >= 48);
  assert.ok(by.Random.mean.l < 0.15);
  assert.ok(by.Random.eci < by.BM25.eci && by.Random.eci < by.Dense.eci);
  // The hybrid adds Dense's informative directions to LLM's: more than LLM alone.
  assert.ok(by['Dense+LLM'].eci > by.LLM.eci);
});

test('finds the planted duplicates and false negatives at their lines', async () => {
  const { report } = await first;
  const at = (source: string, line: number) => report.triples.find((t) => t.source === source && t.line === line)!;
  for (const line of [27, 39, 47]) {
    assert.ok(at('LLM', line).findings.includes('duplicate-of-positive'), `llm.jsonl:${line} is a planted duplicate`);
  }
  const l58 = at('LLM', 58).findings;
  assert.ok(l58.includes('duplicate-of-positive') || l58.includes('near-duplicate-of-positive'), 'llm.jsonl:58 drops one sentence of the positive');
  for (const line of [16, 30, 36, 44]) {
    const t = at('Dense', line);
    assert.ok(t.findings.includes('likely-false-negative'), `dense.jsonl:${line} answers the question (t = ${t.t})`);
  }
  assert.equal(at('LLM', 27).c > 0.999, true, 'an exact copy has cosine 1 with its positive');
});

test('a re-run embeds nothing new; an edited line embeds only its new text', async () => {
  await first;
  const before = cacheBytes();
  const again = await score(['examples/eci.config.jsonc']);
  assert.equal(cacheBytes(), before, 'everything came from the cache');
  assert.deepEqual(again.report.sources, (await first).report.sources, 'same inputs, same scores');
  const file = join(work, 'examples/data/random.jsonl');
  const lines = readFileSync(file, 'utf8').split('\n');
  const rec = JSON.parse(lines[9]);
  rec.negative = 'An entirely new negative passage about configuring printers with CUPS.';
  lines[9] = JSON.stringify(rec);
  writeFileSync(file, lines.join('\n'));
  await score(['examples/eci.config.jsonc']);
  const grown = cacheBytes() - before;
  assert.ok(grown > 0);
  const second = cacheBytes();
  await score(['examples/eci.config.jsonc']);
  assert.equal(cacheBytes(), second);
  // One new text: one record (16-byte key + 512 floats + checksum).
  assert.equal(grown, 16 + 512 * 4 + 4);
});

test('malformed.jsonl: every bad line reported at its line, the good ones scored', async () => {
  const { report, stderr } = await score(['examples/malformed.jsonl']);
  assert.deepEqual(report.problems.map((p) => p.line).sort((a, b) => a - b), [2, 4, 5, 7, 8, 9, 11, 12, 13, 14]);
  for (const p of report.problems) assert.equal(p.file, 'examples/malformed.jsonl');
  assert.equal(report.sources.reduce((n, s) => n + s.size, 0), 5);
  assert.match(stderr, /10 problem\(s\) on 10 line\(s\) were skipped/);
});
