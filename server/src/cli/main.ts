/** The command-line face of the engine: `eci-sem score …`. */
import { createWriteStream, readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { analyze, type AnalysisResult } from '../pipeline/analyze';
import { AnalysisError } from '../pipeline/errors';
import { encoderChoice, type EncoderOptions } from '../pipeline/encoderSetup';
import { fileLineSource } from '../pipeline/lines';
import { factsForRun } from '../pipeline/factsFile';
import { defaultCacheDir, packageVersion } from '../pipeline/paths';
import { planFromConfig, planFromFiles, type Plan } from '../pipeline/plan';
import { applySettingOverrides, parseConfig, SettingError, type EciConfig } from '../core/config';
import { severityOf } from '../core/findings';
import { renderMarkdown, renderTable } from '../core/render';
import { reportAgreement, reportHeader, reportJsonChunks, reportSource, reportTriples, orderSources } from '../core/report';
import { defaultSettings, type Settings } from '../core/settings';
import type { FindingId } from '../core/types';
import { EncoderError } from '../encoder/protocol';
import { serveProcess } from '../server';
import { parseCli, UsageError, USAGE, type CliArgs } from './args';
import { chunkWriter } from './output';
import { progressBar, quietBar } from './progress';

/** The ranking of the samples, a few lines under the progress bar while the rest are embedded. */
function provisionalLines(r: AnalysisResult): string[] {
  const out = ['ranking of the sampled triples (sample scope; every triple follows):'];
  for (const group of ['plain', 'hybrid'] as const) {
    const members = orderSources(r.sources.filter((s) => s.group === group));
    if (members.length > 0) out.push(`  ${group}: ${members.map((s) => `${s.rank}. ${s.name} ${s.eci.toFixed(3)}`).join('  ')}`);
  }
  return out;
}

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  cwd: string;
}

const CONFIG_EXT = new Set(['.json', '.jsonc']);

