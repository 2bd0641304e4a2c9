/**
 * The small workspace the line-facts tests run on (test/unit/line-facts.test.ts in memory,
 * test/unit/facts-file.test.ts on disk): two files of precomputed triples and a hybrid,
 * analysed through `analyze()` with or without facts, and what of a result a user reads.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../server/src/core/config';
import { analyze, type AnalysisResult } from '../../server/src/pipeline/analyze';
import type { LineFacts } from '../../server/src/pipeline/lineFacts';
import { planFromConfig, type Plan } from '../../server/src/pipeline/plan';
import { syntheticLines } from './synthetic';

export const FACTS_CONFIG = (seed: number) => `{
  "encoder": { "kind": "precomputed" },
  "sampleSize": 12,
  "seed": ${seed},
  "resamples": 0,
  "sources": [
    { "name": "A", "files": "a.jsonl" },
    { "name": "B", "files": "b.jsonl" },
    { "name": "A+B", "union": ["A", "B"] }
  ]
}`;

/** a.jsonl and b.jsonl (40 triples each) and eci.config.jsonc with seed 13, in a new folder. */
export function factsWorkspace(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, 'a.jsonl'), syntheticLines('A', 40, 'hard', 5, 8).join('\n') + '\n');
  writeFileSync(join(dir, 'b.jsonl'), syntheticLines('B', 40, 'easy', 6, 8).join('\n') + '\n');
  writeFileSync(join(dir, 'eci.config.jsonc'), FACTS_CONFIG(13));
  return dir;
}

/** The workspace's plan and settings as the config now says (documents open in the editor in `open`). */
export function factsPlan(dir: string, open: Record<string, string> = {}): { plan: Plan; settings: NonNullable<ReturnType<typeof parseConfig>['config']>['settings'] } {
  const path = join(dir, 'eci.config.jsonc');
  const config = parseConfig(readFileSync(path, 'utf8')).config!;
  return { plan: planFromConfig(config, path, dir, (p) => open[p]), settings: config.settings };
}

export async function runWithFacts(dir: string, facts?: LineFacts, open: Record<string, string> = {}): Promise<AnalysisResult> {
  const { plan, settings } = factsPlan(dir, open);
  return analyze({ plan, settings, encoder: { kind: 'precomputed' }, ...(facts ? { lineFacts: facts } : {}) });
}

/** Everything a user reads of a result: per source its numbers and sample, per triple its scalars. */
export function essence(r: AnalysisResult): unknown {
  const t = r.table;
  return {
    m: r.residualScale,
    sources: r.sources.map((s) => ({
      name: s.name, rank: s.rank, size: s.size, eci: s.eci, mean: s.mean, findings: s.findings,
      sampled: Array.from(s.sampled), gain: Array.from(s.gain), redundant: Array.from(s.redundant),
    })),
    triples: Array.from({ length: t.length }, (_, i) => [t.unit(i), t.line(i), t.a(i), t.b(i), t.c(i), t.ov(i), t.jaccard(i), t.textDuplicate(i)]),
  };
}
