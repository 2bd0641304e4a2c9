/**
 * Item 3: scale with precomputed embeddings — the whole analysis of 1M triples (five
 * sources, grouped JSONL with vectors of dimension d; no model) in a fresh process under
 * /usr/bin/time -v, and the same at smaller N, so that the growth of peak RSS with N can
 * be read as bytes per triple (it must be per-triple scalars, not vectors or texts).
 *
 *   npx tsx bench/scale.ts [--triples=1000000] [--dim=64] [--reps=1]
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { bundle } from './bundle';
import { args, ensureOut, load1, log, machine, median, record, round, runNode } from './common';
import { synthesize } from './synth';

interface Point { triples: number; fileMb: number; wallS: number[]; peakRssMb: number[]; phases: Record<string, number> }

async function main(): Promise<void> {
  const { value } = args();
  const top = value('triples', 1_000_000);
  const dim = value('dim', 64);
  const reps = value('reps', 1);
  const sizes = [...new Set([Math.round(top / 10), Math.round(top * 0.3), top])];
  const { driver } = await bundle();
  const started = load1();
  const points: Point[] = [];
  for (const n of sizes) {
    const t0 = performance.now();
    const set = await synthesize(ensureOut('data'), { triples: n, seed: 3, dim });
    const fileMb = statSync(set.files[0]).size / 2 ** 20;
    log(`scale: ${set.triples} triples, ${fileMb.toFixed(0)} MB (ready in ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    const point: Point = { triples: set.triples, fileMb: round(fileMb), wallS: [], peakRssMb: [], phases: {} };
    for (let r = 0; r < reps; r++) {
      const run = await runNode([driver, set.files[0], '--out', join(ensureOut('scale'), 'report.json')]);
      if (run.code !== 0) throw new Error(`scale run failed: ${run.stderr.slice(-2000)}`);
      const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as { timings: Record<string, number>; marks: Record<string, number>; triples: number };
      if (out.triples !== set.triples) throw new Error(`expected ${set.triples} triples, scored ${out.triples}`);
      point.wallS.push(run.wallS);
      point.peakRssMb.push(run.peakRssMb);
      point.phases = {
        scanS: round(out.timings.scanMs / 1000), measureS: round(out.timings.embedMs / 1000),
        scoreS: round(out.timings.scoreMs / 1000), reportS: round((out.marks.reported - out.marks.scored) / 1000),
      };
      log(`scale ${set.triples}: ${run.wallS.toFixed(1)} s, peak RSS ${run.peakRssMb.toFixed(0)} MB`);
    }
    points.push(point);
  }
  const summary = points.map((p) => ({ ...p, wallS: round(median(p.wallS)), peakRssMb: round(median(p.peakRssMb)) }));
  const [a, b] = [summary[0], summary[summary.length - 1]];
  const bytesPerTriple = ((b.peakRssMb - a.peakRssMb) * 2 ** 20) / (b.triples - a.triples);
  const perSecond = (p: (typeof summary)[number]) => round(p.triples / p.wallS);
  record('scale', {
    scale_1m_s: b.wallS, rss_1m_mb: b.peakRssMb, scale_rss_bytes_per_triple: round(bytesPerTriple),
  }, {
    machine: machine(), load1AtStart: started, dim, reps,
    format: 'grouped JSONL, one line per query: pos + one negative per source, query/pos/neg embeddings',
    points: summary.map((p) => ({ ...p, triplesPerS: perSecond(p) })),
    slope: `peak RSS grows ${round(bytesPerTriple)} bytes per triple between ${a.triples} and ${b.triples} triples`,
    command: `npx tsx bench/scale.ts --triples=${top} --dim=${dim} --reps=${reps}`,
  });
}

main().catch((e) => { console.error(e); process.exit(1); });
