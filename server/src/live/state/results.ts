/**
 * The latest result of each scope (a config, or "workspace" for loose triple
 * files), with the lookups the handlers need: file → units, line → triples,
 * triple → findings, sources and gains, and score cards. Built from a
 * WireResult's typed arrays without copying; lookups are binary searches over
 * each unit's contiguous range, so nothing per triple is allocated.
 */
import { pathToFileURL } from 'node:url';
import type { RankingSnapshot, SourceCard } from '../../../../common/protocol';
import { evaluateTriple, type TripleEvaluation, type TripleScalars } from '../../core/aggregate';
import { TRIPLE_FINDINGS, type TripleFindingId } from '../../core/types';
import { FLAG_TEXT_DUPLICATE, FLAG_UNMEASURED } from '../../pipeline/tripleTable';
import type { WireResult, WireSource, WireStability, WireUnit } from '../wire';

export interface TripleInfo extends TripleEvaluation {
  index: number;
  unit: WireUnit;
  /** Every finding, "redundant" included (as judged in the triple's primary source). */
  all: TripleFindingId[];
  /** The negative's normalised text equals the positive's or the query's. */
  textDuplicate: boolean;
  /** Sources the triple counts in, with its leverage and gain where that source sampled it. */
  sources: { name: string; group: 'plain' | 'hybrid'; leverage?: number; gain?: number; redundant?: boolean }[];
}

/** The part of TripleInfo a finding's message uses. */
export type MessageInfo = TripleEvaluation & Pick<TripleInfo, 'textDuplicate' | 'sources'>;

function fileUri(path: string): string {
  return pathToFileURL(path).href;
}

/** Index of `x` in the ascending array `a`, or -1. */
function search(a: ArrayLike<number>, x: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1; else hi = mid;
  }
  return lo < a.length && a[lo] === x ? lo : -1;
}

