/**
 * The stability of the ranking in the editor: it follows the scores (never delays
 * them), says so while pending, and then shows ties in the CodeLens, the config
 * hover, a tied-with-next diagnostic on the config source and the panel's snapshot.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { MarkupContent } from 'vscode-languageserver';
import type { RankingSnapshot } from '../../common/protocol';
import { tempDir } from '../helpers/lspFixtures';
import { messageOf, ROOT, TestClient } from '../helpers/lspClient';
import { syntheticLines } from '../helpers/synthetic';

const CONFIG = `{
  "encoder": { "kind": "precomputed" },
  "sampleSize": 200,
  "sources": [
    { "name": "Twin1", "files": "data/twin1.jsonl" },
    { "name": "Twin2", "files": "data/twin2.jsonl" },
    { "name": "Easy", "files": "data/easy.jsonl" }
  ]
}
`;

describe('stability in the language server', () => {
  let dir: string;
  let client: TestClient;
  const config = () => join(dir, 'eci.config.jsonc');

  before(async () => {
    dir = tempDir('stability');
    mkdirSync(join(dir, 'data'));
    // Twin1 and Twin2: the same generator (hard negatives), other seeds — one distribution. Easy: far negatives.
    writeFileSync(join(dir, 'data', 'twin1.jsonl'), syntheticLines('Twin1', 200, 'hard', 21, 32).join('\n') + '\n');
    writeFileSync(join(dir, 'data', 'twin2.jsonl'), syntheticLines('Twin2', 200, 'hard', 22, 32).join('\n') + '\n');
    writeFileSync(join(dir, 'data', 'easy.jsonl'), syntheticLines('Easy', 200, 'easy', 23, 32).join('\n') + '\n');
    writeFileSync(config(), CONFIG);
    client = await TestClient.start({ folder: dir, cacheDir: tempDir('cache') });
  });
  after(() => client.stop());

  test('scores first, then the stability check: ties on CodeLens, hover, diagnostics and the panel', async () => {
    client.open(config(), CONFIG, 'jsonc');
    const stable = client.waitForStability(undefined, 60_000);
    await client.waitForResults(undefined, 60_000);
    // The result is announced before its stability check (which may already be in by the time we ask).
    await stable;
    const [snap] = await client.request<RankingSnapshot[]>('eci/ranking', {});
    assert.equal(snap.stability, 'done');
    const byName = Object.fromEntries(snap.sources.map((c) => [c.name, c]));
    const twins = [byName.Twin1, byName.Twin2].sort((a, b) => a.rank - b.rank);
    assert.equal(byName.Easy.rank, 3, 'far negatives rank last');
    const top = twins[0].stability!;
    assert.equal(top.next, twins[1].name);
    assert.equal(top.tiedWithNext, true, `agreement of the twins ${top.agreementWithNext}`);
    assert.ok(top.agreementWithNext! < 0.8);
    const second = twins[1].stability!;
    assert.equal(second.next, 'Easy');
    assert.equal(second.tiedWithNext, false);
    assert.equal(second.agreementWithNext, 1);
    assert.equal(second.previous, twins[0].name);
    assert.equal(second.tiedWithPrevious, true);
    assert.equal(top.n, 100, 'half-samples of ⌊200/2⌋');
    assert.ok(top.p10 <= top.median && top.median <= top.p90);
    assert.equal(twins[0].findings['tied-with-next'], 1);
    assert.equal(twins[1].findings['tied-with-next'], undefined);

    const lenses = (await client.codeLens(config()))!;
    const title = (name: string) => lenses.find((l) => l.command!.arguments![0].source === name)!.command!.title;
    assert.match(title(twins[0].name), new RegExp(`· rank 1/3 plain · ≈ ${twins[1].name} \\(\\d+%\\) ·`));
    assert.match(title(twins[1].name), /· rank 2\/3 plain · > Easy \(100%\) ·/);
    assert.doesNotMatch(title('Easy'), /[≈>] /, 'the last of a group has no neighbour below');

    const ds = await client.diagnosticsOf(config(), (d) => d.some((x) => x.code === 'tied-with-next'));
    const tie = ds.filter((d) => d.code === 'tied-with-next');
    assert.equal(tie.length, 1, 'one tie, on the upper source of the pair');
    assert.equal(tie[0].severity, 3, 'information');
    const line = CONFIG.split('\n').findIndex((l) => l.includes(`"name": "${twins[0].name}"`));
    assert.equal(tie[0].range.start.line, line);
    assert.match(messageOf(tie[0]), new RegExp(`^${twins[0].name} ≈ ${twins[1].name}: only \\d+% of 20 half-samples rank it above \\(< 80%\\)`));

    const hover = ((await client.hover(config(), CONFIG.split('\n').findIndex((l) => l.includes(`"name": "${twins[1].name}"`)), 14))!.contents as MarkupContent).value;
    assert.match(hover, /stability over 20 half-samples of 100: median [\d.]+ \(p10 [\d.]+ – p90 [\d.]+\)/);
    assert.match(hover, new RegExp(`vs \\*\\*${twins[0].name}\\*\\* \\(above\\): \\d+% of half-samples rank ${twins[0].name} higher — \\*\\*tied\\*\\*`));
    assert.match(hover, /vs \*\*Easy\*\* \(below\): 100% of half-samples rank/);
  });

  test('the ranking panel shows the tie between the two rows it joins', async () => {
    const bundle = join(ROOT, 'media', 'dist', 'ranking.js');
    assert.ok(existsSync(bundle), 'media/dist/ranking.js is missing: run npm run build');
    const snapshots = await client.request<RankingSnapshot[]>('eci/ranking', {});
    const { Window } = await import('happy-dom');
    const win = new Window({ url: 'https://webview.test/' });
    win.document.body.innerHTML = '<main id="app"></main>';
    Object.assign(win, { acquireVsCodeApi: () => ({ postMessage() {}, getState: () => undefined, setState() {} }) });
    win.eval(readFileSync(bundle, 'utf8'));
    win.dispatchEvent(new win.MessageEvent('message', { data: { type: 'ranking', snapshots, running: { state: 'idle' } } }));
    const rows = [...win.document.querySelectorAll('table.ranking tbody tr')].map((tr) => ({ cls: tr.className, text: tr.textContent ?? '' }));
    const tie = rows.findIndex((r) => r.cls === 'tie');
    assert.ok(tie > 0, `a tie row: ${rows.map((r) => r.cls).join(', ')}`);
    assert.match(rows[tie].text, /^≈ Twin[12] and Twin[12] are tied: only \d+% of 20 half-samples put Twin[12] first/);
    assert.match(rows[tie - 1].text, /Twin[12].*≈ Twin[12] \d+%/, 'the upper row says ≈ in its stable cell');
    assert.match(rows[tie + 1].text, /Twin[12].*> Easy 100%/);
    assert.equal(win.document.querySelectorAll('td.stable.tied').length, 1);
    win.close();
  });

  test('resamples 0 turns the check off: no pending state, no tie', async () => {
    const off = CONFIG.replace('"sampleSize": 200,', '"sampleSize": 200,\n  "resamples": 0,');
    const done = client.waitForResults(undefined, 60_000);
    client.edit(config(), { start: { line: 0, character: 0 }, end: { line: CONFIG.split('\n').length, character: 0 } }, off);
    await done;
    const [snap] = await client.request<RankingSnapshot[]>('eci/ranking', {});
    assert.equal(snap.stability, 'off');
    assert.ok(snap.sources.every((c) => c.stability === undefined && !c.findings['tied-with-next']));
    const lenses = (await client.codeLens(config()))!;
    assert.ok(lenses.every((l) => !/pending|[≈>] /.test(l.command!.title)), lenses.map((l) => l.command!.title).join('\n'));
  });
});
