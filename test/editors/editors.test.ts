/**
 * Neovim, Emacs + eglot and Vim + ALE, as Debian 12 ships them, driving the
 * real server (`eci-sem lsp --stdio`, dist/ built) with the snippets of
 * docs/lsp.md as their user config. Each probe opens a generated triple file,
 * waits for the findings, opens the hover on a duplicate, reads the CodeLens
 * (Neovim) or the config source's hover (Emacs, Vim), deletes a line, saves
 * and sees the findings move; the test fails on any warning or error the
 * editor showed. Missing editors skip locally and fail in CI (.ci/run
 * installs them: neovim emacs-nox elpa-eglot vim-nox vim-ale).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { tempDir } from '../helpers/lspFixtures';
import {
  DELETED_LINE, docSnippet, DUPLICATES, DUPLICATES_AFTER_EDIT, editorEnv, editorWorkspace, hasBinary, linkedBin,
  readReport, runEditor, type ProbeReport, type Run,
} from './harness';

const HERE = __dirname;
const EDITOR_TIMEOUT_MS = 120_000;
/** What an editor says when something went wrong: Vim's E123:, "Error …", "Warning …". */
const TROUBLE = /\bE\d{2,4}:|error|warn/i;

function missing(what: string, installed: () => boolean, apt: string): string | false {
  if (process.env.CI || installed()) return false;
  return `${what} is not installed (apt-get install --no-install-recommends ${apt}); in CI this fails instead of skipping`;
}

const eglotInstalled = () => hasBinary('emacs')
  && spawnSync('emacs', ['--batch', '--eval', '(progn (package-activate-all) (kill-emacs (if (locate-library "eglot") 0 1)))'], { stdio: 'ignore' }).status === 0;
const aleInstalled = () => hasBinary('vim')
  && ['/usr/share/vim/vimfiles/pack/dist-bundle/opt/ale', join(process.env.HOME ?? '', '.vim', 'pack')].some((p) => existsSync(p));

function probeEnv(home: string, bin: string, out: string): NodeJS.ProcessEnv {
  return editorEnv(home, bin, {
    ECI_PROBE_OUT: out,
    ECI_PROBE_BEFORE: DUPLICATES.join(','),
    ECI_PROBE_AFTER: DUPLICATES_AFTER_EDIT.join(','),
    ECI_PROBE_DELETE: String(DELETED_LINE),
  });
}

/** Lines of what the editor showed that speak of a warning or an error. */
function trouble(report: ProbeReport, run: Run): string[] {
  return [report.messages, run.stdout, run.stderr].join('\n').split('\n').filter((l) => TROUBLE.test(l));
}

/** The checks every editor shares: findings before and after the edit, the hover, a clean log. */
function judge(name: string, report: ProbeReport, run: Run): void {
  const context = `\n${name} said:\n${report.messages}\nstderr:\n${run.stderr.slice(-2000)}`;
  assert.deepEqual(report.failures, [], `${name}: every step finished${context}`);
  assert.deepEqual(report.duplicatesBefore, DUPLICATES, `duplicate-of-positive shown on lines ${DUPLICATES.join(', ')}`);
  assert.match(report.hover, /duplicate-of-positive/, `the hover on line ${DUPLICATES[0]} names its finding`);
  assert.match(report.hover, /a {7}b {7}c {7}t {7}l {7}r {7}w/, 'the hover shows the numbers block');
  assert.deepEqual(report.duplicatesAfter, DUPLICATES_AFTER_EDIT, `after deleting line ${DELETED_LINE} and saving, the duplicate is on line ${DUPLICATES_AFTER_EDIT.join(', ')}`);
  assert.deepEqual(trouble(report, run), [], `${name} showed no warning or error${context}`);
  assert.equal(run.code, 0, `${name} exited cleanly${context}`);
}

