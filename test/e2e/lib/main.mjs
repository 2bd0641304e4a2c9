// One end-to-end run: fresh profile → install the extension → copy the workspace →
// code-server on 127.0.0.1 → chromium → checks → "N passed, M failed".
import fs from 'node:fs';
import path from 'node:path';
import {
  ROOT, copyWorkspace, listExtensions, makeRunDir, prepareProfile, startCodeServer, tailLogs,
} from './codeserver.mjs';
import { Runner } from './runner.mjs';
import { launchBrowser, openWorkbench } from './workbench.mjs';

export const OUT_DIR = path.join(ROOT, 'test-output', 'e2e');

/**
 * @param {object} o
 * @param {string} o.title             printed first
 * @param {string} o.outDir            screenshots folder (emptied first)
 * @param {(dirs) => Promise<void>} o.install   puts the extension into dirs.extensionsDir
 * @param {string} o.extensionId       publisher.name that must be listed after install
 * @param {string} o.workspaceFrom     folder copied as the workspace
 * @param {(dir: string) => void} [o.prepareWorkspace]  changes the copy before code-server opens it
 * @param {Array<{name, timeoutMs?, run: (ctx) => Promise<void>}>} o.checks  ctx: { page, workspace, shot, note }
 * @param {object} [o.settings]        extra user settings
 * @param {number} [o.totalTimeoutMs]  hard limit for the whole run
 */
export async function runE2E(o) {
  const totalTimeoutMs = Number(process.env.E2E_TIMEOUT_MS ?? o.totalTimeoutMs ?? 300_000);
  const keep = process.argv.includes('--keep') || process.env.E2E_KEEP === '1';
  const t0 = Date.now();
  const log = (s) => console.log(s);
  log(`# ${o.title}`);

  fs.rmSync(o.outDir, { recursive: true, force: true });
  fs.mkdirSync(o.outDir, { recursive: true });
  const runDir = makeRunDir();
  const dirs = prepareProfile(runDir, o.settings);
  const workspace = path.join(runDir, 'workspace');
  let server = null;
  let browser = null;
  let runner = null;
  let finished = false;
  let stopping = false;

  const cleanup = async () => {
    await browser?.context.close().catch(() => {});
    await server?.stop().catch(() => {});
    if (!keep) fs.rmSync(runDir, { recursive: true, force: true });
    else log(`kept run folder: ${runDir}`);
  };
  const reportLogs = () => {
    const logs = tailLogs(dirs.userDataDir, /logs\/.*((remoteexthost|remoteagent)\.log|eci[^/]*\/[^/]*\.log|smoke[^/]*\/[^/]*\.log)$/i, { lines: 30 });
    if (logs) log(`\n# logs\n${logs}`);
    log(`--- ${dirs.logFile}\n${fs.existsSync(dirs.logFile) ? fs.readFileSync(dirs.logFile, 'utf8').split('\n').slice(-20).join('\n') : ''}`);
  };

  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, async () => {
      stopping = true;
      const passed = runner?.passed ?? 0;
      const failed = (runner?.failed ?? 0) + 1;
      log(`\nFAIL e2e run: ${sig}${runner?.current ? ` during "${runner.current}"` : ''}; stopping code-server and chromium`);
      await Promise.race([cleanup(), new Promise((r) => setTimeout(r, 10_000))]);
      if (!keep) fs.rmSync(runDir, { recursive: true, force: true });
      log(`${passed} passed, ${failed} failed`);
      process.exit(1);
    });
  }

  // The whole run, whatever hangs, ends within totalTimeoutMs.
  const watchdog = setTimeout(async () => {
    if (finished) return;
    stopping = true;
    const passed = runner?.passed ?? 0;
    const failed = (runner?.failed ?? 0) + 1;
    log(`\nFAIL e2e run: exceeded ${totalTimeoutMs / 1000}s in total${runner?.current ? ` during "${runner.current}"` : ''}; stopping.`);
    reportLogs();
    await Promise.race([cleanup(), new Promise((r) => setTimeout(r, 15_000))]);
    if (!keep) fs.rmSync(runDir, { recursive: true, force: true });
    log(`${passed} passed, ${failed} failed`);
    process.exit(1);
  }, totalTimeoutMs);

  try {
    log(`run folder: ${runDir}`);
    await o.install(dirs);
    const installed = await listExtensions(dirs);
    if (!installed.some((l) => l.toLowerCase().startsWith(`${o.extensionId.toLowerCase()}@`))) {
      throw new Error(`extension ${o.extensionId} is not installed; code-server lists: ${JSON.stringify(installed)}`);
    }
    log(`installed: ${installed.join(', ')}`);
    copyWorkspace(o.workspaceFrom, workspace);
    o.prepareWorkspace?.(workspace);

    server = await startCodeServer(dirs);
    log(`code-server: ${server.url} (pid ${server.pid}, log ${dirs.logFile})`);
    browser = await launchBrowser(path.join(runDir, 'chromium-profile'));
    const { page } = browser;
    runner = new Runner({ page, outDir: o.outDir, log });

    await runner.check('workbench opens the workspace', async () => {
      await openWorkbench(page, `${server.url}/?folder=${encodeURIComponent(workspace)}`);
    }, { timeoutMs: 120_000 });

    if (runner.failed === 0) {
      for (const c of o.checks) {
        if (stopping) break;
        await runner.check(c.name, (ctx) => c.run({ ...ctx, page, workspace }), { timeoutMs: c.timeoutMs ?? 120_000 });
      }
    }
  } catch (err) {
    runner ??= new Runner({ page: null, outDir: o.outDir, log });
    runner.fail('e2e setup', err);
  }

  // After a time-out or a signal, the handler reports, cleans up and exits; the checks it cut short
  // must not print a second summary.
  if (stopping) await new Promise(() => {});
  if (runner.failed > 0) {
    reportLogs();
    if (browser?.consoleErrors.length) {
      log(`\n# browser console errors (last 10)\n${browser.consoleErrors.slice(-10).join('\n')}`);
    }
  }
  finished = true;
  clearTimeout(watchdog);
  await Promise.race([cleanup(), new Promise((r) => setTimeout(r, 20_000))]);
  log(`\ne2e took ${((Date.now() - t0) / 1000).toFixed(1)}s; screenshots in ${path.relative(process.cwd(), o.outDir) || o.outDir}`);
  log(runner.summaryLine());
  return runner.failed === 0 ? 0 : 1;
}
