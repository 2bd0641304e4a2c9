/**
 * A minimal LSP client for server tests: starts the real server as a child
 * process over stdio and speaks JSON-RPC to it, the way Neovim or VS Code do.
 * Every wait is on a message from the server (with a timeout as a guard), never
 * on a sleep.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeActionRequest, CodeLensRefreshRequest, CodeLensRequest, ConfigurationRequest, createProtocolConnection,
  DidChangeConfigurationNotification, DidChangeTextDocumentNotification, DidChangeWatchedFilesNotification, DidCloseTextDocumentNotification, DidOpenTextDocumentNotification,
  DidSaveTextDocumentNotification, ExitNotification, HoverRequest, InitializedNotification, InitializeRequest,
  PublishDiagnosticsNotification, RegistrationRequest, ShutdownRequest, StreamMessageReader, StreamMessageWriter,
  WorkDoneProgressCancelNotification, WorkDoneProgressCreateRequest, WorkspaceFoldersRequest,
  type CodeAction, type CodeLens, type Diagnostic, type Hover, type ProgressToken, type ProtocolConnection,
  type PublishDiagnosticsParams, type Range,
} from 'vscode-languageserver-protocol/node';
import type { ClientSettings, RunState } from '../../common/protocol';

export const ROOT = join(__dirname, '..', '..');

export interface StartOptions {
  /** Workspace folder (absolute path). */
  folder: string;
  cacheDir: string;
  trusted?: boolean;
  settings?: Partial<ClientSettings>;
  /** How to start the server: TypeScript source through tsx (default), the bundle, or the CLI's `lsp` command. */
  via?: 'source' | 'dist' | 'cli';
  /** Advertise window.workDoneProgress (default true). */
  progress?: boolean;
  /** Environment of the server process on top of this one's (test hooks, NODE_OPTIONS). */
  env?: NodeJS.ProcessEnv;
}

export const uri = (path: string) => pathToFileURL(path).href;

/** A diagnostic's message as text (LSP 3.18 allows markup). */
export const messageOf = (d: Diagnostic): string => (typeof d.message === 'string' ? d.message : d.message.value);

type Waiter<T> = { test: (x: T) => boolean; resolve: (x: T) => void };

export class TestClient {
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  readonly statuses: RunState[] = [];
  readonly progress: { token: ProgressToken; value: { kind: string; message?: string; percentage?: number } }[] = [];
  readonly logs: string[] = [];
  /** window/showMessage notifications (what an editor pops up). */
  readonly shownMessages: { type: number; message: string }[] = [];
  /** Called for every publishDiagnostics, in arrival order. */
  readonly diagnosticListeners: ((p: PublishDiagnosticsParams) => void)[] = [];
  private readonly waiters = new Map<string, Waiter<unknown>[]>();
  private versions = new Map<string, number>();
  private texts = new Map<string, string>();

  private constructor(readonly conn: ProtocolConnection, readonly child: ChildProcess, private settings: Partial<ClientSettings>) {}

