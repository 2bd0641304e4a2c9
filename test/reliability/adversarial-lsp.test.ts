/**
 * Issue 5.1, the adversarial input corpus through the language server (real
 * stdio connection): files on disk and the same files open in the editor. No
 * crash; exactly one `invalid-triple` diagnostic on each bad line, at its
 * column, saying what was expected; every good line scored; a union that names
 * itself, and a cycle, reported on the config key. And an error that escapes
 * every handler is logged while the server keeps serving.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import type { RankingSnapshot, TripleRow } from '../../common/protocol';
import { BAD_UNIONS, editorText, expected, writeWorkspace, type CorpusFile } from '../helpers/adversarial';
import { messageOf, TestClient, uri } from '../helpers/lspClient';
import { looseWorkspace, MIXED, tempDir } from '../helpers/lspFixtures';

const INPUT = 'invalid-triple';

function checkDiagnostics(file: CorpusFile, view: 'disk' | 'editor', diags: Diagnostic[]): void {
  const byLine = new Map<number, Diagnostic[]>();
  for (const d of diags.filter((x) => x.code === INPUT)) byLine.set(d.range.start.line + 1, [...(byLine.get(d.range.start.line + 1) ?? []), d]);
  for (const [line, { case: c }] of file.expect) {
    const want = expected(file, line, view)!;
    const got = byLine.get(line) ?? [];
    const what = `${view} line ${line} (${c.name}): ${JSON.stringify(got.map((d) => `${d.range.start.character}: ${messageOf(d).slice(0, 200)}`))}`;
    if (want.problem) {
      assert.equal(got.length, 1, `exactly one diagnostic — ${what}`);
      assert.equal(got[0].range.start.character, want.problem.column - 1, `column — ${what}`);
      assert.match(messageOf(got[0]).replace(/^skipped: /, ''), want.problem.message, what);
      assert.equal(got[0].severity, 1);
    } else assert.equal(got.length, 0, `no diagnostic — ${what}`);
    byLine.delete(line);
  }
  assert.deepEqual([...byLine.keys()], [], `${view}: input diagnostics on good lines`);
}

describe('adversarial corpus: language server', () => {
  let dir: string;
  let ws: ReturnType<typeof writeWorkspace>;
  let client: TestClient;
  let scope: string;

  before(async () => {
    dir = tempDir('adversarial-lsp');
    ws = writeWorkspace(dir);
    client = await TestClient.start({ folder: dir, cacheDir: tempDir('cache') });
    await client.waitForResults(uri(ws.config), 120_000);
    const snaps = await client.request<RankingSnapshot[]>('eci/ranking', {});
    scope = snaps.find((s) => s.sources.some((x) => x.name === 'Corpus'))!.scope;
  });
  after(() => client?.stop());

  /** Scored triples per 1-based line of a source, from the server's own results. */
  async function scoredLines(source: string): Promise<Map<number, number>> {
    const rows = await client.request<TripleRow[]>('eci/weakestTriples', { scope, source, limit: 1_000_000 });
    const m = new Map<number, number>();
    for (const r of rows) m.set(r.line + 1, (m.get(r.line + 1) ?? 0) + 1);
    return m;
  }

  function checkScored(file: CorpusFile, view: 'disk' | 'editor', lines: Map<number, number>): void {
    for (const line of file.goodLines) assert.equal(lines.get(line), 1, `${view}: good line ${line} scored`);
    for (const [line, { case: c }] of file.expect) {
      const want = c.acrossLines ? 0 : expected(file, line, view)!.triples;
      assert.equal(lines.get(line) ?? 0, want, `${view}: triples of line ${line} (${c.name})`);
    }
  }

  test('files on disk: one diagnostic per bad line, at its column; every good line scored', async () => {
    for (const file of [ws.jsonl, ws.crlf]) {
      const d = await client.diagnosticsOf(file.path, (x) => x.some((y) => y.code === INPUT), 60_000);
      checkDiagnostics(file, 'disk', d);
    }
    checkScored(ws.jsonl, 'disk', await scoredLines('Corpus'));
    checkScored(ws.crlf, 'disk', await scoredLines('Crlf'));
    assert.equal(client.child.exitCode, null, 'the server is alive');
  });

  test('a union that names itself and a cycle: errors on the union element of the config', async () => {
    const d = await client.diagnosticsOf(ws.badConfig, (x) => x.length >= 2, 30_000);
    const lines = BAD_UNIONS.split('\n');
    const self = d.find((x) => /a union cannot include its own source "Self"/.test(messageOf(x)));
    assert.ok(self, d.map(messageOf).join('\n'));
    assert.deepEqual(self.range.start, { line: 4, character: lines[4].lastIndexOf('"Self"') });
    const cycle = d.find((x) => /cycle: "X" → "Y" → "X"/.test(messageOf(x)));
    assert.ok(cycle, d.map(messageOf).join('\n'));
    assert.deepEqual(cycle.range.start, { line: 6, character: lines[6].lastIndexOf('"X"') });
    for (const x of [self, cycle]) assert.equal(x.severity, 1);
  });

  test('the same files open in the editor: the structural check and a run agree with what the editor shows', async () => {
    // Opened unchanged after the run over the disk files, so that run's problems across lines
    // (which the structural check of one line cannot see) show at once, one diagnostic a line.
    for (const file of [ws.jsonl, ws.crlf, ws.tsv]) {
      client.open(file.path, editorText(file.bytes), file.path.endsWith('.tsv') ? 'tsv' : 'jsonl');
      const d = await client.diagnosticsOf(file.path, (_x, p) => p.version === 1, 60_000);
      checkDiagnostics(file, 'editor', d);
    }
    // A run over the open documents' text scores what the editor shows.
    await client.request('eci/score', { uri: uri(ws.jsonl.path) });
    await client.waitForResults(scope, 120_000);
    checkScored(ws.jsonl, 'editor', await scoredLines('Corpus'));
    checkScored(ws.crlf, 'editor', await scoredLines('Crlf'));
    // And after a run over the editor's text.
    checkDiagnostics(ws.jsonl, 'editor', await client.diagnosticsOf(ws.jsonl.path, (_x, p) => p.version === 1, 60_000));
    // Hover still answers on a good line after all that.
    const h = await client.hover(ws.jsonl.path, ws.jsonl.goodLines[3] - 1, 3);
    assert.ok(h, 'hover on a scored line');
    assert.equal(client.child.exitCode, null, 'the server is alive');
  });
});

