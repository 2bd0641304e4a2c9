/**
 * Issue 5.5 — edit storms. An open triple file gets 100 changes per second for
 * 10 s (typing, inserted and deleted lines, lines broken and fixed, several
 * changes in one notification, whole-text replacements), a save every 500 ms
 * (each starts a run at once, which the next change cancels) and a hover every
 * 100 ms. Afterwards the published diagnostics must be exactly those a fresh
 * server computes for the final text on its own, for the final version; no
 * publish may carry an older version than one published before it; runs are
 * superseded rather than queued; memory returns to where it was; hovers keep
 * answering throughout.
 *
 * Once with the bundled default model on a copy of examples/ (the real encoder:
 * the last run embeds every text the storm typed), once with a loose file of
 * precomputed vectors (runs finish in milliseconds, so the storm races many
 * complete runs against newer versions).
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test, type TestContext } from 'node:test';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import type { RunState } from '../../common/protocol';
import { percentile, rssMb, runStorm, StormDoc, type StormReport } from '../helpers/editStorm';
import { TestClient, uri } from '../helpers/lspClient';
import { examplesWorkspace, looseWorkspace, MIXED, tempDir } from '../helpers/lspFixtures';

const RATE = 100;
/** ECI_STORM_SECONDS lengthens the storm for a manual soak test; CI uses 10 s. */
const SECONDS = Number(process.env.ECI_STORM_SECONDS) || 10;
/** Allowed growth of the server's RSS from before the storm to after it has settled. */
const RSS_BOUND_MB = 100;
/** Hover during the storm: the 95th percentile (the editor latency goal is 50 ms when idle; a storm shares two cores). */
const HOVER_P95_MS = 100;

const FINDINGS = new Set(['duplicate-of-positive', 'near-duplicate-of-positive', 'likely-false-negative', 'too-easy', 'lexical-only', 'redundant']);

const clients: TestClient[] = [];
after(() => Promise.all(clients.map((c) => c.stop())));

async function start(folder: string, cacheDir: string): Promise<TestClient> {
  const c = await TestClient.start({ folder, cacheDir });
  clients.push(c);
  return c;
}

/** Diagnostics by workspace-relative path (two servers on two copies of a folder compare like this). */
function byFile(client: TestClient, folder: string): Map<string, Diagnostic[]> {
  const out = new Map<string, Diagnostic[]>();
  for (const [u, p] of client.diagnostics) out.set(relative(folder, fileURLToPath(u)), portable(p.diagnostics, folder));
  return out;
}

/** Diagnostics with the folder's URI (in `data.scope` of a config's findings) made relative. */
function portable(ds: Diagnostic[], folder: string): Diagnostic[] {
  return JSON.parse(JSON.stringify(ds).split(uri(folder)).join('file:///<folder>')) as Diagnostic[];
}

/** Waits until the RSS is within `bound` MB of `base` (the GC returns memory lazily), or `ms` pass; returns the last reading. */
async function settledRss(pid: number, base: number, bound: number, ms: number): Promise<number> {
  const until = performance.now() + ms;
  let now = rssMb(pid);
  while (now > base + bound && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    now = rssMb(pid);
  }
  return now;
}

interface StormCase {
  folder: string;
  file: string;
  /** Lines the storm must leave alone: planted findings that the final text keeps. */
  keep: Set<string>;
  goodLines: string[];
  /** Scope the file belongs to (the run whose result we wait for). */
  scope: (s: string) => boolean;
}

