/**
 * Issue 10, in the editor: the ranking first, and a paste of 1,000 new lines.
 *
 *   first_ranking_share   a workspace with the synthetic set and its eci.config.jsonc, cold
 *                         embedding cache: time from opening the config to the provisional
 *                         (sample-scope) ranking ÷ time to the full result
 *   lsp_paste_rerun_s     then, cache warm: 1,000 lines with new texts pasted at the end of
 *                         the open bm25.jsonl (didChange → the next full result: T1), undone,
 *                         and pasted again (T2). The second paste is the same work except
 *                         embedding the new texts (they are cached by then), so the figure is
 *                         T2 = T1 minus their embedding time (T1 − T2). Cross-check: the same
 *                         texts embedded on their own, the CLI cold − warm on a file of them.
 *
 * "Full result" is an eci/resultsChanged without `provisional` or `stability`.
 * Drives dist/server.js and dist/cli.js as processes (npm run build first).
 *
 *   npx tsx bench/lsp-scope.ts [--triples=20000] [--pasted=1000]
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { args, CLI, ensureOut, load1, log, machine, record, ROOT, round, runNode } from './common';
import { isFullResult, isProvisional, isStability, newTextsOf, startServer, type BenchServer } from './lspClient';
import { synthesize, SOURCES } from './synth';

interface Snapshot { scope: string; resultScope?: string; provisional?: true; stability?: string; sources: unknown[] }

/** Sends one edit of the open document and waits for the next full result; seconds, or null. */
async function editAndWait(s: BenchServer, change: unknown, ms: number): Promise<{ seconds: number | null; from: number; to: number }> {
  const from = s.events.length;
  const t0 = performance.now();
  await s.notify('textDocument/didChange', change);
  const hit = await s.waitEvent(from, isFullResult, ms);
  return { seconds: hit ? (hit.t - t0) / 1000 : null, from, to: s.events.length };
}

