/**
 * The contributed commands. Each one is a thin call of a custom server method;
 * the server owns progress (window/workDoneProgress) and the status item shows
 * the run, so commands only report what the user could not otherwise see.
 */
import * as vscode from 'vscode';
import { Commands, type ShowRankingArgs } from '../../common/protocol';
import { exportCurated, exportReport } from './exports';
import type { RankingPanels } from './rankingPanel';
import { errorMessage, type EciServer } from './serverApi';

export interface CommandDeps {
  server: EciServer;
  panels: RankingPanels;
}

const TRIPLE_FILE = /\.(jsonl|ndjson|json-lines|tsv)$/i;
const CONFIG_FILE = /(^|\/)(eci\.config|[^/]+\.eci)\.jsonc?$/i;

export function isTripleFile(uri: vscode.Uri): boolean {
  return TRIPLE_FILE.test(uri.path);
}

export function isScorable(uri: vscode.Uri): boolean {
  return uri.scheme === 'file' && (TRIPLE_FILE.test(uri.path) || CONFIG_FILE.test(uri.path));
}

export function registerCommands(context: vscode.ExtensionContext, deps: CommandDeps): void {
  const register = (id: string, run: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, run));

  register(Commands.scoreWorkspace, () => score(deps, undefined));
  register(Commands.scoreFile, (arg) => {
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (!uri || !isScorable(uri)) {
      void vscode.window.showInformationMessage(
        'ECI_sem scores triple files (.jsonl, .ndjson, .tsv) and source configs (eci.config.json(c), *.eci.json(c)). Open one first.');
      return;
    }
    return score(deps, uri);
  });
  register(Commands.showRanking, (arg) => deps.panels.show(asShowRankingArgs(arg)));
  register(Commands.cancelRun, async () => {
    try {
      const { cancelled } = await deps.server.cancel();
      if (cancelled === 0) void vscode.window.setStatusBarMessage('ECI_sem: no run in progress', 3000);
    } catch (e) {
      void vscode.window.showErrorMessage(`ECI_sem: cancel failed: ${errorMessage(e)}`);
    }
  });
  register(Commands.exportReport, () => exportReport(deps.server));
  register(Commands.exportCurated, (arg) => exportCurated(deps.server, arg instanceof vscode.Uri ? arg : undefined));
}

async function score(deps: CommandDeps, uri: vscode.Uri | undefined): Promise<void> {
  // The server answers when the run is over; the panel shows its progress meanwhile.
  deps.panels.show(undefined, true);
  try {
    const { scopes } = await deps.server.score(uri?.toString());
    if (scopes.length === 0) {
      void vscode.window.showInformationMessage(uri
        ? `ECI_sem: ${vscode.workspace.asRelativePath(uri)} has nothing to score (no valid triples or sources).`
        : 'ECI_sem: nothing to score; the workspace has no triple files (.jsonl, .ndjson, .tsv) or source configs.');
    }
  } catch (e) {
    void vscode.window.showErrorMessage(`ECI_sem: scoring failed: ${errorMessage(e)}`);
  }
}

/** CodeLens passes `{scope, source}`; the palette, the status bar and the editor title pass nothing or a URI. */
function asShowRankingArgs(arg: unknown): ShowRankingArgs | undefined {
  if (arg === null || typeof arg !== 'object' || arg instanceof vscode.Uri) return undefined;
  const a = arg as Record<string, unknown>;
  return typeof a.scope === 'string' && typeof a.source === 'string' ? { scope: a.scope, source: a.source } : undefined;
}
