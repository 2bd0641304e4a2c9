// Starts code-server (a real VS Code served to a browser) on 127.0.0.1 with throwaway
// user-data, extensions and config folders, so a run never sees the machine's own state.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
export const E2E_DIR = process.env.E2E_DIR ?? path.join(ROOT, '.e2e');
export const CODE_SERVER_ENTRY = path.join(E2E_DIR, 'code-server/node_modules/code-server/out/node/entry.js');

/** User settings for every run: no telemetry, no update or gallery traffic, no welcome pages. */
export const BASE_SETTINGS = {
  // The folder is trusted through the setting (code-server's --disable-workspace-trust is not used).
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'workbench.enableExperiments': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
  'files.autoSave': 'off',
  'editor.codeLens': true,
  'editor.hover.enabled': true,
  'editor.hover.delay': 300,
  'editor.minimap.enabled': false,
  'editor.wordWrap': 'off',
  'problems.defaultViewMode': 'tree',
  // No fade-ins: a screenshot taken when a widget is found shows it fully drawn.
  'workbench.reduceMotion': 'on',
};

/** A free TCP port on 127.0.0.1 (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Runs code-server's CLI (install/list extensions) and resolves with its output. */
export function codeServerCli(args, { env, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CODE_SERVER_ENTRY, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`code-server ${args.join(' ')} timed out after ${timeoutMs / 1000}s\n${out}`));
    }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`code-server ${args.join(' ')} exited with ${code}\n${out}`));
    });
  });
}

/**
 * Prepares the folders of one run under `runDir`: user data (with settings), extensions,
 * XDG config/data homes (code-server writes its config.yaml and state there), and logs.
 */
export function prepareProfile(runDir, settings = {}) {
  const dirs = {
    runDir,
    userDataDir: path.join(runDir, 'user-data'),
    extensionsDir: path.join(runDir, 'extensions'),
    xdgConfig: path.join(runDir, 'xdg-config'),
    xdgData: path.join(runDir, 'xdg-data'),
    configFile: path.join(runDir, 'code-server.yaml'),
    logFile: path.join(runDir, 'code-server.log'),
  };
  for (const d of [dirs.userDataDir, dirs.extensionsDir, dirs.xdgConfig, dirs.xdgData]) fs.mkdirSync(d, { recursive: true });
  fs.mkdirSync(path.join(dirs.userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(path.join(dirs.userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...BASE_SETTINGS, ...settings }, null, 2));
  // Only what the command line does not already say; auth none, no TLS.
  fs.writeFileSync(dirs.configFile, 'auth: none\ncert: false\n');
  dirs.env = {
    ...process.env,
    XDG_CONFIG_HOME: dirs.xdgConfig,
    XDG_DATA_HOME: dirs.xdgData,
    // Keep the extension host's and language server's temp files inside the run folder.
    TMPDIR: path.join(runDir, 'tmp'),
  };
  fs.mkdirSync(dirs.env.TMPDIR, { recursive: true });
  delete dirs.env.PASSWORD;
  delete dirs.env.HASHED_PASSWORD;
  delete dirs.env.VSCODE_IPC_HOOK_CLI;
  return dirs;
}

export async function installExtension(dirs, vsixOrId) {
  const out = await codeServerCli([
    '--config', dirs.configFile, '--user-data-dir', dirs.userDataDir, '--extensions-dir', dirs.extensionsDir,
    '--force', '--install-extension', vsixOrId,
  ], { env: dirs.env });
  return out.trim();
}

export async function listExtensions(dirs) {
  const out = await codeServerCli([
    '--config', dirs.configFile, '--user-data-dir', dirs.userDataDir, '--extensions-dir', dirs.extensionsDir,
    '--list-extensions', '--show-versions',
  ], { env: dirs.env });
  return out.split('\n').map((l) => l.trim()).filter((l) => /^[\w.-]+\.[\w.-]+@/.test(l));
}

/**
 * Starts code-server on 127.0.0.1:<free port>; resolves once it says it listens.
 * Returns { url, port, stop() }. Its whole process group (extension host, language
 * server, file watcher, pty host) is ended by stop().
 */
export async function startCodeServer(dirs, { timeoutMs = 60_000 } = {}) {
  if (!fs.existsSync(CODE_SERVER_ENTRY)) {
    throw new Error(`code-server is not installed (${CODE_SERVER_ENTRY}); run: bash test/e2e/setup.sh`);
  }
  const port = await freePort();
  const args = [
    CODE_SERVER_ENTRY,
    '--config', dirs.configFile,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--user-data-dir', dirs.userDataDir,
    '--extensions-dir', dirs.extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--disable-proxy',
    '--ignore-last-opened',
  ];
  const log = fs.openSync(dirs.logFile, 'a');
  const child = spawn(process.execPath, args, {
    env: dirs.env,
    detached: true, // own process group, so stop() ends its children too
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });
  // Its own process group outlives us unless ended: do so however this process exits.
  const killGroup = () => { if (!exited) { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } } };
  process.once('exit', killGroup);

  await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => done(new Error(`code-server did not listen within ${timeoutMs / 1000}s; log: ${dirs.logFile}\n${buf.slice(-2000)}`)), timeoutMs);
    const onData = (d) => {
      fs.writeSync(log, d);
      buf += d;
      if (/HTTP server listening on/.test(buf)) done();
    };
    const onExit = (code) => done(new Error(`code-server exited (${code}) before listening; log: ${dirs.logFile}\n${buf.slice(-2000)}`));
    function done(err) {
      clearTimeout(timer);
      child.off('exit', onExit);
      if (err) reject(err); else resolve();
    }
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', onExit);
  });
  // Keep logging after startup.
  child.stdout.removeAllListeners('data');
  child.stderr.removeAllListeners('data');
  child.stdout.on('data', (d) => fs.writeSync(log, d));
  child.stderr.on('data', (d) => fs.writeSync(log, d));

  const stop = async () => {
    if (exited) return;
    const gone = new Promise((r) => child.once('exit', r));
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
    const t = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
    await Promise.race([gone, new Promise((r) => setTimeout(r, 8000))]);
    clearTimeout(t);
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    fs.closeSync(log);
  };
  return { url: `http://127.0.0.1:${port}`, port, pid: child.pid, stop, exited: () => exited };
}

/** Copies a folder for use as the workspace, leaving out caches. */
export function copyWorkspace(from, to) {
  fs.cpSync(from, to, {
    recursive: true,
    filter: (src) => !/(^|\/)(\.eci-cache|node_modules|\.git)(\/|$)/.test(path.relative(from, src)),
  });
  return to;
}

/** Newest files under `dir` whose path matches `re`, with their last lines (for failure reports). */
export function tailLogs(dir, re, { lines = 40, maxFiles = 6 } = {}) {
  const found = [];
  const walk = (d) => {
    let entries = [];
    try { entries = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (re.test(p)) found.push({ p, m: fs.statSync(p).mtimeMs });
    }
  };
  walk(dir);
  found.sort((a, b) => b.m - a.m);
  return found.slice(0, maxFiles).map(({ p }) => {
    const text = fs.readFileSync(p, 'utf8').trimEnd().split('\n');
    return `--- ${p} (last ${Math.min(lines, text.length)} of ${text.length} lines)\n${text.slice(-lines).join('\n')}`;
  }).join('\n');
}

export function makeRunDir(prefix = 'eci-e2e-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
