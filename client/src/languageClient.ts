/**
 * The LanguageClient: which files the server sees, how it is started (node IPC on
 * the bundled dist/server.js) and how settings reach it (typed, through the
 * configuration middleware).
 */
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification, LanguageClient, TransportKind,
  type LanguageClientOptions, type ServerOptions,
} from 'vscode-languageclient/node';
import type { ClientSettings, InitOptions } from '../../common/protocol';
import { readClientSettings } from './settings';

/** Triple files the server analyses (the engine's `detectFormat` accepts the same suffixes). */
export const TRIPLE_FILE_GLOB = '**/*.{jsonl,ndjson,json-lines,tsv}';
/** Source configs; `.json` ones are also declared JSONC in package.json so comments are allowed. */
export const CONFIG_FILE_GLOBS = ['**/eci.config.{json,jsonc}', '**/*.eci.{json,jsonc}'] as const;

export const CLIENT_ID = 'eciSem';
export const CLIENT_NAME = 'ECI_sem';

/** Settings for a resource (or the first workspace folder): relative paths resolve against its folder. */
function settingsFor(scope: vscode.Uri | undefined): ClientSettings {
  const folder = (scope && vscode.workspace.getWorkspaceFolder(scope)) ?? vscode.workspace.workspaceFolders?.[0];
  return readClientSettings(vscode.workspace.getConfiguration('eciSem', scope), folder?.uri.fsPath, vscode.workspace.isTrusted);
}

export function createLanguageClient(
  context: vscode.ExtensionContext,
  output: vscode.LogOutputChannel,
): LanguageClient {
  const serverModule = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    // --inspect only when the extension itself runs under a debugger (F5).
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6029'] } },
  };

  const selector = [TRIPLE_FILE_GLOB, ...CONFIG_FILE_GLOBS].map((pattern) => ({ scheme: 'file', pattern }));
  const watchers = [TRIPLE_FILE_GLOB, ...CONFIG_FILE_GLOBS].map((g) => vscode.workspace.createFileSystemWatcher(g));
  context.subscriptions.push(...watchers);

  const clientOptions: LanguageClientOptions = {
    documentSelector: selector,
    outputChannel: output,
    // A function, so a restart after Workspace Trust is granted sends the new value.
    initializationOptions: (): InitOptions => ({
      cacheDir: context.globalStorageUri.fsPath,
      trusted: vscode.workspace.isTrusted,
    }),
    synchronize: {
      // Pull model: the change event only tells the server to ask again.
      configurationSection: 'eciSem',
      // Triple files that are not open still feed sources; the server re-plans on change.
      fileEvents: watchers,
    },
    middleware: {
      workspace: {
        configuration: async (params, token, next) => {
          const result = await next(params, token);
          if (!Array.isArray(result)) return result;
          return params.items.map((item, i) => item.section === 'eciSem'
            ? settingsFor(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined)
            : result[i]);
        },
        // The default push sends the raw section (nulls, unresolved paths); push the same
        // typed object a pull returns, so the server sees one shape whichever it reads.
        didChangeConfiguration: async () => {
          await client.sendNotification(DidChangeConfigurationNotification.type, { settings: { eciSem: settingsFor(undefined) } });
        },
      },
    },
  };

  const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
  return client;
}
