/**
 * Custom LSP methods between the eci-sem language server, the VS Code client
 * and the ranking webview. One place for every message; each says who sends it.
 * Plain data only (no vscode or vscode-languageserver imports), so the client,
 * the server and the webview bundle can all import it.
 */
import type { EncoderEndpointSetting } from './endpoint';

export type FindingId =
  | 'duplicate-of-positive' | 'near-duplicate-of-positive' | 'likely-false-negative'
  | 'too-easy' | 'lexical-only' | 'redundant'
  | 'low-diversity' | 'many-false-negatives' | 'under-sampled' | 'tied-with-next';

/** How stable a source's rank is under half-sampling (absent while the check is pending or off). */
export interface CardStability {
  resamples: number;
  /** Half-sample size ⌊N/2⌋. */
  n: number;
  median: number;
  p10: number;
  p90: number;
  /** The next source below in the group, and the share of half-samples that put this one above it (null: not comparable). */
  next?: string;
  agreementWithNext: number | null;
  comparableWithNext: boolean;
  tiedWithNext: boolean;
  /** The source just above in the group, and the share of half-samples that put it above this one. */
  previous?: string;
  agreementWithPrevious?: number | null;
  tiedWithPrevious?: boolean;
}

/** A source's score card, as the panel, CodeLens and hovers show it. */
export interface SourceCard {
  name: string;
  group: 'plain' | 'hybrid';
  rank: number;
  /** How many sources share the group (for "rank 1/4 plain"). */
  groupSize: number;
  size: number;
  n: number;
  underSampled: boolean;
  eci: number;
  perExample: number;
  diversity: number;
  mean: { t: number; l: number; r: number; w: number };
  findings: Partial<Record<FindingId, number>>;
  /** Share of triples that are duplicate, near-duplicate or likely false negatives. */
  unsafeShare: number;
  /** Share of triples with at least one triple finding (the "% weak" of the CodeLens). */
  weakShare: number;
  stability?: CardStability;
  /** Config file (URI) and offset of the source's entry, when it comes from a config. */
  configUri?: string;
  /**
   * URIs of the triple files that feed a plain source (absent for hybrids), so the
   * client can offer them for "Export Curated Triples" without scanning the workspace.
   */
  files?: string[];
}

/** One triple in a "weakest triples" list. */
export interface TripleRow {
  uri: string;
  /** 0-based line, as LSP positions are. */
  line: number;
  query: string;
  negative: string;
  t: number; l: number; r: number; w: number;
  gain?: number;
  findings: FindingId[];
}

export interface RankingSnapshot {
  /** Identifies the analysis (config URI, or "workspace" for loose triple files). */
  scope: string;
  /** ISO time of the run that produced it. */
  finishedAt: string;
  settings: { temperature: number; lambda: number; sampleSize: number; seed: number; encoder: { kind: string; model: string; dimension: number } };
  residualScale: number;
  sources: SourceCard[];
  problems: number;
  /** The half-sample check of the ranking: still running, done (cards carry `stability`), or turned off (resamples 0). */
  stability: 'pending' | 'done' | 'off';
  /** 'sample': ranked from the sampled triples only (a run's first answer, or eciSem.scope "sample"). */
  resultScope: 'all' | 'sample';
  /** A sample-scope ranking shown while the same run still measures every triple. */
  provisional?: true;
}

export type RunState =
  | { state: 'idle' }
  /** `sampleRanking`: the ranking of the run's samples is already shown (sample scope); the rest is being measured. */
  | { state: 'running'; scope: string; phase: string; done: number; total: number; sampleRanking?: true }
  | { state: 'failed'; scope: string; message: string }
  | { state: 'done'; scope: string; seconds: number };

/** server → client: status for the status bar item (sent whenever it changes). */
export namespace StatusNotification {
  export const method = 'eci/status';
  export type Params = RunState;
}

/**
 * server → client: new results are in; the panel refreshes. `stability: true` when what
 * changed is only the stability check of results already announced (it follows them);
 * `provisional: true` for the sample-scope ranking of a run still measuring the rest.
 */
