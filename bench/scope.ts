/**
 * Issue 10, on the command line (dist/cli.js, `eci-sem score`, each run a fresh process
 * under /usr/bin/time -v, default model fp32 as in bench/e2e.ts, default settings):
 *
 *   sample_only_speedup   cold full run ÷ cold `--sample-only` run, same synthetic set,
 *                         each with its own empty --cache-dir
 *   e2e_warm_cli_s        warm full run (the cold run's cache), with --resamples 0 (the work
 *                         of the runs before the stability check) and with the default resamples
 *   warm_vs_parse         warm run ÷ the time this process takes to read every line of the
 *                         same files once (streamed, 1 MiB chunks) and JSON.parse each line;
 *                         measured side by side with the warm runs, medians of --reps
 *
 * The full run's cache is left in bench/out/e2e-cache/t<triples>, where bench/lsp.ts starts from.
 *
 *   npx tsx bench/scope.ts [--triples=20000 | --full] [--reps=3]
 */
import { createReadStream, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { args, CLI, ensureOut, load1, log, machine, median, record, round, runNode, type ChildRun } from './common';
import { synthesize, SOURCES } from './synth';

interface Report { scope?: string; settings?: { resamples?: number; sampleSize?: number }; sources?: { name: string; eci: number }[] }

async function score(config: string, cacheDir: string, extra: string[], tag: string): Promise<{ run: ChildRun; report: Report }> {
  const out = join(ensureOut('scope'), `report-${tag}.json`);
  const run = await runNode([CLI, 'score', config, '--cache-dir', cacheDir, '-f', 'json', '-o', out, '-q', ...extra]);
  if (run.code !== 0) throw new Error(`eci-sem score ${extra.join(' ')} failed (${run.code}): ${run.stderr.slice(-2000)}`);
  return { run, report: JSON.parse(readFileSync(out, 'utf8')) as Report };
}

/** Reads every line of the files once and JSON.parses it; returns seconds and the line count. */
async function readAndParse(files: string[]): Promise<{ seconds: number; lines: number }> {
  const t0 = performance.now();
  let lines = 0;
  for (const f of files) {
    let rest = '';
    for await (const chunk of createReadStream(f, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
      const text = rest + (chunk as string);
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        if (nl > start) { JSON.parse(text.slice(start, nl)); lines++; }
        start = nl + 1;
      }
      rest = text.slice(start);
    }
    if (rest.trim()) { JSON.parse(rest); lines++; }
  }
  return { seconds: (performance.now() - t0) / 1000, lines };
}

/**
 * Texts in an embedding cache: its vectors-d<d>.bin files hold fixed-size records of a 16-byte
 * key, d float32 and a 4-byte CRC (the layout server/src/encoder/cache.ts documents).
 */
export function cachedTexts(cacheDir: string): number {
  let n = 0;
  for (const fp of existsSync(cacheDir) ? readdirSync(cacheDir) : []) {
    for (const f of readdirSync(join(cacheDir, fp))) {
      const d = /^vectors-d(\d+)\.bin$/.exec(f);
      if (d) n += Math.floor(statSync(join(cacheDir, fp, f)).size / (20 + 4 * Number(d[1])));
    }
  }
  return n;
}

const phase = (r: ChildRun) => ({ wallS: round(r.wallS), cpuS: round(r.userS + r.sysS), peakRssMb: round(r.peakRssMb) });

async function main(): Promise<void> {
  const { value, flags } = args();
  const triples = flags.has('--full') ? 100_000 : value('triples', 20_000);
  const reps = value('reps', 3);
  const set = await synthesize(ensureOut('data'), { triples, seed: 1 });
  log(`scope: ${set.triples} triples, ${set.distinctTexts} distinct texts in ${set.dir}`);
  const started = load1();
  const fullCache = join(ensureOut('e2e-cache'), `t${set.triples}`);
  const sampleCache = join(ensureOut('scope'), `cache-sample-t${set.triples}`);

  // A throwaway run on a tiny set first, so neither cold run pays for reading the model
  // file from disk or compiling the bundle for the first time.
  const tiny = await synthesize(ensureOut('data'), { triples: 50, seed: 9 });
  await score(tiny.config, join(ensureOut('scope'), 'cache-tiny'), ['--no-cache'], 'tiny');
  // Cold, side by side: the sample-only run first (short), then the full run.
  rmSync(sampleCache, { recursive: true, force: true });
  const coldSample = await score(set.config, sampleCache, ['--sample-only'], 'cold-sample');
  log(`scope: cold --sample-only ${coldSample.run.wallS.toFixed(1)} s (report scope ${coldSample.report.scope})`);
  rmSync(fullCache, { recursive: true, force: true });
  const coldFull = await score(set.config, fullCache, [], 'cold-full');
  log(`scope: cold full ${coldFull.run.wallS.toFixed(1)} s (report scope ${coldFull.report.scope})`);
  if (coldSample.report.scope !== 'sample') throw new Error(`--sample-only wrote a report of scope ${String(coldSample.report.scope)}, not "sample"`);

  // Warm, interleaved with the read-and-parse baseline so that all three see the same machine.
  const warm0: ChildRun[] = [];
  const warmR: ChildRun[] = [];
  const parse: number[] = [];
  let lines = 0;
  let resamples: number | undefined;
  for (let r = 0; r < reps; r++) {
    const p = await readAndParse(set.files);
    parse.push(p.seconds);
    lines = p.lines;
    warm0.push((await score(set.config, fullCache, ['--resamples', '0'], 'warm-r0')).run);
    const w = await score(set.config, fullCache, [], 'warm');
    warmR.push(w.run);
    resamples = w.report.settings?.resamples;
    log(`scope: rep ${r + 1}: read+parse ${p.seconds.toFixed(2)} s, warm --resamples 0 ${warm0[r].wallS.toFixed(2)} s, warm (resamples ${resamples}) ${warmR[r].wallS.toFixed(2)} s`);
  }
  const parseS = median(parse);
  const warm0S = median(warm0.map((r) => r.wallS));
  const warmRS = median(warmR.map((r) => r.wallS));
  const figures = {
    sample_only_speedup: round(coldFull.run.wallS / coldSample.run.wallS),
    warm_vs_parse: round(warmRS / parseS),
    warm_vs_parse_r0: round(warm0S / parseS),
    e2e_warm_cli_s: { resamples0: round(warm0S), [`resamples${resamples ?? 'Default'}`]: round(warmRS) },
  };
  record('scope', figures, {
    machine: machine(), load1AtStart: started, model: 'default (fp32), as bench/e2e.ts', cli: 'dist/cli.js score CONFIG -f json -o FILE -q',
    set: { triples: set.triples, queries: set.queries, distinctTexts: set.distinctTexts, sources: SOURCES, seed: 1 },
    reps, resamplesDefault: resamples, sampleSize: coldFull.report.settings?.sampleSize,
    cold: { full: { ...phase(coldFull.run), textsEmbedded: cachedTexts(fullCache) }, sampleOnly: { ...phase(coldSample.run), textsEmbedded: cachedTexts(sampleCache) } },
    warm: { resamples0: warm0.map(phase), resamplesDefault: warmR.map(phase) },
    readAndParse: { lines, secondsPerRep: parse.map(round), medianS: round(parseS), how: 'one pass over every file, 1 MiB utf8 chunks, split on \\n, JSON.parse per line, in the bench process' },
    command: `npx tsx bench/scope.ts --triples=${set.triples} --reps=${reps}`,
  });
  log(`scope: sample_only_speedup ${figures.sample_only_speedup}, warm ${round(warmRS)} s (r0 ${round(warm0S)} s), read+parse ${round(parseS)} s, warm_vs_parse ${figures.warm_vs_parse} (r0 ${figures.warm_vs_parse_r0})`);
}

main().catch((e) => { console.error(e); process.exit(1); });
