/**
 * Issue 5.7 — security, apart from Workspace Trust on the server (that is in
 * test/server/lsp-config.test.ts):
 * - the ranking page has a strict CSP and carries no data; the shipped webview
 *   script (media/dist/ranking.js, run in a DOM) shows source names, file
 *   names and triple texts full of markup as text, never as elements,
 *   attributes or script;
 * - the client sends no workspace-relative model path in restricted mode;
 * - eci/exportCurated never overwrites without being told to, never writes
 *   over its source, and leaves nothing half-written;
 * - every quick fix is one edit that undoes to a byte-identical file (CRLF
 *   files and files without a final newline too), and the server's
 *   diagnostics after the undo are the original ones.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CodeAction, CreateFile, TextDocumentEdit, TextEdit } from 'vscode-languageserver-protocol';
import { encoderPathFor, readClientSettings } from '../../client/src/settings';
import { contentSecurityPolicy, rankingPageHtml } from '../../client/src/panelHtml';
import type { ExportCuratedRequest, HostToPanel, PanelToHost, RankingSnapshot, TripleRow } from '../../common/protocol';
import { offsetAt, ROOT, TestClient, uri } from '../helpers/lspClient';
import { tempDir } from '../helpers/lspFixtures';
import { near, rng, syntheticLines, unitVector } from '../helpers/synthetic';

/** Text that would become markup or script if anything interpolated it into HTML. */
const HOSTILE = [
  '<img src=x onerror=alert(1)></script>',
  '"><script>window.pwned = 1</script><b title=\'x',
  '${alert(2)} `backtick` \'single\' "double" &amp; <!-- comment',
];
/** File names cannot hold "/" (nor braces, which config globs expand): these stand for what one can carry. */
const HOSTILE_FILES = ['<img src=x onerror=alert(3)>.jsonl', '"quotes\' & $HOME.jsonl'];

/** Elements the panel builds; anything else in the page came from data. */
const PANEL_TAGS = new Set(['MAIN', 'HEADER', 'H1', 'H2', 'H3', 'SPAN', 'BUTTON', 'P', 'SECTION', 'DIV', 'TABLE', 'THEAD', 'TBODY', 'TR', 'TH', 'TD', 'svg', 'rect']);

function record(query: string, positive: string, negative: string, q: number[], p: number[], n: number[]): string {
  return JSON.stringify({ query, positive, negative, query_embedding: q, positive_embedding: p, negative_embedding: n });
}

