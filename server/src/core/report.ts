/**
 * The machine-readable report, schemaVersion 1 (spec §6). Built from results;
 * the triple list is produced lazily so a 1M-triple report can be streamed.
 */
import { evaluateTriple, type SourceResult, type TripleScalars } from './aggregate';
import type { Settings } from './settings';
import type { Problem, TripleFindingId } from './types';

export interface ReportEncoder { kind: string; model: string; dimension: number; provider?: string }

/** A source as spec §6 reports it: its score card without the per-triple arrays. */
export type ReportSource = Pick<SourceResult, 'name' | 'group' | 'rank' | 'size' | 'n' | 'underSampled' | 'eci' | 'perExample' | 'diversity' | 'mean'> & {
  findings: Record<string, number>;
};

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
  schemaVersion: 1;
  tool: { name: 'eci-sem'; version: string };
  settings: Record<string, unknown>;
  residualScale: number;
  sources: ReportSource[];
}

export function reportSettings(settings: Settings, encoder: ReportEncoder): Record<string, unknown> {
  return {
    temperature: settings.temperature,
    lambda: settings.lambda,
    sampleSize: settings.sampleSize,
    seed: settings.seed,
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

export function reportSource(s: SourceResult): ReportSource {
  return {
    name: s.name, group: s.group, rank: s.rank, size: s.size, n: s.n, underSampled: s.underSampled,
    eci: s.eci, perExample: s.perExample, diversity: s.diversity, mean: { ...s.mean },
    findings: { ...s.findings } as Record<string, number>,
  };
}

/** Every (source, triple) pair, sources in report order and triples in reading order. */
export function* reportTriples(
  sources: readonly SourceResult[],
  table: TripleScalars,
  locate: (i: number) => { file: string; line: number },
  settings: Settings,
): Generator<ReportTriple> {
  for (const s of orderSources(sources)) {
    const sampledAt = new Map<number, number>();
    s.sampled.forEach((idx, k) => sampledAt.set(idx, k));
    for (let k = 0; k < s.members.length; k++) {
      const i = s.members[k];
      const e = evaluateTriple(table, i, settings);
      const { file, line } = locate(i);
      const at = sampledAt.get(i);
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

/** Writes the whole report as JSON text, chunk by chunk (triples may be millions). */
export function* reportJsonChunks(header: ReportHeader, triples: Iterable<ReportTriple> | null, problems: readonly Problem[]): Generator<string> {
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
  yield ',\n  "problems": [';
  let first = true;
  for (const p of problems) {
    yield (first ? '\n    ' : ',\n    ') + JSON.stringify({ file: p.file, line: p.line, column: p.column, message: p.message });
    first = false;
  }
  yield first ? ']\n}\n' : '\n  ]\n}\n';
}
