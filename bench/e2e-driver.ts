/**
 * What `eci-sem score CONFIG --format json -o OUT` does (config → plan →
 * line facts from the cache folder → analyze → streamed JSON report → facts kept), with
 * each phase timestamped. The CLI keeps its
 * timings to itself, so the end-to-end benchmark runs this instead: bundled by
 * bench/bundle.ts into bench/out/bin/ (next to the encoder worker bundle), so it
 * starts like the real CLI, not through a TypeScript loader.
 *
 *   node bench/out/bin/e2e-driver.js CONFIG|FILE --out REPORT [--cache-dir DIR] [--quantized] [--threads N]
 *
 * Prints one JSON line: milliseconds since process start at each phase end.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { analyze } from '../server/src/pipeline/analyze';
import { encoderChoice } from '../server/src/pipeline/encoderSetup';
import { factsForRun } from '../server/src/pipeline/factsFile';
import { packageVersion } from '../server/src/pipeline/paths';
import { planFromConfig, planFromFiles } from '../server/src/pipeline/plan';
import { parseConfig } from '../server/src/core/config';
import { reportAgreement, reportHeader, reportJsonChunks } from '../server/src/core/report';
import { defaultSettings } from '../server/src/core/settings';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opt = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
  const input = resolve(argv[0]);
  const out = resolve(opt('--out') ?? 'report.json');
  const cacheDir = opt('--cache-dir');
  const threads = opt('--threads');
  const marks: Record<string, number> = { start: performance.now() };
  const isConfig = /\.jsonc?$/.test(input);
  const config = isConfig ? parseConfig(readFileSync(input, 'utf8')).config : null;
  if (isConfig && !config) throw new Error(`bad config ${input}`);
  const settings = config?.settings ?? defaultSettings();
  const plan = config ? planFromConfig(config, input, process.cwd()) : planFromFiles([input], process.cwd());
  let embedded = 0;
  const kept = cacheDir ? factsForRun(resolve(cacheDir), plan, (m) => process.stderr.write(`e2e-driver: ${m}\n`)) : undefined;
  marks.factsLoaded = performance.now();
  const result = await analyze({
    ...(kept ? { lineFacts: kept.facts } : {}),
    plan,
    settings,
    encoder: encoderChoice({
      config: config?.encoder,
      base: dirname(input),
      cli: { quantized: argv.includes('--quantized') || undefined, threads: threads ? Number(threads) : undefined },
      cacheDir: cacheDir ? resolve(cacheDir) : null,
    }),
    idfCorpus: null,
    onProgress: (p) => {
      const now = performance.now();
      if (p.phase === 'load') marks.loadStart ??= now;
      if (p.phase === 'embed') { marks.embedFirst ??= now; embedded = p.embedded ?? embedded; }
      if (p.phase === 'score') marks.measured = now;
    },
  });
  marks.scored = performance.now();
  const stream = createWriteStream(out);
  const write = (chunk: string) => new Promise<void>((ok) => { if (stream.write(chunk)) ok(); else stream.once('drain', ok); });
  const header = reportHeader({
    version: packageVersion(), settings: result.settings, encoder: result.encoder, scope: result.scope,
    residualScale: result.residualScale, sources: result.sources,
  });
  for (const chunk of reportJsonChunks(header, null, result.problems, reportAgreement(result.stability?.agreement))) await write(chunk);
  await new Promise<void>((ok) => stream.end(ok));
  marks.reported = performance.now();
  kept?.save();
  marks.factsSaved = performance.now();
  const ru = process.resourceUsage();
  process.stdout.write(JSON.stringify({
    marks, timings: result.timings, triples: result.table.length, embedded,
    eci: Object.fromEntries(result.sources.map((s) => [s.name, s.eci])),
    maxRssMb: ru.maxRSS / 1024,
  }) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`e2e-driver: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
