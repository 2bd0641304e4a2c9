/**
 * Issue 10: the language server's memory per triple against the CLI's, on a set with
 * precomputed vectors (so the encoder's memory is not what is measured). The set is
 * bench/scale.ts's (synthesized when missing); the CLI figure is its peak RSS from
 * /usr/bin/time -v, the server's the VmHWM and VmRSS of its process (LSP thread, analysis
 * worker with its line facts) after the first run and after a second one
 * (the file touched: its lines are looked up, not parsed). The server's log line of each
 * run says whether the line facts were used (a set larger than their budget streams).
 *
 *   npx tsx bench/lsp-memory.ts [--triples=100000] [--dim=64]
 */
import { closeSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { args, CLI, ensureOut, log, record, round, runNode } from './common';
import { isFullResult, startServer } from './lspClient';
import { synthesize } from './synth';

async function main(): Promise<void> {
  const { value } = args();
  const triples = value('triples', 100_000);
  const set = await synthesize(ensureOut('data'), { triples, seed: 3, dim: value('dim', 64) });
  const file = set.files[0];
  const ws = join(ensureOut('lsp-memory'), `ws-${triples}`);
  rmSync(ws, { recursive: true, force: true });
  mkdirSync(ws, { recursive: true });
  symlinkSync(file, join(ws, 'grouped.jsonl'));
  const head = Buffer.alloc(1 << 20);
  const fd = openSync(file, 'r');
  const got = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  const keys = Object.keys((JSON.parse(head.subarray(0, got).toString('utf8').split('\n')[0]) as { neg: object }).neg);
  const config = JSON.stringify({ encoder: { kind: 'precomputed' }, sources: keys.map((k) => ({ name: k, files: 'grouped.jsonl', key: k })) }, null, 2);
  writeFileSync(join(ws, 'eci.config.jsonc'), config);

  const cli = await runNode([CLI, 'score', join(ws, 'eci.config.jsonc'), '-f', 'json', '-o', join(ws, 'report.json'), '-q'], { cwd: ws });
  log(`lsp-memory: CLI ${triples} triples in ${cli.wallS.toFixed(1)} s, peak RSS ${cli.peakRssMb.toFixed(0)} MB`);

  const server = await startServer(join(CLI, '..', 'server.js'), ws, join(ws, 'cache'));
  const logs: string[] = [];
  server.conn.onNotification('window/logMessage', (p: { message: string }) => { if (p.message.includes('eci-sem: ran ')) logs.push(p.message); });
  const rss = () => {
    const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
    return { rssMb: round(kb('VmRSS') / 1024), peakMb: round(kb('VmHWM') / 1024) };
  };
  await server.notify('textDocument/didOpen', { textDocument: { uri: pathToFileURL(join(ws, 'eci.config.jsonc')).href, languageId: 'jsonc', version: 1, text: config } });
  const first = await server.waitEvent(0, isFullResult, 1_800_000);
  const afterFirst = rss();
  const from = server.events.length;
  const now = new Date();
  utimesSync(file, now, now);
  await server.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(join(ws, 'grouped.jsonl')).href, type: 2 }] });
  const second = await server.waitEvent(from, isFullResult, 1_800_000);
  const afterSecond = rss();
  await server.close();
  const perTriple = (mb: number) => Math.round((mb * 1048576) / triples);
  const ratio = round(afterSecond.peakMb / cli.peakRssMb);
  log(`lsp-memory: server peak ${afterSecond.peakMb} MB (${perTriple(afterSecond.peakMb)} B a triple) vs CLI ${cli.peakRssMb.toFixed(0)} MB (${perTriple(cli.peakRssMb)} B): ×${ratio}`);
  for (const l of logs) log(`lsp-memory: ${l}`);
  record('lspMemory', { [`lsp_memory_ratio_${triples}`]: ratio }, {
    triples, fileMb: round(statSync(file).size / 1048576), dim: value('dim', 64),
    cli: { wallS: round(cli.wallS), peakRssMb: round(cli.peakRssMb), bytesPerTriple: perTriple(cli.peakRssMb) },
    server: { firstRun: !!first, secondRun: !!second, afterFirst, afterSecond, bytesPerTriple: perTriple(afterSecond.peakMb) },
    runs: logs,
    command: `npx tsx bench/lsp-memory.ts --triples=${triples}`,
  });
}

main().catch((e) => { console.error(e); process.exit(1); });
