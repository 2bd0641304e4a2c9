/**
 * Issue 10, memory: the language server's peak RSS per triple against the CLI's, on
 * sets with precomputed vectors (grouped JSONL, d = 64, the files bench/scale.ts scores:
 * `synthesize(bench/out/data, {triples, seed: 3, dim})`), at 100k and, with --full, 1M
 * triples. The issue asks to keep the server within 2x of the CLI.
 *
 * Both read the same eci.config.jsonc (precomputed encoder, one source per `neg` key,
 * each naming the same grouped file with its `key`), in a workspace of its own under
 * bench/out/memory/:
 *
 *   CLI     `node dist/cli.js score eci.config.jsonc -f json -o report.json -q` under
 *           /usr/bin/time -v: its peak RSS
 *   server  `node dist/server.js --stdio` (bench/lspClient.ts), the config opened; the
 *           VmHWM of its process (main thread and worker threads) from /proc/PID/status
 *           after the first full result (and its stability check), then after a second
 *           run of the unchanged scope (the triple file touched and announced with
 *           workspace/didChangeWatchedFiles; if that does not re-run the scope, a
 *           didChange of the config with identical text). The second run is where the
 *           per-line facts the worker keeps (server/src/pipeline/lineFacts.ts) are
 *           re-used, when they fit their budget; the server's log line of each run
 *           ("lines re-used …, parsed …") says whether they were.
 *
 * Bytes per triple = peak RSS / triples (gross: it includes the process's fixed size);
 * with two sizes, also the slope between them (what one more triple costs).
 * Needs dist/ (npm run build). One process measured at a time.
 *
 *   npx tsx bench/memory.ts [--triples=100000] [--full] [--dim=64] [--rerun-by-config] [--no-record]
 *
 * --full adds the 1M point (a ~1 GB file, generated once and kept in bench/out/data);
 * --rerun-by-config tries the config's didChange first for the second run;
 * --no-record prints the section instead of merging it into bench/results.json.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { args, CLI, ensureOut, load1, log, machine, record, ROOT, round, runNode } from './common';
import { isFullResult, isStability, sleep, startServer, type BenchServer } from './lspClient';
import { SOURCES, synthesize } from './synth';

const SERVER = join(ROOT, 'dist', 'server.js');
const MB = 2 ** 20;

/** VmHWM and VmRSS of a process in MB (null when it is gone). */
function procMemory(pid: number): { hwmMb: number; rssMb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { hwmMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
  } catch {
    return null;
  }
}

/** Child processes of `pid` (the server should have none with precomputed vectors: its workers are threads). */
function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) => {
      const list = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
      return list ? list.split(/\s+/).map(Number) : [];
    });
  } catch {
    return [];
  }
}

interface Checkpoint { hwmMb: number; rssMb: number; bytesPerTriple: number }

function checkpoint(pid: number, triples: number): Checkpoint {
  const m = procMemory(pid);
  if (!m) throw new Error(`the server (pid ${pid}) is gone`);
  return { hwmMb: round(m.hwmMb), rssMb: round(m.rssMb), bytesPerTriple: round((m.hwmMb * MB) / triples) };
}

/** The server's log lines (window/logMessage), with the index of the events at their arrival. */
function collectLog(s: BenchServer): { at: number; text: string }[] {
  const lines: { at: number; text: string }[] = [];
  s.conn.onNotification('window/logMessage', (p: { message: string }) => { lines.push({ at: s.events.length, text: p.message }); });
  return lines;
}

/** Waits until the server has sent nothing for `quietMs` (the run, its stability check and their status are over). */
async function settle(s: BenchServer, logLines: unknown[], quietMs: number, maxMs: number): Promise<void> {
  const end = performance.now() + maxMs;
  let seen = [s.events.length, logLines.length];
  let since = performance.now();
  while (performance.now() < end && !s.exited()) {
    await sleep(100);
    const now = [s.events.length, logLines.length];
    if (now[0] !== seen[0] || now[1] !== seen[1]) { seen = now; since = performance.now(); }
    else if (performance.now() - since >= quietMs) return;
  }
}

interface Point {
  triples: number;
  fileMb: number;
  cli: { peakRssMb: number; bytesPerTriple: number; wallS: number };
  server: {
    run1: Checkpoint & { fullResultS: number; afterStability: Checkpoint | null };
    run2: (Checkpoint & { trigger: string; fullResultS: number; afterStability: Checkpoint | null }) | null;
    ratioRun1: number;
    ratioRun2: number | null;
    runLog: string[];
    otherLog: string[];
    childProcesses: number;
    close: unknown;
  };
}

