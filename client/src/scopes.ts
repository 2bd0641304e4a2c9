/**
 * A "scope" is one analysis: a config file's URI, or "workspace" for triple files
 * no config claims. Helpers to name them for people and to pick one.
 */
import * as vscode from 'vscode';
import type { RankingSnapshot } from '../../common/protocol';

export const WORKSPACE_SCOPE = 'workspace';

export function scopeLabel(scope: string): string {
  if (scope === WORKSPACE_SCOPE || scope === '') return 'workspace triple files';
  try {
    return vscode.workspace.asRelativePath(vscode.Uri.parse(scope, true), true);
  } catch {
    return scope;
  }
}

/** The folder a scope's exports default to: the config's folder, else the first workspace folder. */
export function scopeFolder(scope: string): vscode.Uri | undefined {
  if (scope !== WORKSPACE_SCOPE) {
    try {
      return vscode.Uri.joinPath(vscode.Uri.parse(scope, true), '..');
    } catch {
      // not a URI: fall through
    }
  }
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

/** One snapshot without asking when there is only one. */
export async function pickSnapshot(snapshots: RankingSnapshot[], placeHolder: string): Promise<RankingSnapshot | undefined> {
  if (snapshots.length <= 1) return snapshots[0];
  const picked = await vscode.window.showQuickPick(
    snapshots.map((s) => ({
      label: scopeLabel(s.scope),
      description: `${s.sources.length} sources`,
      detail: `scored ${new Date(s.finishedAt).toLocaleString()}`,
      snapshot: s,
    })),
    { placeHolder, ignoreFocusOut: true },
  );
  return picked?.snapshot;
}

/**
 * Server strings that name files are URIs by protocol; a plain path is accepted too
 * (Windows drive letters are not URI schemes), so a slip on either side still opens.
 */
export function toUri(s: string): vscode.Uri {
  return /^[a-z][\w+.-]+:/i.test(s) && !/^[a-z]:[\\/]/i.test(s) ? vscode.Uri.parse(s, true) : vscode.Uri.file(s);
}
