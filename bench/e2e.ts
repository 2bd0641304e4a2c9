/**
 * Item 2: end to end on a seeded synthetic set (bench/synth.ts: five sources, queries ≈ 10
 * tokens, passages ≈ 80), default model, each run a fresh process under /usr/bin/time -v:
 *
 *   cold            empty embedding cache: every distinct text is embedded
 *   warm            everything cached (same cache)
 *   warm edit       one line of one file changed (a new negative text), then re-run:
 *                   one text to embed, so the model is loaded for it; the line facts
 *                   of the run before (pipeline/factsFile.ts) leave one line to parse
 *   scoring_share   (time after the last embedding: scoring + report) / total, cold run
 *
 * Runs bench/e2e-driver.ts (the CLI's code path with phase timestamps); one warm run of
 * the CLI itself is timed too, as a check that the driver costs what the CLI costs.
 *
 *   npx tsx bench/e2e.ts [--triples=20000 | --full] [--reps=3] [--cold-reps=1] [--quantized]
 */
import { copyFileSync, cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundle } from './bundle';
import { args, ensureOut, load1, log, machine, median, record, round, runNode, type ChildRun } from './common';
import { synthesize, SOURCES } from './synth';

interface Marks { start: number; factsLoaded?: number; measured: number; scored: number; reported: number; factsSaved?: number; embedFirst?: number; loadStart?: number }
interface DriverOut { marks: Marks; timings: { scanMs: number; embedMs: number; scoreMs: number }; triples: number; embedded: number }
interface Run { wallS: number; peakRssMb: number; cpuS: number; out: DriverOut }