async function measure(n: number, dim: number, timeoutMs: number, configFirst: boolean): Promise<Point> {
  const t0 = performance.now();
  const set = await synthesize(ensureOut('data'), { triples: n, seed: 3, dim });
  const file = set.files[0];
  const fileMb = statSync(file).size / MB;
  log(`memory: ${set.triples} triples, ${fileMb.toFixed(0)} MB (ready in ${((performance.now() - t0) / 1000).toFixed(0)} s)`);

  const base = ensureOut(join('memory', `ws-${set.triples}`));
  const cacheDir = join(base, '.cache');
  rmSync(cacheDir, { recursive: true, force: true });
  const configPath = join(base, 'eci.config.jsonc');
  const rel = relative(base, file);
  const configText = JSON.stringify({
    encoder: { kind: 'precomputed' },
    sources: SOURCES.map((name) => ({ name, files: rel, key: name })),
  }, null, 2) + '\n';
  writeFileSync(configPath, configText);

  // The CLI, alone.
  const cli = await runNode([CLI, 'score', configPath, '-f', 'json', '-o', join(base, 'report.json'), '-q', '--cache-dir', cacheDir], { cwd: base });
  if (cli.code !== 0) throw new Error(`CLI failed (${cli.code}): ${cli.stderr.slice(-2000)}`);
  const cliPoint = { peakRssMb: round(cli.peakRssMb), bytesPerTriple: round((cli.peakRssMb * MB) / set.triples), wallS: round(cli.wallS) };
  log(`memory ${set.triples}: CLI ${cli.wallS.toFixed(1)} s, peak RSS ${cli.peakRssMb.toFixed(0)} MB (${cliPoint.bytesPerTriple} B/triple)`);

  // The server: open the config, wait for the full result and its stability check.
  const s = await startServer(SERVER, base, cacheDir);
  const pid = s.child.pid!;
  const logLines = collectLog(s);
  const tOpen = performance.now();
  await s.notify('textDocument/didOpen', { textDocument: { uri: pathToFileURL(configPath).href, languageId: 'jsonc', version: 1, text: configText } });
  const full1 = await s.waitEvent(0, isFullResult, timeoutMs);
  if (!full1) throw new Error(`no full result within ${timeoutMs / 60000} min (status ${JSON.stringify(s.status)}); stderr: ${s.stderr().slice(-1000)}`);
  const at1 = checkpoint(pid, set.triples);
  const stab1 = await s.waitEvent(0, isStability, timeoutMs);
  await settle(s, logLines, 2000, timeoutMs);
  const run1 = { ...at1, fullResultS: round((full1.t - tOpen) / 1000), afterStability: stab1 ? checkpoint(pid, set.triples) : null };
  log(`memory ${set.triples}: server run 1 — full result in ${run1.fullResultS} s, VmHWM ${at1.hwmMb} MB (${at1.bytesPerTriple} B/triple)` +
    `${run1.afterStability ? `, ${run1.afterStability.hwmMb} MB after the stability check` : ''}`);

  // A second run of the same scope: first by the watched-file notification, else by the config's didChange.
  const triggers: { name: string; send: () => Promise<void> }[] = [
    {
      name: 'didChangeWatchedFiles (triple file touched)',
      send: async () => {
        const now = new Date();
        utimesSync(file, now, now);
        await s.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(file).href, type: 2 }] });
      },
    },
    {
      name: 'didChange of the config (identical text)',
      send: () => s.notify('textDocument/didChange', { textDocument: { uri: pathToFileURL(configPath).href, version: 2 }, contentChanges: [{ text: configText }] }),
    },
  ];
  if (configFirst) triggers.reverse();
  let run2: Point['server']['run2'] = null;
  const tried: string[] = [];
  for (const trigger of triggers) {
    const from = s.events.length;
    const t2 = performance.now();
    await trigger.send();
    // A run that does not start says so quickly; one that does is as long as run 1 at most (plus slack).
    const started = await s.waitEvent(from, (e) => e.kind === 'status' && e.status!.state === 'running', 15_000);
    const full2 = started ? await s.waitEvent(from, isFullResult, timeoutMs) : null;
    if (!full2) {
      tried.push(`${trigger.name}: no run`);
      log(`memory ${set.triples}: ${trigger.name} did not re-run the scope`);
      await settle(s, logLines, 1000, 30_000);
      continue;
    }
    const at2 = checkpoint(pid, set.triples);
    const stab2 = await s.waitEvent(from, isStability, timeoutMs);
    await settle(s, logLines, 2000, timeoutMs);
    run2 = { ...at2, trigger: [...tried, trigger.name].join('; '), fullResultS: round((full2.t - t2) / 1000), afterStability: stab2 ? checkpoint(pid, set.triples) : null };
    log(`memory ${set.triples}: server run 2 (${trigger.name}) — full result in ${run2.fullResultS} s, VmHWM ${at2.hwmMb} MB (${at2.bytesPerTriple} B/triple)` +
      `${run2.afterStability ? `, ${run2.afterStability.hwmMb} MB after the stability check` : ''}`);
    break;
  }
  const children = childPids(pid).length;
  const close = await s.close();

  const peak1 = run1.afterStability?.hwmMb ?? run1.hwmMb;
  const peak2 = run2 ? (run2.afterStability?.hwmMb ?? run2.hwmMb) : null;
  const texts = logLines.map((l) => l.text.trim());
  const runLog = texts.filter((t) => /lines re-used|eci-sem: ran /.test(t));
  for (const line of runLog) log(`memory ${set.triples}: server log: ${line}`);
  const point: Point = {
    triples: set.triples, fileMb: round(fileMb), cli: cliPoint,
    server: {
      run1, run2,
      ratioRun1: round(peak1 / cli.peakRssMb),
      ratioRun2: peak2 === null ? null : round(peak2 / cli.peakRssMb),
      runLog, otherLog: texts.filter((t) => !runLog.includes(t)).slice(0, 40),
      childProcesses: children, close,
    },
  };
  log(`memory ${set.triples}: server/CLI peak RSS ${point.server.ratioRun1} after run 1, ${point.server.ratioRun2 ?? '—'} after run 2 (${peak1.toFixed(0)} / ${peak2?.toFixed(0) ?? '—'} MB vs ${cli.peakRssMb.toFixed(0)} MB)`);
  return point;
}

