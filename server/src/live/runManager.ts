/**
 * When analyses run: per scope (a config, or "workspace" for loose triple
 * files), debounced on typing, at once on save or on request; one run at a
 * time in the analysis worker (the encoder is one model on the same cores, so
 * parallel runs would only slow each other). A newer request for a scope
 * cancels its running run. Results whose open documents changed during the
 * run are dropped: they describe text the user no longer has.
 */
import { isAbsolute, resolve } from 'node:path';
import type { WorkDoneProgressServerReporter } from 'vscode-languageserver';
import type { ClientSettings, RunState } from '../../../common/protocol';
import type { Progress } from '../pipeline/analyze';
import type { AnalysisHost } from './analysisHost';
import { ScopeResult, type ResultStore } from './state/results';
import type { FailureStage, RunInput, RunSpec, WireResult } from './wire';

export type ScopeDef =
  | { id: string; kind: 'config'; configPath: string; configUri: string }
  | { id: string; kind: 'files'; files: { path: string; source: string }[] };

export const WORKSPACE_SCOPE = 'workspace';

/** A scope whose last run embedded more texts than this (or that has no result yet) gets the ranking of its samples first. */
const PROVISIONAL_AFTER_EMBEDDED = 1000;

/**
 * Typing pause before a run. A run after an edit re-uses every unchanged line (about 0.5 s
 * at 100k triples), so a short pause keeps edit → results under a second; keystrokes closer
 * together than this still coalesce into one run, and a run a keystroke overtakes is cancelled.
 * An edit after a quiet spell (a paste, an undo, a line deleted; or the first key of a word)
 * waits only FIRST_EDIT_DELAY_MS: most such edits are the whole change, and when typing
 * follows, the next key cancels that run and the pause is the typing one again.
 */
const TYPE_DELAY_MS = 150;
const FIRST_EDIT_DELAY_MS = 30;
/** No edit of the scope for this long makes the next one a first edit. */
const QUIET_MS = 1000;

export interface RunManagerDeps {
  host: AnalysisHost;
  store: ResultStore;
  /** Read at each run: initialize sets them after construction. */
  trusted(): boolean;
  cacheDir(): string;
  settingsFor(def: ScopeDef): Promise<ClientSettings>;
  /** Open documents' texts and versions by absolute path (snapshots for the run). */
  openDocuments(): Map<string, { text: string; version: number }>;
  /** Current version of an open document, undefined when it is not open. */
  versionOf(path: string): number | undefined;
  readText(path: string): Promise<string>;
  cwdFor(def: ScopeDef): string;
  /** Whether a path lies in a workspace folder (restricted mode loads nothing from there). */
  inWorkspace(path: string): boolean;
  createProgress(): Promise<WorkDoneProgressServerReporter>;
  onStatus(state: RunState): void;
  /** A run of the scope finished (stored result, failure, or dropped). */
  onFinished(scope: string): void;
  /** The stored result of the scope gained its stability check. */
  onStability(scope: string): void;
  /** The ranking faces of the scope changed without a new full result (a provisional ranking came or went). */
  onProvisional(scope: string): void;
  log(message: string): void;
}

export interface Failure { stage: FailureStage; message: string }

/** Share of the progress bar per phase: embedding dominates. */
function percentOf(p: Progress): number {
  switch (p.phase) {
    case 'scan': return 2;
    case 'load': return 5;
    case 'embed': return 5 + Math.round((90 * p.done) / Math.max(1, p.total));
    case 'score': return 96;
    case 'stability': return 98;
  }
}

function messageOf(p: Progress): string {
  switch (p.phase) {
    case 'scan': return `reading (${p.done} lines)`;
    case 'load': return 'loading the encoder';
    case 'embed': return `embedding ${p.done}/${p.total} triples${p.embedded !== undefined ? ` (${p.embedded} new texts)` : ''}`;
    case 'score': return 'scoring';
    case 'stability': return 'checking the ranking on half-samples';
  }
}

