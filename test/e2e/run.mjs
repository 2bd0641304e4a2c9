#!/usr/bin/env node
// End-to-end test of the eci-sem VS Code extension in a real VS Code (code-server 4.100.3,
// VS Code 1.100) driven headless through Debian's chromium.
//
//   npm run test:e2e [-- path/to/eci-sem.vsix] [-- --rebuild] [-- --keep]
//
// Without a path it takes the newest eci-sem-*-<this platform>.vsix in the repo root, building
// it with `scripts/package.mjs --target <this platform>` when there is none or with --rebuild
// (E2E_VSIX also names one). Needs
// `bash test/e2e/setup.sh` first. Screenshots: test-output/e2e/. Last line:
// "N passed, M failed"; the exit code is 1 on any failure. `--keep` leaves the run
// folder (profile, logs, workspace) in /tmp for a look afterwards.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, installExtension } from './lib/codeserver.mjs';
import { OUT_DIR, runE2E } from './lib/main.mjs';
import { checkCodeLens, checkHover, checkProblems, checkQuickFix, checkWebview } from './lib/suite.mjs';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const EXTENSION_ID = `${pkg.publisher ?? 'eci-sem'}.${pkg.name}`;
// code-server runs here, so it takes this machine's platform VSIX (npm run package builds five).
const TARGET = `${process.platform}-${process.arch}`;

function newestVsix() {
  const found = fs.readdirSync(ROOT)
    .filter((f) => f.startsWith(`${pkg.name}-`) && f.endsWith(`-${TARGET}.vsix`))
    .map((f) => ({ f: path.join(ROOT, f), m: fs.statSync(path.join(ROOT, f)).mtimeMs }))
    .sort((a, b) => b.m - a.m);
  return found[0]?.f ?? null;
}

function resolveVsix() {
  const arg = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? process.env.E2E_VSIX;
  if (arg) {
    const p = path.resolve(arg);
    if (!fs.existsSync(p)) throw new Error(`no VSIX at ${p}`);
    return p;
  }
  let vsix = process.argv.includes('--rebuild') ? null : newestVsix();
  if (!vsix) {
    console.log(`# building the ${TARGET} VSIX with scripts/package.mjs`);
    const r = spawnSync(process.execPath, ['scripts/package.mjs', '--target', TARGET], { cwd: ROOT, stdio: 'inherit', timeout: 15 * 60_000 });
    if (r.status !== 0) throw new Error(`scripts/package.mjs --target ${TARGET} failed (${r.status ?? r.signal})`);
    vsix = newestVsix();
    if (!vsix) throw new Error(`scripts/package.mjs made no ${TARGET} VSIX in the repo root`);
  }
  return vsix;
}

let vsix;
try {
  vsix = resolveVsix();
} catch (e) {
  console.log(`FAIL build the VSIX\n     why: ${e.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const st = fs.statSync(vsix);
console.log(`# VSIX: ${path.relative(process.cwd(), vsix)} (${(st.size / 1e6).toFixed(1)} MB, built ${st.mtime.toISOString()})`);
const newer = newestSource();
if (newer && newer.m > st.mtimeMs) {
  console.log(`# warning: ${path.relative(ROOT, newer.f)} is newer than this VSIX; \`npm run test:e2e -- --rebuild\` tests a fresh build`);
}

/** The most recently changed source file the VSIX is built from. */
function newestSource() {
  let best = null;
  const visit = (p) => {
    let st;
    try { st = fs.statSync(p); } catch { return; }
    if (st.isDirectory()) {
      if (/(^|\/)(node_modules|dist)$/.test(p)) return;
      for (const e of fs.readdirSync(p)) visit(path.join(p, e));
    } else if (!best || st.mtimeMs > best.m) best = { f: p, m: st.mtimeMs };
  };
  for (const d of ['client', 'server', 'common', 'media', 'schemas', 'syntaxes', 'package.json']) visit(path.join(ROOT, d));
  return best;
}

// Planted problems of examples/ (see examples/README.md): llm.jsonl line 27 is an exact
// duplicate of its positive; dense.jsonl has planted false negatives.
const DUPLICATE_LINE = 27;
const SOURCES = ['BM25', 'Dense', 'LLM', 'Random', 'Dense+LLM'];
// A hybrid whose name is markup (issue 5.7): the ranking panel must show it as text.
const HOSTILE_SOURCE = '<img src=x onerror=alert(1)></script>';

/** Adds the hostile hybrid to the copied workspace's config (examples/ stays as it is). */
function addHostileSource(workspace) {
  const file = path.join(workspace, 'eci.config.jsonc');
  const text = fs.readFileSync(file, 'utf8');
  const anchor = '{ "name": "Dense+LLM", "union": ["Dense", "LLM"] }';
  if (!text.includes(anchor)) throw new Error(`examples/eci.config.jsonc no longer holds ${anchor}`);
  fs.writeFileSync(file, text.replace(anchor, `${anchor},\n    { "name": ${JSON.stringify(HOSTILE_SOURCE)}, "union": ["BM25", "Random"] }`));
}

const code = await runE2E({
  title: `eci-sem end-to-end in code-server (${EXTENSION_ID})`,
  outDir: OUT_DIR,
  extensionId: EXTENSION_ID,
  install: async (dirs) => {
    const out = await installExtension(dirs, vsix);
    console.log(out.split('\n').filter((l) => /install/i.test(l)).join('\n'));
  },
  workspaceFrom: path.join(ROOT, 'examples'),
  prepareWorkspace: addHostileSource,
  checks: [
    {
      // The first check also waits for the first analysis of the workspace.
      name: 'problems panel lists eci-sem diagnostics',
      timeoutMs: 150_000,
      run: (c) => checkProblems(c.page, [
        { filter: 'duplicate', file: 'llm.jsonl', message: /duplicate/i, severity: 'error' },
        { filter: 'false negative', file: 'dense.jsonl', message: /false.negative/i, severity: 'warning' },
      ], c, { timeoutMs: 140_000 }),
    },
    {
      name: 'codelens above each source in eci.config.jsonc',
      timeoutMs: 60_000,
      run: (c) => checkCodeLens(c.page, {
        file: 'eci.config.jsonc', text: /ECI_sem [0-9.]+ · rank \d+\/\d+/, min: 4, above: /"name"\s*:/,
      }, c, { timeoutMs: 50_000 }),
    },
    {
      name: 'hover on a flagged triple shows its factors',
      timeoutMs: 60_000,
      run: (c) => checkHover(c.page, {
        file: 'data/llm.jsonl', line: DUPLICATE_LINE,
        // the hover names the triple it describes (file:line), then its factors
        expect: [/llm\.jsonl:27\b/, /\bt\s*=\s*[0-9.]/, /\bl\s*=\s*[0-9.]/, /\br\s*=\s*[0-9.]/, /\bw\s*=/],
      }, c, { timeoutMs: 30_000 }),
    },
    {
      name: 'ranking panel shows every source, a name made of markup as text',
      timeoutMs: 60_000,
      run: (c) => checkWebview(c.page, { command: 'ECI_sem: Show Ranking', names: SOURCES, literal: [HOSTILE_SOURCE] }, c, { timeoutMs: 45_000 }),
    },
    {
      name: 'quick fix removes a duplicate triple and undo restores it',
      timeoutMs: 60_000,
      run: (c) => checkQuickFix(c.page, {
        workspace: c.workspace, file: 'data/llm.jsonl', line: DUPLICATE_LINE,
        title: 'Remove this triple', message: /duplicate/i,
      }, c, { timeoutMs: 30_000 }),
    },
  ],
});
process.exit(code);