/** 100000 → "100k", 1000000 → "1m", 20000 → "20k". */
const label = (n: number) => (n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}m` : n >= 1e3 && n % 1e3 === 0 ? `${n / 1e3}k` : String(n));

async function main(): Promise<void> {
  const { flags, value } = args();
  if (!existsSync(SERVER) || !existsSync(CLI)) throw new Error('dist/server.js or dist/cli.js missing: run `npm run build` first');
  const dim = value('dim', 64);
  const first = value('triples', 100_000);
  const sizes = [...new Set(flags.has('--full') ? [first, 1_000_000] : [first])].sort((a, b) => a - b);
  mkdirSync(ensureOut('memory'), { recursive: true });
  const started = load1();
  const points: Point[] = [];
  for (const n of sizes) points.push(await measure(n, dim, Math.max(600_000, (n / 1e6) * 3_600_000), flags.has('--rerun-by-config')));

  const figures: Record<string, unknown> = {};
  for (const p of points) {
    const l = label(p.triples);
    const peak2 = p.server.run2 ? (p.server.run2.afterStability?.hwmMb ?? p.server.run2.hwmMb) : null;
    figures[`memory_cli_bytes_per_triple_${l}`] = p.cli.bytesPerTriple;
    figures[`memory_server_bytes_per_triple_${l}`] = round(((peak2 ?? p.server.run1.afterStability?.hwmMb ?? p.server.run1.hwmMb) * MB) / p.triples);
    figures[`memory_server_cli_ratio_${l}`] = p.server.ratioRun2 ?? p.server.ratioRun1;
  }
  let slope: Record<string, unknown> | null = null;
  if (points.length >= 2) {
    const [a, b] = [points[0], points[points.length - 1]];
    const serverPeak = (p: Point) => p.server.run2?.afterStability?.hwmMb ?? p.server.run2?.hwmMb ?? p.server.run1.afterStability?.hwmMb ?? p.server.run1.hwmMb;
    const per = (x: number, y: number) => round(((y - x) * MB) / (b.triples - a.triples));
    slope = {
      between: [a.triples, b.triples],
      cliBytesPerTriple: per(a.cli.peakRssMb, b.cli.peakRssMb),
      serverBytesPerTriple: per(serverPeak(a), serverPeak(b)),
    };
    log(`memory: slope ${a.triples} → ${b.triples}: CLI ${slope.cliBytesPerTriple} B/triple, server ${slope.serverBytesPerTriple} B/triple`);
  }
  for (const [k, v] of Object.entries(figures)) log(`memory: ${k} = ${v}`);

  const details = {
    machine: machine(), load1AtStart: started, dim,
    server: `dist/server.js (built ${statSync(SERVER).mtime.toISOString()})`,
    cliBin: `dist/cli.js (built ${statSync(CLI).mtime.toISOString()})`,
    input: 'bench/scale.ts sets: synthesize(bench/out/data, {triples, seed: 3, dim}), grouped JSONL with query/pos/neg embeddings; eci.config.jsonc with encoder precomputed and one source per neg key (the same file five times, with key)',
    measure: 'CLI: peak RSS under /usr/bin/time -v. Server: VmHWM of its process (threads included) at the full result and after the stability check, for run 1 and for a second run of the unchanged scope (cumulative: the peak so far). bytesPerTriple = peak / triples (gross). Ratios: server peak (after the stability check of the run) / CLI peak',
    points, slope,
    command: `npx tsx bench/memory.ts --triples=${first}${flags.has('--full') ? ' --full' : ''} --dim=${dim}${flags.has('--rerun-by-config') ? ' --rerun-by-config' : ''}`,
  };
  if (flags.has('--no-record')) process.stdout.write(JSON.stringify({ figures, details }, null, 2) + '\n');
  else record('memory', figures, details);
}

main().catch((e) => { console.error(e); process.exit(1); });
