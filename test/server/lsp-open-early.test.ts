/**
 * A triple file opened right after `initialized`, before the server has found
 * the folder's config (Vim's ALE does this, and pushes its settings instead of
 * answering workspace/configuration): the file belongs to the config's scope
 * only. It used to be taken for a loose file as well, about every other time,
 * and its loose-scope findings stayed next to the config's.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import {
  createProtocolConnection, StreamMessageReader, StreamMessageWriter, type Diagnostic, type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import type { RankingSnapshot } from '../../common/protocol';
import { messageOf, ROOT } from '../helpers/lspClient';
import { precomputedConfigWorkspace } from '../helpers/lspFixtures';

const CONFIG = `{
  "encoder": { "kind": "precomputed" },
  "sources": [{ "name": "A", "files": "data/a.jsonl" }, { "name": "B", "files": "data/b.jsonl" }]
}
`;

async function openAtOnce(): Promise<{ scopes: string[]; diagnostics: Diagnostic[] }> {
  const dir = precomputedConfigWorkspace(CONFIG);
  const file = join(dir, 'data', 'a.jsonl');
  const fileUri = pathToFileURL(file).href;
  const configUri = pathToFileURL(join(dir, 'eci.config.jsonc')).href;
  // The bundle, as editors start it: under tsx the worker starts so slowly that the race never showed.
  const server = join(ROOT, 'dist', 'server.js');
  if (!existsSync(server)) throw new Error('dist/server.js is missing: run npm run build');
  const child = spawn(process.execPath, [server, '--stdio'], { cwd: dir, stdio: ['pipe', 'pipe', 'ignore'] });
  const conn = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const last = new Map<string, Diagnostic[]>();
  // Runs are one at a time and the stray loose run was queued first: once the
  // config's result is in, a loose result would be in too.
  let configDone!: () => void;
  const configResult = new Promise<void>((resolve) => { configDone = resolve; });
  conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => { last.set(p.uri, p.diagnostics); });
  conn.onNotification('eci/resultsChanged', (p: { scopes: string[] }) => { if (p.scopes.includes(configUri)) configDone(); });
  conn.listen();
  try {
    // What ALE 3.3 sends, back to back: no workspace/configuration, settings pushed.
    await conn.sendRequest('initialize', {
      processId: null, rootUri: pathToFileURL(dir).href, initializationOptions: { trusted: true },
      capabilities: { workspace: { configuration: false, workspaceFolders: false, didChangeConfiguration: { dynamicRegistration: false } } },
    });
    void conn.sendNotification('initialized', {});
    void conn.sendNotification('workspace/didChangeConfiguration', { settings: { eciSem: { run: 'onType' } } });
    void conn.sendNotification('textDocument/didOpen', { textDocument: { uri: fileUri, languageId: 'jsonl', version: 1, text: readFileSync(file, 'utf8') } });
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no result for the config within 30 s')), 30_000).unref());
    await Promise.race([configResult, timeout]);
    const ranking = await conn.sendRequest<RankingSnapshot[]>('eci/ranking', {});
    return { scopes: ranking.map((r) => r.scope), diagnostics: last.get(fileUri) ?? [] };
  } finally {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await conn.sendRequest('shutdown').catch(() => undefined);
    await conn.sendNotification('exit').catch(() => undefined);
    const killer = setTimeout(() => child.kill(), 5_000);
    await exited;
    clearTimeout(killer);
    conn.dispose();
  }
}

test('a triple file opened before discovery ends is scored by its config only', async () => {
  // The race went either way; five tries caught it nearly every time (about 1 in 32 would miss).
  for (let i = 0; i < 5; i++) {
    const { scopes, diagnostics } = await openAtOnce();
    assert.deepEqual(scopes, [scopes.find((s) => s.endsWith('eci.config.jsonc'))], `try ${i + 1}: only the config's scope has results, got ${scopes.join(', ')}`);
    const loose = diagnostics.map(messageOf).filter((m) => /^a: /.test(m));
    assert.deepEqual(loose, [], `try ${i + 1}: no loose-scope source findings on the triple file`);
  }
});
