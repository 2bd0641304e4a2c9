// The checks, written against what a user sees in VS Code. Which texts to expect is a
// parameter: run.mjs passes eci-sem's, smoke.mjs passes those of its stand-in extension.
import fs from 'node:fs';
import path from 'node:path';
import {
  activeEditor, closeWidgets, cursorBox, expectLineCount, focusEditor, gotoLine, openFile,
  runCommand, waitCursorLine,
} from './workbench.mjs';

const MOD = 'Control';

/** A name as a word of its own: "Dense" must not be found inside "Dense+LLM". */
export const wordRe = (name) =>
  new RegExp(`(^|[^\\w+])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w+])`);

async function openProblems(page) {
  await runCommand(page, 'Focus on Problems View');
  const panel = page.locator('.markers-panel');
  await panel.waitFor({ state: 'visible', timeout: 15_000 });
  return panel;
}

async function filterProblems(page, text) {
  const input = page.locator('.part.panel .viewpane-filter input, .part.panel .markers-panel-action-filter input').first();
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(text);
}

/**
 * Problems panel: for each expectation { filter, file, message, severity }, typing
 * `filter` in the panel's filter box leaves a marker row matching `message` with the
 * given severity icon, under a file row for `file`.
 */
export async function checkProblems(page, expectations, { shot, note }, { timeoutMs = 120_000 } = {}) {
  const panel = await openProblems(page);
  for (const exp of expectations) {
    await filterProblems(page, exp.filter);
    const fileRow = panel.locator('.monaco-list-row[aria-level="1"]', { hasText: exp.file }).first();
    const markerRow = panel.locator('.monaco-list-row[aria-level="2"]', { hasText: exp.message })
      .filter({ has: page.locator(`.codicon-${exp.severity}`) }).first();
    try {
      // Wait for the analysis to publish a matching problem, somewhere.
      await panel.locator('.monaco-list-row[aria-level="1"]').first().waitFor({ state: 'visible', timeout: timeoutMs });
      // The tree is virtualised: other files' markers can push `file` out of view. Collapse
      // every file (the panel's Collapse All), then expand `file` alone.
      await page.locator('.part.panel .codicon-collapse-all').first().click({ timeout: 10_000 });
      await fileRow.waitFor({ state: 'visible', timeout: timeoutMs });
      if ((await fileRow.getAttribute('aria-expanded')) !== 'true') await fileRow.click();
      await panel.locator('.monaco-list-row[aria-level="1"][aria-expanded="true"]', { hasText: exp.file }).first()
        .waitFor({ state: 'visible', timeout: 10_000 });
      await markerRow.waitFor({ state: 'visible', timeout: 15_000 });
    } catch (e) {
      const rows = await panel.locator('.monaco-list-row').allInnerTexts().catch(() => []);
      throw new Error(`no ${exp.severity} matching ${exp.message} under ${exp.file} after filtering "${exp.filter}" `
        + `(${e.message.split('\n')[0]}); rows shown: ${JSON.stringify(rows.slice(0, 12).map((r) => r.replace(/\s+/g, ' ')))}`);
    }
    // The marker must sit under the file: the first file row above it is `file`.
    const owner = await markerRow.evaluate((row) => {
      const rows = [...row.parentElement.querySelectorAll('.monaco-list-row')]
        .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top));
      const level = (r) => Number(r.getAttribute('aria-level') ?? 0);
      const i = rows.indexOf(row);
      for (let j = i - 1; j >= 0; j--) if (level(rows[j]) < level(row)) return rows[j].innerText;
      return null;
    });
    if (owner !== null && !owner.includes(exp.file)) {
      throw new Error(`marker ${exp.message} is listed under "${owner.replace(/\s+/g, ' ')}", not ${exp.file}`);
    }
    note(`${exp.file}: ${(await markerRow.innerText()).replace(/\s+/g, ' ').trim()}`);
    await shot(`filter ${exp.filter}`);
  }
  await filterProblems(page, '');
}

/**
 * CodeLens: `file` shows at least `min` lenses whose text matches `text`; with `above`,
 * each of them sits right above a line matching `above` (a source entry of the config).
 */