describe('editors on a stock Debian 12', () => {
  let bin: string;
  before(() => { bin = linkedBin(); });

  test('Neovim: diagnostics, hover, CodeLens and its ranking, edits', { skip: missing('nvim', () => hasBinary('nvim'), 'neovim') }, async () => {
    const ws = editorWorkspace();
    const home = tempDir('nvim-home');
    mkdirSync(join(home, '.config', 'nvim'), { recursive: true });
    writeFileSync(join(home, '.config', 'nvim', 'init.lua'), docSnippet('neovim'));
    const out = join(home, 'report.json');
    // The probe goes in first (--cmd) so it sees every message; the snippet is the user's init.lua.
    const run = await runEditor('nvim', ['--headless', '-i', 'NONE', '-n', '--cmd', `luafile ${join(HERE, 'probe.lua')}`, 'data/mixed.jsonl', '-c', 'lua EciProbe()'],
      { cwd: ws, env: probeEnv(home, bin, out), timeoutMs: EDITOR_TIMEOUT_MS });
    const report = readReport(out, run);
    judge('Neovim', report, run);
    assert.match(report.lenses?.[0] ?? '', /^Mixed: ECI_sem [\d.]+ · rank 1\/2 plain · .*\d+% weak$/, `the CodeLens at the top of the file: ${report.lenses}`);
    assert.match(report.ranking ?? '', /^# ECI_sem ranking/m, 'the lens opened the ranking');
    assert.match(report.ranking ?? '', /\| Mixed \|/, 'the ranking lists the source');
  });

  test('Emacs + eglot: no warning on connect, Flymake, ElDoc hover, the config card, settings pulled on save', { skip: missing('emacs with eglot', eglotInstalled, 'emacs-nox elpa-eglot') }, async () => {
    const ws = editorWorkspace();
    const home = tempDir('emacs-home');
    const init = join(home, 'eci-sem.el');
    writeFileSync(init, docSnippet('emacs'));
    const out = join(home, 'report.json');
    // --batch skips the startup that activates installed packages (elpa-eglot): do that first, then the user's init.
    const run = await runEditor('emacs', ['--batch', '--eval', '(package-activate-all)', '-l', init, '-l', join(HERE, 'probe.el')],
      { cwd: join(ws, 'data'), env: probeEnv(home, bin, out), timeoutMs: EDITOR_TIMEOUT_MS });
    const report = readReport(out, run);
    judge('Emacs', report, run);
    assert.doesNotMatch(report.messages, /unsupported capability/, 'eglot 1.9 was asked to register nothing it cannot');
    assert.match(report.configHover ?? '', /\*\*Mixed\*\*.* rank 1 of 2\b/, 'the hover on the config source is its score card');
    const capped = report.cappedDiagnostics ?? [];
    assert.equal(capped.length, 2, `maxDiagnosticsPerFile 1, changed in Emacs and saved: one finding and the "more" note, got ${capped.join(' | ')}`);
    assert.ok(capped.some((m) => /more-findings/.test(m)), 'the "more findings" diagnostic says some are not shown');
  });

  test('Vim + ALE: loclist, :ALEHover opens and returns the cursor, the config card, edits', { skip: missing('vim with ALE', aleInstalled, 'vim-nox vim-ale') }, async () => {
    const ws = editorWorkspace();
    const home = tempDir('vim-home');
    const vimrc = join(home, '.vimrc');
    writeFileSync(vimrc, `set nocompatible\nfiletype plugin on\nsyntax on\n${docSnippet('vim-ale')}`);
    const out = join(home, 'report.json');
    const run = await runEditor('vim', ['-N', '-u', vimrc, '-i', 'NONE', '-n', '-es', 'mixed.jsonl', '-S', join(HERE, 'probe.vim')],
      { cwd: join(ws, 'data'), env: probeEnv(home, bin, out), timeoutMs: EDITOR_TIMEOUT_MS });
    const report = readReport(out, run);
    judge('Vim', report, run);
    assert.equal(report.cursorBack, true, ':ALEHover left the cursor in the window it was called from');
    assert.match(report.configHover ?? '', /\*\*Mixed\*\*.* rank 1 of 2\b/, 'the hover on the config source is its score card');
  });
});
