/**
 * The cost of the half-sample stability check next to the main scoring it
 * follows: 5 sources × N = 1000 sampled triples × d = 512, R = 20 half-samples.
 * Each repetition times, side by side in one process, `aggregateSources` (the
 * main scoring: factors, means and findings, the log-det with leverages and
 * gains, redundancy) and `computeStability` on what it kept (one Gram matrix per
 * source serves all its half-samples). Figure: stability_cost_ratio =
 * stability time ÷ scoring time (medians), goal ≤ 3.
 *
 *   npx tsx bench/stability.ts [--reps=3] [--sources=5] [--n=1000] [--d=512] [--resamples=20]
 */
import { aggregateSources, type SourceSpec, type TripleScalars } from '../server/src/core/aggregate';
import { median as medianOf } from '../server/src/core/median';
import { sampleHash, type SampleKey } from '../server/src/core/sampling';
import { defaultSettings } from '../server/src/core/settings';
import { computeStability, type StabilityInput } from '../server/src/core/stability';
import { args, load1, log, machine, median, record, round } from './common';
import { mulberry32 } from './synth';

/** Per-triple scalars of `count` triples: the cosines of a near-boundary negative, varied. */
function scalars(count: number, rand: () => number): TripleScalars {
  const a = Float64Array.from({ length: count }, () => 0.75 + 0.15 * rand());
  const b = Float64Array.from({ length: count }, () => 0.45 + 0.15 * rand());
  const c = Float64Array.from(b, (x) => x + 0.1 * (rand() - 0.5));
  const ov = Float64Array.from({ length: count }, () => 0.3 * rand());
  const jac = Float64Array.from({ length: count }, () => 0.2 * rand());
  return { length: count, a: (i) => a[i], b: (i) => b[i], c: (i) => c[i], ov: (i) => ov[i], jaccard: (i) => jac[i], textDuplicate: () => false };
}

function residual(d: number, rand: () => number): Float64Array {
  const u = new Float64Array(d);
  let s = 0;
  for (let k = 0; k < d; k++) { u[k] = rand() - 0.5; s += u[k] * u[k]; }
  const scale = (0.2 + 0.6 * rand()) / Math.sqrt(s);
  for (let k = 0; k < d; k++) u[k] *= scale;
  return u;
}

async function main(): Promise<void> {
  const { value } = args();
  const reps = value('reps', 3);
  const sourceCount = value('sources', 5);
  const n = value('n', 1000);
  const d = value('d', 512);
  const resamples = value('resamples', 20);
  const settings = { ...defaultSettings(), sampleSize: n, resamples };
  const rand = mulberry32(20260);
  const total = sourceCount * n;
  const table = scalars(total, rand);
  const residuals = new Map<number, Float64Array>();
  for (let i = 0; i < total; i++) residuals.set(i, residual(d, rand));
  // Sources over the same n queries, one triple each: the whole source is its sample, in key order.
  const keys: SampleKey[] = Array.from({ length: n }, (_, q) => ({ ...sampleHash(settings.seed, `query ${q}`, 0), qid: q, query: `query ${q}`, j: 0 }));
  const order = keys.map((_, k) => k).sort((x, y) => keys[x].hi - keys[y].hi || keys[x].lo - keys[y].lo);
  const specs: SourceSpec[] = Array.from({ length: sourceCount }, (_, s) => ({
    name: `S${s + 1}`, group: 'plain', members: Uint32Array.from({ length: n }, (_, k) => s * n + k),
    sample: Uint32Array.from(order), keys: order.map((k) => keys[k]),
  }));
  const m = medianOf(Float64Array.from(residuals.values(), (u) => Math.hypot(...u)));

  const scoreMs: number[] = [];
  const stabilityMs: number[] = [];
  let tied = 0;
  for (let r = 0; r < reps; r++) {
    const inputs: StabilityInput[] = [];
    const t0 = performance.now();
    aggregateSources(table, specs, residuals, m, settings, { stabilityInputs: inputs });
    const t1 = performance.now();
    const st = await computeStability(inputs, settings);
    const t2 = performance.now();
    scoreMs.push(t1 - t0);
    stabilityMs.push(t2 - t1);
    tied = [...st.bySource.values()].filter((x) => x.tiedWithNext).length;
    log(`stability rep ${r + 1}: scoring ${round(t1 - t0)} ms, stability ${round(t2 - t1)} ms (ratio ${round((t2 - t1) / (t1 - t0))})`);
  }
  const ratio = round(median(stabilityMs) / median(scoreMs));
  log(`stability_cost_ratio = ${ratio} (goal ≤ 3)`);
  record('stability', { stability_cost_ratio: ratio }, {
    machine: machine(), reps, sources: sourceCount, n, d, resamples,
    scoreMs: scoreMs.map(round), stabilityMs: stabilityMs.map(round),
    medianScoreMs: round(median(scoreMs)), medianStabilityMs: round(median(stabilityMs)),
    perRepRatio: scoreMs.map((x, i) => round(stabilityMs[i] / x)), tiedPairs: tied,
    command: `npx tsx bench/stability.ts --reps=${reps} --sources=${sourceCount} --n=${n} --d=${d} --resamples=${resamples}`,
  });
}

const started = load1();
main().then(() => log(`stability done (load ${started} → ${load1()})`), (e) => { console.error(e); process.exit(1); });