export class RunManager {
  readonly scopes = new Map<string, ScopeDef>();
  readonly failures = new Map<string, Failure>();
  private readonly states = new Map<string, RunState>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly queue: string[] = [];
  private running: { scope: string; controller: AbortController } | undefined;
  private busy = false;
  /** Resolvers waiting for the queue to drain (tests and eci/score callers that want to wait). */
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly deps: RunManagerDeps) {
    deps.host.onStability = (scope, runId, stability) => {
      const stored = deps.store.get(scope);
      // Only for the result it was computed with: a newer result of the scope has its own check coming.
      if (!stability || !stored || stored.runId !== runId) return;
      stored.applyStability(stability);
      deps.log(`eci-sem: ${scope}: stability check of the ranking in ${(stability.ms / 1000).toFixed(1)} s`);
      deps.onStability(scope);
    };
  }

  stateOf(scope: string): RunState | undefined {
    return this.states.get(scope);
  }

  /** An edit of the scope: the pause before its run (a first edit runs sooner than a burst of them). */
  editDelay(scope: string): number {
    const now = Date.now();
    const last = this.lastEdit.get(scope);
    this.lastEdit.set(scope, now);
    return last === undefined || now - last >= QUIET_MS ? FIRST_EDIT_DELAY_MS : TYPE_DELAY_MS;
  }

  /** When each scope was last edited. */
  private readonly lastEdit = new Map<string, number>();

  /** Runs the scope after `delayMs` (coalescing repeated calls); a running run of it is cancelled now. */
  schedule(scope: string, delayMs: number): void {
    const timer = this.timers.get(scope);
    if (timer) clearTimeout(timer);
    if (this.running?.scope === scope) this.running.controller.abort();
    if (delayMs <= 0) {
      this.timers.delete(scope);
      this.enqueue(scope);
      return;
    }
    this.timers.set(scope, setTimeout(() => {
      this.timers.delete(scope);
      this.enqueue(scope);
    }, delayMs));
  }

  /** Cancels what is running, queued or waiting on a debounce; returns how many runs that stopped. */
  cancelAll(): number {
    let n = this.queue.length + this.timers.size;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.queue.length = 0;
    if (this.running) {
      n++;
      this.running.controller.abort();
    }
    return n;
  }

  /** Removes a scope (its config was deleted): cancels its runs and forgets its result. */
  remove(scope: string): void {
    const timer = this.timers.get(scope);
    if (timer) clearTimeout(timer);
    this.timers.delete(scope);
    const q = this.queue.indexOf(scope);
    if (q >= 0) this.queue.splice(q, 1);
    if (this.running?.scope === scope) this.running.controller.abort();
    this.scopes.delete(scope);
    this.failures.delete(scope);
    this.states.delete(scope);
    this.deps.store.delete(scope);
  }

  isBusy(): boolean {
    return this.busy || this.queue.length > 0 || this.timers.size > 0;
  }

  whenIdle(): Promise<void> {
    if (!this.isBusy()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private enqueue(scope: string): void {
    if (!this.queue.includes(scope)) this.queue.push(scope);
    this.pump();
  }

  private pump(): void {
    if (this.busy) return;
    const scope = this.queue.shift();
    if (scope === undefined) {
      if (this.timers.size === 0) for (const w of this.idleWaiters.splice(0)) w();
      return;
    }
    this.busy = true;
    this.execute(scope)
      .catch((err: unknown) => this.deps.log(`eci-sem: run of ${scope} failed: ${err instanceof Error ? err.stack : String(err)}`))
      .finally(() => {
        this.busy = false;
        this.running = undefined;
        this.pump();
      });
  }

  /**
   * eciSem.encoderPath as the run may use it. In restricted mode a model in the
   * workspace (a relative path, or one inside a workspace folder) is not loaded,
   * whichever settings level named it: the bundled default encoder is used.
   */
  private allowedEncoderPath(path: string, def: ScopeDef): string {
    if (!path || this.deps.trusted()) return path;
    const absolute = isAbsolute(path) ? resolve(path) : resolve(this.deps.cwdFor(def), path);
    if (isAbsolute(path) && !this.deps.inWorkspace(absolute)) return path;
    this.deps.log(`eci-sem: restricted mode: eciSem.encoderPath "${path}" names a model in the workspace (${absolute}); it is not loaded, the bundled default encoder is used (trust the workspace to use it)`);
    return '';
  }

  private setState(scope: string, state: RunState): void {
    this.states.set(scope, state);
    this.deps.onStatus(state);
  }

  /** Versions of the open documents a result read: the config and the files of its units. */
  private versionsRead(def: ScopeDef, versions: ReadonlyMap<string, number>, result: { units: { path: string }[] }): Map<string, number> {
    const read = new Map<string, number>();
    for (const [path, v] of versions) {
      const used = (def.kind === 'config' && path === def.configPath) || result.units.some((u) => u.path === path);
      if (used) read.set(path, v);
    }
    return read;
  }

  /** The first document that changed since those versions were read, if any. */
  private changedSince(read: ReadonlyMap<string, number>): string | undefined {
    return [...read].find(([path, v]) => { const now = this.deps.versionOf(path); return now !== undefined && now !== v; })?.[0];
  }

  private async execute(scope: string): Promise<void> {
    const def = this.scopes.get(scope);
    if (!def) return;
    const controller = new AbortController();
    this.running = { scope, controller };
    const started = performance.now();
    const settings = await this.deps.settingsFor(def);
    const open = this.deps.openDocuments();
    let input: RunInput;
    if (def.kind === 'config') {
      const configText = open.get(def.configPath)?.text ?? await this.deps.readText(def.configPath).catch(() => '');
      input = { kind: 'config', configPath: def.configPath, configText };
    } else {
      input = { kind: 'files', files: def.files };
    }
    if (controller.signal.aborted) return;
    const encoderPath = this.allowedEncoderPath(settings.encoderPath, def);
    const spec: RunSpec = {
      scope, input,
      open: Object.fromEntries([...open].map(([p, d]) => [p, d.text])),
      overrides: {
        ...(settings.temperature !== null ? { temperature: settings.temperature } : {}),
        ...(settings.sampleSize !== null ? { sampleSize: settings.sampleSize } : {}),
        ...(settings.resamples !== null ? { resamples: settings.resamples } : {}),
        ...(Object.keys(settings.thresholds).length > 0 ? { thresholds: settings.thresholds } : {}),
      },
      ...(encoderPath ? { encoderPath } : {}),
      ...(settings.encoderEndpoint ? { encoderEndpoint: settings.encoderEndpoint } : {}),
      trusted: this.deps.trusted(), cacheDir: this.deps.cacheDir(), cwd: this.deps.cwdFor(def),
      resultScope: settings.scope === 'sample' ? 'sample' : 'all',
      provisional: (this.deps.store.get(scope)?.wire.embedded ?? Infinity) > PROVISIONAL_AFTER_EMBEDDED,
    };
    const versions = new Map([...open].map(([p, d]) => [p, d.version]));
    const reporter = await this.deps.createProgress();
    reporter.begin('eci-sem', 0, `scoring ${scope}`, true);
    const onCancel = reporter.token.onCancellationRequested(() => controller.abort());
    this.setState(scope, { state: 'running', scope, phase: 'start', done: 0, total: 0 });
    let outcome;
    /** Set once the ranking of the samples is shown: the status bar says so until the run ends. */
    let sampleRanking = false;
    try {
      outcome = await this.deps.host.run(spec, controller.signal, (p) => {
        reporter.report(percentOf(p), messageOf(p));
        this.setState(scope, { state: 'running', scope, phase: p.phase, done: p.done, total: p.total, ...(sampleRanking ? { sampleRanking: true as const } : {}) });
      }, (provisional) => {
        // The ranking from the samples, while the rest are measured (not for text the user no longer has).
        const read = this.versionsRead(def, versions, provisional);
        if (this.changedSince(read)) return;
        const r = new ScopeResult(provisional, read, new Date(), (performance.now() - started) / 1000, def.kind === 'config' ? def.configUri : undefined);
        this.deps.store.setProvisional(r);
        sampleRanking = true;
        this.deps.onProvisional(scope);
      });
    } finally {
      onCancel.dispose();
      reporter.done();
      if (outcome?.kind !== 'ok' && this.deps.store.dropProvisional(scope)) this.deps.onProvisional(scope);
    }
    const seconds = (performance.now() - started) / 1000;
    if (outcome.kind === 'cancelled') {
      this.setState(scope, { state: 'idle' });
      return;
    }
    if (outcome.kind === 'failed') {
      this.failures.set(scope, { stage: outcome.stage, message: outcome.message });
      this.setState(scope, { state: 'failed', scope, message: outcome.message });
      this.deps.onFinished(scope);
      return;
    }
    const result = outcome.result;
    // The scope was removed (its config deleted) or the run superseded while the worker finished it.
    if (!this.scopes.has(scope) || controller.signal.aborted) {
      this.deps.store.dropProvisional(scope);
      if (this.scopes.has(scope)) this.setState(scope, { state: 'idle' });
      return;
    }
    const read = this.versionsRead(def, versions, result);
    const stale = this.changedSince(read);
    if (stale) {
      this.deps.log(`eci-sem: dropped the result of ${scope}: ${stale} changed while it was analysed`);
      if (this.deps.store.dropProvisional(scope)) this.deps.onProvisional(scope);
      this.setState(scope, { state: 'idle' });
      return;
    }
    this.deps.store.set(new ScopeResult(result, read, new Date(), seconds, def.kind === 'config' ? def.configUri : undefined, outcome.runId));
    this.deps.log(runSummary(scope, seconds, result));
    this.failures.delete(scope);
    this.setState(scope, { state: 'done', scope, seconds });
    this.deps.onFinished(scope);
  }
}

/** One line for the server log: where a run's time went and what it re-used. */
export function runSummary(scope: string, seconds: number, r: Pick<WireResult, 'timings' | 'reuse' | 'embedded' | 'length'>): string {
  const ms = (x: number) => `${Math.round(x)} ms`;
  const t = r.timings;
  const reuse = r.reuse
    ? `; lines re-used ${r.reuse.reused}, parsed ${r.reuse.parsed}; triples measured ${r.reuse.measured} of ${r.length}`
    : '';
  return `eci-sem: ran ${scope} in ${seconds.toFixed(2)} s (read ${ms(t.scanMs)}, measure ${ms(t.embedMs)}, score ${ms(t.scoreMs)}; texts embedded ${r.embedded}${reuse})`;
}
