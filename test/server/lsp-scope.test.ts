/**
 * Scopes of a result in the language server (docs/spec.md, "Scope of a result"): a run
 * that embeds shows the ranking from its samples first, marked as sample scope, then
 * the full result replaces it; eciSem.scope "sample" measures the samples only.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { MarkupContent } from 'vscode-languageserver';
import type { RankingSnapshot, RunState } from '../../common/protocol';
import { examplesWorkspace, tempDir } from '../helpers/lspFixtures';
import { TestClient } from '../helpers/lspClient';

/** The examples with a sample of 20 per source, so that most triples are outside the samples. */
function smallSampleWorkspace(): string {
  const dir = examplesWorkspace();
  const config = join(dir, 'eci.config.jsonc');
  const text = readFileSync(config, 'utf8');
  assert.ok(text.includes('"sampleSize": 1000'), 'the examples set the sample size');
  writeFileSync(config, text.replace('"sampleSize": 1000', '"sampleSize": 20'));
  return dir;
}

describe('result scopes in the language server', () => {
  const clients: TestClient[] = [];
  after(() => Promise.all(clients.map((c) => c.stop())));

  test('a run that embeds shows the sample-scope ranking first, then the full result replaces it', async (t) => {
    const dir = smallSampleWorkspace();
    const client = await TestClient.start({ folder: dir, cacheDir: tempDir('cache') });
    clients.push(client);
    const config = join(dir, 'eci.config.jsonc');
    const provisional = client.waitForProvisional(undefined, 120_000);
    const full = client.waitForResults(undefined, 180_000);
    client.open(config, undefined, 'jsonc');
    await provisional;
    let fullArrived = false;
    void full.then(() => { fullArrived = true; });
    const [early] = await client.request<RankingSnapshot[]>('eci/ranking', {});
    if (!fullArrived) {
      assert.equal(early.resultScope, 'sample');
      assert.equal(early.provisional, true);
      assert.equal(early.stability, 'pending');
      const lens = (await client.codeLens(config))!;
      assert.ok(lens.every((l) => / · sample scope/.test(l.command!.title)), lens.map((l) => l.command!.title).join('\n'));
    } else {
      // The rest was measured before the ranking request came back: only the notifications were checked.
      t.diagnostic('the full result arrived before the provisional snapshot could be read; its faces were not checked this time');
    }
    await full;
    // The status bar knew: progress after the early ranking says the ranking shown is from the samples.
    const statuses = client.events.filter((e) => e.kind === 'status').map((e) => e.value as RunState);
    const first = statuses.findIndex((x) => x.state === 'running' && x.sampleRanking === true);
    assert.ok(first > 0, 'a running status marked sampleRanking');
    assert.ok(statuses.slice(0, first).every((x) => !(x.state === 'running' && x.sampleRanking)));
    const [done] = await client.request<RankingSnapshot[]>('eci/ranking', {});
    assert.equal(done.resultScope, 'all');
    assert.equal(done.provisional, undefined);
    const lens = (await client.codeLens(config))!;
    assert.ok(lens.every((l) => !/sample scope/.test(l.command!.title)));
    // The ranking of the samples is the ranking of the full result: the same N triples, the same scores up to m.
    assert.deepEqual(early.sources.map((c) => c.n), done.sources.map((c) => c.n));
    const llm = join(dir, 'data', 'llm.jsonl');
    const ds = await client.diagnosticsOf(llm, (d) => d.length > 20);
    assert.ok(ds.filter((d) => d.code === 'duplicate-of-positive').length >= 50, 'findings on every line, not only on sampled ones');
  });

  test('eciSem.scope "sample": only sampled triples are measured, and every face says so', async () => {
    const dir = smallSampleWorkspace();
    const client = await TestClient.start({ folder: dir, cacheDir: tempDir('cache'), settings: { scope: 'sample' } });
    clients.push(client);
    const config = join(dir, 'eci.config.jsonc');
    const llm = join(dir, 'data', 'llm.jsonl');
    const done = client.waitForResults(undefined, 180_000);
    client.open(config, undefined, 'jsonc');
    await done;
    const [snap] = await client.request<RankingSnapshot[]>('eci/ranking', {});
    assert.equal(snap.resultScope, 'sample');
    assert.equal(snap.provisional, undefined);
    const plain = snap.sources.filter((c) => c.group === 'plain');
    assert.ok(plain.every((c) => c.n === 20 && c.size === 60));
    const lens = (await client.codeLens(config))!;
    assert.ok(lens.every((l) => / · sample scope/.test(l.command!.title)));
    // Findings exist only for sampled triples: of the LLM file's 56 duplicates only those in LLM's
    // sample (20) or in the hybrid's (20 of 120) are shown.
    const ds = await client.diagnosticsOf(llm, (d) => d.length > 0);
    const dups = ds.filter((d) => d.code === 'duplicate-of-positive').length;
    assert.ok(dups > 5 && dups <= 40, `duplicates shown: ${dups}`);
    const flagged = new Set(ds.map((d) => d.range.start.line));
    client.open(llm);
    let unmeasured = 0;
    for (let line = 0; line < 60; line++) {
      const hover = ((await client.hover(llm, line, 5))!.contents as MarkupContent).value;
      const notMeasured = /was not measured/.test(hover);
      if (flagged.has(line)) assert.ok(!notMeasured, `line ${line + 1} has findings, so it was measured`);
      if (notMeasured) unmeasured++;
    }
    // LLM's sample (20) and the hybrid's (20 of 120) measure 20–40 of its 60 lines; the rest have nothing.
    assert.ok(unmeasured >= 20 && unmeasured <= 40, `unmeasured lines ${unmeasured}`);
  });
});
