/**
 * The server's state and the glue between documents, runs and diagnostics:
 * open documents by path, which results are current for what the editor
 * shows, instant checks (config meaning, triple structure) and publishing.
 * Handlers (server.ts) ask it for documents and current results and call the
 * pure functions of handlers/ with them.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CancellationTokenSource, CodeLensRefreshRequest, MessageType, ShowMessageNotification, TextDocuments, type CancellationToken, type Connection, type Diagnostic, type WorkDoneProgressServerReporter } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ResultsChangedNotification, StatusNotification, type ClientSettings } from '../../common/protocol';
import { AnalysisHost } from './live/analysisHost';
import { gzipLineSource, isGzip } from './pipeline/input/gzip';
import { isParquet } from './pipeline/input/kinds';
import { fileLineSource, textLineSource, type LineSource } from './pipeline/lines';
import { defaultCacheDir } from './pipeline/paths';
import type { ScopeResult } from './live/state/results';
import { ResultStore } from './live/state/results';
import { RunManager, WORKSPACE_SCOPE } from './live/runManager';
import { detectFormat } from './core/formats';
import type { Problem } from './core/types';
import { configDiagnostics, configRunDiagnostics } from './handlers/configDiagnostics';
import { fileDiagnostics, looseSourceDiagnostics } from './handlers/diagnostics';
import { LineShifts } from './live/state/lineShifts';
import { lineOf } from './handlers/lineRanges';
import { LintMemo, lintTriples, looksLikeTriples } from './handlers/lint';
import { SettingsCache } from './workspace/settings';
import { isWithin } from './workspace/discovery';
import { configScopeId, ScopeTracker } from './workspace/scopes';

export interface ClientCaps {
  progress: boolean;
  codeLensRefresh: boolean;
  createFiles: boolean;
  configuration: boolean;
}

const SETTINGS_DELAY_MS = 200;

const nullProgress: WorkDoneProgressServerReporter = {
  token: new CancellationTokenSource().token, begin() {}, report() {}, done() {},
};

export function pathOf(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try { return fileURLToPath(uri); } catch { return undefined; }
}

/** How the analysis worker's stderr marks a warning for the user (see workerRun's onWarning). */
const WORKER_WARNING = 'eci-sem: warning: ';

export class Session {
  /** Open documents; every change is also kept as a line shift, so findings can follow edits. */
  readonly documents = new TextDocuments<TextDocument>({
    create: TextDocument.create,
    update: (doc, changes, version) => {
      let shifts = this.shifts.get(doc.uri);
      if (!shifts) this.shifts.set(doc.uri, shifts = new LineShifts());
      shifts.record(version, changes);
      return TextDocument.update(doc, changes, version);
    },
  });
  /** Per scope: the publishing of its latest result, which its stability check waits for. */
  private readonly finishing = new Map<string, Promise<void>>();
  /** Per open document: how its lines moved since each earlier version (see lineShifts.ts). */
  private readonly shifts = new Map<string, LineShifts>();
  readonly store = new ResultStore();
  readonly settings: SettingsCache;
  readonly host: AnalysisHost;
  readonly runs: RunManager;
  readonly scopes: ScopeTracker;
  trusted = true;
  cacheDir = defaultCacheDir();
  caps: ClientCaps = { progress: false, codeLensRefresh: false, createFiles: false, configuration: false };
  private readonly openByPath = new Map<string, string>();
  private readonly openedVersion = new Map<string, number>();
  private readonly lints = new Map<string, { version: number; problems: Problem[] | null; cts: CancellationTokenSource }>();
  /** Per open triple document: the lines that parsed cleanly last time, so a change re-parses only new lines. */
  private readonly lintMemos = new Map<string, LintMemo>();
  private readonly configChecks = new Map<string, { version: number; diags: Promise<Diagnostic[] | null> }>();
  /** Files each scope published diagnostics for, to clear those a new result no longer covers. */
  private readonly publishedFiles = new Map<string, Set<string>>();