describe('ranking webview: strict CSP, data only ever as text', () => {
  // happy-dom is an ES module; this file is CommonJS.
  let Window: typeof import('happy-dom', { with: { 'resolution-mode': 'import' } }).Window;
  before(async () => { ({ Window } = await import('happy-dom')); });

  test('the page: default-src none, one script by nonce, no inline script, styles only from the extension', () => {
    const assets = { cspSource: 'https://file+.vscode-resource.vscode-cdn.net', scriptUri: 'https://x.test/media/dist/ranking.js', styleUri: 'https://x.test/media/ranking/ranking.css' };
    const html = rankingPageHtml(assets);
    const win = new Window();
    const doc = new win.DOMParser().parseFromString(html, 'text/html');
    const metas = doc.querySelectorAll('meta[http-equiv="Content-Security-Policy"]');
    assert.equal(metas.length, 1);
    const csp = metas[0].getAttribute('content')!;
    const directives = new Map(csp.split(';').map((d) => d.trim()).filter(Boolean).map((d) => { const [k, ...v] = d.split(/\s+/); return [k, v] as const; }));
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    const scripts = doc.querySelectorAll('script');
    assert.equal(scripts.length, 1, 'one script element');
    const nonce = scripts[0].getAttribute('nonce')!;
    assert.match(nonce, /^[A-Za-z0-9+/]{24}$/, 'a 144-bit nonce');
    assert.deepEqual(directives.get('script-src'), [`'nonce-${nonce}'`]);
    assert.deepEqual(directives.get('style-src'), [assets.cspSource]);
    assert.equal(scripts[0].getAttribute('src'), assets.scriptUri);
    assert.equal(scripts[0].textContent, '', 'no inline script');
    for (const bad of ['unsafe-inline', 'unsafe-eval', 'unsafe-hashes', '*', 'data:', 'http:']) assert.ok(!csp.includes(bad), `CSP without ${bad}: ${csp}`);
    for (const el of doc.querySelectorAll('*')) {
      for (const a of el.getAttributeNames()) assert.ok(!/^on|^style$/i.test(a), `no ${a} attribute on <${el.tagName}>`);
    }
    assert.notEqual(rankingPageHtml(assets).match(/nonce="([^"]+)"/)![1], nonce, 'a new nonce for every page');
    win.close();
  });

  test('asset URIs with quotes and markup stay inside their attributes', () => {
    const evil = 'https://x.test/a"><script>alert(1)</script><x y="';
    const html = rankingPageHtml({ cspSource: 'https://x.test', scriptUri: evil, styleUri: evil, nonce: 'n"><script>alert(2)</script>' });
    const win = new Window();
    const doc = new win.DOMParser().parseFromString(html, 'text/html');
    assert.equal(doc.querySelectorAll('script').length, 1);
    assert.equal(doc.querySelector('script')!.getAttribute('src'), evil);
    assert.equal(doc.querySelector('link')!.getAttribute('href'), evil);
    assert.equal(doc.querySelectorAll('x').length, 0);
    assert.equal(doc.querySelector('meta[http-equiv]')!.getAttribute('content'), contentSecurityPolicy('https://x.test', 'n"><script>alert(2)</script>'));
    win.close();
  });

  test('the webview sources never parse HTML, evaluate strings or set inline styles', () => {
    const dir = join(ROOT, 'media', 'ranking');
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
      const src = readFileSync(join(dir, f), 'utf8');
      for (const sink of [/\.innerHTML\b/, /\.outerHTML\b/, /insertAdjacentHTML/, /document\.write/, /\beval\(/, /new Function\(/, /\.style\./, /setAttribute\(\s*['"]on/, /createContextualFragment/, /DOMParser/]) {
        assert.ok(!sink.test(src), `media/ranking/${f} uses ${sink}`);
      }
    }
  });

  describe('the shipped panel script with hostile data from a real server', () => {
    let dir: string;
    let client: TestClient;
    let snapshots: RankingSnapshot[];

    before(async () => {
      // A config whose source names, file names and triple texts are all markup.
      dir = tempDir('hostile');
      mkdirSync(join(dir, 'data'));
      const rand = rng(5);
      HOSTILE_FILES.forEach((name, k) => {
        const lines = syntheticLines(`S${k}`, 12, 'hard', 20 + k).map((l) => {
          const r = JSON.parse(l);
          delete r.source;
          return JSON.stringify(r);
        });
        const q = unitVector(rand, 16);
        const p = near(rand, q, 0.15);
        lines[0] = record(HOSTILE[0], 'a positive', HOSTILE[1], q, p, near(rand, q, 0.3));
        lines[1] = record(HOSTILE[2], 'another positive', `${HOSTILE[0]} ${HOSTILE[2]}`, q, p, p);
        writeFileSync(join(dir, 'data', name), lines.join('\n') + '\n');
      });
      const config = {
        encoder: { kind: 'precomputed' },
        sources: [
          { name: HOSTILE[0], files: `data/${HOSTILE_FILES[0]}` },
          { name: HOSTILE[1], files: `data/${HOSTILE_FILES[1]}` },
          { name: HOSTILE[2], union: [HOSTILE[0], HOSTILE[1]] },
        ],
      };
      writeFileSync(join(dir, 'eci.config.jsonc'), JSON.stringify(config, null, 2));
      client = await TestClient.start({ folder: dir, cacheDir: tempDir('cache') });
      await client.waitForResults();
      snapshots = await client.request<RankingSnapshot[]>('eci/ranking', {});
    });
    after(() => client.stop());

    test('source names, file names and triple texts appear literally; no element, attribute or script comes from them', async () => {
      const bundle = join(ROOT, 'media', 'dist', 'ranking.js');
      assert.ok(existsSync(bundle), 'media/dist/ranking.js is missing: run npm run build');
      assert.deepEqual(snapshots[0].sources.map((s) => s.name).sort(), [...HOSTILE].sort());

      const win = new Window({ url: 'https://webview.test/' });
      const { document } = win;
      document.body.innerHTML = '<main id="app" aria-live="polite"></main>';
      const alerts: unknown[] = [];
      const posted: PanelToHost[] = [];
      // Messages come from the page's realm: compare them as plain data.
      const plain = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;
      let saved: unknown;
      Object.assign(win, {
        alert: (x: unknown) => alerts.push(x),
        acquireVsCodeApi: () => ({ postMessage: (m: PanelToHost) => posted.push(m), getState: () => saved, setState: (s: unknown) => { saved = s; } }),
      });
      win.eval(readFileSync(bundle, 'utf8'));
      assert.deepEqual(plain(posted), [{ type: 'ready' }]);
      const send = (m: HostToPanel) => win.dispatchEvent(new win.MessageEvent('message', { data: m }));
      send({ type: 'ranking', snapshots, running: { state: 'idle' } });

      // Each source's weakest triples, as the host answers the page's request.
      const rows: TripleRow[] = [];
      for (const name of HOSTILE.slice(0, 2)) {
        send({ type: 'select', scope: snapshots[0].scope, source: name });
        const asked = posted.at(-1)!;
        assert.deepEqual(plain(asked), { type: 'selectSource', scope: snapshots[0].scope, source: name });
        const weakest = await client.request<TripleRow[]>('eci/weakestTriples', { scope: snapshots[0].scope, source: name, limit: 50 });
        send({ type: 'weakest', scope: snapshots[0].scope, source: name, rows: weakest });
        assert.ok(weakest.length > 0, `weakest triples of ${name}`);
        rows.push(...weakest);

        const app = document.getElementById('app')!;
        for (const el of app.querySelectorAll('*')) {
          assert.ok(PANEL_TAGS.has(el.tagName), `unexpected <${el.tagName}> in the panel`);
          for (const a of el.getAttributeNames()) assert.ok(!/^on/i.test(a), `event-handler attribute ${a} on <${el.tagName}>`);
        }
        const names = [...app.querySelectorAll('td.name')].map((td) => td.textContent);
        for (const h of HOSTILE) assert.ok(names.includes(h), `source name shown literally: ${h}`);
        assert.equal(app.querySelector('.details h2')!.textContent, `Weakest triples: ${name}`);
        const texts = [...app.querySelectorAll('.details td.text')].map((td) => td.textContent);
        const where = [...app.querySelectorAll('.details td.where')].map((td) => td.textContent);
        for (const r of weakest) {
          assert.ok(texts.includes(r.query) && texts.includes(r.negative), 'query and negative shown as text');
        }
        assert.ok(where.some((w) => HOSTILE_FILES.some((f) => w!.startsWith(`${f}:`))), `file names shown literally: ${where.slice(0, 2)}`);
        const titled = [...app.querySelectorAll('.details td.text')].map((td) => td.getAttribute('title'));
        assert.deepEqual(titled, texts, 'tooltips carry the same text, unparsed');
      }
      assert.ok(rows.some((r) => r.query === HOSTILE[0]) && rows.some((r) => r.negative === HOSTILE[1]), 'the hostile triples reached the panel');
      assert.deepEqual(alerts, [], 'no script ran');
      assert.equal((win as unknown as { pwned?: number }).pwned, undefined, 'no injected script ran');
      assert.equal(document.querySelectorAll('script, img, iframe, object, embed, link, style, b').length, 0);
      // The state the page persists for a reload holds the data as data.
      assert.equal(JSON.stringify(saved).includes(HOSTILE[1].replace(/"/g, '\\"')), true);
      win.close();
    });
  });
});

describe('restricted mode on the client: no model path into the workspace', () => {
  const folder = '/work/some-workspace';
  const settings = (encoderPath: string) => ({ get: <T>(key: string) => (key === 'encoderPath' ? encoderPath : undefined) as T | undefined });

  test('trusted: relative paths and ${workspaceFolder} resolve against the folder', () => {
    assert.equal(readClientSettings(settings('models/mine'), folder, true).encoderPath, '/work/some-workspace/models/mine');
    assert.equal(readClientSettings(settings('${workspaceFolder}/m'), folder, true).encoderPath, '/work/some-workspace/m');
  });

  test('restricted: relative and ${workspaceFolder} paths are not sent; absolute and home paths are', () => {
    assert.equal(readClientSettings(settings('models/evil'), folder, false).encoderPath, '');
    assert.equal(readClientSettings(settings('./models/evil'), folder, false).encoderPath, '');
    assert.equal(readClientSettings(settings('${workspaceFolder}/models/evil'), folder, false).encoderPath, '');
    assert.equal(encoderPathFor('/opt/models/e5', folder, false), '/opt/models/e5');
    assert.match(encoderPathFor('~/models/e5', folder, false), /\/models\/e5$/);
    assert.ok(!encoderPathFor('~/models/e5', folder, false).startsWith('~'));
  });
});

// ------------------------------------------------------------------ quick fixes and exports

/** A triple file with duplicates at 0-based lines `dups` (the last line among them), line breaks `eol`. */
function dupFile(name: string, count: number, dups: number[], eol: string, finalNewline: boolean, seed: number): { name: string; text: string; dups: number[] } {
  const lines = syntheticLines(name, count, 'hard', seed).map((l) => { const r = JSON.parse(l); delete r.source; return JSON.stringify(r); });
  const rand = rng(seed + 100);
  for (const k of dups) {
    const q = unitVector(rand, 16);
    const p = near(rand, q, 0.15);
    lines[k] = record(`duplicate query ${k}`, `The positive passage ${k}.`, `the positive  passage ${k}. `, q, p, near(rand, p, 0.01));
  }
  return { name, text: lines.join(eol) + (finalNewline ? eol : ''), dups };
}

type Files = Map<string, string>;
type Change = TextDocumentEdit | CreateFile;

/** Applies a WorkspaceEdit as an editor does; returns its undo (the inverse changes, to apply in order). */
function applyWorkspaceEdit(files: Files, changes: Change[], versions: Map<string, number>): Change[] {
  const undo: Change[] = [];
  for (const c of changes) {
    if ('kind' in c) {
      assert.equal(c.kind, 'create');
      if (files.has(c.uri)) {
        assert.ok(c.options?.ignoreIfExists, 'never overwrites an existing file');
        continue;
      }
      files.set(c.uri, '');
      undo.unshift({ kind: 'delete', uri: c.uri } as unknown as CreateFile);
      continue;
    }
    const u = c.textDocument.uri;
    const before = files.get(u);
    assert.ok(before !== undefined, `edit of a file that exists: ${u}`);
    if (c.textDocument.version !== null) assert.equal(c.textDocument.version, versions.get(u), 'the edit is for the version the editor holds');
    const edits = (c.edits as TextEdit[]).map((e) => ({ start: offsetAt(before, e.range.start), end: offsetAt(before, e.range.end), text: e.newText })).sort((a, b) => a.start - b.start);
    for (let k = 1; k < edits.length; k++) assert.ok(edits[k - 1].end <= edits[k].start, 'edits do not overlap');
    let out = '';
    let at = 0;
    const inverse: { start: number; end: number; text: string }[] = [];
    for (const e of edits) {
      out += before.slice(at, e.start);
      inverse.push({ start: out.length, end: out.length + e.text.length, text: before.slice(e.start, e.end) });
      out += e.text;
      at = e.end;
    }
    out += before.slice(at);
    files.set(u, out);
    undo.unshift({ textDocument: { uri: u, version: null }, edits: inverse.map((e) => ({ range: { start: positionIn(out, e.start), end: positionIn(out, e.end) }, newText: e.text })) });
  }
  return undo;
}

function positionIn(text: string, offset: number): { line: number; character: number } {
  let line = 0;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) { line++; start = i + 1; }
  return { line, character: offset - start };
}

function undoAll(files: Files, undo: Change[]): void {
  for (const c of undo) {
    if ((c as unknown as { kind?: string }).kind === 'delete') files.delete((c as CreateFile).uri);
    else applyWorkspaceEdit(files, [c], new Map());
  }
}

/** Lines of a text with their own line breaks: "a\r\nb" → ["a\r\n", "b"]. */
const linesWithBreaks = (text: string) => text.match(/[^\n]*\n|[^\n]+$/g) ?? [];

describe('quick fixes undo to a byte-identical file; exports never overwrite unasked', () => {
  let dir: string;
  let client: TestClient;
  const files = [
    dupFile('crlf', 16, [2, 9], '\r\n', true, 31),
    dupFile('nofinal', 16, [0, 15], '\n', false, 32),
  ];

  before(async () => {
    dir = tempDir('undo');
    for (const f of files) writeFileSync(join(dir, `${f.name}.jsonl`), f.text);
    client = await TestClient.start({ folder: dir, cacheDir: tempDir('cache') });
    await client.waitForResults('workspace');
    await client.settled('workspace'); // the source-level findings are complete once the stability check is in
  });
  after(() => client.stop());

  for (const f of files) {
    test(`${f.name}.jsonl: each fix removes exactly its line, keeps the line breaks, and undoes byte for byte`, async () => {
      const path = join(dir, `${f.name}.jsonl`);
      const u = uri(path);
      const q = uri(join(dir, `${f.name}.quarantine.jsonl`));
      client.open(path, f.text);
      const initial = await client.diagnosticsOf(path, (d, p) => p.version === 1 && d.filter((x) => x.code === 'duplicate-of-positive').length === f.dups.length);
      const dups = initial.filter((x) => x.code === 'duplicate-of-positive');
      assert.deepEqual(dups.map((d) => d.range.start.line).sort((a, b) => a - b), f.dups);
      const original = linesWithBreaks(f.text);
      const eol = f.text.includes('\r\n') ? '\r\n' : '\n';
      let version = 1;
      for (const d of dups) {
        const actions = await client.codeActions(path, [d]);
        assert.deepEqual(actions.map((a) => a.title.replace(/\(\d+ lines\)/, '(n lines)')), [
          'Remove this triple', `Move this triple to ${f.name}.quarantine.jsonl`, 'Remove all duplicate-of-positive triples in this file (n lines)']);
        for (const a of actions as CodeAction[]) {
          const state: Files = new Map([[u, f.text]]);
          const undo = applyWorkspaceEdit(state, a.edit!.documentChanges as Change[], new Map([[u, version]]));
          const after = state.get(u)!;
          const removed = a.title.startsWith('Remove all') ? f.dups : [d.range.start.line];
          const kept = original.filter((_, k) => !removed.includes(k));
          // Without a final newline, removing the last line takes the break before it.
          const expected = f.text.endsWith(eol) || removed.every((k) => k < original.length - 1) ? kept.join('') : kept.join('').slice(0, -eol.length);
          assert.equal(after, expected, `${a.title}: the file minus the line, line breaks kept`);
          assert.ok(!/\r(?!\n)/.test(after) && (eol === '\n' || !/(?<!\r)\n/.test(after)), 'no mixed or broken line breaks');
          if (a.title.startsWith('Move')) {
            assert.equal(state.get(q), original[d.range.start.line].replace(/\r?\n$/, '') + eol, 'the quarantine file gets the line with the same line break');
          }
          undoAll(state, undo);
          assert.equal(state.get(u), f.text, `${a.title}: undo restores the file byte for byte`);
          assert.equal(state.has(q), false, 'undo removes the quarantine file it created');
        }
        // Through the server: apply the single fix and then its undo as the editor sends them.
        const remove = actions[0];
        const state: Files = new Map([[u, f.text]]);
        const undo = applyWorkspaceEdit(state, remove.edit!.documentChanges as Change[], new Map([[u, version]]));
        client.replaceAll(path, state.get(u)!);
        undoAll(state, undo);
        version = client.replaceAll(path, state.get(u)!);
        assert.equal(client.text(path), f.text);
        // The re-run's stability check follows its result: wait for the diagnostics to be whole again.
        const restored = await client.diagnosticsOf(path, (ds, p) => p.version === version && ds.filter((x) => x.code === 'duplicate-of-positive').length === f.dups.length && ds.length === initial.length);
        assert.deepEqual(restored, initial, 'after the undo the diagnostics are the original ones');
      }
    });
  }

  test('eci/exportCurated: an existing target is not overwritten, the source never, and nothing half-written is left', async () => {
    const source = join(dir, 'crlf.jsonl');
    const target = join(dir, 'curated.jsonl');
    writeFileSync(target, 'keep me\n');
    const params: ExportCuratedRequest.Params = { scope: 'workspace', sourceFile: uri(source), drop: ['duplicate-of-positive'], target, overwrite: false };
    await assert.rejects(client.request('eci/exportCurated', params), /curated\.jsonl exists; not overwritten/);
    assert.equal(readFileSync(target, 'utf8'), 'keep me\n');
    for (const t of [source, `${dir}/sub/../crlf.jsonl`, 'crlf.jsonl', uri(source)]) {
      await assert.rejects(client.request('eci/exportCurated', { ...params, target: t, overwrite: true }), /cannot replace its own source file/, `target ${t}`);
    }
    // A link to the source is the source.
    symlinkSync(source, join(dir, 'link.jsonl'));
    await assert.rejects(client.request('eci/exportCurated', { ...params, target: join(dir, 'link.jsonl'), overwrite: true }), /cannot replace its own source file/);
    assert.equal(readFileSync(source, 'utf8'), files[0].text);
    // A target that cannot be written: a clear error, and no temporary file left behind.
    await assert.rejects(client.request('eci/exportCurated', { ...params, target: join(dir, 'no-such-dir', 'x.jsonl') }), /cannot write .*no-such-dir/);
    // A failure after the copy was written (a folder where the target should go: the final rename
    // fails) leaves neither a partial target nor the temporary file.
    mkdirSync(join(dir, 'a-folder.jsonl'));
    await assert.rejects(client.request('eci/exportCurated', { ...params, target: join(dir, 'a-folder.jsonl'), overwrite: true }), /cannot write .*a-folder\.jsonl/);
    assert.deepEqual(readdirSync(join(dir, 'a-folder.jsonl')), []);
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'the temporary file of the failed export is removed');
    const ok = await client.request<ExportCuratedRequest.Result>('eci/exportCurated', { ...params, target: join(dir, 'fresh.jsonl') });
    assert.equal(ok.dropped, 2);
    const kept = linesWithBreaks(files[0].text).filter((_, k) => !files[0].dups.includes(k)).join('');
    assert.equal(readFileSync(join(dir, 'fresh.jsonl'), 'utf8'), kept, 'the kept lines, byte for byte, CRLF endings included');
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'no temporary files left');
    assert.equal(readFileSync(source, 'utf8'), files[0].text, 'the source is untouched');
  });
});
