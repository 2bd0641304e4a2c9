/**
 * Config checks over a real LSP connection: syntax and meaning errors within a
 * second, on the exact key; Workspace Trust (restricted mode never loads a
 * model or file the workspace names); a model that fails to load; and the
 * same server started as `eci-sem lsp --stdio`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import type { RankingSnapshot } from '../../common/protocol';
import { messageOf, offsetAt, ROOT, TestClient } from '../helpers/lspClient';
import { precomputedConfigWorkspace, tempDir } from '../helpers/lspFixtures';

const BROKEN = `{
  // precomputed vectors: no model needed
  "encoder": { "kind": "precomputed" },
  "sources": [
    { "name": "A", "files": "data/a.jsonl" },
    { "name": "B", "files": "data/missing.jsonl" },
    { "name": "C", "files": "data/*.tsv" },
    { "name": "H", "union": ["A", "Z"] }
  ],
  "temperature": -1,
  "idfCorpus": "corpus/nope.txt"
}
`;

/** The document text a diagnostic's range covers. */
function covered(text: string, d: Diagnostic): string {
  return text.slice(offsetAt(text, d.range.start), offsetAt(text, d.range.end));
}

function find(ds: Diagnostic[], pattern: RegExp): Diagnostic {
  const d = ds.find((x) => pattern.test(messageOf(x)));
  assert.ok(d, `a diagnostic matching ${pattern} among:\n${ds.map(messageOf).join('\n')}`);
  return d;
}

