// Debian's chromium driven by playwright-core, and the few VS Code workbench gestures the
// checks need (command palette, quick open, go to line, status bar). Every wait is a
// locator wait with a timeout: nothing sleeps for a fixed time.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage', '--no-default-browser-check',
];

/** A persistent context in a fresh profile folder (never the machine's own profile). */
export async function launchBrowser(profileDir, { timeoutMs = 60_000 } = {}) {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found; run: bash test/e2e/setup.sh`);
  fs.mkdirSync(profileDir, { recursive: true });
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1600, height: 1000 },
    timeout: timeoutMs,
    // The run's own handlers close chromium and code-server and print the summary;
    // Playwright's would exit(130) first.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  context.setDefaultTimeout(30_000);
  context.setDefaultNavigationTimeout(60_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  return { context, page, consoleErrors };
}

const MOD = 'Control';

/** Opens `url` and waits for the workbench: status bar and explorer with the folder. */
export async function openWorkbench(page, url, { timeoutMs = 90_000 } = {}) {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
  // The explorer's tree appears when the folder's contents have been read.
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout: timeoutMs });
}

export async function closeWidgets(page) {
  // Escape closes the quick input, hovers, peek views and suggest widgets.
  for (let i = 0; i < 3; i++) await page.keyboard.press('Escape');
}

const quickInput = (page) => page.locator('.quick-input-widget');

/**
 * Runs a command through the command palette by its label. Commands that extensions
 * contribute appear once the extension host has registered them, so the palette is
 * reopened (each try a locator wait) until the entry shows or `timeoutMs` passes.
 */
export async function runCommand(page, label, { timeoutMs = 60_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  const qi = quickInput(page);
  const row = qi.locator('.monaco-list-row').filter({ hasText: label }).first();
  let shown = '';
  for (;;) {
    await closeWidgets(page);
    await page.keyboard.press('F1');
    await qi.waitFor({ state: 'visible', timeout: 15_000 });
    await qi.locator('input.input').fill(`>${label}`);
    try {
      await row.waitFor({ state: 'visible', timeout: 5_000 });
      break;
    } catch {
      shown = await qi.innerText().catch(() => '');
      if (Date.now() > deadline) {
        await closeWidgets(page);
        throw new Error(`command "${label}" is not in the command palette (palette shows: ${JSON.stringify(shown.slice(0, 500))})`);
      }
    }
  }
  await row.click();
  await qi.waitFor({ state: 'hidden', timeout: 15_000 });
}

/** Opens a workspace file through Quick Open and waits until its editor is active. */
export async function openFile(page, relPath, { timeoutMs = 30_000 } = {}) {
  await closeWidgets(page);
  const base = path.basename(relPath);
  await page.keyboard.press(`${MOD}+P`);
  const qi = quickInput(page);
  await qi.waitFor({ state: 'visible', timeout: timeoutMs });
  await qi.locator('input.input').fill(relPath);
  const row = qi.locator('.monaco-list-row', { hasText: base }).first();
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
  await row.click();
  await qi.waitFor({ state: 'hidden', timeout: timeoutMs });
  await page.locator(`.tabs-container .tab.active[aria-label*="${base}"]`).first()
    .waitFor({ state: 'visible', timeout: timeoutMs });
  await activeEditor(page).locator('.view-lines').waitFor({ state: 'visible', timeout: timeoutMs });
  await focusEditor(page);
}

/** The text editor of the active editor group. */
export function activeEditor(page) {
  return page.locator('.editor-group-container.active .monaco-editor').first();
}

export async function focusEditor(page) {
  const ed = activeEditor(page);
  // Focus the editor's input element; no click, which could move the cursor or hit a
  // webview overlay left over the editor area.
  const input = ed.locator('.native-edit-context, textarea.inputarea').first();
  try {
    await input.focus({ timeout: 5_000 });
  } catch {
    await ed.locator('.view-lines').click({ position: { x: 5, y: 5 }, timeout: 5_000 });
  }
  await page.locator('.editor-group-container.active .monaco-editor.focused').first()
    .waitFor({ state: 'attached', timeout: 5_000 });
}

/** Current cursor position from the status bar ("Ln 27, Col 1"). */
export async function cursorPosition(page, { timeoutMs = 10_000 } = {}) {
  const item = page.locator('[id="status.editor.selection"]');
  await item.waitFor({ state: 'visible', timeout: timeoutMs });
  const text = await item.innerText();
  const m = /Ln (\d+), Col (\d+)/.exec(text);
  if (!m) throw new Error(`unexpected cursor status "${text}"`);
  return { line: Number(m[1]), col: Number(m[2]) };
}

/** Waits until the status bar shows the cursor on `line` (1-based). */
export async function waitCursorLine(page, line, { timeoutMs = 10_000 } = {}) {
  await page.locator('[id="status.editor.selection"]', { hasText: new RegExp(`Ln ${line}, Col \\d+`) })
    .waitFor({ state: 'visible', timeout: timeoutMs });
}

/** Go to Line (Ctrl+G) and wait for the cursor to be there. */
export async function gotoLine(page, line, { timeoutMs = 15_000 } = {}) {
  await page.keyboard.press(`${MOD}+G`);
  const qi = quickInput(page);
  await qi.waitFor({ state: 'visible', timeout: timeoutMs });
  await qi.locator('input.input').fill(`:${line}`);
  await page.keyboard.press('Enter');
  await qi.waitFor({ state: 'hidden', timeout: timeoutMs });
  await waitCursorLine(page, line, { timeoutMs });
}

/** Ctrl+End, then wait for the status bar to show the last line as `lines` (1-based). */
export async function expectLineCount(page, lines, { timeoutMs = 10_000 } = {}) {
  await page.keyboard.press(`${MOD}+End`);
  try {
    await waitCursorLine(page, lines, { timeoutMs });
  } catch {
    const at = await cursorPosition(page).catch(() => null);
    throw new Error(`expected the editor to have ${lines} lines, but Ctrl+End went to line ${at?.line ?? '?'}`);
  }
}

/** Bounding box of the primary cursor of the active editor. */
export async function cursorBox(page, { timeoutMs = 10_000 } = {}) {
  const cursor = activeEditor(page).locator('.cursors-layer .cursor').first();
  await cursor.waitFor({ state: 'attached', timeout: timeoutMs });
  return cursor.boundingBox();
}

/** What is on screen, as text, for failure reports. */
export async function describeScreen(page) {
  const parts = [];
  const grab = async (label, locator, max = 800) => {
    try {
      if (await locator.count() === 0) return;
      const t = (await locator.first().innerText({ timeout: 2000 })).replace(/\s+\n/g, '\n').trim();
      if (t) parts.push(`${label}: ${JSON.stringify(t.length > max ? t.slice(0, max) + '…' : t)}`);
    } catch { /* element went away */ }
  };
  await grab('active tab', page.locator('.tabs-container .tab.active'));
  await grab('quick input', page.locator('.quick-input-widget:visible'));
  await grab('notifications', page.locator('.notifications-toasts:visible'));
  await grab('hover', page.locator('.monaco-hover:visible'));
  await grab('status bar', page.locator('.part.statusbar'), 400);
  await grab('panel', page.locator('.part.panel:visible .pane-body, .part.panel:visible .composite.panel'), 1200);
  await grab('editor', activeEditor(page).locator('.view-lines'), 1200);
  return parts.join('\n');
}
