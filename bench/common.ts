/**
 * Shared pieces of the benchmark harness: machine description, medians,
 * child processes measured with /usr/bin/time -v (wall time and peak RSS),
 * and the results file every bench/*.ts merges its figures into.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..');
export const OUT = join(ROOT, 'bench', 'out');
export const RESULTS = join(ROOT, 'bench', 'results.json');
export const CLI = join(ROOT, 'dist', 'cli.js');

export function ensureOut(sub = ''): string {
  const dir = join(OUT, sub);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** Rounds for the report: 3 significant digits, at most 4 decimals. */
export function round(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const digits = Math.max(0, Math.min(4, 2 - Math.floor(Math.log10(Math.abs(x)))));
  return Number(x.toFixed(digits));
}

export function machine(): Record<string, unknown> {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  return {
    nproc: cpus().length,
    cpu: model,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** 1-minute load average: the machine is shared, so every section records it. */
export const load1 = () => Math.round(loadavg()[0] * 100) / 100;

export interface ChildRun {
  code: number;
  wallS: number;
  peakRssMb: number;
  userS: number;
  sysS: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node args…` under /usr/bin/time -v and returns its wall time, CPU time and
 * peak RSS (the kernel's maximum resident set of the process; the encoder runs in
 * a worker thread of the same process, so it is included).
 */
export function runNode(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ChildRun> {
  const timeBin = '/usr/bin/time';
  const useTime = existsSync(timeBin);
  const cmd = useTime ? timeBin : process.execPath;
  const argv = useTime ? ['-v', process.execPath, ...args] : args;
  return new Promise((ok, fail) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', fail);
    child.on('close', (code) => {
      const wallS = (performance.now() - t0) / 1000;
      const num = (re: RegExp) => Number(re.exec(stderr)?.[1] ?? NaN);
      const peakKb = num(/Maximum resident set size \(kbytes\): (\d+)/);
      ok({
        code: code ?? 1, wallS, peakRssMb: peakKb / 1024,
        userS: num(/User time \(seconds\): ([\d.]+)/), sysS: num(/System time \(seconds\): ([\d.]+)/),
        stdout, stderr: useTime ? stderr.replace(/\n?\tCommand being timed:[\s\S]*$/, '') : stderr,
      });
    });
  });
}

export type Section = Record<string, unknown>;

/** Merges one section's figures into bench/results.json (top-level names are the issue's). */
export function record(section: string, figures: Record<string, unknown>, details: Section): void {
  const all = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown> : {};
  Object.assign(all, figures);
  const sections = (all.sections ?? {}) as Record<string, unknown>;
  sections[section] = { ...details, recordedAt: new Date().toISOString(), load1AtEnd: load1() };
  all.sections = sections;
  writeFileSync(RESULTS, JSON.stringify(all, null, 2) + '\n');
}

export function args(): { flags: Set<string>; value: (name: string, fallback: number) => number } {
  const argv = process.argv.slice(2);
  return {
    flags: new Set(argv.filter((a) => a.startsWith('--') && !a.includes('='))),
    value: (name, fallback) => {
      const hit = argv.find((a) => a.startsWith(`--${name}=`));
      return hit ? Number(hit.slice(name.length + 3)) : fallback;
    },
  };
}

export function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}
