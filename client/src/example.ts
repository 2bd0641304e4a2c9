/**
 * ECI_sem: Open Example — the walkthrough's first step. The example dataset ships in the
 * extension (examples/); this copies it into a folder the user picks and opens the copy.
 * A copy made earlier is opened as it is, never overwritten, so edits made while
 * following the walkthrough survive a second click.
 */
import * as vscode from 'vscode';
import { exists } from './exports';

export const OPEN_EXAMPLE = 'eciSem.openExample';
const FOLDER = 'eci-sem-example';

export function registerOpenExample(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.commands.registerCommand(OPEN_EXAMPLE, async () => {
    try {
      await openExample(context.extensionUri);
    } catch (e) {
      void vscode.window.showErrorMessage(`ECI_sem: could not open the example: ${e instanceof Error ? e.message : String(e)}`);
    }
  }));
}

async function openExample(extensionUri: vscode.Uri): Promise<void> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    openLabel: `Put ${FOLDER}/ here`,
    title: 'ECI_sem: where to copy the example dataset',
  });
  if (!picked?.[0]) return;
  const target = vscode.Uri.joinPath(picked[0], FOLDER);
  const config = vscode.Uri.joinPath(target, 'eci.config.jsonc');
  if (!(await exists(target))) {
    await vscode.workspace.fs.copy(vscode.Uri.joinPath(extensionUri, 'examples'), target, { overwrite: false });
  } else if (!(await exists(config))) {
    throw new Error(`${target.fsPath} already exists and is not the example (it has no eci.config.jsonc); pick another folder`);
  }
  // A window that already has a folder keeps it; the example opens beside it.
  const forceNewWindow = (vscode.workspace.workspaceFolders?.length ?? 0) > 0;
  await vscode.commands.executeCommand('vscode.openFolder', target, { forceNewWindow });
}
