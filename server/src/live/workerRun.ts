/**
 * One run inside the analysis worker: from a RunSpec (what the server knows:
 * config text, open documents, client settings, trust) to the plan, settings
 * and encoder `analyze()` takes, then to a WireResult of typed arrays.
 */
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { applySettingOverrides, parseConfig, SettingError, type EciConfig } from '../core/config';
import { defaultSettings, type Settings } from '../core/settings';
import { FINDING_BIT } from '../core/findings';
import { analyze, type AnalysisResult, type Progress } from '../pipeline/analyze';
import { AnalysisError, AnalysisInputChanged } from '../pipeline/errors';
import type { EncoderOptions } from '../pipeline/encoderSetup';
import { endpointEncoder } from '../pipeline/httpEmbedder';
import { fileLineSource } from '../pipeline/lines';
import { planFromConfig, planFromFiles, type Plan } from '../pipeline/plan';
import { FLAG_TEXT_DUPLICATE, FLAG_UNMEASURED } from '../pipeline/tripleTable';
import type { ScoreMemo } from '../core/scoreMemo';
import type { LineFacts } from '../pipeline/lineFacts';
import type { EmbedderKeeper } from './state/embedderKeeper';
import { StageError } from './stageError';
import { restrictedNotes } from './trust';
import type { RunNote, RunSpec, WireColumns, WireResult, WireStability, WireUnit } from './wire';


/** measure()'s chunk of triples (its default), for estimating progress within a chunk. */
const MEASURE_CHUNK = 2048;

const QUARANTINE = /\.quarantine\.(jsonl|ndjson|tsv)$/i;

/** Quarantine files made by the quick fix must not flow back into a source through its glob. */
function dropQuarantined(plan: Plan, config: EciConfig, base: string): void {
  const literal = new Set(config.sources.flatMap((s) => s.files.map((f) => resolve(base, f))));
  plan.units = plan.units.filter((u) => !QUARANTINE.test(u.path) || literal.has(u.path));
}

interface Setup {
  plan: Plan;
  settings: Settings;
  encoder: EncoderOptions;
  notes: RunNote[];
}

function setup(spec: RunSpec): Setup {
  const notes: RunNote[] = [];
  const open = (p: string) => spec.open[p];
  let settings: Settings;
  let plan: Plan;
  let encoder: EncoderOptions;
  if (spec.input.kind === 'config') {
    const { configPath, configText } = spec.input;
    const parsed = parseConfig(configText);
    if (!parsed.config || parsed.problems.some((p) => p.severity === 'error')) {
      throw new StageError('config', 'the config has errors (underlined); fix them to score its sources');
    }
    const config = parsed.config;
    const base = dirname(configPath);
    settings = config.settings;
    notes.push(...restrictedNotes(config, spec.trusted));
    let encoderConfig = config.encoder;
    if (!spec.trusted && (encoderConfig.kind === 'onnx' || encoderConfig.kind === 'http')) {
      // Neither the workspace's model nor the server it names (where texts would go) is used.
      encoderConfig = { ...encoderConfig, kind: 'default' };
      for (const k of ['path', 'api', 'url', 'model', 'revision', 'apiKeyEnv', 'concurrency', 'timeoutMs', 'maxRetries', 'truncate'] as const) delete encoderConfig[k];
    }
    if (settings.idfCorpus) {
      if (!spec.trusted) settings = { ...settings, idfCorpus: null };
      else {
        const files = settings.idfCorpus.map((f) => resolve(base, f));
        const missing = files.find((f) => !existsSync(f));
        if (missing) throw new StageError('config', `idfCorpus: ${missing} does not exist`, notes);
        settings = { ...settings, idfCorpus: files };
      }
    }
    const cacheDir = config.cacheDir !== undefined && spec.trusted ? resolve(base, config.cacheDir) : spec.cacheDir;
    encoder = { config: encoderConfig, base, cacheDir };
    plan = planFromConfig(config, configPath, spec.cwd, open);
    dropQuarantined(plan, config, base);
  } else {
    const names = new Map(spec.input.files.map((f) => [f.path, f.source]));
    plan = planFromFiles(spec.input.files.map((f) => f.path), spec.cwd, open);
    for (const u of plan.units) u.source = names.get(u.path) ?? basename(u.path);
    encoder = { base: spec.cwd, cacheDir: spec.cacheDir };
    // Loose files have no config: the spec defaults, then the client's overrides.
    settings = defaultSettings();
  }
  const overrides = Object.fromEntries(Object.entries(spec.overrides).filter(([, v]) => v !== undefined && v !== null));
  try {
    settings = applySettingOverrides(settings, overrides);
  } catch (err) {
    if (err instanceof SettingError) throw new StageError('settings', `eciSem.${err.message}`, notes);
    throw err;
  }
  // One core stays free for the editor and the server's own thread: with all cores
  // busy in inference, hovers wait for the OS scheduler (measured: 100–250 ms stalls
  // on two cores with ORT on both, under 50 ms with one left free).
  const threads = Math.max(1, availableParallelism() - 1);
  const endpoint = spec.encoderEndpoint;
  if (endpoint) encoder = { ...encoder, config: endpointEncoder(endpoint, encoder.config) };
  encoder = {
    ...encoder,
    cli: { ...(spec.encoderPath && !endpoint ? { kind: resolve(spec.cwd, spec.encoderPath) } : {}), threads },
    // Cache repairs (corrupted records dropped, file rebuilt): this worker's stderr goes to the server log.
    onWarning: (m) => console.warn(`eci-sem: warning: ${m}`),
  };
  return { plan, settings, encoder, notes };
}