async function stormAndCompare(t: TestContext, c: StormCase, seed: number): Promise<void> {
  const cache = tempDir('storm-cache');
  const client = await start(c.folder, cache);
  await client.waitForResults(undefined, 120_000);
  client.open(c.file);
  const original = client.text(c.file);
  await client.diagnosticsOf(c.file, (d, p) => p.version === 1 && d.some((x) => FINDINGS.has(String(x.code))), 60_000);
  const pid = client.child.pid!;
  const rssBefore = rssMb(pid);

  // Every publish of the file, in order; every run start.
  const published: PublishDiagnosticsParams[] = [];
  client.diagnosticListeners.push((p) => { if (p.uri === uri(c.file)) published.push(p); });
  const statusFrom = client.statuses.length;

  const doc = new StormDoc(client, c.file, original, 1);
  const report: StormReport = await runStorm(client, doc, {
    rate: RATE, seconds: SECONDS, seed, goodLines: c.goodLines, keep: c.keep, minLines: 20,
    saveEveryMs: 500, hoverEveryMs: 100, rssEveryMs: 200,
  });
  const stormEnd = performance.now();
  // The run of the final text: it starts after the debounce and publishes results.
  await client.waitFor('results', (p: { scopes: string[] }) => p.scopes.some(c.scope), 120_000);
  const final = await client.diagnosticsOf(c.file, (d, p) => p.version === report.finalVersion && d.some((x) => FINDINGS.has(String(x.code))), 60_000);
  const settleSeconds = (performance.now() - stormEnd) / 1000;
  const rssAfter = await settledRss(pid, rssBefore, RSS_BOUND_MB, 15_000);

  const runs = client.statuses.slice(statusFrom).filter((s: RunState) => s.state === 'running' && s.phase === 'start').length;
  const lateVersions = published.filter((p, k) => k > 0 && (p.version ?? 0) < (published[k - 1].version ?? 0));
  t.diagnostic(`${report.changes} changes in ${report.seconds.toFixed(1)} s (${report.saves} saves), final version ${report.finalVersion}, ` +
    `${report.finalText.split('\n').length - 1} lines, ${report.brokenAtEnd.length} broken at the end`);
  t.diagnostic(`runs started ${runs} for ${report.changes} changes; ${published.length} publishes; final diagnostics ${settleSeconds.toFixed(1)} s after the storm`);
  t.diagnostic(`hover: ${report.hoverMs.length} requests, median ${percentile(report.hoverMs, 0.5).toFixed(1)} ms, p95 ${percentile(report.hoverMs, 0.95).toFixed(1)} ms, max ${Math.max(...report.hoverMs).toFixed(1)} ms`);
  t.diagnostic(`server RSS: ${rssBefore.toFixed(0)} MB before, peak ${report.rssPeakMb.toFixed(0)} MB during, ${rssAfter.toFixed(0)} MB after settling`);

  // Versions only move forward, and nothing is ever published for a version the client never sent.
  assert.deepEqual(lateVersions.map((p) => p.version), [], 'no publish for an older version after a newer one');
  for (const p of published) assert.ok(p.version !== undefined && p.version <= report.finalVersion);
  // Runs are superseded, not queued: at most one per save plus the final one (and one in flight at the start).
  // (The bound means nothing if no run start was seen: the final text's run at least is one.)
  assert.ok(runs >= 1, 'the run of the final text was seen starting');
  assert.ok(runs <= report.saves + 2, `runs started (${runs}) ≤ saves (${report.saves}) + 2`);
  assert.ok(settleSeconds < 60, `the final result arrives in ${settleSeconds.toFixed(1)} s`);
  // Hovers answered throughout.
  assert.ok(report.hoverMs.length >= SECONDS * 9, `hovers sent and answered (${report.hoverMs.length})`);
  assert.ok(percentile(report.hoverMs, 0.95) < HOVER_P95_MS, `hover p95 ${percentile(report.hoverMs, 0.95).toFixed(1)} ms < ${HOVER_P95_MS} ms`);
  assert.ok(rssAfter - rssBefore < RSS_BOUND_MB, `RSS ${rssBefore.toFixed(0)} → ${rssAfter.toFixed(0)} MB (bound +${RSS_BOUND_MB} MB)`);

  // The final diagnostics: every broken line has its one error on its line, and the whole
  // set equals what a fresh server computes for the final text (same embeddings: a copy
  // of the cache, so numbers in messages match to the last digit).
  const invalid = final.filter((d) => d.code === 'invalid-triple').map((d) => d.range.start.line + 1);
  assert.deepEqual([...new Set(invalid)].sort((a, b) => a - b), report.brokenAtEnd, 'one invalid-triple error on each line still broken');
  const fresh = tempDir('storm-fresh');
  cpSync(c.folder, fresh, { recursive: true });
  const freshFile = join(fresh, relative(c.folder, c.file));
  writeFileSync(freshFile, report.finalText);
  const freshCache = tempDir('storm-cache2');
  cpSync(cache, freshCache, { recursive: true });
  const other = await start(fresh, freshCache);
  // Its first run reads the final text from disk; opening the file afterwards (unchanged) keeps that result current.
  await other.waitFor('results', (p: { scopes: string[] }) => p.scopes.some((s) => c.scope(s.replace(uri(fresh), uri(c.folder)))), 120_000);
  other.open(freshFile, report.finalText);
  const expected = await other.diagnosticsOf(freshFile, (d, p) => p.version === 1 && d.some((x) => FINDINGS.has(String(x.code))), 60_000);
  assert.deepEqual(portable(final, c.folder), portable(expected, fresh), 'the stormed file\'s diagnostics equal a fresh server\'s for the final text');
  // Every other file of the scope (and a config's source-level warnings) too.
  const mine = byFile(client, c.folder);
  const theirs = byFile(other, fresh);
  assert.deepEqual([...mine.keys()].sort(), [...theirs.keys()].sort());
  for (const [file, ds] of theirs) assert.deepEqual(mine.get(file), ds, `diagnostics of ${file}`);
  await other.stop();
  clients.splice(clients.indexOf(other), 1);
}

describe('edit storm: 100 changes per second for 10 s', () => {
  test('examples/ with the default model (real encoder)', async (t) => {
    const dir = examplesWorkspace();
    const llm = join(dir, 'data', 'llm.jsonl');
    const lines = readFileSync(llm, 'utf8').split('\n');
    // Planted duplicates (examples/README.md) stay, so the final result has findings to compare.
    const keep = new Set([27, 39, 47, 58].map((n) => lines[n - 1]));
    const goodLines = ['bm25', 'random'].flatMap((f) => readFileSync(join(dir, 'data', `${f}.jsonl`), 'utf8').split('\n').filter(Boolean)).slice(0, 40);
    await stormAndCompare(t, { folder: dir, file: llm, keep, goodLines, scope: (s) => s.endsWith('eci.config.jsonc') }, 51);
  });

  test('a loose file with precomputed vectors', async (t) => {
    const dir = looseWorkspace();
    const mixed = join(dir, 'mixed.jsonl');
    const lines = readFileSync(mixed, 'utf8').split('\n');
    const keep = new Set([...MIXED.duplicates, MIXED.falseNegative, MIXED.list].map((n) => lines[n - 1]));
    const goodLines = readFileSync(join(dir, 'hard.jsonl'), 'utf8').split('\n').filter(Boolean);
    await stormAndCompare(t, { folder: dir, file: mixed, keep, goodLines, scope: (s) => s === 'workspace' }, 52);
  });
});