export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() }): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCli(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`eci-sem: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  if (args.command === 'help') { io.stdout.write(USAGE); return 0; }
  if (args.command === 'version') { io.stdout.write(`eci-sem ${packageVersion()}\n`); return 0; }
  if (args.command === 'lsp') {
    // The same server as dist/server.js; it lives until the client's `exit`
    // notification ends the process, so this promise never settles.
    serveProcess();
    return new Promise<number>(() => undefined);
  }
  try {
    return await score(args, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof AnalysisError || err instanceof SettingError) {
      io.stderr.write(`eci-sem: ${err.message}\n`);
      return 2;
    }
    // The encoder's own errors reach here when they happen outside embedding (its tokenizer
    // serving lexical terms); they are about the model, not a bug: one line, no stack.
    if (err instanceof EncoderError) {
      io.stderr.write(`eci-sem: the target encoder failed: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

interface Setup { plan: Plan; settings: Settings; config: EciConfig | null; configPath: string | null }

function loadSetup(args: CliArgs, io: Io): Setup {
  let configPath = args.config ? resolve(io.cwd, args.config) : null;
  let inputs = args.inputs;
  if (!configPath && inputs.length === 1 && CONFIG_EXT.has(extname(inputs[0]).toLowerCase())) {
    configPath = resolve(io.cwd, inputs[0]);
    inputs = [];
  }
  if (!configPath && inputs.length === 0) throw new UsageError('nothing to score: give a config file or triple files (see --help)');
  let config: EciConfig | null = null;
  let settings = defaultSettings();
  if (configPath) {
    let text: string;
    try {
      text = readFileSync(configPath, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read config ${args.config ?? inputs[0]}: ${(err as Error).message}`);
    }
    const parsed = parseConfig(text);
    for (const p of parsed.problems) {
      io.stderr.write(`${configPath}:${p.line}:${p.column}: ${p.severity}: ${p.message}\n`);
    }
    if (!parsed.config || parsed.problems.some((p) => p.severity === 'error')) {
      throw new UsageError(`the config has errors; nothing was scored`);
    }
    config = parsed.config;
    settings = config.settings;
  }
  settings = applySettingOverrides(settings, args.overrides);
  const base = configPath ? dirname(configPath) : io.cwd;
  if (settings.idfCorpus) settings = { ...settings, idfCorpus: settings.idfCorpus.map((f) => resolve(base, f)) };
  if (config && configPath && inputs.length === 0 && args.data) {
    throw new UsageError('--corpus, --queries and --qrels are for triple files given without a config; in a config, name them as "corpus", "queries" and "qrels"');
  }
  const plan = config && configPath && inputs.length === 0
    ? planFromConfig(config, configPath, io.cwd)
    : planFromFiles(inputs, io.cwd, undefined, args.data);
  return { plan, settings, config, configPath };
}

async function score(args: CliArgs, io: Io): Promise<number> {
  const { plan, settings, config, configPath } = loadSetup(args, io);
  const encoderOptions: EncoderOptions = {
    config: config?.encoder,
    base: configPath ? dirname(configPath) : io.cwd,
    cli: args.encoder,
    cacheDir: args.noCache ? null : args.cacheDir ? resolve(io.cwd, args.cacheDir) : config?.cacheDir ? resolve(dirname(configPath!), config.cacheDir) : undefined,
    onWarning: (m) => io.stderr.write(`eci-sem: warning: ${m}\n`),
  };
  // What this run learns of each line is kept beside the embeddings, so that the next run
  // parses only the lines that changed (pipeline/factsFile.ts).
  const cacheDir = encoderOptions.cacheDir === undefined ? defaultCacheDir() : encoderOptions.cacheDir;
  const kept = cacheDir ? factsForRun(cacheDir, plan, encoderOptions.onWarning!) : undefined;
  const bar = args.quiet ? quietBar : progressBar(io.stderr);
  let result: AnalysisResult;
  try {
    result = await analyze({
      plan,
      settings,
      encoder: encoderChoice(encoderOptions),
      idfCorpus: settings.idfCorpus?.map((path) => ({ path, lines: fileLineSource(path) })) ?? null,
      onProgress: (p) => bar.update(p),
      ...(kept ? { lineFacts: kept.facts } : {}),
      ...(args.sampleOnly ? { scope: 'sample' as const } : {}),
      // On a terminal the ranking of the samples shows under the bar while the rest are embedded.
      ...(!args.sampleOnly && bar.showsRanking ? { onProvisional: (r: AnalysisResult) => bar.ranking(provisionalLines(r)) } : {}),
    });
  } finally {
    bar.done();
  }
  if (result.table.length === 0) {
    for (const p of result.problems.slice(0, 20)) io.stderr.write(`${p.file}:${p.line}:${p.column}: ${p.message}\n`);
    io.stderr.write(`eci-sem: no usable triples in ${plan.units.length} file(s)${result.problems.length ? ` (${result.problems.length} problem(s))` : ''}\n`);
    return 2;
  }
  await writeReport(args, io, result);
  kept?.save();
  if (result.problems.length > 0 && args.format !== 'table') {
    io.stderr.write(`eci-sem: ${result.problems.length} problem(s) on ${result.skippedLines} line(s) were skipped (listed under "problems")\n`);
  }
  return failOn(args.failOn, result) ? 1 : 0;
}

async function writeReport(args: CliArgs, io: Io, result: AnalysisResult): Promise<void> {
  const out = chunkWriter(args.out ? createWriteStream(resolve(io.cwd, args.out)) : io.stdout, !!args.out);
  try {
    if (args.format === 'json') {
      const locate = (i: number) => ({ file: result.units[result.table.unit(i)].shown, line: result.table.line(i) });
      const triples = args.triples ? reportTriples(result.sources, result.table, locate, result.settings, result.scope) : null;
      const header = reportHeader({
        version: packageVersion(), settings: result.settings, encoder: result.encoder, scope: result.scope,
        residualScale: result.residualScale, sources: result.sources,
      });
      for (const chunk of reportJsonChunks(header, triples, result.problems, reportAgreement(result.stability?.agreement))) await out.write(chunk);
    } else {
      const unsafe = new Map(result.sources.map((s) => [s.name, s.unsafe]));
      const sources = orderSources(result.sources).map(reportSource);
      const input = { sources: sources.map((s) => ({ ...s, unsafe: unsafe.get(s.name) ?? 0 })), settings: { ...result.settings, encoder: result.encoder }, residualScale: result.residualScale, problems: result.problems, skippedLines: result.skippedLines, scope: result.scope };
      await out.write(args.format === 'markdown' ? renderMarkdown(input) : renderTable(input));
    }
    await out.close();
  } catch (err) {
    if (args.out && err instanceof Error && 'code' in err) throw new UsageError(`cannot write ${args.out}: ${err.message}`);
    throw err;
  }
}

function failOn(level: CliArgs['failOn'], result: AnalysisResult): boolean {
  if (!level) return false;
  const accepted = level === 'error' ? ['error'] : ['error', 'warning'];
  return result.sources.some((s) => Object.entries(s.findings).some(([id, n]) => (n ?? 0) > 0 && accepted.includes(severityOf(id as FindingId))));
}
