/**
 * What the editor probes share: a small generated workspace, the documented
 * snippets taken from docs/lsp.md (so the docs are what is tested), an
 * `eci-sem` on PATH the way `npm link` makes one, and running an editor as a
 * child process with a deadline.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ROOT } from '../helpers/lspClient';
import { tempDir } from '../helpers/lspFixtures';
import { syntheticLines } from '../helpers/synthetic';

/** 1-based lines of mixed.jsonl whose negative is its positive's text (duplicate-of-positive). */
export const DUPLICATES = [3, 8];
/** After deleting line 3 and saving, the second duplicate is on line 7. */
export const DUPLICATES_AFTER_EDIT = [7];
export const DELETED_LINE = 3;

export const CONFIG = `{
  // precomputed vectors: no model needed
  "encoder": { "kind": "precomputed" },
  "sources": [
    { "name": "Mixed", "files": "data/mixed.jsonl" },
    { "name": "Hard", "files": "data/hard.jsonl" }
  ]
}
`;

/**
 * A config and two sources with 16-dimensional precomputed vectors (no model,
 * a run takes milliseconds): data/mixed.jsonl (24 triples, two duplicates of
 * the positive planted by text) and data/hard.jsonl (30 triples).
 */
export function editorWorkspace(): string {
  const dir = tempDir('editor');
  mkdirSync(join(dir, 'data'));
  const lines = syntheticLines('Mixed', 24, 'hard', 3);
  for (const at of DUPLICATES) {
    const triple = JSON.parse(lines[at - 1]!) as { positive: string; negative: string };
    triple.negative = triple.positive;
    lines[at - 1] = JSON.stringify(triple);
  }
  writeFileSync(join(dir, 'data', 'mixed.jsonl'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'data', 'hard.jsonl'), syntheticLines('Hard', 30, 'hard', 1).join('\n') + '\n');
  writeFileSync(join(dir, 'eci.config.jsonc'), CONFIG);
  return dir;
}

/** The fenced block after `<!-- editor-snippet: NAME -->` in docs/lsp.md. */
export function docSnippet(name: string): string {
  const doc = readFileSync(join(ROOT, 'docs', 'lsp.md'), 'utf8');
  const marker = `<!-- editor-snippet: ${name} -->`;
  const at = doc.indexOf(marker);
  if (at < 0) throw new Error(`docs/lsp.md has no "${marker}"`);
  const block = /^```[a-z]*\n([\s\S]*?)^```$/m.exec(doc.slice(at + marker.length));
  if (!block) throw new Error(`docs/lsp.md: no fenced block after "${marker}"`);
  return block[1]!;
}

/** A folder holding `eci-sem` → bin/eci-sem.js (what `npm link` does), to put first on PATH. */
export function linkedBin(): string {
  if (!existsSync(join(ROOT, 'dist', 'cli.js'))) throw new Error('dist/cli.js is missing: run npm run build');
  const dir = tempDir('bin');
  symlinkSync(join(ROOT, 'bin', 'eci-sem.js'), join(dir, 'eci-sem'));
  return dir;
}

/** The environment of an editor: its own HOME and XDG folders (no user config), eci-sem on PATH. */
export function editorEnv(home: string, bin: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    XDG_CACHE_HOME: join(home, '.cache'),
    PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
    TERM: 'dumb',
    ...extra,
  };
  delete env.VIMINIT;
  delete env.EMACSLOADPATH;
  delete env.NODE_OPTIONS; // the test runner's tsx hooks are not the server's
  return env;
}

export function hasBinary(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs an editor to its end, killing it (and failing) after `timeoutMs`. */
export function runEditor(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const timer = setTimeout(() => {
      // The editor's process group: the language server it started goes too.
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { child.kill('SIGKILL'); }
      reject(new Error(`${cmd} did not finish within ${opts.timeoutMs} ms\nstdout:\n${stdout.slice(-3000)}\nstderr:\n${stderr.slice(-3000)}`));
    }, opts.timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

/** What every probe writes as JSON to $ECI_PROBE_OUT. */
export interface ProbeReport {
  /** Steps that timed out or failed, in order; empty when all passed. */
  failures: string[];
  /** 1-based lines of duplicate-of-positive diagnostics, before and after the edit. */
  duplicatesBefore: number[];
  duplicatesAfter: number[];
  /** The hover on the first duplicate as the editor shows it. */
  hover: string;
  /** The hover on the source "Mixed" in the config (Emacs, Vim). */
  configHover?: string;
  /** CodeLens titles of the triple file and the ranking the lens opened (Neovim). */
  lenses?: string[];
  ranking?: string;
  /** Whatever the editor told its user: messages, warnings, errors. */
  messages: string;
  /** Vim: the cursor came back to the window it was in when :ALEHover ran. */
  cursorBack?: boolean;
  /** Emacs: the diagnostics after maxDiagnosticsPerFile was set to 1 and the file saved. */
  cappedDiagnostics?: string[];
}

export function readReport(path: string, run: Run): ProbeReport {
  if (!existsSync(path)) {
    throw new Error(`the probe wrote no report (exit ${run.code}, signal ${run.signal})\nstdout:\n${run.stdout.slice(-3000)}\nstderr:\n${run.stderr.slice(-3000)}`);
  }
  return JSON.parse(readFileSync(path, 'utf8')) as ProbeReport;
}