export async function checkCodeLens(page, { file, text, min = 1, above }, { note }, { timeoutMs = 120_000 } = {}) {
  await openFile(page, file);
  const editor = activeEditor(page);
  const lenses = editor.locator('.codelens-decoration').filter({ hasText: text });
  try {
    await lenses.nth(min - 1).waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    const all = await editor.locator('.codelens-decoration').allInnerTexts().catch(() => []);
    throw new Error(`expected ${min} CodeLens matching ${text} in ${file}; lenses shown: ${JSON.stringify(all)}`);
  }
  // Each lens with the first editor line drawn below it (Monaco draws spaces as U+00A0).
  const placed = await editor.evaluate((ed, src) => {
    const lensRe = new RegExp(src);
    const lines = [...ed.querySelectorAll('.view-lines .view-line')]
      .map((l) => ({ top: l.getBoundingClientRect().top, text: l.textContent.replace(/\u00a0/g, ' ') }))
      .sort((a, b) => a.top - b.top);
    return [...ed.querySelectorAll('.codelens-decoration')]
      .filter((z) => lensRe.test(z.textContent))
      .map((z) => {
        const bottom = z.getBoundingClientRect().bottom;
        const next = lines.find((l) => l.top >= bottom - 2);
        return { lens: z.textContent.trim(), line: next ? next.text.trim() : null };
      });
  }, text.source);
  for (const p of placed) {
    if (above && !(p.line && above.test(p.line))) {
      throw new Error(`CodeLens "${p.lens}" is not above a line matching ${above}; the line below it is ${JSON.stringify(p.line)}`);
    }
    note(`lens "${p.lens}" above ${JSON.stringify(p.line?.slice(0, 60))}`);
  }
}

/**
 * Hover: on line `line` of `file`, the mouse over the text brings up a hover whose text
 * matches every regex of `expect`. Falls back to the keyboard (Ctrl+K Ctrl+I) if the
 * mouse hover does not show.
 */
export async function checkHover(page, { file, line, expect }, { note }, { timeoutMs = 60_000 } = {}) {
  await openFile(page, file);
  await gotoLine(page, line);
  await closeWidgets(page);
  const box = await cursorBox(page);
  const hover = () => page.locator('.monaco-hover').filter({ hasText: expect[0] }).first();
  const x = box.x + 80;
  const y = box.y + box.height / 2;
  await page.mouse.move(x - 40, y);
  await page.mouse.move(x, y, { steps: 4 });
  let how = 'mouse';
  try {
    await hover().waitFor({ state: 'visible', timeout: Math.min(15_000, timeoutMs) });
  } catch {
    how = 'keyboard (Ctrl+K Ctrl+I)';
    await focusEditor(page);
    await gotoLine(page, line);
    await page.keyboard.press('End');
    await page.keyboard.press(`${MOD}+K`);
    await page.keyboard.press(`${MOD}+I`);
    try {
      await hover().waitFor({ state: 'visible', timeout: timeoutMs });
    } catch {
      const shown = await page.locator('.monaco-hover:visible').allInnerTexts().catch(() => []);
      throw new Error(`no hover matching ${expect[0]} on ${file}:${line}; hovers shown: ${JSON.stringify(shown)}`);
    }
  }
  const text = await hover().innerText();
  const missing = expect.filter((re) => !re.test(text));
  if (missing.length) throw new Error(`hover on ${file}:${line} lacks ${missing.join(', ')}; it says ${JSON.stringify(text)}`);
  note(`hover (${how}): ${JSON.stringify(text.replace(/\s+/g, ' ').slice(0, 300))}`);
}

/** The frame of the (single) visible webview: VS Code nests it in two iframes. */
export function webviewFrame(page) {
  return page.frameLocator('iframe.webview.ready').first().frameLocator('#active-frame');
}

/**
 * Ranking panel: `command` opens a webview that names every source of `names`. Each
 * string of `literal` (markup, in a source name) must be shown as exactly that text,
 * and the page must hold no element that data could have made (img, inline script…).
 */
export async function checkWebview(page, { command, names, literal = [] }, { note }, { timeoutMs = 120_000 } = {}) {
  await runCommand(page, command);
  await page.locator('iframe.webview.ready').first().waitFor({ state: 'attached', timeout: 30_000 });
  const frame = webviewFrame(page);
  await frame.locator('body').waitFor({ state: 'attached', timeout: 30_000 });
  const missing = [];
  for (const name of names) {
    try {
      // getByText finds the smallest element whose text matches (textContent of the
      // whole body would glue table cells together: "1BM252Dense").
      await frame.getByText(wordRe(name)).first().waitFor({ state: 'visible', timeout: timeoutMs });
    } catch {
      missing.push(name);
      if (missing.length === 1) {
        const frames = page.frames().map((f) => `${f.name() || '(unnamed)'} ${f.url().replace(/\?.*/, '')}`);
        note(`frames: ${JSON.stringify(frames)}`);
      }
      timeoutMs = 2_000; // the page is there; do not wait the full time for each missing name
    }
  }
  const text = await frame.locator('body').innerText().catch(() => '');
  if (missing.length) throw new Error(`webview lacks ${missing.join(', ')}; it shows ${JSON.stringify(text.slice(0, 600))}`);
  for (const s of literal) {
    try {
      await frame.getByText(s, { exact: true }).first().waitFor({ state: 'visible', timeout: 10_000 });
    } catch {
      throw new Error(`webview does not show ${JSON.stringify(s)} as text; it shows ${JSON.stringify(text.slice(0, 600))}`);
    }
  }
  if (literal.length > 0) {
    // The panel's content lives in #app (VS Code adds its own script to the page's head).
    const injected = await frame.locator('#app').evaluate((app) => [...app.querySelectorAll('img, iframe, object, embed, script, style, link, [onerror], [onload], [onclick]')]
      .map((el) => el.outerHTML.slice(0, 120)));
    if (injected.length > 0) throw new Error(`the panel holds element(s) made from data: ${JSON.stringify(injected)}`);
    note(`webview shows ${literal.map((s) => JSON.stringify(s)).join(', ')} as text; no element made from it`);
  }
  note(`webview: ${JSON.stringify(text.replace(/\s+/g, ' ').slice(0, 300))}`);
}

