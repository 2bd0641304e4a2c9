/**
 * The language server over stdio on a folder without a config: loose triple
 * files with precomputed vectors (no model), one source per file. Diagnostics,
 * CodeLens, hover, quick fixes, custom requests, the per-file cap, and
 * re-runs on edits that never show results for an older version.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CodeAction, CreateFile, Diagnostic, MarkupContent, TextDocumentEdit, TextEdit } from 'vscode-languageserver-protocol';
import type { ExportCuratedRequest, RankingSnapshot, TripleRow } from '../../common/protocol';
import { applyEdits, messageOf, TestClient, uri } from '../helpers/lspClient';
import { looseWorkspace, MIXED, tempDir } from '../helpers/lspFixtures';

const findingsAt = (d: Diagnostic[], code: string) => d.filter((x) => x.code === code).map((x) => x.range.start.line + 1).sort((a, b) => a - b);

describe('loose triple files (no config, precomputed vectors)', () => {
  let dir: string;
  let client: TestClient;
  let mixed: string;

  before(async () => {
    dir = looseWorkspace();
    mixed = join(dir, 'mixed.jsonl');
    client = await TestClient.start({ folder: dir, cacheDir: tempDir('cache') });
    await client.waitForResults('workspace');
  });
  after(() => client.stop());

  test('findings land on their exact line with codes, severities and numbers', async () => {
    const d = await client.diagnosticsOf(mixed, (x) => x.some((y) => y.code === 'duplicate-of-positive'));
    assert.deepEqual(findingsAt(d, 'duplicate-of-positive'), [...MIXED.duplicates, MIXED.list]);
    for (const x of d.filter((y) => y.code === 'duplicate-of-positive')) {
      assert.equal(x.severity, 1);
      assert.equal(x.source, 'eci-sem');
      assert.match(messageOf(x), /^duplicate of the positive.*\(cos \d\.\d{3}/);
    }
    const fn = d.find((x) => x.code === 'likely-false-negative' && x.range.start.line === MIXED.falseNegative - 1);
    assert.ok(fn, 'the planted false negative is reported');
    assert.equal(fn.range.start.line + 1, MIXED.falseNegative);
    assert.equal(fn.severity, 2);
    assert.match(messageOf(fn), /^likely false negative: the encoder prefers the negative by 0\.\d+ \(a -?[\d.]+, b [\d.]+, t = [\d.e-]+\)$/);
    const easy = await client.diagnosticsOf(join(dir, 'easy.jsonl'), (x) => x.length > 0);
    const tooEasy = easy.filter((x) => x.code === 'too-easy');
    assert.ok(tooEasy.length > 30, `most random negatives are too easy (${tooEasy.length})`);
    assert.equal(tooEasy[0].severity, 3);
    assert.match(messageOf(tooEasy[0]), /^too easy: locality l = [\d.e-]+ \(margin [\d.]+ ≫ τ 0\.02\)$/);
    // A JSON Lines file that holds no triples is not a source and gets no diagnostics.
    assert.equal(client.diagnostics.get(uri(join(dir, 'notes.jsonl'))), undefined);
  });

  test('eci/ranking lists one source per file with score cards', async () => {
    const snaps = await client.request<RankingSnapshot[]>('eci/ranking', {});
    assert.equal(snaps.length, 1);
    const [s] = snaps;
    assert.equal(s.scope, 'workspace');
    assert.deepEqual(s.sources.map((c) => c.name).sort(), ['easy', 'hard', 'mixed']);
    assert.equal(s.settings.encoder.kind, 'precomputed');
    const hard = s.sources.find((c) => c.name === 'hard')!;
    assert.equal(hard.rank, 1);
    assert.equal(hard.groupSize, 3);
    assert.ok(hard.weakShare >= 0 && hard.weakShare <= 1);
    assert.deepEqual(hard.files, [uri(join(dir, 'hard.jsonl'))]);
  });

  test('CodeLens at the top of a triple file carries its source card', async () => {
    client.open(mixed);
    await client.diagnosticsOf(mixed, (_d, p) => p.version === 1);
    const lenses = await client.codeLens(mixed);
    assert.equal(lenses?.length, 1);
    const l = lenses![0];
    assert.deepEqual(l.range.start, { line: 0, character: 0 });
    assert.match(l.command!.title, /^mixed: ECI_sem [\d.]+ · rank [123]\/3 plain( · ([>≈?] \S+ \((\d+%|N differs)\)|stability pending))? · δ [\d.]+ · \d+% weak$/);
    assert.equal(l.command!.command, 'eciSem.showRanking');
    assert.deepEqual(l.command!.arguments, [{ scope: 'workspace', source: 'mixed' }]);
  });

  test('hover on a triple line explains its numbers and findings', async () => {
    const h = await client.hover(mixed, MIXED.falseNegative - 1, 5);
    const text = (h?.contents as MarkupContent).value;
    for (const part of ['a = cos(q, p)', 'b = cos(q, n)', 'c = cos(p, n)', '**t = ', '**l = ', '**r = ', 'w = t·l·r', 'gain', 'likely-false-negative', 'ranks this negative above the positive']) {
      assert.ok(text.includes(part), `hover mentions ${part}:\n${text}`);
    }
    assert.equal(await client.hover(mixed, MIXED.lines + 3, 0), null, 'no hover past the last triple');
  });

  test('the squiggle of a list line sits on the negative it is about', async () => {
    const d = client.diagnostics.get(uri(mixed))!.diagnostics.find((x) => x.range.start.line === MIXED.list - 1 && x.code === 'duplicate-of-positive')!;
    const line = client.text(mixed).split('\n')[MIXED.list - 1];
    assert.equal(line.slice(d.range.start.character, d.range.end.character), '"list positive text"');
    assert.ok(d.range.start.character > line.indexOf('"neg"'), 'the negative, not the positive');
  });

  test('quick fixes: remove, move to quarantine, remove all duplicates — each one WorkspaceEdit', async () => {
    const d = client.diagnostics.get(uri(mixed))!.diagnostics;
    const dup = d.find((x) => x.code === 'duplicate-of-positive' && x.range.start.line === MIXED.duplicates[0] - 1)!;
    const actions = await client.codeActions(mixed, [dup]);
    const titles = actions.map((a) => a.title);
    assert.deepEqual(titles, ['Remove this triple', 'Move this triple to mixed.quarantine.jsonl', 'Remove all duplicate-of-positive triples in this file (3 lines)']);
    const text = client.text(mixed);
    const lines = text.split('\n');
    const edits = (a: CodeAction) => a.edit!.documentChanges!.filter((c): c is TextDocumentEdit => 'textDocument' in c).map((c) => ({ ...c, edits: c.edits as TextEdit[] }));

    const removed = applyEdits(text, edits(actions[0])[0].edits);
    assert.equal(removed, [...lines.slice(0, MIXED.duplicates[0] - 1), ...lines.slice(MIXED.duplicates[0])].join('\n'));
    assert.equal(edits(actions[0])[0].textDocument.version, 1, 'the edit is for the version the user sees');

    const move = actions[1].edit!.documentChanges!;
    const create = move[0] as CreateFile;
    assert.equal(create.kind, 'create');
    assert.equal(create.uri, uri(join(dir, 'mixed.quarantine.jsonl')));
    assert.deepEqual(create.options, { ignoreIfExists: true });
    const [insert, del] = edits(actions[1]);
    assert.equal(applyEdits('', insert.edits), lines[MIXED.duplicates[0] - 1] + '\n');
    assert.equal(applyEdits(text, del.edits), removed);

    const cleaned = applyEdits(text, edits(actions[2])[0].edits);
    const kept = lines.filter((_, k) => ![...MIXED.duplicates, MIXED.list].includes(k + 1));
    assert.equal(cleaned, kept.join('\n'));

    const listDiag = d.find((x) => x.range.start.line === MIXED.list - 1)!;
    const listActions = await client.codeActions(mixed, [listDiag]);
    assert.equal(listActions[0].title, 'Remove this line (2 triples)');
    const foreign = { ...dup, source: 'other-linter' };
    assert.deepEqual(await client.codeActions(mixed, [foreign]), [], 'only our own findings get fixes');
  });

  test('eci/weakestTriples returns the lowest weights with their texts', async () => {
    const rows = await client.request<TripleRow[]>('eci/weakestTriples', { scope: 'workspace', source: 'easy', limit: 4 });
    assert.equal(rows.length, 4);
    for (let k = 1; k < rows.length; k++) assert.ok(rows[k - 1].w <= rows[k].w);
    for (const r of rows) {
      assert.equal(r.uri, uri(join(dir, 'easy.jsonl')));
      assert.match(r.query, /^query Easy \d+/);
      assert.equal(r.query, JSON.parse(readFileSync(join(dir, 'easy.jsonl'), 'utf8').split('\n')[r.line]).query);
    }
  });

  test('eci/exportReport: JSON (spec §6), Markdown and CSV', async () => {
    const json = await client.request<{ content: string }>('eci/exportReport', { scope: 'workspace', format: 'json', triples: true });
    const report = JSON.parse(json.content);
    assert.equal(report.schemaVersion, 2);
    assert.equal(report.sources.length, 3);
    assert.equal(report.triples.length, 40 + 40 + MIXED.lines + 1);
    const md = await client.request<{ content: string }>('eci/exportReport', { scope: 'workspace', format: 'markdown', triples: false });
    assert.match(md.content, /^# ECI_sem ranking/);
    const csv = await client.request<{ content: string }>('eci/exportReport', { scope: 'workspace', format: 'csv', triples: true });
    const rows = csv.content.trimEnd().split('\n');
    assert.equal(rows[0], 'source,file,line,a,b,c,t,l,r,w,sampled,leverage,gain,findings');
    assert.equal(rows.length - 1, report.triples.length);
  });

  test('eci/exportCurated drops lines with the chosen findings and refuses to overwrite', async () => {
    const target = join(dir, 'mixed.curated.jsonl');
    const diags = client.diagnostics.get(uri(mixed))!.diagnostics;
    const unsafe = new Set(diags.filter((x) => x.code === 'duplicate-of-positive' || x.code === 'likely-false-negative').map((x) => x.range.start.line));
    const params: ExportCuratedRequest.Params = { scope: 'workspace', sourceFile: uri(mixed), drop: ['duplicate-of-positive', 'likely-false-negative'], target, overwrite: false };
    const res = await client.request<ExportCuratedRequest.Result>('eci/exportCurated', params);
    assert.ok(unsafe.size >= 4);
    assert.equal(res.dropped, unsafe.size);
    const written = readFileSync(target, 'utf8').trimEnd().split('\n');
    assert.equal(written.length, MIXED.lines - unsafe.size);
    const source = client.text(mixed).split('\n');
    assert.deepEqual(written, source.filter((_, k) => k < MIXED.lines && !unsafe.has(k)));
    await assert.rejects(client.request('eci/exportCurated', params), /exists; not overwritten/);
    const again = await client.request<ExportCuratedRequest.Result>('eci/exportCurated', { ...params, drop: ['near-duplicate-of-positive'], overwrite: true });
    assert.equal(again.dropped, 0);
    assert.equal(readFileSync(target, 'utf8'), client.text(mixed));
    assert.ok(existsSync(target));
  });

  test('diagnostics per file are capped, with a summary of how many more', async () => {
    const easy = join(dir, 'easy.jsonl');
    const perTriple = (d: Diagnostic[]) => d.filter((x) => x.range.start.line > 0 || x.range.end.line > 0);
    const full = perTriple(client.diagnostics.get(uri(easy))!.diagnostics);
    assert.ok(full.length > 6);
    client.setSettings({ maxDiagnosticsPerFile: 5 });
    const capped = await client.diagnosticsOf(easy, (x) => x.some((y) => y.code === 'more-findings'));
    const summary = capped.find((y) => y.code === 'more-findings')!;
    assert.equal(capped.filter((y) => y.code === 'too-easy').length, 5);
    assert.equal(summary.severity, 3);
    assert.match(messageOf(summary), new RegExp(`^${full.length - 5} more eci-sem diagnostics in this file are not shown \\(eciSem.maxDiagnosticsPerFile = 5`));
    // Source-level findings of a loose file (its own source) stay on its first line, outside the cap.
    assert.ok(capped.some((y) => y.code === 'under-sampled' && y.range.start.line === 0));
    client.setSettings({ maxDiagnosticsPerFile: 500 });
    await client.diagnosticsOf(easy, (x) => !x.some((y) => y.code === 'more-findings'));
  });

  test('an edit re-runs; diagnostics are never those of an older version', async () => {
    const seen: { version?: number; dupLines: number[] }[] = [];
    client.diagnosticListeners.push((p) => {
      if (p.uri === uri(mixed)) seen.push({ ...(p.version !== undefined ? { version: p.version } : {}), dupLines: findingsAt(p.diagnostics, 'duplicate-of-positive') });
    });
    const lines = client.text(mixed).split('\n');
    const hardLine = readFileSync(join(dir, 'hard.jsonl'), 'utf8').split('\n')[0];
    // Replace the first duplicate with a good triple, then (superseding) fix the second too.
    const at = MIXED.duplicates[0] - 1;
    const v2 = client.edit(mixed, { start: { line: at, character: 0 }, end: { line: at, character: lines[at].length } }, hardLine);
    const at2 = MIXED.duplicates[1] - 1;
    const v3 = client.edit(mixed, { start: { line: at2, character: 0 }, end: { line: at2, character: lines[at2].length } }, hardLine);
    await client.waitForResults('workspace');
    const final = await client.diagnosticsOf(mixed, (_d, p) => p.version === v3 && findingsAt(_d, 'duplicate-of-positive').length > 0);
    assert.deepEqual(findingsAt(final, 'duplicate-of-positive'), [MIXED.list]);
    for (const s of seen) {
      assert.notEqual(s.version, 1, 'nothing published for version 1 after the edits');
      // An edited line's findings never outlive its edit; an untouched line's are carried until the run.
      if (s.version !== undefined && s.version >= v2) assert.ok(!s.dupLines.includes(MIXED.duplicates[0]), `stale duplicate shown: ${JSON.stringify(s)}`);
      if (s.version !== undefined && s.version >= v3) assert.ok(!s.dupLines.includes(MIXED.duplicates[1]), `stale duplicate shown: ${JSON.stringify(s)}`);
    }
    client.close(mixed);
  });
});
