// A tiny check runner: each check has a time limit, a screenshot on success and on
// failure, and a failure report that says what was on screen.
import fs from 'node:fs';
import path from 'node:path';
import { describeScreen } from './workbench.mjs';

const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

export class Runner {
  constructor({ page, outDir, log = console.log }) {
    this.page = page;
    this.outDir = outDir;
    this.log = log;
    this.results = [];
    this.n = 0;
    fs.mkdirSync(outDir, { recursive: true });
  }

  /** Screenshot of the whole page into outDir; returns its path. */
  async shot(name) {
    const file = path.join(this.outDir, `${String(this.n).padStart(2, '0')}-${slug(name)}.png`);
    try {
      await this.page.screenshot({ path: file, timeout: 15_000, animations: 'disabled' });
      return file;
    } catch (e) {
      return `(no screenshot: ${e.message.split('\n')[0]})`;
    }
  }

  /**
   * Runs one check. `fn({ shot, note })` throws to fail; `shot(name)` saves an extra
   * screenshot, `note(text)` adds a line to the check's report.
   */
  async check(name, fn, { timeoutMs = 120_000 } = {}) {
    this.n += 1;
    this.current = name;
    const started = Date.now();
    const notes = [];
    const shots = [];
    const ctx = {
      shot: async (what) => { const p = await this.shot(`${name} ${what}`); shots.push(p); return p; },
      note: (t) => notes.push(t),
    };
    let timer;
    try {
      await Promise.race([
        fn(ctx),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000}s`)), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      const file = await this.shot(name);
      shots.push(file);
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      this.results.push({ name, ok: true, secs, shots, notes });
      this.log(`PASS ${name} (${secs}s)`);
      for (const t of notes) this.log(`     ${t}`);
      this.log(`     screenshots: ${shots.join(', ')}`);
    } catch (err) {
      clearTimeout(timer);
      const file = await this.shot(`${name} FAILED`);
      shots.push(file);
      const screen = await describeScreen(this.page).catch((e) => `(could not read the screen: ${e.message})`);
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      this.results.push({ name, ok: false, secs, shots, notes, error: err });
      this.log(`FAIL ${name} (${secs}s)`);
      this.log(`     why: ${String(err?.message ?? err).split('\n').slice(0, 6).join('\n          ')}`);
      for (const t of notes) this.log(`     ${t}`);
      this.log(`     on screen:\n${screen.split('\n').map((l) => `       ${l}`).join('\n')}`);
      this.log(`     screenshots: ${shots.join(', ')}`);
      // Leave no widget open for the next check.
      for (let i = 0; i < 3; i++) await this.page.keyboard.press('Escape').catch(() => {});
    }
    this.current = null;
  }

  /** Records a failure that happened outside a check (startup). */
  fail(name, err) {
    this.results.push({ name, ok: false, shots: [], notes: [], error: err });
    this.log(`FAIL ${name}\n     why: ${String(err?.message ?? err)}`);
  }

  get passed() { return this.results.filter((r) => r.ok).length; }
  get failed() { return this.results.filter((r) => !r.ok).length; }

  summaryLine() { return `${this.passed} passed, ${this.failed} failed`; }
}