  static async start(opts: StartOptions): Promise<TestClient> {
    const via = opts.via ?? 'source';
    const args = via === 'dist' ? [join(ROOT, 'dist', 'server.js'), '--stdio']
      : via === 'cli' ? [join(ROOT, 'bin', 'eci-sem.js'), 'lsp', '--stdio']
        : ['--require', require.resolve('tsx/cjs'), join(ROOT, 'server', 'src', 'main.ts'), '--stdio'];
    if (via !== 'source' && !existsSync(join(ROOT, 'dist', 'server.js'))) throw new Error('dist/server.js is missing: run npm run build');
    const child = spawn(process.execPath, args, { cwd: opts.folder, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
    const conn = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const client = new TestClient(conn, child, opts.settings ?? {});
    child.stderr!.on('data', (c: Buffer) => client.logs.push(c.toString()));
    conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
      client.diagnostics.set(p.uri, p);
      for (const l of client.diagnosticListeners) l(p);
      client.fire('diagnostics', p);
    });
    conn.onNotification('eci/status', (s: RunState) => { client.statuses.push(s); client.fire('status', s); });
    conn.onNotification('eci/resultsChanged', (p: { scopes: string[] }) => client.fire('results', p));
    conn.onNotification('window/logMessage', (p: { message: string }) => { client.logs.push(p.message + '\n'); });
    conn.onNotification('window/showMessage', (p: { type: number; message: string }) => { client.shownMessages.push(p); });
    conn.onNotification('$/progress', (p: { token: ProgressToken; value: { kind: string } }) => { client.progress.push(p); client.fire('progress', p); });
    conn.onRequest(WorkDoneProgressCreateRequest.type, (p) => { client.fire('progressCreate', p.token); });
    conn.onRequest(ConfigurationRequest.type, (p) => p.items.map(() => client.settings));
    conn.onRequest(RegistrationRequest.type, () => undefined);
    conn.onRequest(CodeLensRefreshRequest.type, () => { client.fire('lensRefresh', true); });
    conn.onRequest(WorkspaceFoldersRequest.type, () => [{ uri: uri(opts.folder), name: 'test' }]);
    conn.listen();
    await conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: uri(opts.folder),
      workspaceFolders: [{ uri: uri(opts.folder), name: 'test' }],
      initializationOptions: { trusted: opts.trusted ?? true, cacheDir: opts.cacheDir },
      capabilities: {
        window: { workDoneProgress: opts.progress ?? true },
        workspace: {
          configuration: true, codeLens: { refreshSupport: true }, workspaceFolders: true,
          workspaceEdit: { documentChanges: true, resourceOperations: ['create', 'rename', 'delete'] },
        },
        textDocument: { publishDiagnostics: { versionSupport: true } },
      },
    });
    await conn.sendNotification(InitializedNotification.type, {});
    return client;
  }

  /** Every message from the server the waits can see, in arrival order. */
  readonly events: { kind: string; value: unknown }[] = [];

  private fire(kind: string, value: unknown): void {
    this.events.push({ kind, value });
    const list = this.waiters.get(kind) ?? [];
    for (const w of [...list]) {
      if (w.test(value)) {
        list.splice(list.indexOf(w), 1);
        w.resolve(value);
      }
    }
  }

  /** Resolves with the first `kind` message (from now on) that passes `test`. */
  waitFor<T>(kind: 'diagnostics' | 'status' | 'results' | 'progress' | 'progressCreate' | 'lensRefresh', test: (x: T) => boolean = () => true, timeoutMs = 60_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${kind}\nserver log:\n${this.logs.join('').slice(-3000)}`)), timeoutMs);
      const list = this.waiters.get(kind) ?? [];
      list.push({ test: test as (x: unknown) => boolean, resolve: (x) => { clearTimeout(timer); resolve(x as T); } });
      this.waiters.set(kind, list);
    });
  }

  /** Diagnostics of a file, now or when they next arrive and pass `test`. */
  diagnosticsOf(path: string, test: (d: Diagnostic[], p: PublishDiagnosticsParams) => boolean = () => true, timeoutMs?: number): Promise<Diagnostic[]> {
    const u = uri(path);
    const now = this.diagnostics.get(u);
    if (now && test(now.diagnostics, now)) return Promise.resolve(now.diagnostics);
    return this.waitFor<PublishDiagnosticsParams>('diagnostics', (p) => p.uri === u && test(p.diagnostics, p), timeoutMs).then((p) => p.diagnostics);
  }

  /** The next run's results (not the stability check that follows a result: see waitForStability). */
  waitForResults(scope?: string, timeoutMs?: number): Promise<{ scopes: string[] }> {
    return this.waitFor<{ scopes: string[]; stability?: true; provisional?: true }>('results', (p) => !p.stability && !p.provisional && (!scope || p.scopes.includes(scope)), timeoutMs);
  }

  /** The sample-scope ranking a run that embeds shows before its full result. */
  waitForProvisional(scope?: string, timeoutMs?: number): Promise<{ scopes: string[] }> {
    return this.waitFor<{ scopes: string[]; provisional?: true }>('results', (p) => !!p.provisional && (!scope || p.scopes.includes(scope)), timeoutMs);
  }

  /**
   * Resolves once the latest result of the scope has its stability check: at once when the
   * check already arrived after that result, else when it does.
   */
  settled(scope: string, timeoutMs?: number): Promise<unknown> {
    type R = { scopes: string[]; stability?: true; provisional?: true };
    const mine = this.events.filter((e) => e.kind === 'results' && (e.value as R).scopes.includes(scope)).map((e) => e.value as R);
    const lastResult = mine.map((r) => !r.stability && !r.provisional).lastIndexOf(true);
    if (lastResult >= 0 && mine.slice(lastResult + 1).some((r) => r.stability)) return Promise.resolve();
    return this.waitForStability(scope, timeoutMs);
  }

  /** The stability check of a scope's result (it arrives after the result). */
  waitForStability(scope?: string, timeoutMs?: number): Promise<{ scopes: string[] }> {
    return this.waitFor<{ scopes: string[]; stability?: true }>('results', (p) => !!p.stability && (!scope || p.scopes.includes(scope)), timeoutMs);
  }

  open(path: string, text = readFileSync(path, 'utf8'), languageId = 'jsonl'): void {
    this.versions.set(path, 1);
    this.texts.set(path, text);
    void this.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: uri(path), languageId, version: 1, text } });
  }

  text(path: string): string {
    return this.texts.get(path) ?? '';
  }

  version(path: string): number {
    return this.versions.get(path) ?? 0;
  }

  /** An incremental edit: replace `range` with `newText`; returns the new version. */
  edit(path: string, range: Range, newText: string): number {
    const v = (this.versions.get(path) ?? 1) + 1;
    this.versions.set(path, v);
    this.texts.set(path, applyEdits(this.texts.get(path) ?? '', [{ range, newText }]));
    void this.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: uri(path), version: v }, contentChanges: [{ range, text: newText }] });
    return v;
  }

  /** Replaces the whole text (as one incremental change). */
  replaceAll(path: string, text: string): number {
    const old = this.texts.get(path) ?? '';
    return this.edit(path, { start: { line: 0, character: 0 }, end: positionAt(old, old.length) }, text);
  }

  /** Changes the `eciSem` settings the client answers with and tells the server (didChangeConfiguration). */
  setSettings(settings: Partial<ClientSettings>): void {
    this.settings = { ...this.settings, ...settings };
    void this.conn.sendNotification(DidChangeConfigurationNotification.type, { settings: { eciSem: this.settings } });
  }

  /** A file created, changed or deleted on disk by another program (workspace/didChangeWatchedFiles; 1, 2, 3 as in LSP). */
  watched(path: string, type: 1 | 2 | 3): void {
    void this.conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uri(path), type }] });
  }

  save(path: string): void {
    void this.conn.sendNotification(DidSaveTextDocumentNotification.type, { textDocument: { uri: uri(path) } });
  }

  close(path: string): void {
    void this.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri: uri(path) } });
  }

  hover(path: string, line: number, character: number): Promise<Hover | null> {
    return this.conn.sendRequest(HoverRequest.type, { textDocument: { uri: uri(path) }, position: { line, character } });
  }

  codeLens(path: string): Promise<CodeLens[] | null> {
    return this.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: uri(path) } });
  }

  codeActions(path: string, diagnostics: Diagnostic[]): Promise<(CodeAction)[]> {
    const range = diagnostics[0]?.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    return this.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri: uri(path) }, range, context: { diagnostics } }) as Promise<CodeAction[]>;
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.conn.sendRequest(method, params) as Promise<R>;
  }

  cancelProgress(token: ProgressToken): void {
    void this.conn.sendNotification(WorkDoneProgressCancelNotification.type, { token });
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null) resolve();
      else this.child.once('exit', () => resolve());
    });
    try {
      await this.conn.sendRequest(ShutdownRequest.type);
      await this.conn.sendNotification(ExitNotification.type);
    } catch {
      this.child.kill();
    }
    await exited;
    this.conn.dispose();
  }
}

export function offsetAt(text: string, pos: { line: number; character: number }): number {
  let offset = 0;
  for (let line = 0; line < pos.line; line++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) return text.length;
    offset = nl + 1;
  }
  return Math.min(offset + pos.character, text.length);
}

export function positionAt(text: string, offset: number): { line: number; character: number } {
  let line = 0;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) { line++; start = i + 1; }
  return { line, character: offset - start };
}

/** Applies non-overlapping edits (as a client applies a TextDocumentEdit). */
export function applyEdits(text: string, edits: { range: Range; newText: string }[]): string {
  const sorted = [...edits].sort((a, b) => offsetAt(text, b.range.start) - offsetAt(text, a.range.start));
  for (const e of sorted) text = text.slice(0, offsetAt(text, e.range.start)) + e.newText + text.slice(offsetAt(text, e.range.end));
  return text;
}
