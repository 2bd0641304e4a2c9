/**
 * Item 4: editor latency. Starts the language server (dist/server.js from `npm run build`,
 * i.e. `eci-sem lsp --stdio`) over stdio on a workspace holding a synthetic set, opens one
 * triple file and waits for its results (the embedding cache of bench/e2e.ts is reused
 * when present, so this first run is a warm one). Then more triples with new texts are
 * appended to another file of the same source config (a watched-file change), and while
 * the server's background run embeds them (eci/status: running, phase embed) hover and
 * CodeLens requests go to random lines of the open file, each timed from send to response.
 * Before that, one line of the open file is edited (didChange) and the time to the new
 * results is taken: the warm edit re-run as the editor sees it (lsp_edit_rerun_s).
 * Skips with a message when the server has not been built.
 *
 *   npx tsx bench/lsp.ts [--triples=20000] [--added=3000] [--seconds=45] [--samples=300] [--cpu-prof=DIR]
 *
 * `--cpu-prof=DIR` runs the server under V8's profiler (one .cpuprofile per thread in DIR,
 * for bench/cpuprof-top.ts): what the figures above are made of.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { args, ensureOut, load1, log, machine, median, percentile, record, ROOT, round } from './common';
import { synthesize, SOURCES } from './synth';
import { mulberry32 } from './synth';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const { value } = args();
  const server = join(ROOT, 'dist', 'server.js');
  if (!existsSync(server)) {
    log('lsp: SKIPPED — dist/server.js does not exist (the language server is built by `npm run build`)');
    record('lsp', { lsp_p99_ms: null }, { skipped: 'dist/server.js missing' });
    return;
  }
  const seconds = value('seconds', 45);
  const wanted = value('samples', 300);
  const set = await synthesize(ensureOut('data'), { triples: value('triples', 20_000), seed: 1 });
  // New texts for the background run: another seed's triples, appended to a file that is not open.
  const extra = await synthesize(ensureOut('data'), { triples: value('added', 3000) * SOURCES.length, seed: 2 });
  const ws = join(ensureOut('lsp'), 'ws');
  const cacheDir = join(ensureOut('lsp'), 'cache');
  rmSync(ws, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
  cpSync(set.dir, ws, { recursive: true });
  const warmCache = join(ensureOut('e2e-cache'), `t${set.triples}`);
  const warm = existsSync(warmCache);
  if (warm) cpSync(warmCache, cacheDir, { recursive: true });
  const file = join(ws, `${SOURCES[0]}.jsonl`);
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n').length - 1;
  const grown = join(ws, `${SOURCES[SOURCES.length - 1]}.jsonl`);
  const added = readFileSync(join(extra.dir, `${SOURCES[SOURCES.length - 1]}.jsonl`), 'utf8');

  const profileDir = process.argv.find((a) => a.startsWith('--cpu-prof='))?.slice('--cpu-prof='.length);
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...profile, server, '--stdio'], { cwd: ws, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  let exited: string | null = null;
  const gone = new Promise<never>((_, fail) => child.on('exit', (code, sig) => {
    exited = `exit code ${code}${sig ? `, signal ${sig}` : ''}`;
    fail(new Error(`the server ended (${exited})`));
  }));
  gone.catch(() => undefined);
  const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  conn.onRequest(() => null); // registerCapability, workDoneProgress/create, …: accept
  let state: { state: string; phase?: string; done?: number; total?: number; seconds?: number } = { state: 'idle' };
  let doneCount = 0;
  const seen: string[] = [];
  conn.onNotification('eci/status', (s: typeof state) => {
    state = s;
    if (s.state === 'done') doneCount++;
    const tag = `${s.state}${s.phase ? `/${s.phase}` : ''}`;
    if (seen[seen.length - 1] !== tag) seen.push(tag);
  });
  // A full result: eci/resultsChanged without `provisional` (the sample-scope ranking of a run
  // still measuring) or `stability` (the half-sample check of results already announced).
  let fullResults = 0;
  let stabilityChecks = 0;
  conn.onNotification('eci/resultsChanged', (p: { provisional?: true; stability?: true }) => {
    if (p.stability) stabilityChecks++;
    else if (!p.provisional) fullResults++;
  });
  /** The server's one line per run (window/logMessage): its phases and what it re-used. */
  let lastRan = '';
  conn.onNotification('window/logMessage', (m: { message: string }) => {
    if (m.message.startsWith('eci-sem: ran ')) lastRan = m.message;
  });
  conn.onNotification(() => undefined);
  conn.listen();
  /** A request that fails when the server process ends instead of hanging. */
  const request = <T>(method: string, params?: unknown): Promise<T> =>
    Promise.race([conn.sendRequest(method, params) as Promise<T>, gone]);

  const root = pathToFileURL(ws).href;
  const uri = pathToFileURL(file).href;
  await request('initialize', {
    processId: process.pid, rootUri: root, workspaceFolders: [{ uri: root, name: 'bench' }],
    capabilities: { textDocument: { hover: { contentFormat: ['markdown', 'plaintext'] }, codeLens: {} } },
    initializationOptions: { trusted: true, cacheDir },
  });
  await conn.sendNotification('initialized', {});
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'jsonl', version: 1, text } });

  const waitFor = async (ok: () => boolean, ms: number) => {
    const start = Date.now();
    while (!ok() && Date.now() - start < ms) await sleep(10);
    return ok();
  };
  // The first run (warm when the e2e cache was there): wait for its results.
  const t0 = Date.now();
  // eci/status "done" comes before the result's diagnostics and its resultsChanged: wait for
  // that, and for the stability check that follows, so the edit below starts from a quiet server.
  const firstDone = await waitFor(() => fullResults > 0, 600_000);
  const firstRunS = (Date.now() - t0) / 1000;
  await waitFor(() => stabilityChecks > 0, 60_000);
  log(`lsp: first run ${firstDone ? 'finished' : 'did not finish'} in ${firstRunS.toFixed(1)} s (${warm ? 'warm' : 'cold'} cache)`);
  /** The server process's resident set now and at its peak (its worker threads are in it), MB. */
  const rss = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
      return { rssMb: round(kb('VmRSS') / 1024), peakMb: round(kb('VmHWM') / 1024) };
    } catch {
      return null;
    }
  };
  const rssAfterFirst = rss();
  // Warm edits as the editor sends them, each timed from the change to the new results
  // (the next full eci/resultsChanged, diagnostics published; includes the typing debounce):
  // a line changed (one new text to embed), the same change undone (nothing to embed), a
  // line inserted (a triple of another set: its new texts embedded), a line deleted, and a
  // closed file saved by another program (a watched-file change).
  let docLines = text.split('\n');
  if (docLines[docLines.length - 1] === '') docLines.pop();
  let version = 1;
  const replaceLine = (at: number, next: string | null, insert = false) => {
    const range = insert
      ? { start: { line: at, character: 0 }, end: { line: at, character: 0 } }
      : next === null
        ? { start: { line: at, character: 0 }, end: { line: at + 1, character: 0 } }
        : { start: { line: at, character: 0 }, end: { line: at, character: docLines[at].length } };
    const newText = insert ? `${next}\n` : next ?? '';
    if (insert) docLines.splice(at, 0, next!);
    else if (next === null) docLines.splice(at, 1);
    else docLines[at] = next;
    return conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: ++version }, contentChanges: [{ range, text: newText }] });
  };
  const timed = async (what: string, act: () => Promise<unknown> | void): Promise<{ s: number | null; runS: number | null }> => {
    await waitFor(() => state.state !== 'running', 60_000);
    await sleep(300);
    const before = fullResults;
    const t = performance.now();
    await act();
    const ok = await waitFor(() => fullResults > before, 300_000);
    const s = ok ? round((performance.now() - t) / 1000) : null;
    const runS = ok && state.seconds !== undefined ? round(state.seconds) : null;
    log(`lsp: ${what} → results ${s === null ? 'did not finish' : `${s} s (run ${runS} s)`}`);
    // The server's own line for that run: its phases (read, measure, score) and what it re-used.
    if (lastRan) log(`lsp:   ${lastRan}`);
    // Let the stability check that follows finish before the next edit.
    await waitFor(() => stabilityChecks >= fullResults, 30_000);
    return { s, runS };
  };
  const at = Math.floor(lines / 2);
  const original = docLines[at];
  const rec = JSON.parse(original) as { negative: string };
  rec.negative += ' revised in the editor';
  const closed = join(ws, `${SOURCES[1]}.jsonl`);
  const savedElsewhere = (() => {
    const cl = readFileSync(closed, 'utf8').split('\n');
    const r = JSON.parse(cl[100]) as { positive: string };
    r.positive += ' (edited elsewhere)';
    cl[100] = JSON.stringify(r);
    return cl.join('\n');
  })();
  const editTimes = {
    change: await timed('edit (one line changed)', () => replaceLine(at, JSON.stringify(rec))),
    undo: await timed('undo of that edit', () => replaceLine(at, original)),
    insert: await timed('insert (a new triple)', () => replaceLine(at + 7, added.split('\n')[0], true)),
    delete: await timed('delete (one line)', () => replaceLine(at + 7, null)),
    // The other program's new text is made before the clock starts: its save is the write.
    watched: await timed('save of a closed file by another program', () => {
      writeFileSync(closed, savedElsewhere);
      return conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(closed).href, type: 2 }] });
    }),
  };
  const rssAfterEdits = rss();
  if (rssAfterEdits) log(`lsp: server RSS ${rssAfterEdits.rssMb} MB after the edits (peak ${rssAfterEdits.peakMb} MB); ${Math.round((rssAfterEdits.rssMb * 1048576) / set.triples)} bytes a triple`);
  const edited = editTimes.change.s !== null;
  const editS = editTimes.change.s ?? 0;
  const editRunS = editTimes.change.runS;
  docLines = [];
  // Grow another file of the scope: the server re-runs and embeds the new texts.
  appendFileSync(grown, added);
  await conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(grown).href, type: 2 }] });
  const embedding = await waitFor(() => state.state === 'running' && state.phase === 'embed', 60_000);
  log(`lsp: background run ${embedding ? 'is embedding' : `not embedding (${JSON.stringify(state)})`}`);

  const rand = mulberry32(5);
  const hover: number[] = [];
  const lens: number[] = [];
  let duringEmbed = 0;
  let hoverWithContent = 0;
  let lensWithContent = 0;
  const until = Date.now() + seconds * 1000;
  let idleSince = 0;
  while (Date.now() < until && hover.length + lens.length < wanted) {
    if (state.state !== 'running') {
      idleSince ||= Date.now();
      if (Date.now() - idleSince > 1000) break; // the background run is over
    } else idleSince = 0;
    const line = Math.floor(rand() * lines);
    const isHover = rand() < 0.5;
    const was = state.state === 'running' && state.phase === 'embed';
    const s0 = performance.now();
    if (isHover) {
      const h = await request<{ contents?: unknown } | null>('textDocument/hover', { textDocument: { uri }, position: { line, character: 3 } });
      if (h?.contents) hoverWithContent++;
    } else {
      const l = await request<unknown[] | null>('textDocument/codeLens', { textDocument: { uri } });
      if (l?.length) lensWithContent++;
    }
    const ms = performance.now() - s0;
    (isHover ? hover : lens).push(ms);
    if (was && state.state === 'running' && state.phase === 'embed') duringEmbed++;
    await sleep(20 + rand() * 60); // a user moving the mouse, not a flood
  }
  const progress = state.done !== undefined ? `${state.done}/${state.total}` : '';
  const runningAtEnd = state.state === 'running';
  // Cancel the run, then shut down; a server that dies on the way is reported.
  const cancel = await request('eci/cancel', {}).then(() => 'ok', (e: Error) => e.message);
  await sleep(1000);
  const shutdown = await request('shutdown').then(() => 'ok', (e: Error) => e.message);
  await conn.sendNotification('exit').catch(() => undefined);
  await sleep(300);
  if (child.exitCode === null) child.kill();
  conn.dispose();

  const stats = (xs: number[]) => ({ n: xs.length, p50: round(median(xs)), p99: round(percentile(xs, 99)), max: round(Math.max(...xs)) });
  const all = [...hover, ...lens];
  const figures = {
    lsp_p99_ms: round(percentile(all, 99)), lsp_p50_ms: round(median(all)), lsp_edit_rerun_s: edited ? round(editS) : null,
    lsp_undo_rerun_s: editTimes.undo.s, lsp_insert_rerun_s: editTimes.insert.s, lsp_delete_rerun_s: editTimes.delete.s, lsp_watched_rerun_s: editTimes.watched.s,
  };
  record('lsp', figures, {
    machine: machine(), load1AtEnd: load1(), server: `dist/server.js (built ${statSync(server).mtime.toISOString()})`,
    workspace: { triples: set.triples, distinctTexts: set.distinctTexts, openFile: `${SOURCES[0]}.jsonl`, lines, cacheAtStart: warm ? 'warm (bench/out/e2e-cache, filled by bench/e2e.ts or bench/scope.ts)' : 'empty' },
    firstRunS: round(firstRunS), firstRunFinished: firstDone,
    editInEditor: { line: at + 1, toResultsS: edited ? round(editS) : null, runS: editRunS, note: 'didChange → the next eci/resultsChanged without provisional/stability flags (diagnostics published); includes the server debounce of typing' },
    edits: editTimes,
    serverMemory: { afterFirstRun: rssAfterFirst, afterEdits: rssAfterEdits, bytesPerTriple: rssAfterEdits ? Math.round((rssAfterEdits.rssMb * 1048576) / set.triples) : null, note: '/proc/PID/status VmRSS and VmHWM of the server process (LSP thread, analysis worker with its line facts, encoder thread)' },
    backgroundRun: { appendedTo: `${SOURCES[SOURCES.length - 1]}.jsonl`, triples: extra.queries, distinctNewTexts: 'about 2 per appended line' },
    hover: { ...stats(hover), withContent: hoverWithContent }, codeLens: { ...stats(lens), withLenses: lensWithContent }, requestsDuringEmbedding: duringEmbed, statusSeen: seen,
    runProgressAtEnd: progress, runningAtEnd, cancelReply: cancel, shutdownReply: shutdown, serverExit: exited,
    serverStderrTail: stderr.slice(-500),
    command: `npx tsx bench/lsp.ts --triples=${set.triples} --added=${extra.queries} --seconds=${seconds} --samples=${wanted}`,
  });
  log(`lsp: hover p50 ${stats(hover).p50} ms p99 ${stats(hover).p99} ms; CodeLens p50 ${stats(lens).p50} ms p99 ${stats(lens).p99} ms; ${duringEmbed}/${all.length} while embedding`);
}

main().catch((e) => { console.error(e); process.exit(1); });