/** A run's result, and the stability check still to compute for it (when resamples > 0). */
export interface WorkerOutcome {
  wire: WireResult;
  stability?: (signal: AbortSignal) => Promise<WireStability>;
}

export async function runInWorker(
  spec: RunSpec,
  keeper: EmbedderKeeper,
  signal: AbortSignal,
  onProgress: (p: Progress) => void,
  onProvisional?: (result: WireResult) => void,
  kept: { scoreMemo?: ScoreMemo; lineFacts?: LineFacts } = {},
): Promise<WorkerOutcome> {
  const { scoreMemo, lineFacts } = kept;
  const { plan, settings, encoder, notes } = setup(spec);
  const diskStamps: WireResult['diskStamps'] = {};
  for (const u of plan.units) {
    if (spec.open[u.path] !== undefined || diskStamps[u.path]) continue;
    try {
      const st = statSync(u.path);
      diskStamps[u.path] = { mtimeMs: st.mtimeMs, size: st.size };
    } catch {
      // vanished since planning: the scan reports it
    }
  }
  let embedded = 0;
  // Triples measured so far and in all (lines scanned until measure() knows the exact count).
  let base = 0;
  let total = 0;
  let embeddedNow = () => 0;
  const onBatch = (done: number, all: number) => {
    const chunk = Math.min(MEASURE_CHUNK, Math.max(0, total - base));
    onProgress({ phase: 'embed', done: Math.min(total, base + Math.floor((chunk * done) / Math.max(1, all))), total, embedded: embeddedNow() });
  };
  let result: AnalysisResult;
  try {
    const choice = keeper.choice(encoder, onBatch);
    if (choice.kind !== 'precomputed') {
      const load = choice.load;
      choice.load = async () => {
        const e = await load();
        embeddedNow = () => e.embeddedCount ?? 0;
        return e;
      };
    }
    result = await analyze({
      plan,
      settings,
      encoder: choice,
      idfCorpus: settings.idfCorpus?.map((path) => ({ path, lines: fileLineSource(path) })) ?? null,
      signal,
      // The editor shows the scores first; the half-samples follow in a second message.
      stability: 'deferred',
      scope: spec.resultScope ?? 'all',
      ...(scoreMemo ? { scoreMemo } : {}),
      ...(lineFacts ? { lineFacts } : {}),
      ...(onProvisional && spec.provisional ? { onProvisional: (r: AnalysisResult) => onProvisional(serialize(spec.scope, r, diskStamps, embedded, notes)) } : {}),
      onProgress: (p) => {
        if (p.phase === 'scan') total = Math.max(total, p.done);
        if (p.phase === 'embed') { base = p.done; total = p.total; }
        if (p.embedded !== undefined) embedded = p.embedded;
        onProgress(p);
      },
    });
  } catch (err) {
    if (signal.aborted) throw err;
    if (err instanceof StageError) throw new StageError(err.stage, err.message, notes);
    if (err instanceof AnalysisInputChanged) throw new StageError('input', err.message, notes);
    if (err instanceof AnalysisError) {
      // A lazily started encoder reports a model that cannot load at its first embed.
      if (err.stage === 'encoder') {
        keeper.discard();
        throw new StageError('encoder', err.message, notes);
      }
      throw new StageError('settings', err.message, notes);
    }
    throw err;
  }
  const wire = serialize(spec.scope, result, diskStamps, embedded, notes);
  const pending = result.pendingStability;
  if (!pending) return { wire };
  return {
    wire,
    stability: async (stop) => {
      const t0 = performance.now();
      // Between sources the worker takes its messages (a cancel, the next run).
      const done = await pending({ signal: stop, pause: () => new Promise((r) => setImmediate(r)) });
      return { bySource: Object.fromEntries(done.bySource), agreement: done.agreement, ms: performance.now() - t0 };
    },
  };
}