async function drive(driver: string, config: string, cacheDir: string, extra: string[]): Promise<Run> {
  const report = join(ensureOut('e2e'), 'report.json');
  const r: ChildRun = await runNode([driver, config, '--out', report, '--cache-dir', cacheDir, ...extra]);
  if (r.code !== 0) throw new Error(`e2e driver failed (${r.code}): ${r.stderr.slice(-2000)}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as DriverOut;
  return { wallS: r.wallS, peakRssMb: r.peakRssMb, cpuS: r.userS + r.sysS, out };
}

/** Phase split of one run, seconds (process start → each mark). */
function phases(run: Run) {
  const m = run.out.marks;
  const s = (ms: number) => round(ms / 1000);
  return {
    wallS: round(run.wallS), cpuS: round(run.cpuS), peakRssMb: round(run.peakRssMb),
    startupS: s(m.start), factsLoadS: m.factsLoaded === undefined ? null : s(m.factsLoaded - m.start),
    factsSaveS: m.factsSaved === undefined ? null : s(m.factsSaved - m.reported), scanS: s(run.out.timings.scanMs), measureS: s(run.out.timings.embedMs),
    scoreS: s(run.out.timings.scoreMs), reportS: s(m.reported - m.scored),
    afterEmbeddingsS: s(m.reported - m.measured), textsEmbedded: run.out.embedded,
  };
}

/** Changes line `line` (1-based) of the file: a new negative text, everything else equal. */
function editLine(file: string, line: number, tag: string): void {
  const lines = readFileSync(file, 'utf8').split('\n');
  const rec = JSON.parse(lines[line - 1]) as { negative: string };
  rec.negative = `${rec.negative} revised ${tag}`;
  lines[line - 1] = JSON.stringify(rec);
  writeFileSync(file, lines.join('\n'));
}

async function main(): Promise<void> {
  const { value, flags } = args();
  const triples = flags.has('--full') ? 100_000 : value('triples', 20_000);
  const reps = value('reps', 3);
  const coldReps = value('cold-reps', 1);
  const extra = flags.has('--quantized') ? ['--quantized'] : [];
  const { driver, cli } = await bundle();
  const set = await synthesize(ensureOut('data'), { triples, seed: 1 });
  log(`e2e: ${set.triples} triples, ${set.queries} queries, ${set.distinctTexts} distinct texts in ${set.dir}`);
  const started = load1();
  const cacheRoot = ensureOut('e2e-cache');
  const cache = join(cacheRoot, `t${set.triples}${extra.length ? '-int8' : ''}`);

  const cold: Run[] = [];
  for (let r = 0; r < coldReps; r++) {
    rmSync(cache, { recursive: true, force: true });
    cold.push(await drive(driver, set.config, cache, extra));
    log(`cold ${r + 1}: ${cold[r].wallS.toFixed(1)} s, ${cold[r].out.embedded} texts embedded, peak RSS ${cold[r].peakRssMb.toFixed(0)} MB`);
  }
  const warm: Run[] = [];
  for (let r = 0; r < reps; r++) {
    warm.push(await drive(driver, set.config, cache, extra));
    log(`warm ${r + 1}: ${warm[r].wallS.toFixed(2)} s, ${warm[r].out.embedded} embedded`);
  }
  // The CLI itself, warm, as a check on the driver.
  const cliRun = await runNode([cli, 'score', set.config, '--cache-dir', cache, '-f', 'json', '-o', join(ensureOut('e2e'), 'cli-report.json'), '-q', ...extra]);
  if (cliRun.code !== 0) throw new Error(`CLI failed: ${cliRun.stderr.slice(-1000)}`);
  log(`CLI warm: ${cliRun.wallS.toFixed(2)} s`);

  // Edits on a copy of the set (same texts, so the same cache serves it).
  const editDir = join(ensureOut('e2e'), 'edited');
  rmSync(editDir, { recursive: true, force: true });
  cpSync(set.dir, editDir, { recursive: true });
  const editConfig = join(editDir, 'eci.jsonc');
  if (!existsSync(editConfig)) copyFileSync(set.config, editConfig);
  // The copy has its own line facts (they are kept per file): one run makes them, as the
  // run before an edit would have.
  const primed = await drive(driver, editConfig, cache, extra);
  log(`edit copy, first run: ${primed.wallS.toFixed(2)} s`);
  const edits: Run[] = [];
  const editedFile = join(editDir, `${SOURCES[0]}.jsonl`);
  for (let r = 0; r < reps; r++) {
    editLine(editedFile, Math.floor(((r + 1) * set.queries) / (reps + 1)), `${Date.now()}-${r}`);
    edits.push(await drive(driver, editConfig, cache, extra));
    log(`edit ${r + 1}: ${edits[r].wallS.toFixed(2)} s, ${edits[r].out.embedded} embedded`);
  }

  const share = (run: Run) => (run.out.marks.reported - run.out.marks.measured) / run.out.marks.reported;
  const figures = {
    e2e_triples: set.triples,
    e2e_cold_s: round(median(cold.map((r) => r.wallS))),
    e2e_warm_s: round(median(warm.map((r) => r.wallS))),
    warm_edit_rerun_s: round(median(edits.map((r) => r.wallS))),
    scoring_share: round(median(cold.map(share))),
    scoring_share_warm: round(median(warm.map(share))),
    e2e_peak_rss_mb: round(Math.max(...cold.map((r) => r.peakRssMb), ...warm.map((r) => r.peakRssMb))),
  };
  record('e2e', figures, {
    machine: machine(), load1AtStart: started, model: extra.length ? 'default, int8' : 'default (fp32)',
    set: { triples: set.triples, queries: set.queries, distinctTexts: set.distinctTexts, sources: SOURCES, seed: 1 },
    reps, coldReps,
    textsPerSecondCold: round(median(cold.map((r) => r.out.embedded / (r.out.timings.embedMs / 1000)))),
    cold: cold.map(phases), warm: warm.map(phases), edit: edits.map(phases),
    cliWarm: { wallS: round(cliRun.wallS), peakRssMb: round(cliRun.peakRssMb) },
    command: `npx tsx bench/e2e.ts --triples=${set.triples} --reps=${reps} --cold-reps=${coldReps}${extra.length ? ' --quantized' : ''}`,
  });
  log(`e2e: cold ${figures.e2e_cold_s} s, warm ${figures.e2e_warm_s} s, edit ${figures.warm_edit_rerun_s} s, scoring share ${figures.scoring_share}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
