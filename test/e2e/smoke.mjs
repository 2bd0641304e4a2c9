#!/usr/bin/env node
// Self-test of the e2e harness, independent of eci-sem's own extension: a throwaway
// extension, generated here and copied as a folder into the extensions dir, makes the
// same kinds of things appear (problems, CodeLens, hover, webview, quick fix), and the
// same check functions as run.mjs must find them. When `npm run test:e2e` fails,
// `node test/e2e/smoke.mjs` tells whether the harness (code-server, chromium, the
// workbench selectors) or the extension is at fault. Screenshots: test-output/e2e-smoke/.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './lib/codeserver.mjs';
import { runE2E } from './lib/main.mjs';
import { checkCodeLens, checkHover, checkProblems, checkQuickFix, checkWebview } from './lib/suite.mjs';

const ID = 'e2e-smoke.eci-smoke';
const VERSION = '0.0.1';

const manifest = {
  name: 'eci-smoke',
  publisher: 'e2e-smoke',
  version: VERSION,
  displayName: 'e2e harness smoke extension',
  engines: { vscode: '^1.90.0' },
  main: './extension.js',
  activationEvents: ['onStartupFinished'],
  contributes: { commands: [{ command: 'eciSmoke.showRanking', title: 'Show Ranking', category: 'E2E Smoke' }] },
};

// Plain CommonJS against the VS Code API; lines are 0-based here.
const extensionJs = String.raw`
const vscode = require('vscode');
const SOURCES = ['BM25', 'Dense', 'LLM', 'Random', 'Dense+LLM'];
exports.activate = (context) => {
  const root = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0].uri;
  const diagnostics = vscode.languages.createDiagnosticCollection('smoke');
  context.subscriptions.push(diagnostics);
  const publish = () => {
    const dup = new vscode.Diagnostic(new vscode.Range(26, 12, 26, 40),
      'negative is a duplicate of the positive (smoke)', vscode.DiagnosticSeverity.Error);
    dup.source = 'smoke'; dup.code = 'duplicate-of-positive';
    const fn = new vscode.Diagnostic(new vscode.Range(10, 12, 10, 40),
      'likely false negative (smoke)', vscode.DiagnosticSeverity.Warning);
    fn.source = 'smoke'; fn.code = 'likely-false-negative';
    diagnostics.set(vscode.Uri.joinPath(root, 'data/llm.jsonl'), [dup]);
    diagnostics.set(vscode.Uri.joinPath(root, 'data/dense.jsonl'), [fn]);
  };
  if (root) publish();

  context.subscriptions.push(vscode.languages.registerCodeLensProvider({ pattern: '**/eci.config.jsonc' }, {
    provideCodeLenses(doc) {
      const lenses = [];
      let rank = 0;
      for (let i = 0; i < doc.lineCount; i++) {
        if (/"name":/.test(doc.lineAt(i).text)) {
          rank += 1;
          lenses.push(new vscode.CodeLens(new vscode.Range(i, 0, i, 0),
            { title: 'ECI_sem ' + (2 - rank / 10).toFixed(2) + ' · rank ' + rank + '/5', command: '' }));
        }
      }
      return lenses;
    },
  }));

  context.subscriptions.push(vscode.languages.registerHoverProvider({ pattern: '**/*.jsonl' }, {
    provideHover(doc, pos) {
      if (pos.line !== 26) return undefined;
      return new vscode.Hover(new vscode.MarkdownString('**smoke triple** t = 0.91 · l = 0.42 · r = 0.10 · w = 0.04'));
    },
  }));

  context.subscriptions.push(vscode.languages.registerCodeActionsProvider({ pattern: '**/*.jsonl' }, {
    provideCodeActions(doc, range, ctx) {
      return ctx.diagnostics.filter((d) => d.source === 'smoke').map((d) => {
        const fix = new vscode.CodeAction('Remove this triple', vscode.CodeActionKind.QuickFix);
        fix.diagnostics = [d];
        fix.edit = new vscode.WorkspaceEdit();
        fix.edit.delete(doc.uri, new vscode.Range(d.range.start.line, 0, d.range.start.line + 1, 0));
        return fix;
      });
    },
  }, { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] }));

  context.subscriptions.push(vscode.commands.registerCommand('eciSmoke.showRanking', () => {
    const panel = vscode.window.createWebviewPanel('eciSmoke.ranking', 'Smoke Ranking', vscode.ViewColumn.Active, { enableScripts: true });
    const rows = SOURCES.map((s, i) => '<tr><td>' + (i + 1) + '</td><td>' + s + '</td></tr>').join('');
    panel.webview.html = '<!DOCTYPE html><html><body><h1>Ranking</h1><table>' + rows + '</table></body></html>';
  }));
};
exports.deactivate = () => {};
`;

async function install(dirs) {
  const folder = path.join(dirs.extensionsDir, `${ID}-${VERSION}`);
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, 'package.json'), JSON.stringify(manifest, null, 2));
  fs.writeFileSync(path.join(folder, 'extension.js'), extensionJs);
}

const code = await runE2E({
  title: 'e2e harness smoke test (stand-in extension)',
  outDir: path.join(ROOT, 'test-output', 'e2e-smoke'),
  install,
  extensionId: ID,
  workspaceFrom: path.join(ROOT, 'examples'),
  totalTimeoutMs: 240_000,
  checks: [
    {
      name: 'problems panel',
      run: (c) => checkProblems(c.page, [
        { filter: 'duplicate', file: 'llm.jsonl', message: /duplicate of the positive/, severity: 'error' },
        { filter: 'false negative', file: 'dense.jsonl', message: /likely false negative/, severity: 'warning' },
      ], c),
    },
    {
      name: 'codelens',
      run: (c) => checkCodeLens(c.page, { file: 'eci.config.jsonc', text: /ECI_sem [0-9.]+ · rank \d+\/\d+/, min: 5, above: /"name"\s*:/ }, c),
    },
    {
      name: 'hover',
      run: (c) => checkHover(c.page, { file: 'data/llm.jsonl', line: 27, expect: [/\bt = /, /\bl = /, /\br = /, /\bw = /] }, c),
    },
    {
      name: 'webview',
      run: (c) => checkWebview(c.page, { command: 'E2E Smoke: Show Ranking', names: ['BM25', 'Dense', 'LLM', 'Random', 'Dense+LLM'] }, c),
    },
    {
      name: 'quick fix and undo',
      run: (c) => checkQuickFix(c.page, { workspace: c.workspace, file: 'data/llm.jsonl', line: 27, title: 'Remove this triple', message: /duplicate/ }, c),
    },
  ],
});
process.exit(code);