function serialize(scope: string, r: AnalysisResult, diskStamps: WireResult['diskStamps'], embedded: number, notes: RunNote[]): WireResult {
  const n = r.table.length;
  const t = r.table;
  const columns: WireColumns = {
    unit: new Uint32Array(n), line: new Uint32Array(n), posIndex: new Uint32Array(n), negIndex: new Uint32Array(n),
    a: new Float64Array(n), b: new Float64Array(n), c: new Float64Array(n), ov: new Float64Array(n),
    jaccard: new Float64Array(n), flags: new Uint8Array(n), w: new Float64Array(n), findings: new Uint8Array(n),
    primary: new Int32Array(n).fill(-1), samplePos: new Int32Array(n).fill(-1),
  };
  const units: WireUnit[] = r.units.map((u) => ({ path: u.path, shown: u.shown, format: u.format, source: u.source, ...(u.key !== undefined ? { key: u.key } : {}), start: 0, end: 0 }));
  const seen = new Uint8Array(units.length);
  // A sample-scope result measured only the sampled triples: the others have no numbers and no findings.
  const ev = r.evaluations;
  let measured: Uint8Array | undefined;
  if (r.scope === 'sample') {
    measured = new Uint8Array(n);
    for (const s of r.sources) for (const i of s.sampled) measured[i] = 1;
  }
  for (let i = 0; i < n; i++) {
    const u = t.unit(i);
    if (!seen[u]) { seen[u] = 1; units[u].start = i; }
    units[u].end = i + 1;
    columns.unit[i] = u; columns.line[i] = t.line(i);
    columns.posIndex[i] = t.posIndex(i); columns.negIndex[i] = t.negIndex(i);
    columns.a[i] = t.a(i); columns.b[i] = t.b(i); columns.c[i] = t.c(i);
    if (measured && !measured[i]) { columns.flags[i] = FLAG_UNMEASURED; continue; }
    columns.ov[i] = t.ov(i); columns.jaccard[i] = t.jaccard(i); columns.flags[i] = t.textDuplicate(i) ? FLAG_TEXT_DUPLICATE : 0;
    ev.at(i);
    columns.w[i] = ev.w[i];
    columns.findings[i] = ev.mask[i];
  }
  r.sources.forEach((s, si) => {
    if (s.group !== 'plain') return;
    for (let k = 0; k < s.members.length; k++) if (columns.primary[s.members[k]] < 0) columns.primary[s.members[k]] = si;
  });
  r.sources.forEach((s, si) => {
    s.sampled.forEach((i, k) => {
      if (columns.primary[i] !== si) return;
      columns.samplePos[i] = k;
      if (s.redundant[k]) columns.findings[i] |= FINDING_BIT.redundant;
    });
  });
  return {
    scope, resultScope: r.scope, settings: r.settings, encoder: r.encoder, residualScale: r.residualScale,
    sources: r.sources.map((s) => ({ ...s, members: Uint32Array.from(s.members) })),
    sourceDefs: r.sourceDefs, units, columns, length: n, problems: r.problems,
    skippedLines: r.skippedLines, linesRead: r.linesRead, timings: r.timings, diskStamps, embedded, notes,
    ...(r.reuse ? { reuse: { ...r.reuse } } : {}),
  };
}
