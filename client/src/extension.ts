/**
 * Entry point: wires the language client, the status item, the ranking panel and
 * the commands together. Everything with behaviour lives in its own module.
 */
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import { Commands, ResultsChangedNotification, StatusNotification, type RunState } from '../../common/protocol';
import { registerCommands } from './commands';
import { registerOpenExample } from './example';
import { createLanguageClient } from './languageClient';
import { RANKING_VIEW_TYPE, RankingPanels } from './rankingPanel';
import { errorMessage, serverApi } from './serverApi';
import { RunStatusBar } from './statusBar';
import { handleWorkspaceTrust } from './trust';

/** Kept for deactivate(): VS Code awaits its promise, but not a disposable's, and the server needs an orderly shutdown. */
let client: LanguageClient | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('ECI_sem', { log: true });
  const lc = createLanguageClient(context, output);
  client = lc;
  const server = serverApi(lc);
  const status = new RunStatusBar();
  const panels = new RankingPanels(context.extensionUri, server, () => vscode.commands.executeCommand(Commands.scoreWorkspace));
  context.subscriptions.push(output, status, panels);

  registerCommands(context, { server, panels });
  registerOpenExample(context);
  context.subscriptions.push(vscode.window.registerWebviewPanelSerializer(RANKING_VIEW_TYPE, {
    // The page restores its own state (getState); the host only re-attaches.
    deserializeWebviewPanel: async (panel) => panels.revive(panel),
  }));

  // Handlers registered before start() survive restarts of the client.
  lc.onNotification(StatusNotification.method, (state: RunState) => {
    status.update(state);
    panels.setStatus(state);
  });
  lc.onNotification(ResultsChangedNotification.method, () => panels.resultsChanged());
  context.subscriptions.push(lc.onDidChangeState((e) => {
    if (e.newState === State.Stopped) status.serverDown('the language server stopped (see the ECI_sem output).');
    else if (e.newState === State.Running) status.update({ state: 'idle' });
  }));

  handleWorkspaceTrust(context, lc, output);
  // Not awaited: activation must not wait for the encoder to load.
  lc.start().catch((e: unknown) => {
    output.error(`The language server did not start: ${errorMessage(e)}`);
    status.serverDown(`the language server did not start: ${errorMessage(e)}`);
  });
}

export async function deactivate(): Promise<void> {
  const lc = client;
  client = undefined;
  // A client whose server never started cannot be stopped (it throws); nothing to shut down then.
  if (lc?.needsStop()) await lc.stop();
}