export namespace ResultsChangedNotification {
  export const method = 'eci/resultsChanged';
  export type Params = { scopes: string[]; stability?: true; provisional?: true };
}

/** client → server: score the workspace (all configs and loose files) or one file now. */
export namespace ScoreRequest {
  export const method = 'eci/score';
  export type Params = { uri?: string };
  export type Result = { scopes: string[] };
}

/** client → server: cancel every running analysis. */
export namespace CancelRequest {
  export const method = 'eci/cancel';
  export type Params = Record<string, never>;
  export type Result = { cancelled: number };
}

/** client/panel → server: the latest ranking of every scope (empty list before the first run). */
export namespace RankingRequest {
  export const method = 'eci/ranking';
  export type Params = Record<string, never>;
  export type Result = RankingSnapshot[];
}

/** panel → server (through the client): the weakest triples of one source, lowest weight first. */
export namespace WeakestTriplesRequest {
  export const method = 'eci/weakestTriples';
  export type Params = { scope: string; source: string; limit: number };
  export type Result = TripleRow[];
}

/** client → server: the report of a scope as text; the client chooses where to save it. */
export namespace ExportReportRequest {
  export const method = 'eci/exportReport';
  export type Params = { scope: string; format: 'json' | 'markdown' | 'csv'; triples: boolean };
  export type Result = { content: string };
}

/**
 * client → server: write a curated copy of a source's (or a file's) triples without the
 * triples that carry any of `drop`; the client has already confirmed `target`
 * (never an existing file unless the user agreed to overwrite it).
 */
export namespace ExportCuratedRequest {
  export const method = 'eci/exportCurated';
  export type Params = { scope: string; sourceFile: string; drop: FindingId[]; target: string; overwrite: boolean };
  export type Result = { written: number; dropped: number; target: string };
}

/** Options the client passes in initializationOptions. */
export interface InitOptions {
  /** Folder for the embedding cache (the extension's global storage). */
  cacheDir?: string;
  /** Workspace Trust: when false, nothing the workspace names (models, idfCorpus files) is loaded. */
  trusted: boolean;
}

/** The `eciSem.*` settings the server reads (workspace/configuration section "eciSem"). */
export interface ClientSettings {
  encoderPath: string;
  /** eciSem.encoderEndpoint: an embedding server used instead of the config's encoder (a restricted setting). */
  encoderEndpoint?: EncoderEndpointSetting | null;
  temperature: number | null;
  sampleSize: number | null;
  resamples: number | null;
  /** 'full' measures every triple; 'sample' only the sampled ones (a ranking of a huge dataset in minutes). */
  scope: 'full' | 'sample';
  thresholds: Record<string, number>;
  maxDiagnosticsPerFile: number;
  run: 'onType' | 'onSave' | 'manual';
}

/** Webview ↔ extension messages (discriminated unions, ready handshake first). */
export type PanelToHost =
  | { type: 'ready' }
  | { type: 'selectSource'; scope: string; source: string }
  | { type: 'openTriple'; uri: string; line: number }
  | { type: 'rescore' };

export type HostToPanel =
  | { type: 'ranking'; snapshots: RankingSnapshot[]; running: RunState }
  | { type: 'weakest'; scope: string; source: string; rows: TripleRow[] }
  | { type: 'status'; running: RunState }
  /** Focus a source (CodeLens "show ranking" on a source); the panel then asks for its weakest triples. */
  | { type: 'select'; scope: string; source: string }
  /** A request the panel depends on failed (server not running, weakest triples unavailable). */
  | { type: 'error'; message: string };

/** Command ids contributed by the extension; the server's CodeLens and code actions name them. */
export const Commands = {
  scoreWorkspace: 'eciSem.scoreWorkspace',
  scoreFile: 'eciSem.scoreFile',
  showRanking: 'eciSem.showRanking',
  cancelRun: 'eciSem.cancelRun',
  exportReport: 'eciSem.exportReport',
  exportCurated: 'eciSem.exportCurated',
} as const;

/**
 * Argument of `eciSem.showRanking` when a CodeLens on a source sends it (the panel opens
 * with that source selected); from the palette the command takes no argument.
 */
export interface ShowRankingArgs { scope: string; source: string }