/** Saves the active editor and waits until its tab is no longer dirty. */
async function save(page, timeoutMs = 15_000) {
  await page.keyboard.press(`${MOD}+S`);
  await page.locator('.editor-group-container.active .tabs-container .tab.active.dirty')
    .waitFor({ state: 'detached', timeout: timeoutMs });
}

/**
 * Quick fix: on line `line` of `file` (reached with Go to Next Problem, so the cursor is
 * on the diagnostic), Ctrl+. offers `title`; applying it removes exactly that line (editor
 * line count and the saved file); Undo brings it back (line count and saved file again).
 */
export async function checkQuickFix(page, { workspace, file, line, title, message }, { shot, note }, { timeoutMs = 60_000 } = {}) {
  const diskPath = path.join(workspace, file);
  const original = fs.readFileSync(diskPath, 'utf8');
  const lines = original.split('\n');
  const expectedAfter = [...lines.slice(0, line - 1), ...lines.slice(line)].join('\n');

  await openFile(page, file);
  await expectLineCount(page, lines.length);
  // From the end of the line above, F8 (Go to Next Problem) lands on the first problem of
  // `line` and shows its message; repeat while other problems of that line come first.
  await gotoLine(page, line - 1);
  await page.keyboard.press('End');
  let found = false;
  for (let i = 0; i < 6 && !found; i++) {
    await page.keyboard.press('F8');
    const widget = page.locator('.marker-widget').first();
    await widget.waitFor({ state: 'visible', timeout: 15_000 });
    // The status bar follows the cursor a moment later: wait until it has left the line above
    // (under load it still showed that line when read at once).
    const selection = page.locator('[id="status.editor.selection"]');
    const lineNow = async () => Number(/Ln (\d+)/.exec(await selection.innerText())?.[1] ?? NaN);
    for (let t = 0; t < 50 && (await lineNow()) === line - 1; t++) await page.waitForTimeout(100);
    const at = await lineNow();
    if (at !== line) throw new Error(`Go to Next Problem went to line ${at}, not ${line}: no problem on ${file}:${line}?`);
    const text = await widget.innerText();
    found = !message || message.test(text);
  }
  if (!found) throw new Error(`no problem matching ${message} on ${file}:${line}`);
  await page.keyboard.press('Escape');
  await page.locator('.marker-widget').first().waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => {});
  await waitCursorLine(page, line);

  await page.keyboard.press(`${MOD}+.`);
  const action = page.locator('.action-widget .monaco-list-row', { hasText: title }).first();
  try {
    await action.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    const offered = await page.locator('.action-widget .monaco-list-row').allInnerTexts().catch(() => []);
    throw new Error(`Ctrl+. on ${file}:${line} does not offer "${title}"; offered: ${JSON.stringify(offered)}`);
  }
  await shot('offered');
  // Select it with the keyboard (a click can race the widget's layout): the widget
  // focuses the first action; move down until the wanted one is focused, then Enter.
  const focused = page.locator('.action-widget .monaco-list-row.focused', { hasText: title }).first();
  let selected = false;
  for (let i = 0; i < 10 && !selected; i++) {
    try {
      await focused.waitFor({ state: 'visible', timeout: 1_500 });
      selected = true;
    } catch {
      await page.keyboard.press('ArrowDown');
    }
  }
  if (!selected) throw new Error(`could not select "${title}" in the quick fix menu`);
  await page.keyboard.press('Enter');
  await page.locator('.action-widget').first().waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => {});

  await expectLineCount(page, lines.length - 1);
  await save(page);
  const afterFix = fs.readFileSync(diskPath, 'utf8');
  if (afterFix !== expectedAfter) {
    throw new Error(`after "${title}" the saved file is not the original minus line ${line} `
      + `(${afterFix.split('\n').length} lines, expected ${lines.length - 1})`);
  }
  note(`"${title}" removed ${file}:${line} (${lines.length} → ${lines.length - 1} lines, checked on disk)`);
  await shot('applied');

  await page.keyboard.press(`${MOD}+Z`);
  await expectLineCount(page, lines.length);
  await save(page);
  const afterUndo = fs.readFileSync(diskPath, 'utf8');
  if (afterUndo !== original) throw new Error(`after Undo the saved ${file} differs from the original`);
  await gotoLine(page, line);
  note(`Undo restored the line (${lines.length} lines, file identical to the original)`);
}
