/**
 * Runs of the CLI in this process (the local embedding server lives here too) on a copy of
 * the example dataset, and the comparison of two reports' per-triple scores.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scoreJson } from './cliJson';
import { ROOT } from './lspClient';

export interface Run { code: number; stdout: string; stderr: string; report?: Report }
export interface Report {
  settings: { encoder: { kind: string; model: string; dimension: number } };
  sources: { name: string; eci: number }[];
  triples: { source: string; file: string; line: number; a: number; b: number; c: number; w: number }[];
}

/** A work folder with the example data and a config whose encoder is `encoder`. */
export function workFolder(encoder: unknown, sources = ['bm25', 'dense', 'llm', 'random']): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'eci-http-'));
  cpSync(join(ROOT, 'examples', 'data'), join(dir, 'data'), { recursive: true });
  const config = join(dir, 'eci.config.jsonc');
  writeFileSync(config, JSON.stringify({
    ...(encoder ? { encoder } : {}),
    sources: sources.map((s) => ({ name: s, files: `data/${s}.jsonl` })),
    seed: 13,
  }, null, 2));
  return { dir, config };
}

export async function cli(args: string[], cwd: string): Promise<Run> {
  const r = await scoreJson<Report>(args, cwd);
  const run: Run = { code: r.code, stdout: r.stdout, stderr: r.stderr };
  if (r.code === 0 && r.report) run.report = r.report;
  return run;
}

/** Same sources and, triple by triple, the same a, b, c and w within `tol`. */
export function assertSameScores(got: Report, want: Report, tol = 1e-6): void {
  assert.equal(got.triples.length, want.triples.length, 'same number of triples');
  const key = (t: Report['triples'][number]) => `${t.source}|${t.file}|${t.line}`;
  const byKey = new Map(want.triples.map((t) => [key(t), t]));
  let worst = 0;
  for (const t of got.triples) {
    const w = byKey.get(key(t));
    assert.ok(w, `triple ${key(t)} missing from the reference`);
    for (const f of ['a', 'b', 'c', 'w'] as const) worst = Math.max(worst, Math.abs(t[f] - w[f]));
  }
  assert.ok(worst <= tol, `largest per-triple difference ${worst} > ${tol}`);
  const eci = new Map(want.sources.map((s) => [s.name, s.eci]));
  for (const s of got.sources) assert.ok(Math.abs(s.eci - eci.get(s.name)!) <= 1e-6 * Math.max(1, Math.abs(s.eci)), `${s.name}: ECI ${s.eci} vs ${eci.get(s.name)}`);
}
