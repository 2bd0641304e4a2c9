/**
 * encoder.executionProviders for the ONNX kinds, through the CLI with the default model:
 * the report names the provider that ran the model; a provider missing from the installed
 * onnxruntime-node is skipped with a warning saying how to get it, or — when nothing else
 * is listed — ends the run with one message. (This machine's onnxruntime-node has no CUDA
 * libraries, as an install without its download step never has.)
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../server/src/core/config';
import { cli, workFolder } from '../helpers/httpRuns';

/** An onnxruntime-node installed with its CUDA download has the provider library next to the binding. */
const ortBin = join(dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
const cudaInstalled = existsSync(join(ortBin, process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so'));
const noCuda = { skip: cudaInstalled ? 'onnxruntime-node here has the CUDA provider' : false };

test('["cpu"]: runs, and the report names the provider', async () => {
  const w = workFolder({ kind: 'default', executionProviders: ['cpu'] }, ['bm25']);
  const run = await cli([w.config, '--cache-dir', join(w.dir, 'cache')], w.dir);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.report!.settings.encoder, { kind: 'default', model: 'use-lite-en', dimension: 512, provider: 'cpu' });
});

test('["cuda", "cpu"] without the CUDA libraries: falls back to cpu, with a warning that says how to install CUDA support', noCuda, async () => {
  const w = workFolder({ kind: 'default', executionProviders: ['cuda', 'cpu'] }, ['bm25']);
  const run = await cli([w.config, '--no-cache'], w.dir);
  assert.equal(run.code, 0, run.stderr);
  assert.equal((run.report!.settings.encoder as { provider?: string }).provider, 'cpu');
  assert.match(run.stderr, /warning: encoder\.executionProviders: "cuda" is not available in the installed onnxruntime-node .*--onnxruntime-node-install=cuda12.*the model runs on "cpu"/);
});

test('["cuda"] alone without the CUDA libraries: one clear message, exit 2', noCuda, async () => {
  const w = workFolder({ kind: 'default', executionProviders: ['cuda'] }, ['bm25']);
  const run = await cli([w.config, '--no-cache'], w.dir);
  assert.equal(run.code, 2);
  const lines = run.stderr.split('\n').filter((l) => l.startsWith('eci-sem:'));
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0]!, /none of encoder\.executionProviders \["cuda"\] can run .*model\.onnx: "cuda" is not available .*add "cpu" to the list/);
});

test('config: unknown providers and providers on a kind without a model are reported at the key', () => {
  const p = parseConfig('{"sources": [{"name": "A", "files": "a.jsonl"}], "encoder": {"kind": "onnx", "path": "m", "executionProviders": ["cuda", "rocm"]}}');
  assert.ok(p.problems.some((x) => x.severity === 'error' && /^encoder\.executionProviders\[1\]: expected one of "cpu", "cuda"/.test(x.message)), JSON.stringify(p.problems));
  assert.deepEqual(p.config!.encoder.executionProviders, ['cuda']);
  const q = parseConfig('{"sources": [{"name": "A", "files": "a.jsonl"}], "encoder": {"kind": "precomputed", "executionProviders": ["cpu"]}}');
  assert.match(q.problems[0]!.message, /encoder\.executionProviders: ignored: kind "precomputed" runs no ONNX model/);
});
