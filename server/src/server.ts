/**
 * The eci-sem language server: capabilities and handler registration only.
 * State and publishing live in Session; each feature is a pure function in
 * handlers/ that gets the document, the current results and the settings.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createConnection, ProposedFeatures,
  CodeActionKind, DidChangeConfigurationNotification, DidChangeWatchedFilesNotification, FileChangeType,
  LSPErrorCodes, ResponseError, TextDocumentSyncKind, type Connection, type InitializeResult,
} from 'vscode-languageserver/node';
import {
  CancelRequest, ExportCuratedRequest, ExportReportRequest, RankingRequest, ScoreRequest, WeakestTriplesRequest, type InitOptions,
} from '../../common/protocol';
import { packageVersion } from './pipeline/paths';
import { WORKSPACE_SCOPE } from './live/runManager';
import { detectFormat } from './core/formats';
import { codeActions, isOurFinding, quarantinePath } from './handlers/codeActions';
import { configLenses, fileLenses, pendingFileLens } from './handlers/codeLens';
import { configHover, tripleHover } from './handlers/hover';
import { cancelled, exportCurated, exportReport, weakestTriples } from './handlers/requests';
import { pathOf, Session } from './session';
import { isConfigPath, isTripleFile } from './workspace/discovery';
import { configScopeId } from './workspace/scopes';

function failed(message: string): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestFailed, message);
}

/** A path or file URI from a request, relative paths against `base`. */
function toPath(x: string, base: string): string {
  // resolve() also normalises an absolute path: "a/sub/../f" must compare equal to "a/f".
  return x.startsWith('file:') ? resolve(fileURLToPath(x)) : isAbsolute(x) ? resolve(x) : resolve(base, x);
}