describe('config diagnostics', () => {
  const clients: TestClient[] = [];
  after(() => Promise.all(clients.map((c) => c.stop())));

  test('syntax and meaning errors appear within a second, at the right key', async () => {
    const dir = precomputedConfigWorkspace(BROKEN);
    const client = await TestClient.start({ folder: dir, cacheDir: tempDir('cache'), settings: { run: 'manual' } });
    clients.push(client);
    const config = join(dir, 'eci.config.jsonc');
    const t0 = performance.now();
    client.open(config, BROKEN, 'jsonc');
    const ds = await client.diagnosticsOf(config, (d) => d.length >= 5, 5_000);
    const ms = performance.now() - t0;
    assert.ok(ms < 1000, `config diagnostics took ${ms.toFixed(0)} ms`);
    assert.equal(covered(BROKEN, find(ds, /file not found/)), '"data/missing.jsonl"');
    assert.equal(covered(BROKEN, find(ds, /no file matches "data\/\*\.tsv"/)), '"data/*.tsv"');
    assert.equal(covered(BROKEN, find(ds, /unknown source "Z"/)), '"Z"');
    assert.equal(covered(BROKEN, find(ds, /^temperature: expected a number > 0, got -1/)), '-1');
    assert.equal(covered(BROKEN, find(ds, /idfCorpus file not found/)), '"corpus/nope.txt"');
    for (const d of ds) assert.equal(d.source, 'eci-sem');

    // A syntax error typed into the fixed config: reported within a second of the change.
    const fixed = BROKEN.replace('"data/missing.jsonl"', '"data/b.jsonl"').replace('"data/*.tsv"', '"data/*.jsonl"')
      .replace('["A", "Z"]', '["A", "B"]').replace('-1', '0.05').replace(',\n  "idfCorpus": "corpus/nope.txt"', '');
    client.replaceAll(config, fixed);
    assert.deepEqual(await client.diagnosticsOf(config, (_d, p) => p.version === 2), []);
    const t1 = performance.now();
    const broken = fixed.replace('{ "name": "A", "files": "data/a.jsonl" },', '{ "name": "A" "files": "data/a.jsonl" },');
    const v3 = client.replaceAll(config, broken);
    const syntax = await client.diagnosticsOf(config, (_d, p) => p.version === v3, 5_000);
    assert.ok(performance.now() - t1 < 1000);
    const err = find(syntax, /invalid JSONC: expected ','/);
    assert.equal(err.severity, 1);
    assert.equal(covered(broken, err), '"files"');
  });

  test('a config run scores its sources; source warnings sit on the source names', async () => {
    const dir = precomputedConfigWorkspace(`{
  "encoder": { "kind": "precomputed" },
  "sources": [ { "name": "A", "files": "data/a.jsonl" }, { "name": "B", "files": "data/b.jsonl" } ],
  "sampleSize": 40
}
`);
    const client = await TestClient.start({ folder: dir, cacheDir: tempDir('cache') });
    clients.push(client);
    const config = join(dir, 'eci.config.jsonc');
    const scope = (await client.waitForResults()).scopes[0];
    assert.match(scope, /^file:.*eci\.config\.jsonc$/);
    const [snap] = await client.request<RankingSnapshot[]>('eci/ranking', {});
    assert.equal(snap.settings.sampleSize, 40);
    assert.deepEqual(snap.sources.map((s) => [s.name, s.n, s.size]), [['A', 30, 30], ['B', 30, 30]]);
    client.open(config, undefined, 'jsonc');
    const text = client.text(config);
    const warned = await client.diagnosticsOf(config, (d) => d.filter((x) => x.code === 'under-sampled').length === 2);
    assert.deepEqual(warned.filter((x) => x.code === 'under-sampled').map((x) => covered(text, x)), ['"A"', '"B"']);
    assert.match(messageOf(warned.find((x) => x.code === 'under-sampled')!), /^A: under-sampled — 30 triples < sample size 40/);
    const lenses = await client.codeLens(config);
    assert.deepEqual(lenses?.map((l) => l.command!.arguments), [[{ scope, source: 'A' }], [{ scope, source: 'B' }]]);
    assert.match(lenses![0].command!.title, /^ECI_sem [\d.]+ · rank [12]\/2 plain( · ([>≈] B \(\d+%\)|stability pending))? · δ [\d.]+ · \d+% weak$/);
    const hover = await client.hover(config, 2, 20);
    assert.match((hover!.contents as { value: string }).value, /\*\*A\*\* — rank [12] of 2 \(plain\)/);
    // eciSem.sampleSize overrides the config on the next run.
    client.setSettings({ sampleSize: 10 });
    await client.waitForResults(scope);
    const [again] = await client.request<RankingSnapshot[]>('eci/ranking', {});
    assert.equal(again.settings.sampleSize, 10);
    await client.diagnosticsOf(config, (d) => !d.some((x) => x.code === 'under-sampled'));
  });

  test('restricted mode loads nothing from the workspace: model, eciSem.encoderPath, idfCorpus, cacheDir', async () => {
    const config = `{
  "encoder": { "kind": "onnx", "path": "models/evil" },
  "sources": [ { "name": "T", "files": "data/t.jsonl" } ],
  "idfCorpus": "corpus.txt",
  "cacheDir": ".eci-cache"
}
`;
    const dir = precomputedConfigWorkspace(config);
    // A "model" that fails the run if it is ever loaded (the trusted test below shows it does).
    mkdirSync(join(dir, 'models', 'evil'), { recursive: true });
    writeFileSync(join(dir, 'models', 'evil', 'model.onnx'), 'not a model');
    writeFileSync(join(dir, 'models', 'evil', 'tokenizer.json'), '{}');
    // A named pipe as the IDF corpus: reading it would block the run forever.
    execFileSync('mkfifo', [join(dir, 'corpus.txt')]);
    writeFileSync(join(dir, 'data', 't.jsonl'), [
      { query: 'how to list files', positive: 'use ls to list files', negative: 'use cat to print a file' },
      { query: 'how to copy files', positive: 'use cp to copy files', negative: 'use mv to move files' },
    ].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const cache = tempDir('cache');
    // The workspace model named through the setting too, relative and absolute.
    for (const encoderPath of ['models/evil', join(dir, 'models', 'evil')]) {
      rmSync(cache, { recursive: true, force: true });
      const client = await TestClient.start({ folder: dir, cacheDir: cache, trusted: false, settings: { encoderPath } });
      clients.push(client);
      const path = join(dir, 'eci.config.jsonc');
      client.open(path, config, 'jsonc');
      const ds = await client.diagnosticsOf(path, (d) => d.some((x) => x.code === 'restricted-mode'));
      const enc = find(ds, /restricted mode: the workspace's model "models\/evil" is not loaded; the bundled default encoder is used instead/);
      assert.equal(covered(config, enc), '"onnx"');
      assert.equal(covered(config, find(ds, /restricted mode: idfCorpus is ignored/)), '"corpus.txt"');
      assert.equal(covered(config, find(ds, /restricted mode: cacheDir is ignored/)), '".eci-cache"');
      await client.waitForResults();
      const [snap] = await client.request<RankingSnapshot[]>('eci/ranking', {});
      assert.equal(snap.settings.encoder.kind, 'default');
      assert.equal(snap.sources[0].size, 2);
      assert.ok(client.logs.join('').includes(`restricted mode: eciSem.encoderPath "${encoderPath}" names a model in the workspace`), 'the log says why the setting was ignored');
      // Embeddings went to the editor's cache folder, not to the one the workspace named.
      assert.equal(existsSync(join(dir, '.eci-cache')), false, 'no cache folder in the workspace');
      assert.ok(readdirSync(cache).length > 0, 'the editor\'s cache folder holds the embeddings');
      await client.stop();
      clients.splice(clients.indexOf(client), 1);
    }
  });

  test('trusted: a model that does not load is reported on the encoder key', async () => {
    const config = `{
  "encoder": { "kind": "onnx", "path": "models/broken" },
  "sources": [ { "name": "T", "files": "data/a.jsonl" } ]
}
`;
    const dir = precomputedConfigWorkspace(config);
    mkdirSync(join(dir, 'models', 'broken'), { recursive: true });
    writeFileSync(join(dir, 'models', 'broken', 'model.onnx'), 'not a model');
    writeFileSync(join(dir, 'models', 'broken', 'tokenizer.json'), '{}');
    const client = await TestClient.start({ folder: dir, cacheDir: tempDir('cache') });
    clients.push(client);
    const path = join(dir, 'eci.config.jsonc');
    client.open(path, config, 'jsonc');
    await client.waitFor('status', (s: { state: string }) => s.state === 'failed');
    const ds = await client.diagnosticsOf(path, (d) => d.some((x) => x.code === 'run-encoder'));
    const d = find(ds, /^the encoder did not load: /);
    assert.equal(d.severity, 1);
    assert.ok(covered(config, d).startsWith('{ "kind": "onnx"'), 'on the encoder object');
  });

  test('`eci-sem lsp --stdio` (the CLI) starts the same server', { skip: !existsSync(join(ROOT, 'dist', 'server.js')) && 'run npm run build first' }, async () => {
    const dir = precomputedConfigWorkspace(BROKEN);
    const client = await TestClient.start({ folder: dir, cacheDir: tempDir('cache'), via: 'cli', settings: { run: 'manual' } });
    clients.push(client);
    const config = join(dir, 'eci.config.jsonc');
    client.open(config, BROKEN, 'jsonc');
    const ds = await client.diagnosticsOf(config, (d) => d.length >= 5, 10_000);
    find(ds, /unknown source "Z"/);
  });
});