describe('an error no handler catches', () => {
  let client: TestClient | undefined;
  after(() => client?.stop());

  test('an uncaught exception and an unhandled rejection are logged; the server keeps serving', async () => {
    const dir = looseWorkspace();
    const mixed = join(dir, 'mixed.jsonl');
    // Preloaded into the server (main thread only): once the trigger file exists, it throws
    // outside any handler and rejects a promise nobody awaits. Without the server's
    // process-level handlers, Node would end the process on either.
    const scratch = tempDir('unhandled');
    const trigger = join(scratch, 'trigger');
    const preload = join(scratch, 'preload.js');
    writeFileSync(preload, `
const { isMainThread } = require('node:worker_threads');
const { existsSync } = require('node:fs');
if (isMainThread) {
  const timer = setInterval(() => {
    if (!existsSync(${JSON.stringify(trigger)})) return;
    clearInterval(timer);
    Promise.reject(new Error('test: a rejection nobody handles'));
    setTimeout(() => { throw new Error('test: thrown outside any handler'); });
  }, 20);
  timer.unref();
}
`);
    client = await TestClient.start({ folder: dir, cacheDir: tempDir('cache'), env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${preload}` } });
    await client.waitForResults('workspace', 120_000);
    client.open(mixed);
    assert.ok(await client.hover(mixed, MIXED.falseNegative - 1, 5), 'hover answers before');

    writeFileSync(trigger, '');
    const logged = async (pattern: RegExp) => {
      for (const until = performance.now() + 30_000; !pattern.test(client!.logs.join('')); ) {
        assert.equal(client!.child.exitCode, null, `the server exited:\n${client!.logs.join('').slice(-3000)}`);
        assert.ok(performance.now() < until, `not logged: ${pattern}\n${client!.logs.join('').slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await logged(/eci-sem: unhandled rejection \(the server keeps running; please report it\): Error: test: a rejection nobody handles/);
    await logged(/eci-sem: internal error \(the server keeps running; please report it\): Error: test: thrown outside any handler/);

    // Still serving: a hover, and a new run.
    assert.ok(await client.hover(mixed, MIXED.falseNegative - 1, 5), 'hover answers after');
    const rerun = client.waitForResults('workspace', 120_000);
    await client.request('eci/score', {});
    await rerun;
    assert.equal(client.child.exitCode, null, 'the server is alive');
  });
});