export function startServer(connection: Connection): Session {
  const session = new Session(connection);
  const { documents, store, runs, scopes } = session;
  // Registered dynamically only where the client says it accepts that (eglot 1.9
  // warns on every connect otherwise). Without watched files, changes on disk
  // are seen when a file is opened or saved in the editor; without a registered
  // didChangeConfiguration, settings are asked for again on every save (and
  // any didChangeConfiguration the client sends anyway is still handled).
  let watchFiles = false;
  let configEvents = false;
  let folderEvents = false;
  let ready: Promise<void> = Promise.resolve();
  // Settles when the folders' configs are known. A triple file opened before
  // that (ALE opens it right after `initialized`) must not be taken for a
  // loose file of a folder that has a config: its open waits for discovery.
  let discovered: Promise<unknown> | undefined;
  const discover = (): Promise<string[]> => {
    const found = scopes.discover();
    const settled = found.catch(() => undefined);
    discovered = settled;
    void settled.then(() => { if (discovered === settled) discovered = undefined; });
    return found;
  };

  connection.onInitialize((params): InitializeResult => {
    const init = (params.initializationOptions ?? {}) as Partial<InitOptions>;
    session.trusted = init.trusted !== false;
    if (typeof init.cacheDir === 'string' && init.cacheDir) session.cacheDir = init.cacheDir;
    const c = params.capabilities;
    session.caps = {
      progress: !!c.window?.workDoneProgress,
      codeLensRefresh: !!c.workspace?.codeLens?.refreshSupport,
      createFiles: !!c.workspace?.workspaceEdit?.documentChanges && (c.workspace.workspaceEdit.resourceOperations ?? []).includes('create'),
      configuration: !!c.workspace?.configuration,
    };
    session.settings.supported = session.caps.configuration;
    watchFiles = !!c.workspace?.didChangeWatchedFiles?.dynamicRegistration;
    configEvents = session.caps.configuration && !!c.workspace?.didChangeConfiguration?.dynamicRegistration;
    folderEvents = !!c.workspace?.workspaceFolders;
    const folders = params.workspaceFolders?.map((f) => pathOf(f.uri)) ?? [params.rootUri ? pathOf(params.rootUri) : undefined];
    scopes.folders = folders.filter((f): f is string => !!f);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        hoverProvider: true,
        codeLensProvider: { resolveProvider: false },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'eci-sem', version: packageVersion() },
    };
  });

  connection.onInitialized(() => {
    if (watchFiles) void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.{jsonl,ndjson,tsv,json,jsonc}' }] });
    if (configEvents) void connection.client.register(DidChangeConfigurationNotification.type, undefined);
    if (folderEvents) {
      connection.workspace.onDidChangeWorkspaceFolders((e) => {
        const added = e.added.map((f) => pathOf(f.uri)).filter((p): p is string => !!p);
        const removed = new Set(e.removed.map((f) => pathOf(f.uri)));
        scopes.folders = [...scopes.folders.filter((f) => !removed.has(f)), ...added];
        ready = discover().then((ids) => session.trigger(ids, 'start'), () => undefined);
      });
    }
    ready = discover().then((ids) => session.trigger(ids, 'start'), (err: Error) => connection.console.error(`eci-sem: discovery failed: ${err.message}`));
  });

  documents.onDidOpen((e) => {
    if (!discovered) return session.onOpen(e.document);
    void discovered.then(() => { if (documents.get(e.document.uri) === e.document) session.onOpen(e.document); });
  });
  documents.onDidChangeContent((e) => session.onContent(e.document));
  documents.onDidSave(async (e) => {
    if (session.caps.configuration && !configEvents && (await session.settings.reread())) await session.onSettingsChanged(undefined);
    session.onSave(e.document);
  });
  documents.onDidClose((e) => session.onClose(e.document));

  connection.onHover((params, token) => {
    if (token.isCancellationRequested) return cancelled();
    const doc = documents.get(params.textDocument.uri);
    const path = pathOf(params.textDocument.uri);
    if (!doc || !path) return null;
    if (scopes.isConfig(path)) return configHover(doc, params.position, store.ranking(configScopeId(path)));
    if (!detectFormat(path)) return null;
    return tripleHover(doc, path, params.position, session.currentResults(path));
  });

  connection.onCodeLens((params, token) => {
    if (token.isCancellationRequested) return cancelled();
    const doc = documents.get(params.textDocument.uri);
    const path = pathOf(params.textDocument.uri);
    if (!doc || !path) return [];
    if (scopes.isConfig(path)) {
      const id = configScopeId(path);
      return configLenses(doc, id, store.ranking(id), runs.stateOf(id));
    }
    if (!detectFormat(path)) return [];
    const lenses = fileLenses(session.currentResults(path), path, (s) => runs.stateOf(s));
    if (lenses.length > 0) return lenses;
    const pending = scopes.scopesOfFile(path)[0];
    return pending ? [pendingFileLens(pending, runs.stateOf(pending))] : [];
  });

  connection.onCodeAction(async (params, token) => {
    const doc = documents.get(params.textDocument.uri);
    const path = pathOf(params.textDocument.uri);
    if (!doc || !path || !detectFormat(path) || !params.context.diagnostics.some(isOurFinding)) return [];
    const q = quarantinePath(path);
    const qDoc = session.docByPath(q);
    const text = qDoc ? qDoc.getText() : await readFile(q, 'utf8').catch(() => undefined);
    if (token.isCancellationRequested) return cancelled();
    return codeActions({
      doc, path, diagnostics: params.context.diagnostics, results: session.currentResults(path), canCreateFiles: session.caps.createFiles,
      quarantine: { uri: session.uriOf(q), path: q, ...(text !== undefined ? { text } : {}), ...(qDoc ? { version: qDoc.version } : {}) },
    });
  });

  connection.onRequest(ScoreRequest.method, async (params: ScoreRequest.Params): Promise<ScoreRequest.Result> => {
    await ready;
    const path = params?.uri ? pathOf(params.uri) : undefined;
    const ids = !path ? [...runs.scopes.keys()] : scopes.isConfig(path) ? [scopes.addConfig(path)] : scopes.scopesOfFile(path);
    await session.trigger(ids, 'manual');
    return { scopes: ids };
  });

  connection.onRequest(CancelRequest.method, (): CancelRequest.Result => ({ cancelled: runs.cancelAll() }));

  connection.onRequest(RankingRequest.method, (): RankingRequest.Result => store.rankings().map((r) => r.snapshot()));

  connection.onRequest(WeakestTriplesRequest.method, async (params: WeakestTriplesRequest.Params, token): Promise<WeakestTriplesRequest.Result | ResponseError<void>> => {
    const r = store.get(params.scope);
    if (!r) return failed(`no result for scope ${params.scope} (run eci/score first)`);
    const rows = await weakestTriples(r, params.source, params.limit, { linesOf: (p) => session.linesOf(p), uriOf: (p) => session.uriOf(p) });
    return token.isCancellationRequested ? cancelled() : rows;
  });

  connection.onRequest(ExportReportRequest.method, async (params: ExportReportRequest.Params, token): Promise<ExportReportRequest.Result | ResponseError<void>> => {
    const r = store.get(params.scope);
    if (!r) return failed(`no result for scope ${params.scope} (run eci/score first)`);
    const content = await exportReport(r, params.format, !!params.triples, token);
    return content === null ? cancelled() : { content };
  });

  connection.onRequest(ExportCuratedRequest.method, async (params: ExportCuratedRequest.Params): Promise<ExportCuratedRequest.Result | ResponseError<void>> => {
    const r = store.get(params.scope);
    if (!r) return failed(`no result for scope ${params.scope} (run eci/score first)`);
    const def = runs.scopes.get(params.scope);
    const source = toPath(params.sourceFile, def ? scopes.cwdFor(def) : process.cwd());
    const target = toPath(params.target, dirname(source));
    if (!session.isCurrent(r, source)) return failed(`${source} was edited since the last run; score it again before exporting`);
    const stamp = r.wire.diskStamps[source];
    if (stamp && !session.docByPath(source)) {
      const st = await stat(source).catch(() => undefined);
      if (!st || st.mtimeMs !== stamp.mtimeMs || st.size !== stamp.size) return failed(`${source} changed on disk since the last run; score it again before exporting`);
    }
    try {
      return await exportCurated(r, source, params.drop, target, !!params.overwrite, session.linesOf(source));
    } catch (err) {
      return err instanceof ResponseError ? err : failed((err as Error).message);
    }
  });

  connection.onDidChangeConfiguration((params) => void session.onSettingsChanged(params.settings));

  connection.onDidChangeWatchedFiles(async ({ changes }) => {
    for (const change of changes) {
      const path = pathOf(change.uri);
      if (!path || session.docByPath(path)) continue; // the editor's text rules over the disk
      const deleted = change.type === FileChangeType.Deleted;
      if (isConfigPath(path)) {
        if (deleted) await session.removeConfig(path);
        else {
          await session.trigger([scopes.addConfig(path)], 'save');
          await session.refresh(path);
        }
      } else if (detectFormat(path)) {
        const affected = scopes.scopesOfFile(path);
        if (deleted && scopes.removeLoose(path)) affected.push(WORKSPACE_SCOPE);
        else if (!deleted && affected.length === 0 && (await isTripleFile(path)) && scopes.addLoose(path)) affected.push(WORKSPACE_SCOPE);
        await session.trigger(new Set(affected), 'save');
      }
    }
  });

  connection.onShutdown(() => session.dispose());
  documents.listen(connection);
  return session;
}

const TRANSPORT_FLAGS = /^--(stdio|node-ipc|socket=|pipe=)/;

/**
 * Serves this process: over the transport named in argv (--stdio, --node-ipc,
 * --socket=N, --pipe=NAME), else over stdin/stdout. The process ends on the
 * client's `exit` notification (vscode-languageserver calls process.exit).
 */
export function serveProcess(): Session {
  const connection = process.argv.some((a) => TRANSPORT_FLAGS.test(a))
    ? createConnection(ProposedFeatures.all)
    : createConnection(ProposedFeatures.all, process.stdin, process.stdout);
  const session = startServer(connection);
  // A bug in one handler must not end the server and take every open file's
  // diagnostics with it: Node exits on an unhandled rejection or exception, so
  // log the error (the editor shows it in the output channel) and keep serving.
  const keepServing = (kind: string) => (err: unknown) => {
    const text = err instanceof Error ? err.stack ?? err.message : String(err);
    connection.console.error(`eci-sem: ${kind} (the server keeps running; please report it): ${text}`);
  };
  process.on('uncaughtException', keepServing('internal error'));
  process.on('unhandledRejection', keepServing('unhandled rejection'));
  connection.listen();
  return session;
}