/** First index in [lo, hi) whose value is ≥ x. */
function lowerBound(a: ArrayLike<number>, x: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

export class ScopeResult implements TripleScalars {
  readonly length: number;
  private byFile: Map<string, WireUnit[]> | undefined;
  /** Per source: triple index → position in its sample (samples are in key order, not index order). */
  private samplePositions: Map<string, Map<number, number>> | undefined;

  constructor(
    readonly wire: WireResult,
    /** Versions of the open documents the run read, by absolute path. */
    readonly docVersions: ReadonlyMap<string, number>,
    readonly finishedAt: Date,
    readonly seconds: number,
    /** URI of the config this scope comes from (undefined for loose files). */
    readonly configUri?: string,
    /** The analysis worker's id of the run, which its stability check names. */
    readonly runId = 0,
  ) {
    this.length = wire.length;
  }

  get scope(): string { return this.wire.scope; }

  /** Merges the run's stability check (it arrives after the scores): `stability` per source, tied-with-next, every pair's agreement. */
  applyStability(st: WireStability): void {
    for (const s of this.wire.sources) {
      const own = st.bySource[s.name];
      if (!own) continue;
      s.stability = own;
      if (own.tiedWithNext) s.findings['tied-with-next'] = 1;
      else delete s.findings['tied-with-next'];
    }
    this.wire.agreement = st.agreement;
  }

  a(i: number): number { return this.wire.columns.a[i]; }
  b(i: number): number { return this.wire.columns.b[i]; }
  c(i: number): number { return this.wire.columns.c[i]; }
  ov(i: number): number { return this.wire.columns.ov[i]; }
  jaccard(i: number): number { return this.wire.columns.jaccard[i]; }
  textDuplicate(i: number): boolean { return (this.wire.columns.flags[i] & FLAG_TEXT_DUPLICATE) !== 0; }
  /** False for a triple a sample-scope result did not measure (it has no numbers or findings). */
  measured(i: number): boolean { return (this.wire.columns.flags[i] & FLAG_UNMEASURED) === 0; }

  /** Units reading this file (a file may feed several sources through keys). */
  unitsOf(path: string): WireUnit[] {
    if (!this.byFile) {
      this.byFile = new Map();
      for (const u of this.wire.units) {
        const list = this.byFile.get(u.path);
        if (list) list.push(u); else this.byFile.set(u.path, [u]);
      }
    }
    return this.byFile.get(path) ?? [];
  }

  files(): string[] {
    this.unitsOf('');
    return [...this.byFile!.keys()];
  }

  /** Triple indices on a 1-based line of a file, in reading order. */
  triplesOnLine(path: string, line: number): number[] {
    const out: number[] = [];
    const lines = this.wire.columns.line;
    for (const u of this.unitsOf(path)) {
      for (let i = lowerBound(lines, line, u.start, u.end); i < u.end && lines[i] === line; i++) out.push(i);
    }
    return out;
  }

  /** Finding ids of triple i, from the precomputed mask. */
  findings(i: number): TripleFindingId[] {
    const mask = this.wire.columns.findings[i];
    return mask === 0 ? [] : TRIPLE_FINDINGS.filter((_, k) => (mask & (1 << k)) !== 0);
  }

  info(i: number): TripleInfo {
    const e = evaluateTriple(this, i, this.wire.settings);
    return { ...e, index: i, unit: this.wire.units[this.wire.columns.unit[i]], all: this.findings(i), textDuplicate: this.textDuplicate(i), sources: this.sourcesOf(i) };
  }

  /**
   * What a finding's message says of triple i (words.ts's findingMessage): its numbers, and
   * its sources only for "redundant", the one message that names one. A publish builds up to
   * maxDiagnosticsPerFile of these per file, so it skips what info() adds for hovers.
   */
  messageInfo(i: number, id: TripleFindingId): MessageInfo {
    const e = evaluateTriple(this, i, this.wire.settings);
    return { ...e, textDuplicate: this.textDuplicate(i), sources: id === 'redundant' ? this.sourcesOf(i) : [] };
  }

  /** The sources triple i counts in, with its leverage, gain and redundant flag where sampled. */
  private sourcesOf(i: number): TripleInfo['sources'] {
    const sources: TripleInfo['sources'] = [];
    for (const s of this.wire.sources) {
      if (search(s.members, i) < 0) continue;
      const k = this.samplePosition(s, i);
      sources.push(k < 0
        ? { name: s.name, group: s.group }
        : { name: s.name, group: s.group, leverage: s.leverage[k], gain: s.gain[k], redundant: s.redundant[k] === 1 });
    }
    return sources;
  }

  /** Position of triple i in the source's sample (its leverage/gain arrays), or -1. */
  samplePosition(s: WireSource, i: number): number {
    this.samplePositions ??= new Map();
    let at = this.samplePositions.get(s.name);
    if (!at) {
      at = new Map();
      s.sampled.forEach((idx, k) => at!.set(idx, k));
      this.samplePositions.set(s.name, at);
    }
    return at.get(i) ?? -1;
  }

  source(name: string): WireSource | undefined {
    return this.wire.sources.find((s) => s.name === name);
  }

  card(s: WireSource): SourceCard {
    const groupSize = this.wire.sources.filter((x) => x.group === s.group).length;
    const card: SourceCard = {
      name: s.name, group: s.group, rank: s.rank, groupSize, size: s.size, n: s.n, underSampled: s.underSampled,
      eci: s.eci, perExample: s.perExample, diversity: s.diversity, mean: { ...s.mean },
      findings: { ...s.findings }, unsafeShare: s.size > 0 ? s.unsafe / s.size : 0, weakShare: s.weakShare,
    };
    if (s.stability) {
      const { scores: _scores, ...st } = s.stability;
      card.stability = st;
      const above = this.wire.sources.find((x) => x.group === s.group && x.stability?.next === s.name);
      if (above?.stability) {
        card.stability.previous = above.name;
        card.stability.agreementWithPrevious = above.stability.agreementWithNext;
        card.stability.tiedWithPrevious = above.stability.tiedWithNext;
      }
    }
    if (this.configUri) card.configUri = this.configUri;
    if (s.group === 'plain') card.files = this.filesOfSource(s.name).map(fileUri);
    return card;
  }

  /** Files whose units feed a source (a plain source's files; loose units count by their triples). */
  filesOfSource(name: string): string[] {
    const out = new Set<string>();
    const si = this.wire.sources.findIndex((s) => s.name === name);
    for (const u of this.wire.units) {
      if (u.source === name || (u.source === null && u.end > u.start && this.wire.columns.primary[u.start] === si)) out.add(u.path);
    }
    return [...out];
  }

  /** Sources fed by a file (through any of its units), in config order. */
  sourcesOfFile(path: string): WireSource[] {
    const names = new Set(this.unitsOf(path).map((u) => u.source));
    // Loose units without a fixed source: whatever sources their triples went to.
    if (names.has(null)) {
      for (const u of this.unitsOf(path)) {
        for (let i = u.start; i < u.end; i++) {
          const p = this.wire.columns.primary[i];
          if (p >= 0) names.add(this.wire.sources[p].name);
        }
      }
    }
    return this.wire.sources.filter((s) => names.has(s.name));
  }

  /** The stability check is on but has not arrived yet. */
  stabilityPending(): boolean {
    return this.wire.settings.resamples > 0 && this.wire.sources.length > 0 && !this.wire.sources.some((s) => s.stability) && !this.provisional;
  }

  /** Set by the store for a sample-scope ranking shown while its run measures every triple (no stability check of its own). */
  provisional = false;

  snapshot(): RankingSnapshot {
    const { settings, encoder } = this.wire;
    return {
      scope: this.scope,
      finishedAt: this.finishedAt.toISOString(),
      settings: {
        temperature: settings.temperature, lambda: settings.lambda, sampleSize: settings.sampleSize, seed: settings.seed,
        encoder: { kind: encoder.kind, model: encoder.model, dimension: encoder.dimension },
      },
      residualScale: this.wire.residualScale,
      sources: this.wire.sources.map((s) => this.card(s)),
      problems: this.wire.problems.length,
      stability: settings.resamples === 0 ? 'off' : this.stabilityPending() || this.provisional ? 'pending' : 'done',
      resultScope: this.wire.resultScope,
      ...(this.provisional ? { provisional: true as const } : {}),
    };
  }
}

/**
 * Latest result per scope, and the sample-scope ranking of a run still measuring
 * the rest: the ranking faces (CodeLens, config hover, panel) show the newer of the
 * two, while diagnostics and triple hovers keep the last full result.
 */
export class ResultStore {
  private readonly byScope = new Map<string, ScopeResult>();
  private readonly provisional = new Map<string, ScopeResult>();

  set(r: ScopeResult): void { this.byScope.set(r.scope, r); this.provisional.delete(r.scope); }
  get(scope: string): ScopeResult | undefined { return this.byScope.get(scope); }
  delete(scope: string): boolean { this.provisional.delete(scope); return this.byScope.delete(scope); }
  all(): ScopeResult[] { return [...this.byScope.values()]; }

  /** The ranking of a run in progress, from its samples (until the run's full result or its end). */
  setProvisional(r: ScopeResult): void { r.provisional = true; this.provisional.set(r.scope, r); }
  dropProvisional(scope: string): boolean { return this.provisional.delete(scope); }
  /** What the ranking faces show: the provisional ranking when there is one, else the result. */
  ranking(scope: string): ScopeResult | undefined { return this.provisional.get(scope) ?? this.byScope.get(scope); }
  rankings(): ScopeResult[] {
    const scopes = new Set([...this.byScope.keys(), ...this.provisional.keys()]);
    return [...scopes].map((s) => this.ranking(s)!);
  }

  /** Results that read this file. */
  forFile(path: string): ScopeResult[] {
    return this.all().filter((r) => r.unitsOf(path).length > 0);
  }
}
