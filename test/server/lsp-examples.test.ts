/**
 * The language server on a copy of examples/ with the bundled default model:
 * the planted problems (examples/README.md), hovers and CodeLens answering
 * while the encoder embeds (measured), cancellation through eci/cancel and
 * through the progress bar, a run superseded by an edit, and re-runs that
 * embed only the changed text. Each client gets its own cache folder.
 */
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { MarkupContent, ProgressToken } from 'vscode-languageserver-protocol';
import type { RankingSnapshot, RunState } from '../../common/protocol';
import { intactCacheFile } from '../helpers/encoderFaults';
import { messageOf, TestClient } from '../helpers/lspClient';
import { examplesWorkspace, tempDir } from '../helpers/lspFixtures';

const embedding = (s: RunState) => s.state === 'running' && s.phase === 'embed' && s.done < s.total;
const ended = (s: RunState) => s.state !== 'running';
const linesOf = (ds: { code?: unknown; range: { start: { line: number } } }[], code: string) =>
  ds.filter((d) => d.code === code).map((d) => d.range.start.line + 1);
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

/** Filled by the first suite: a cache that already holds every example text. */
let warmCache = '';

describe('examples with the default model', () => {
  let dir: string;
  let client: TestClient;
  const path = (f: string) => join(dir, f);

  before(async () => {
    dir = examplesWorkspace();
    warmCache = tempDir('cache');
    client = await TestClient.start({ folder: dir, cacheDir: warmCache });
  });
  after(() => client.stop());

  test('hover and CodeLens answer within 50 ms while the encoder embeds', async (t) => {
    const llm = path('data/llm.jsonl');
    const config = path('eci.config.jsonc');
    client.open(llm);
    client.open(config, undefined, 'jsonc');
    await client.waitFor('status', embedding, 120_000);
    let running = true;
    const done = client.waitForResults(undefined, 120_000).then(() => { running = false; });
    const hover: number[] = [];
    const lens: number[] = [];
    while (running) {
      let t0 = performance.now();
      await client.hover(llm, 26, 40);
      hover.push(performance.now() - t0);
      t0 = performance.now();
      await client.codeLens(config);
      lens.push(performance.now() - t0);
      // A fast typist's pace, not a flood: a saturating loop would measure the test client's CPU.
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await done;
    const report = (xs: number[]) => `median ${percentile(xs, 0.5).toFixed(1)} ms, p95 ${percentile(xs, 0.95).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`;
    t.diagnostic(`while embedding + scoring, ${hover.length} samples: hover ${report(hover)}; CodeLens ${report(lens)}`);
    assert.ok(hover.length >= 20, `enough samples during the run (${hover.length})`);
    // The 95th percentile, not the maximum: on a shared machine the OS deschedules even an
    // idle event loop for tens of ms (seen as event-loop delay before any embedding starts);
    // a blocked loop would instead stall every request for the length of the blocking work.
    assert.ok(percentile(hover, 0.95) < 50, `hover ${report(hover)}`);
    assert.ok(percentile(lens, 0.95) < 50, `CodeLens ${report(lens)}`);
    assert.ok(percentile(hover, 0.5) < 10, `hover ${report(hover)}`);
  });

  test('planted duplicates are errors and planted false negatives warnings, with their numbers', async () => {
    const llm = await client.diagnosticsOf(path('data/llm.jsonl'), (d) => d.length > 0);
    const dups = llm.filter((d) => d.code === 'duplicate-of-positive');
    for (const line of [27, 39, 47]) {
      const d = dups.find((x) => x.range.start.line === line - 1);
      assert.ok(d, `llm.jsonl:${line} is a duplicate`);
      assert.equal(d.severity, 1);
      assert.match(messageOf(d), /^duplicate of the positive: the same text as the positive or the query once case and spacing are normalised \(cos \d\.\d{3}\)$/);
    }
    const dense = await client.diagnosticsOf(path('data/dense.jsonl'), (d) => d.length > 0);
    const fn = linesOf(dense, 'likely-false-negative');
    for (const line of [16, 30, 36, 44]) assert.ok(fn.includes(line), `dense.jsonl:${line} is a likely false negative (got ${fn})`);
    const d16 = dense.find((d) => d.code === 'likely-false-negative' && d.range.start.line === 15)!;
    assert.equal(d16.severity, 2);
    assert.match(messageOf(d16), /^likely false negative: the encoder prefers the negative by 0\.\d+ \(a 0\.\d+, b 0\.\d+, t = /);
    assert.ok(linesOf(dense, 'lexical-only').includes(16), 'dense.jsonl:16 repeats the query\'s terms');
  });

  test('config CodeLens and hover show each source\'s score card', async () => {
    const config = path('eci.config.jsonc');
    const lenses = (await client.codeLens(config))!;
    assert.deepEqual(lenses.map((l) => l.command!.arguments![0].source), ['BM25', 'Dense', 'LLM', 'Random', 'Dense+LLM']);
    // Ranks 1–3 say how their order to the next source holds under half-sampling (or that the check is pending).
    for (const l of lenses.slice(0, 4)) assert.match(l.command!.title, /^ECI_sem \d+(\.\d+)? · rank [1-4]\/4 plain( · ([>≈] \S+ \(\d+%\)|stability pending))? · δ 0\.\d+ · \d+% weak$/);
    assert.equal(lenses.slice(0, 4).filter((l) => / · ([>≈] \S+ \(\d+%\)|stability pending) · /.test(l.command!.title)).length, 3);
    assert.match(lenses[4].command!.title, /· rank 1\/1 hybrid ·/);
    const text = client.text(config);
    const line = text.split('\n').findIndex((l) => l.includes('"name": "LLM"'));
    const card = ((await client.hover(config, line, 12))!.contents as MarkupContent).value;
    assert.match(card, /^\*\*LLM\*\* — rank \d of 4 \(plain\)/);
    for (const part of ['ECI_sem', 'per example', 'δ', '60 / 60', 'many-false-negatives', 'under-sampled', 'encoder use-lite-en']) assert.ok(card.includes(part), `card mentions ${part}`);
    const ds = await client.diagnosticsOf(config);
    assert.ok(ds.some((d) => d.code === 'many-false-negatives' && messageOf(d).startsWith('LLM: many false negatives — 100%')));
  });

  test('hover answers from the last result while a new run is going', async () => {
    const [scope] = (await client.request<{ scopes: string[] }>('eci/score', {})).scopes;
    await client.waitFor('status', (s: RunState) => s.state === 'running');
    const h = ((await client.hover(path('data/llm.jsonl'), 26, 40))!.contents as MarkupContent).value;
    assert.ok(h.includes('duplicate-of-positive'));
    await client.waitForResults(scope);
  });

  test('an edit re-embeds only the changed text (the cache holds the rest)', async () => {
    const dense = path('data/dense.jsonl');
    client.open(dense);
    const line = client.text(dense).split('\n')[2];
    const rec = JSON.parse(line);
    rec.negative = 'A completely new negative passage about printing the calendar with cal and ncal.';
    client.edit(dense, { start: { line: 2, character: 0 }, end: { line: 2, character: line.length } }, JSON.stringify(rec));
    const last = client.progress.length;
    await client.waitForResults();
    const messages = client.progress.slice(last).map((p) => p.value.message ?? '');
    assert.ok(messages.some((m) => /embedding 240\/240 triples \(1 new texts\)/.test(m)), `progress: ${messages.join(' | ')}`);
    const snap = (await client.request<RankingSnapshot[]>('eci/ranking', {}))[0];
    assert.equal(snap.sources.find((s) => s.name === 'Dense')!.size, 60);
  });
});

describe('cancelling runs (fresh cache, so the encoder is busy)', () => {
  const clients: TestClient[] = [];
  after(() => Promise.all(clients.map((c) => c.stop())));

  async function startEmbedding(): Promise<{ client: TestClient; dir: string; token: ProgressToken }> {
    const dir = examplesWorkspace();
    const client = await TestClient.start({ folder: dir, cacheDir: tempDir('cache') });
    clients.push(client);
    const token = await client.waitFor<ProgressToken>('progressCreate', () => true, 60_000);
    await client.waitFor('status', embedding, 120_000);
    return { client, dir, token };
  }

  test('eci/cancel stops the run; nothing is published', async () => {
    const { client } = await startEmbedding();
    const res = await client.request<{ cancelled: number }>('eci/cancel', {});
    assert.equal(res.cancelled, 1);
    assert.deepEqual(await client.waitFor('status', ended), { state: 'idle' });
    assert.deepEqual(await client.request('eci/ranking', {}), []);
  });

  test('cancelling the progress bar stops the run', async () => {
    const { client, token } = await startEmbedding();
    const end = client.waitFor<{ token: ProgressToken; value: { kind: string } }>('progress', (p) => p.token === token && p.value.kind === 'end');
    client.cancelProgress(token);
    assert.deepEqual(await client.waitFor('status', ended), { state: 'idle' });
    await end;
    assert.deepEqual(await client.request('eci/ranking', {}), []);
  });

  test('an edit while a cold run embeds does not start the embedding again from scratch', async (t) => {
    const dir = examplesWorkspace();
    const cache = tempDir('cache');
    const client = await TestClient.start({ folder: dir, cacheDir: cache });
    clients.push(client);
    const newTexts = (m: string | undefined) => Number(/\((\d+) new texts\)/.exec(m ?? '')?.[1] ?? -1);
    // The first calls of the cold run have embedded (and cached) some texts.
    await client.waitFor<{ value: { message?: string } }>('progress', (p) => newTexts(p.value.message) >= 256, 120_000);
    const before = client.progress.length;
    const llm = join(dir, 'data', 'llm.jsonl');
    client.open(llm);
    const line = client.text(llm).split('\n')[5];
    client.edit(llm, { start: { line: 5, character: 0 }, end: { line: 5, character: line.length } }, JSON.stringify({ ...JSON.parse(line), negative: 'A negative passage no run has seen before.' }));
    await client.waitForResults(undefined, 120_000);
    // Whether the edit cancelled the cold run or came after it, the run of the edited text embeds
    // only what the cache lacks: far fewer texts than the whole set.
    const last = Math.max(...client.progress.slice(before).map((p) => newTexts(p.value.message)));
    const all = intactCacheFile(cache).records;
    t.diagnostic(`the run after the edit embedded ${last} new texts; the cache holds ${all}`);
    assert.ok(last >= 1 && last <= all - 256, `the run after the edit embedded ${last} new texts of ${all} in the cache`);
  });

  test('an edit during a run cancels it; only the run of the new version publishes', async () => {
    // A warm cache keeps the last run short; 57 new negatives keep the one before it busy.
    const dir = examplesWorkspace();
    const cache = tempDir('cache');
    cpSync(warmCache, cache, { recursive: true });
    const client = await TestClient.start({ folder: dir, cacheDir: cache, settings: { run: 'onSave' } });
    clients.push(client);
    await client.waitForResults();
    const llm = join(dir, 'data', 'llm.jsonl');
    client.open(llm);
    const lines = client.text(llm).split('\n');
    const planted = [26, 38, 46];
    const fresh = lines.map((l, k) => (l && !planted.includes(k) ? JSON.stringify({ ...JSON.parse(l), negative: `Entirely new negative number ${k} about shells and pipes.` }) : l));
    client.replaceAll(llm, fresh.join('\n'));
    client.save(llm);
    await client.waitFor('status', embedding, 60_000);
    const from = client.events.length;
    const v = client.edit(llm, { start: { line: 26, character: 0 }, end: { line: 26, character: fresh[26].length } }, fresh[0]);
    client.save(llm);
    assert.deepEqual(await client.waitFor('status', ended), { state: 'idle' }, 'the superseded run was cancelled');
    await client.waitForResults();
    const ds = await client.diagnosticsOf(llm, (_d, p) => p.version === v && _d.length > 0);
    // Results of runs (not the stability check that follows a result).
    const runs = client.events.slice(from).filter((e) => e.kind === 'results' && !(e.value as { stability?: true }).stability);
    assert.equal(runs.length, 1, 'only the last run published results');
    // Line 27 now holds line 1's triple, which is no text duplicate (the old line 27 was).
    assert.ok(!ds.some((d) => d.range.start.line === 26 && /normalised/.test(messageOf(d))), 'no stale finding on the edited line');
    assert.ok(ds.some((d) => d.range.start.line === 38 && /normalised/.test(messageOf(d))), 'the untouched duplicate at line 39 is still reported');
  });
});
