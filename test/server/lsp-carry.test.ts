/**
 * No blank Problems panel while a run is pending: after an edit, the findings of the
 * lines the user did not touch stay shown, moved with the edit; only the edited
 * lines' findings are withdrawn until the next run has their numbers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { TestClient } from '../helpers/lspClient';
import { looseWorkspace, MIXED, tempDir } from '../helpers/lspFixtures';

/** Findings about a whole source, on a loose file's first line (they do not move with edits). */
const SOURCE_LEVEL = new Set(['many-false-negatives', 'under-sampled', 'low-diversity', 'tied-with-next']);
/** "line:code" of every eci-sem triple finding (1-based lines), sorted. */
const findings = (d: Diagnostic[]) => d.filter((x) => x.source === 'eci-sem' && x.code !== 'invalid-triple' && !SOURCE_LEVEL.has(String(x.code)))
  .map((x) => `${x.range.start.line + 1}:${x.code}`).sort();
const shifted = (list: string[], by: number, except: number[] = []) => list
  .filter((f) => !except.includes(Number(f.split(':')[0])))
  .map((f) => { const [l, c] = f.split(':'); return `${Number(l) + by}:${c}`; }).sort();

describe('findings follow edits while a run is pending', () => {
  let dir: string;
  let client: TestClient;
  let mixed: string;

  before(async () => {
    dir = looseWorkspace();
    mixed = join(dir, 'mixed.jsonl');
    // Manual runs: between an edit and the next run nothing but the carried findings can change.
    client = await TestClient.start({ folder: dir, cacheDir: tempDir('cache'), settings: { run: 'manual' } });
    client.open(mixed, readFileSync(mixed, 'utf8'));
    const done = client.waitForResults('workspace');
    await client.request('eci/score', {});
    await done;
  });
  after(() => client.stop());

  test('lines inserted above, a line edited, lines deleted: untouched findings move, edited ones wait', async () => {
    const before = findings(await client.diagnosticsOf(mixed, (d) => d.some((x) => x.code === 'duplicate-of-positive')));
    assert.ok(before.includes(`${MIXED.duplicates[0]}:duplicate-of-positive`) && before.length >= 4, before.join(' '));

    // Two new lines at the top: everything moves down by two.
    let v = client.edit(mixed, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, '{"note": "not a triple"}\n\n');
    let d = await client.diagnosticsOf(mixed, (_, p) => p.version === v);
    assert.deepEqual(findings(d), shifted(before, 2));
    assert.ok(d.some((x) => x.code === 'invalid-triple' && x.range.start.line === 0), 'the new line gets its structural problem at once');
    assert.ok(d.some((x) => x.code === 'under-sampled' && x.range.start.line === 0), 'source-level findings stay on the first line');

    // Edit the planted duplicate (now at line dup + 2): its findings are withdrawn, the others stay.
    const dupLine = MIXED.duplicates[0] + 2;
    const text = client.text(mixed).split('\n')[dupLine - 1];
    const rec = JSON.parse(text);
    rec.negative = 'an entirely different negative passage';
    rec.negative_embedding = rec.positive_embedding.map((x: number) => -x); // and far from the positive
    v = client.edit(mixed, { start: { line: dupLine - 1, character: 0 }, end: { line: dupLine - 1, character: text.length } }, JSON.stringify(rec));
    d = await client.diagnosticsOf(mixed, (_, p) => p.version === v);
    assert.deepEqual(findings(d), shifted(before, 2, [MIXED.duplicates[0]]));

    // Delete the two inserted lines again: back to the original lines, minus the edited one.
    v = client.edit(mixed, { start: { line: 0, character: 0 }, end: { line: 2, character: 0 } }, '');
    d = await client.diagnosticsOf(mixed, (_, p) => p.version === v);
    assert.deepEqual(findings(d), shifted(before, 0, [MIXED.duplicates[0]]));

    // The next run measures the edited line: its duplicate finding is gone for good, the rest are back.
    const done = client.waitForResults('workspace');
    await client.request('eci/score', {});
    await done;
    d = await client.diagnosticsOf(mixed, (x) => !x.some((y) => y.code === 'invalid-triple'));
    const after = findings(d);
    assert.ok(!after.includes(`${MIXED.duplicates[0]}:duplicate-of-positive`));
    assert.ok(after.includes(`${MIXED.duplicates[1]}:duplicate-of-positive`));
  });

  test('a whole-document replacement withdraws every carried finding', async () => {
    const text = client.text(mixed);
    const v = client.edit(mixed, { start: { line: 0, character: 0 }, end: { line: text.split('\n').length, character: 0 } }, text);
    const d = await client.diagnosticsOf(mixed, (_, p) => p.version === v);
    // A range covering every line edits every line: nothing of the last run can be placed.
    assert.deepEqual(findings(d), []);
  });
});
