/**
 * The machine-readable report, schemaVersion 2 (docs/spec.md, "Report"). Built
 * from plain result data; the triple list is produced lazily so a 1M-triple
 * report can be streamed.
 */
import { evaluateTriple, type SourceResult, type TripleScalars } from './aggregate';
import type { Settings } from './settings';
import type { Agreement, SourceStability } from './stability';
import type { Problem, TripleFindingId } from './types';

export const REPORT_SCHEMA_VERSION = 2;

export interface ReportEncoder { kind: string; model: string; dimension: number; provider?: string }

/** A source's half-sample stability as the report writes it (absent with resamples 0). */
export type ReportStability = Pick<SourceStability, 'resamples' | 'n' | 'median' | 'p10' | 'p90' | 'agreementWithNext' | 'comparableWithNext' | 'tiedWithNext'>;

/** A source as spec §6 reports it: its score card without the per-triple arrays. */
export type ReportSource = Pick<SourceResult, 'name' | 'group' | 'rank' | 'size' | 'n' | 'underSampled' | 'eci' | 'perExample' | 'diversity' | 'mean'> & {
  stability?: ReportStability;
  findings: Record<string, number>;
};

/** One pair of a group, `a` ranked above `b`: the share of half-samples that agree (null when their N differ). */
export type ReportAgreement = Agreement;

export interface ReportTriple {
  source: string;
  file: string;
  line: number;
  a: number; b: number; c: number; t: number; l: number; r: number; w: number;
  sampled: boolean;
  leverage?: number;
  gain?: number;
  findings: TripleFindingId[];
}

export interface ReportHeader {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  tool: { name: 'eci-sem'; version: string };
  settings: Record<string, unknown>;
  /** "all": m and the findings over every triple; "sample": over the sampled triples only. */
  scope: 'all' | 'sample';
  residualScale: number;
  sources: ReportSource[];
}

/** What a report's header is made of: plain data, as the CLI's result or the server's stored one holds it. */
export interface ReportHeaderInput {
  version: string;
  settings: Settings;
  encoder: ReportEncoder;
  scope?: 'all' | 'sample';
  residualScale: number;
  /** In any order (they are written plain group first, best first). */
  sources: readonly ReportableSource[];
}

/** A source result, with or without its per-triple arrays. */
export type ReportableSource = Pick<SourceResult, 'name' | 'group' | 'rank' | 'size' | 'n' | 'underSampled' | 'eci' | 'perExample' | 'diversity' | 'mean' | 'findings'> & {
  stability?: ReportStability;
};

export function reportHeader(input: ReportHeaderInput): ReportHeader {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'eci-sem', version: input.version },
    settings: reportSettings(input.settings, input.encoder),
    scope: input.scope ?? 'all',
    residualScale: input.residualScale,
    sources: orderSources(input.sources).map(reportSource),
  };
}

/** Every pair's agreement, in key order of the report (none when the check is off or has not run). */
export function reportAgreement(agreement: readonly Agreement[] | undefined | null): ReportAgreement[] {
  return (agreement ?? []).map((p) => ({ group: p.group, a: p.a, b: p.b, share: p.share, comparable: p.comparable }));
}

export function reportSettings(settings: Settings, encoder: ReportEncoder): Record<string, unknown> {
  return {
    temperature: settings.temperature,
    lambda: settings.lambda,
    sampleSize: settings.sampleSize,
    seed: settings.seed,
    resamples: settings.resamples,
    lexicalFloor: settings.lexicalFloor,
    tokenizer: settings.tokenizer,
    idfCorpus: settings.idfCorpus && settings.idfCorpus.length > 0 ? settings.idfCorpus : 'passages',
    thresholds: { ...settings.thresholds },
    encoder: { kind: encoder.kind, model: encoder.model, dimension: encoder.dimension, ...(encoder.provider ? { provider: encoder.provider } : {}) },
  };
}

/** Plain and hybrid groups, each best first. */
export function orderSources<T extends { group: string; rank: number; name: string }>(sources: readonly T[]): T[] {
  const g = (s: T) => (s.group === 'plain' ? 0 : 1);
  return [...sources].sort((x, y) => g(x) - g(y) || x.rank - y.rank || x.name.localeCompare(y.name));
}

export function reportSource(s: ReportableSource): ReportSource {
  const st = s.stability;
  return {
    name: s.name, group: s.group, rank: s.rank, size: s.size, n: s.n, underSampled: s.underSampled,
    eci: s.eci, perExample: s.perExample, diversity: s.diversity, mean: { ...s.mean },
    ...(st ? {
      stability: {
        resamples: st.resamples, n: st.n, median: st.median, p10: st.p10, p90: st.p90,
        agreementWithNext: st.agreementWithNext, comparableWithNext: st.comparableWithNext, tiedWithNext: st.tiedWithNext,
      },
    } : {}),
    findings: { ...s.findings } as Record<string, number>,
  };
}

/** Every (source, triple) pair, sources in report order and triples in reading order. */
export function* reportTriples(
  sources: readonly SourceResult[],
  table: TripleScalars,
  locate: (i: number) => { file: string; line: number },
  settings: Settings,
  /** "sample": only sampled triples were measured, and only they are listed (the others are absent, not zero). */
  scope: 'all' | 'sample' = 'all',
): Generator<ReportTriple> {
  for (const s of orderSources(sources)) {
    const sampledAt = new Map<number, number>();
    s.sampled.forEach((idx, k) => sampledAt.set(idx, k));
    for (let k = 0; k < s.members.length; k++) {
      const i = s.members[k];
      const at = sampledAt.get(i);
      if (scope === 'sample' && at === undefined) continue;
      const e = evaluateTriple(table, i, settings);
      const { file, line } = locate(i);
      const findings = at !== undefined && s.redundant[at] ? [...e.findings, 'redundant' as const] : e.findings;
      // Key order as in spec §6; leverage and gain exist only for sampled triples.
      yield {
        source: s.name, file, line, a: e.a, b: e.b, c: e.c, t: e.t, l: e.l, r: e.r, w: e.w,
        sampled: at !== undefined,
        ...(at !== undefined ? { leverage: s.leverage[at], gain: s.gain[at] } : {}),
        findings,
      };
    }
  }
}

/**
 * Writes the whole report as JSON text, chunk by chunk (triples may be millions):
 * the header, the triples (when given), every pair's agreement, the problems.
 */
export function* reportJsonChunks(
  header: ReportHeader,
  triples: Iterable<ReportTriple> | null,
  problems: readonly Problem[],
  agreement: readonly ReportAgreement[] = [],
): Generator<string> {
  const head = JSON.stringify(header, null, 2);
  yield head.slice(0, head.lastIndexOf('}')).trimEnd();
  if (triples) {
    yield ',\n  "triples": [';
    let first = true;
    for (const t of triples) {
      yield (first ? '\n    ' : ',\n    ') + JSON.stringify(t);
      first = false;
    }
    yield first ? ']' : '\n  ]';
  }
  yield ',\n  "agreement": [' + agreement.map((p) => '\n    ' + JSON.stringify(p)).join(',') + (agreement.length > 0 ? '\n  ]' : ']');
  yield ',\n  "problems": [';
  let first = true;
  for (const p of problems) {
    yield (first ? '\n    ' : ',\n    ') + JSON.stringify({ file: p.file, line: p.line, column: p.column, message: p.message });
    first = false;
  }
  yield first ? ']\n}\n' : '\n  ]\n}\n';
}