async function main(): Promise<void> {
  const { value } = args();
  const server = join(ROOT, 'dist', 'server.js');
  if (!existsSync(server) || !existsSync(CLI)) throw new Error('dist/server.js or dist/cli.js missing: run `npm run build` first');
  const pastedCount = value('pasted', 1000);
  const set = await synthesize(ensureOut('data'), { triples: value('triples', 20_000), seed: 1 });
  // New texts to paste: another seed's bm25 lines (queries, positives and negatives all new).
  const extra = await synthesize(ensureOut('data'), { triples: pastedCount * SOURCES.length, seed: 3 });
  const pasted = readFileSync(join(extra.dir, 'bm25.jsonl'), 'utf8').split('\n').filter(Boolean).slice(0, pastedCount).join('\n') + '\n';

  const base = ensureOut('lsp-scope');
  const ws = join(base, 'ws');
  const cacheDir = join(base, 'cache');
  rmSync(ws, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
  mkdirSync(ws, { recursive: true });
  for (const f of set.files) cpSync(f, join(ws, f.slice(set.dir.length + 1)));
  const configPath = join(ws, 'eci.config.jsonc');
  writeFileSync(configPath, readFileSync(set.config, 'utf8'));
  const configText = readFileSync(configPath, 'utf8');
  const file = join(ws, 'bm25.jsonl');
  const text = readFileSync(file, 'utf8');
  const uri = pathToFileURL(file).href;
  const started = load1();

  const s = await startServer(server, ws, cacheDir);
  // Cold: open the config (and the triple file that will be edited) and wait for both answers.
  const t0 = performance.now();
  await s.notify('textDocument/didOpen', { textDocument: { uri: pathToFileURL(configPath).href, languageId: 'jsonc', version: 1, text: configText } });
  await s.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'jsonl', version: 1, text } });
  // The provisional ranking comes first, or not at all (every triple sampled, nothing to embed).
  const first = await s.waitEvent(0, (e) => isProvisional(e) || isFullResult(e), 1_800_000);
  const prov = first && isProvisional(first) ? first : null;
  let snapshot: Snapshot | undefined;
  if (prov) snapshot = (await s.request<Snapshot[]>('eci/ranking', {})).find((r) => r.provisional);
  const full = await s.waitEvent(0, isFullResult, 1_800_000);
  if (!full) throw new Error(`no full result within 30 min (status ${JSON.stringify(s.status)}); stderr: ${s.stderr().slice(-1000)}`);
  const fullSnap = (await s.request<Snapshot[]>('eci/ranking', {}))[0];
  const stab = await s.waitEvent(0, isStability, 300_000);
  const provS = prov ? (prov.t - t0) / 1000 : null;
  const fullS = (full.t - t0) / 1000;
  const coldNewTexts = newTextsOf(s.events, 0);
  log(`lsp-scope: cold — provisional ranking ${provS?.toFixed(1)} s (${snapshot?.resultScope}), full result ${fullS.toFixed(1)} s, ${coldNewTexts} texts embedded; stability ${stab ? ((stab.t - t0) / 1000).toFixed(1) + ' s' : 'not seen'}`);

  // Warm: paste the new lines at the end of the open file.
  const lines = text.split('\n').length - 1; // text ends with '\n': line `lines` is the empty last line
  const paste = { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: lines, character: 0 }, end: { line: lines, character: 0 } }, text: pasted }] };
  const p1 = await editAndWait(s, paste, 900_000);
  const pasteNewTexts = newTextsOf(s.events, p1.from, p1.to);
  const p1Prov = s.events.slice(p1.from, p1.to).some(isProvisional);
  log(`lsp-scope: paste of ${pastedCount} new lines → full result ${p1.seconds?.toFixed(2)} s (${pasteNewTexts} new texts embedded${p1Prov ? ', provisional ranking first' : ''})`);
  await s.waitEvent(p1.to, isStability, 120_000);
  // Undo, then the same paste again: its texts are cached now.
  const undo = await editAndWait(s, { textDocument: { uri, version: 3 }, contentChanges: [{ range: { start: { line: lines, character: 0 }, end: { line: lines + pastedCount, character: 0 } }, text: '' }] }, 300_000);
  await s.waitEvent(undo.to, isStability, 120_000);
  const p2 = await editAndWait(s, { ...paste, textDocument: { uri, version: 4 } }, 300_000);
  log(`lsp-scope: undo ${undo.seconds?.toFixed(2)} s; the same paste again (texts cached) ${p2.seconds?.toFixed(2)} s (${newTextsOf(s.events, p2.from, p2.to)} embedded)`);
  const closing = await s.close();

  // The embedding of the pasted texts on their own: the CLI on a file of just those lines,
  // empty cache minus cache filled (model load + inference + cache writes).
  const own = join(base, 'pasted');
  rmSync(own, { recursive: true, force: true });
  mkdirSync(own, { recursive: true });
  writeFileSync(join(own, 'bm25.jsonl'), pasted);
  const ownCache = join(own, 'cache');
  const cli = () => runNode([CLI, 'score', join(own, 'bm25.jsonl'), '--cache-dir', ownCache, '--resamples', '0', '-f', 'json', '-o', join(own, 'report.json'), '-q']);
  const cold = await cli();
  const warm = await cli();
  if (cold.code !== 0 || warm.code !== 0) throw new Error(`CLI on the pasted lines failed: ${cold.stderr.slice(-500)} ${warm.stderr.slice(-500)}`);
  const embedS = cold.wallS - warm.wallS;
  log(`lsp-scope: the pasted texts on their own — CLI cold ${cold.wallS.toFixed(1)} s, warm ${warm.wallS.toFixed(2)} s: embedding ${embedS.toFixed(1)} s`);

  const figures: Record<string, unknown> = {
    first_ranking_share: provS !== null ? round(provS / fullS) : null,
    lsp_paste_rerun_s: p2.seconds !== null ? round(p2.seconds) : null,
  };
  record('lspScope', figures, {
    machine: machine(), load1AtStart: started, server: `dist/server.js (built ${statSync(server).mtime.toISOString()})`,
    workspace: { triples: set.triples, distinctTexts: set.distinctTexts, config: 'eci.config.jsonc (5 sources, default model fp32, sampleSize default 1000)', openFile: 'bm25.jsonl', lines },
    cold: {
      provisionalS: provS === null ? null : round(provS), fullS: round(fullS), stabilityS: stab ? round((stab.t - t0) / 1000) : null,
      textsEmbedded: coldNewTexts, provisionalSnapshot: snapshot ? { resultScope: snapshot.resultScope, provisional: snapshot.provisional ?? false, sources: snapshot.sources.length } : null,
      fullSnapshot: fullSnap ? { resultScope: fullSnap.resultScope, provisional: fullSnap.provisional ?? false, stability: fullSnap.stability } : null,
      note: 'from didOpen of the config (sent right after initialized; the run starts at discovery) to eci/resultsChanged {provisional} and to the next one without flags',
    },
    paste: {
      lines: pastedCount, at: `end of bm25.jsonl (after line ${lines})`, toFullResultS: p1.seconds === null ? null : round(p1.seconds),
      newTextsEmbedded: pasteNewTexts, provisionalFirst: p1Prov,
      embedInServerS: p1.seconds !== null && p2.seconds !== null ? round(p1.seconds - p2.seconds) : null, embedOnOwnS: round(embedS),
      minusOwnEmbedS: p1.seconds !== null ? round(p1.seconds - embedS) : null,
      cliOnPasted: { coldS: round(cold.wallS), warmS: round(warm.wallS) },
      undoToFullResultS: undo.seconds === null ? null : round(undo.seconds),
      samePasteCachedS: p2.seconds === null ? null : round(p2.seconds),
      note: 'didChange → next full result (includes the 600 ms typing debounce). The figure is samePasteCachedS: the same paste once its texts are cached (= toFullResultS − embedInServerS). embedOnOwnS: the CLI cold − warm on the pasted lines alone (model load, inference, cache writes); minusOwnEmbedS = toFullResultS − embedOnOwnS',
    },
    close: closing, serverStderrTail: s.stderr().slice(-500),
    command: `npx tsx bench/lsp-scope.ts --triples=${set.triples} --pasted=${pastedCount}`,
  });
  log(`lsp-scope: first_ranking_share ${figures.first_ranking_share}, lsp_paste_rerun_s ${figures.lsp_paste_rerun_s} (cached re-paste ${p2.seconds?.toFixed(2)} s)`);
}

main().catch((e) => { console.error(e); process.exit(1); });
