/**
 * Workspace Trust. In Restricted Mode the server loads nothing the workspace names
 * (ONNX models are code-like: a model path could point anywhere) and sends no text to
 * an embedding server the workspace names (it must not choose where data goes); it falls back to
 * the bundled encoder; package.json declares this as `supported: "limited"`. The
 * server learns the trust state from initializationOptions, so granting trust
 * restarts it.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { errorMessage } from './serverApi';

const NOTICE_SHOWN_KEY = 'eciSem.restrictedModeNoticeShown';

export function handleWorkspaceTrust(context: vscode.ExtensionContext, client: LanguageClient, output: vscode.LogOutputChannel): void {
  if (!vscode.workspace.isTrusted) void restrictedNotice(context);
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(async () => {
    output.info('Workspace trusted: restarting the language server so it may load workspace models.');
    try {
      if (client.needsStart()) await client.start();
      else await client.restart();
    } catch (e) {
      output.error(`Restart after trust failed: ${errorMessage(e)}`);
    }
  }));
}

/** Once per workspace: repeating it on every window would only teach people to ignore it. */
async function restrictedNotice(context: vscode.ExtensionContext): Promise<void> {
  if (context.workspaceState.get<boolean>(NOTICE_SHOWN_KEY)) return;
  await context.workspaceState.update(NOTICE_SHOWN_KEY, true);
  const manage = 'Manage Workspace Trust';
  const answer = await vscode.window.showInformationMessage(
    'ECI_sem runs in Restricted Mode: encoder models, embedding servers and IDF corpora named by this workspace are not used, ' +
    'and scores use the bundled default encoder. Trust the workspace to use its own encoder.',
    manage,
  );
  if (answer === manage) await vscode.commands.executeCommand('workbench.trust.manage');
}
