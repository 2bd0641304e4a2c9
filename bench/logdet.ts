/**
 * Item 5: the per-source log-determinant (spec §3) with leverages and gains
 * (spec §4), at N = 1000, 2000, 5000 sampled triples of dimension d = 512 (the
 * default model's), factorised in N-space (N×N) and in d-space (d×d), plus a scan
 * around N = d to find where the two cross — and the switch the engine uses.
 *
 *   npx tsx bench/logdet.ts [--reps=3] [--d=512]
 */
import { scoreSource } from '../server/src/core/eci';
import { mulberry32 } from './synth';
import { args, load1, log, machine, median, record, round } from './common';

function problem(n: number, d: number, seed: number): { units: Float64Array[]; weights: Float64Array } {
  const rand = mulberry32(seed);
  const units: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const u = new Float64Array(d);
    let s = 0;
    for (let k = 0; k < d; k++) { u[k] = rand() - 0.5; s += u[k] * u[k]; }
    const scale = (0.3 + 0.7 * rand()) / Math.sqrt(s); // clipped residuals: ‖û‖ ≤ 1
    for (let k = 0; k < d; k++) u[k] *= scale;
    units.push(u);
  }
  return { units, weights: Float64Array.from({ length: n }, () => 0.5 * rand()) };
}

function time(units: Float64Array[], weights: Float64Array, space: 'n' | 'd'): { ms: number; eci: number } {
  const t0 = performance.now();
  const r = scoreSource(units, weights, 1, { space });
  return { ms: performance.now() - t0, eci: r.eci };
}

async function main(): Promise<void> {
  const { value } = args();
  const reps = value('reps', 3);
  const d = value('d', 512);
  const rows: Record<string, unknown>[] = [];
  const figures: Record<string, number> = {};
  for (const n of [1000, 2000, 5000]) {
    const { units, weights } = problem(n, d, n);
    const times: Record<'n' | 'd', number[]> = { n: [], d: [] };
    let agree = 0;
    // N-space at N = 5000 costs ~N³/2 multiply-adds (≈ a minute): one repetition.
    const repsHere = (space: 'n' | 'd') => (space === 'n' && n >= 5000 ? 1 : reps);
    for (let r = 0; r < reps; r++) {
      const res: Partial<Record<'n' | 'd', number>> = {};
      for (const space of ['d', 'n'] as const) {
        if (r >= repsHere(space)) continue;
        const t = time(units, weights, space);
        times[space].push(t.ms);
        res[space] = t.eci;
      }
      if (res.n !== undefined && res.d !== undefined) agree = Math.max(agree, Math.abs(res.n - res.d) / Math.abs(res.d));
    }
    const row = {
      n, d, nSpaceMs: round(median(times.n)), dSpaceMs: round(median(times.d)),
      nSpaceReps: times.n.length, dSpaceReps: times.d.length, relativeDifference: agree,
      engineUses: n <= d ? 'n' : 'd',
    };
    log(`log-det N=${n}: N-space ${row.nSpaceMs} ms, d-space ${row.dSpaceMs} ms`);
    rows.push(row);
    figures[`logdet_n${n}_nspace_ms`] = row.nSpaceMs;
    figures[`logdet_n${n}_dspace_ms`] = row.dSpaceMs;
  }
  // Where the two spaces cost the same, around N = d.
  const scan: { n: number; nSpaceMs: number; dSpaceMs: number }[] = [];
  for (const n of [128, 256, 384, 512, 640, 768, 1024]) {
    const { units, weights } = problem(n, d, 99 + n);
    const tn: number[] = [];
    const td: number[] = [];
    for (let r = 0; r < reps; r++) {
      tn.push(time(units, weights, 'n').ms);
      td.push(time(units, weights, 'd').ms);
    }
    scan.push({ n, nSpaceMs: round(median(tn)), dSpaceMs: round(median(td)) });
  }
  const firstD = scan.find((s) => s.dSpaceMs < s.nSpaceMs)?.n ?? null;
  const switchPoint = d; // scoreSource: N-space when N ≤ d
  figures.logdet_switch_n = switchPoint;
  figures.logdet_measured_crossover_n = firstD ?? NaN;
  log(`log-det switch: engine N ≤ ${switchPoint} → N-space; measured: d-space first faster at N = ${firstD}`);
  record('logdet', figures, {
    machine: machine(), load1AtStart: undefined, reps, d, rows, crossoverScan: scan,
    engineRule: `N-space when N ≤ d (d = ${d}), else d-space`,
    command: `npx tsx bench/logdet.ts --reps=${reps} --d=${d}`,
  });
}

const started = load1();
main().then(() => log(`logdet done (load ${started} → ${load1()})`), (e) => { console.error(e); process.exit(1); });
