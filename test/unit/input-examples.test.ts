/**
 * examples/msmarco-style: the example dataset by id (collection, queries, qrels,
 * a gzipped hard-negatives file with three systems, MS MARCO id triples) scores
 * exactly like the flat JSONL example, through the bundled CLI and the default model.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import test from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(__dirname, '../..');
const cacheDir = mkdtempSync(join(tmpdir(), 'eci-msmarco-example-'));

async function score(config: string) {
  const { stdout } = await run(process.execPath, [join(root, 'bin/eci-sem.js'), 'score', config, '--cache-dir', cacheDir, '--format', 'json', '--triples', '--quiet'], { cwd: root, maxBuffer: 1 << 26 });
  return JSON.parse(stdout) as { sources: { name: string; findings: Record<string, number> }[]; triples: { source: string; file: string; line: number; findings: string[] }[]; problems: unknown[] };
}

test('the MS MARCO-style example scores like the flat example, and its id duplicates are found', async () => {
  const flat = await score('examples/eci.config.jsonc');
  const byId = await score('examples/msmarco-style/msmarco.config.jsonc');
  assert.deepEqual(byId.problems, []);
  assert.deepEqual(byId.sources, flat.sources);
  const dupLines = byId.triples.filter((t) => t.source === 'LLM' && t.findings.includes('duplicate-of-positive')).map((t) => t.line);
  assert.ok(dupLines.includes(27), 'query 27: its llm negative is the positive\'s own pid (line 27 of the .jsonl.gz)');
  assert.ok(byId.triples.filter((t) => t.source === 'Random').every((t) => t.file === 'examples/msmarco-style/qidpidtriples.sample.tsv'));
});