  constructor(readonly connection: Connection) {
    this.settings = new SettingsCache(connection);
    this.host = new AnalysisHost((text) => {
      connection.console.log(text.trimEnd());
      // The analysis worker's warnings (a damaged embedding cache rebuilt) are shown, not only logged.
      for (const line of text.split('\n')) {
        if (line.startsWith(WORKER_WARNING)) void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message: `eci-sem: ${line.slice(WORKER_WARNING.length)}` });
      }
    });
    this.runs = new RunManager({
      host: this.host, store: this.store,
      trusted: () => this.trusted,
      cacheDir: () => this.cacheDir,
      settingsFor: (def) => this.settings.get(this.scopes.settingsUri(def)),
      openDocuments: () => this.openTripleAndConfigTexts(),
      versionOf: (path) => this.docByPath(path)?.version,
      readText: (path) => readFile(path, 'utf8'),
      cwdFor: (def) => this.scopes.cwdFor(def),
      inWorkspace: (p) => this.scopes.folders.some((f) => isWithin(p, f)),
      createProgress: () => (this.caps.progress ? connection.window.createWorkDoneProgress().catch(() => nullProgress) : Promise.resolve(nullProgress)),
      onStatus: (state) => void connection.sendNotification(StatusNotification.method, state),
      onFinished: (scope) => { this.finishing.set(scope, this.onRunFinished(scope)); },
      onStability: (scope) => void this.onStabilityArrived(scope),
      onProvisional: (scope) => this.onRankingChanged(scope),
      log: (m) => connection.console.log(m),
    });
    this.scopes = new ScopeTracker(this.runs, this.store);
  }

  // ---------------------------------------------------------------- documents

  docByPath(path: string): TextDocument | undefined {
    const uri = this.openByPath.get(path);
    return uri ? this.documents.get(uri) : undefined;
  }

  uriOf(path: string): string {
    return this.openByPath.get(path) ?? pathToFileURL(path).href;
  }

  /**
   * A file's lines: the open document's text, else the disk (a .gz decompressed: zlib works off
   * this thread). A Parquet file has rows, not lines: decoding them here would hold up this thread.
   */
  linesOf(path: string): LineSource {
    const doc = this.docByPath(path);
    if (doc) return textLineSource(path, doc.getText());
    if (isParquet(path)) return { name: path, lines: () => { throw new Error('a Parquet file has rows, not lines: its texts are not shown here and a curated copy is written for text files only'); } };
    return isGzip(path) ? gzipLineSource(path) : fileLineSource(path);
  }

  private openTripleAndConfigTexts(): Map<string, { text: string; version: number }> {
    const out = new Map<string, { text: string; version: number }>();
    for (const [path, uri] of this.openByPath) {
      const doc = this.documents.get(uri);
      if (doc && (detectFormat(path) || this.scopes.isConfig(path))) out.set(path, { text: doc.getText(), version: doc.version });
    }
    return out;
  }

  /**
   * Whether a result describes what the editor shows for a file: the open
   * document's version must be the one the run read; a file read from disk
   * and opened later must be unchanged since it was opened.
   */
  isCurrent(r: ScopeResult, path: string): boolean {
    const doc = this.docByPath(path);
    const read = r.docVersions.get(path);
    if (read !== undefined) return doc !== undefined && doc.version === read;
    return !doc || doc.version === this.openedVersion.get(doc.uri);
  }

  currentResults(path: string): ScopeResult[] {
    return this.store.forFile(path).filter((r) => this.isCurrent(r, path));
  }

  /**
   * Results of an open document that describe an earlier version of it, each with where
   * that version's lines are now: their findings stay shown on untouched lines while the
   * next run is pending.
   */
  private carriedResults(path: string): { result: ScopeResult; map: (line: number) => number }[] {
    const doc = this.docByPath(path);
    if (!doc) return [];
    const out: { result: ScopeResult; map: (line: number) => number }[] = [];
    for (const r of this.store.forFile(path)) {
      if (this.isCurrent(r, path)) continue;
      const read = r.docVersions.get(path) ?? this.openedVersion.get(doc.uri);
      const map = read !== undefined ? this.shifts.get(doc.uri)?.mapper(read) : null;
      if (map) out.push({ result: r, map });
    }
    return out;
  }

  async modeOf(scope: string): Promise<ClientSettings['run']> {
    const def = this.runs.scopes.get(scope);
    return def ? (await this.settings.get(this.scopes.settingsUri(def))).run : 'manual';
  }

  /** Schedules scopes by the trigger and each scope's `eciSem.run` mode. */
  async trigger(scopes: Iterable<string>, why: 'type' | 'save' | 'start' | 'settings' | 'manual'): Promise<void> {
    // Settings often change in bursts (and clients may both push and be asked): coalesce.
    for (const scope of scopes) {
      const delay = why === 'type' ? this.runs.editDelay(scope) : why === 'settings' ? SETTINGS_DELAY_MS : 0;
      const mode = why === 'manual' ? 'manual' : await this.modeOf(scope);
      if (why === 'manual') this.runs.schedule(scope, 0);
      else if (mode === 'onType') this.runs.schedule(scope, delay);
      else if (mode === 'onSave' && why !== 'type') this.runs.schedule(scope, delay);
    }
  }

  onOpen(doc: TextDocument): void {
    const path = pathOf(doc.uri);
    if (!path) return;
    this.openByPath.set(path, doc.uri);
    this.openedVersion.set(doc.uri, doc.version);
    const format = detectFormat(path);
    if (this.scopes.isConfig(path) && !this.scopes.configDef(path)) {
      void this.trigger([this.scopes.addConfig(path)], 'start');
    } else if (format && this.scopes.scopesOfFile(path).length === 0) {
      const text = doc.getText();
      if (looksLikeTriples(text.slice(0, 65536), format, text.length <= 65536) && this.scopes.addLoose(path)) void this.trigger([WORKSPACE_SCOPE], 'start');
    }
  }

  /** Content changed (also fired on open): instant checks now, a run per the scopes' modes. */
  onContent(doc: TextDocument): void {
    const path = pathOf(doc.uri);
    if (!path) return;
    const edited = doc.version !== this.openedVersion.get(doc.uri);
    if (this.scopes.isConfig(path)) {
      void this.refresh(path);
      if (edited) void this.trigger([configScopeId(path)], 'type');
      return;
    }
    const format = detectFormat(path);
    if (!format) return;
    this.lints.get(doc.uri)?.cts.cancel();
    const cts = new CancellationTokenSource();
    const entry = { version: doc.version, problems: null as Problem[] | null, cts };
    this.lints.set(doc.uri, entry);
    let memo = this.lintMemos.get(doc.uri);
    if (!memo) this.lintMemos.set(doc.uri, memo = new LintMemo());
    const lintMemo = memo;
    // After the changes already received: a burst of queued changes is linted once, at its last version.
    setImmediate(() => {
      if (cts.token.isCancellationRequested) return;
      void lintTriples(doc.getText(), format, path, cts.token, lintMemo).then((problems) => {
        if (problems === null || this.lints.get(doc.uri) !== entry) return;
        entry.problems = problems;
        void this.refresh(path);
      });
    });
    if (edited) void this.trigger(this.scopes.scopesOfFile(path), 'type');
  }

  onSave(doc: TextDocument): void {
    const path = pathOf(doc.uri);
    if (!path) return;
    const scopes = this.scopes.isConfig(path) ? [configScopeId(path)] : this.scopes.scopesOfFile(path);
    void this.trigger(scopes, 'save');
  }

  onClose(doc: TextDocument): void {
    const path = pathOf(doc.uri);
    if (!path) return;
    const edited = doc.version !== this.openedVersion.get(doc.uri);
    this.openByPath.delete(path);
    this.openedVersion.delete(doc.uri);
    this.lints.get(doc.uri)?.cts.cancel();
    this.lints.delete(doc.uri);
    this.lintMemos.delete(doc.uri);
    this.shifts.delete(doc.uri);
    this.configChecks.delete(doc.uri);
    void this.refresh(path);
    // Closed without saving: the disk holds other text than the run read.
    if (edited) void this.trigger(this.scopes.isConfig(path) ? [configScopeId(path)] : this.scopes.scopesOfFile(path), 'save');
  }

  // ---------------------------------------------------------------- diagnostics

  private configChecksFor(doc: TextDocument, path: string): Promise<Diagnostic[] | null> {
    const hit = this.configChecks.get(doc.uri);
    if (hit && hit.version === doc.version && doc.version > 0) return hit.diags;
    const diags = configDiagnostics(doc, path, this.trusted);
    if (doc.version > 0) this.configChecks.set(doc.uri, { version: doc.version, diags });
    return diags;
  }

  /** Recomputes and publishes the diagnostics of one file from the current state. */
  async refresh(path: string, token?: CancellationToken): Promise<void> {
    const uri = this.uriOf(path);
    const doc = this.docByPath(path);
    let diagnostics: Diagnostic[];
    if (this.scopes.isConfig(path)) {
      const text = doc ? undefined : await readFile(path, 'utf8').catch(() => undefined);
      if (!doc && text === undefined) { this.publish(uri, []); return; }
      const d = doc ?? TextDocument.create(uri, 'jsonc', 0, text!);
      const checks = await this.configChecksFor(d, path);
      if (checks === null) return;
      const scope = configScopeId(path);
      diagnostics = [...checks, ...configRunDiagnostics(d, this.store.get(scope), this.runs.failures.get(scope))];
    } else {
      const results = this.currentResults(path);
      const settings = await this.settings.get(uri);
      const fromRuns: Problem[] = [];
      const seen = new Set<string>();
      for (const r of results) {
        const shown = r.unitsOf(path)[0]?.shown;
        for (const p of r.wire.problems) {
          const key = `${p.line}:${p.column}:${p.message}`;
          if (p.file === shown && !seen.has(key)) { seen.add(key); fromRuns.push(p); }
        }
      }
      let problems = fromRuns;
      if (doc) {
        // The structural check of this version, plus what only a run sees across lines (a vector
        // dimension unlike the earlier lines', a line without vectors in a precomputed file) from a
        // run of this same version: one problem a line, the structural one first.
        const lint = this.lints.get(doc.uri);
        problems = lint && lint.version === doc.version && lint.problems ? [...lint.problems] : [];
        const flagged = new Set(problems.map((p) => p.line));
        for (const p of fromRuns) if (p.byRun && !flagged.has(p.line)) { flagged.add(p.line); problems.push(p); }
      }
      const lineText = doc ? (l: number) => (l < doc.lineCount ? lineOf(doc, l) : undefined) : undefined;
      const carried = this.carriedResults(path);
      const maps = new Map(carried.map((c) => [c.result, c.map]));
      diagnostics = fileDiagnostics({
        path, results: [...results, ...carried.map((c) => c.result)], problems, maxPerFile: settings.maxDiagnosticsPerFile,
        ...(lineText ? { lineText } : {}), ...(carried.length > 0 ? { lineMap: (r: ScopeResult) => maps.get(r) } : {}),
      }, token) ?? [];
      // Source-level findings are about the whole source: a pending run does not move them.
      diagnostics.push(...looseSourceDiagnostics([...results, ...carried.map((c) => c.result)], path, WORKSPACE_SCOPE));
    }
    // A newer version arrived while we computed: its own refresh will publish.
    if (doc && this.documents.get(doc.uri)?.version !== doc.version) return;
    this.publish(uri, diagnostics, doc?.version);
  }

  private publish(uri: string, diagnostics: Diagnostic[], version?: number): void {
    void this.connection.sendDiagnostics({ uri, diagnostics, ...(version !== undefined ? { version } : {}) });
  }

  private async onRunFinished(scope: string): Promise<void> {
    const def = this.runs.scopes.get(scope);
    const files = new Set(this.store.get(scope)?.files() ?? []);
    const before = this.publishedFiles.get(scope) ?? new Set<string>();
    this.publishedFiles.set(scope, files);
    const paths = new Set([...files, ...before]);
    if (def?.kind === 'config') paths.add(def.configPath);
    for (const p of paths) await this.refresh(p);
    void this.connection.sendNotification(ResultsChangedNotification.method, { scopes: [scope] });
    if (this.caps.codeLensRefresh) void this.connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
  }

  /**
   * The stability check of a scope's result arrived: only what shows it changes — the
   * config's source diagnostics (tied-with-next), or a loose file's first line — and
   * the CodeLens, hovers and panel, which read the stored result.
   */
  private async onStabilityArrived(scope: string): Promise<void> {
    // After the result's own publishing: clients see the result announced before its check.
    await this.finishing.get(scope);
    const def = this.runs.scopes.get(scope);
    if (def?.kind === 'config') await this.refresh(def.configPath);
    else for (const p of this.publishedFiles.get(scope) ?? []) await this.refresh(p);
    void this.connection.sendNotification(ResultsChangedNotification.method, { scopes: [scope], stability: true });
    if (this.caps.codeLensRefresh) void this.connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
  }

  /** A provisional (sample-scope) ranking came or went: the ranking faces read it; diagnostics keep the last full result. */
  private onRankingChanged(scope: string): void {
    void this.connection.sendNotification(ResultsChangedNotification.method, { scopes: [scope], provisional: true });
    if (this.caps.codeLensRefresh) void this.connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
  }

  /** A config was deleted: forget its scope and clear what it published. */
  async removeConfig(path: string): Promise<void> {
    const scope = configScopeId(path);
    const files = this.publishedFiles.get(scope) ?? new Set<string>();
    this.publishedFiles.delete(scope);
    this.scopes.removeConfig(path);
    this.publish(this.uriOf(path), []);
    for (const p of files) await this.refresh(p);
    void this.connection.sendNotification(ResultsChangedNotification.method, { scopes: [scope] });
  }

  /** Settings changed: forget cached checks and settings, republish everything, re-run what runs automatically. */
  async onSettingsChanged(pushed: unknown): Promise<void> {
    this.settings.clear(pushed);
    this.configChecks.clear();
    const paths = new Set<string>([...this.openByPath.keys()]);
    for (const files of this.publishedFiles.values()) for (const p of files) paths.add(p);
    for (const p of paths) if (this.scopes.isConfig(p) || detectFormat(p)) await this.refresh(p);
    await this.trigger([...this.runs.scopes.keys()], 'settings');
  }

  async dispose(): Promise<void> {
    this.runs.cancelAll();
    await this.host.dispose();
  }
}
