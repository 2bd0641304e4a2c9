/**
 * The custom requests that read results: weakest triples, report export
 * (JSON / Markdown / CSV) and the curated copy of a file. Report text is built
 * chunk by chunk with a yield to the event loop every few milliseconds, so a
 * million-triple export never freezes hovers.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, renameSync, rmSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CancellationToken, LSPErrorCodes, ResponseError } from 'vscode-languageserver';
import type { FindingId, TripleRow } from '../../../common/protocol';
import { encodeEscaped, type LineSource } from '../pipeline/lines';
import { packageVersion } from '../pipeline/paths';
import type { ScopeResult } from '../live/state/results';
import { parseTripleLine } from '../core/formats';
import { renderMarkdown } from '../core/render';
import { orderSources, reportAgreement, reportHeader, reportJsonChunks, reportSource, reportTriples, type ReportTriple } from '../core/report';
import { TRIPLE_FINDINGS } from '../core/types';

const SLICE_MS = 10;

export function cancelled(): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, 'request cancelled');
}

/** Joins chunks, yielding to the event loop between slices; null when cancelled. */
async function collect(chunks: Iterable<string>, token: CancellationToken): Promise<string | null> {
  const parts: string[] = [];
  let slice = performance.now();
  for (const c of chunks) {
    parts.push(c);
    if (performance.now() - slice > SLICE_MS) {
      await new Promise<void>((r) => setImmediate(r));
      if (token.isCancellationRequested) return null;
      slice = performance.now();
    }
  }
  return parts.join('');
}

function triplesOf(r: ScopeResult): Generator<ReportTriple> {
  const { units, columns } = r.wire;
  return reportTriples(r.wire.sources, r, (i) => ({ file: units[columns.unit[i]].shown, line: columns.line[i] }), r.wire.settings, r.wire.resultScope);
}

function* csvChunks(r: ScopeResult): Generator<string> {
  const esc = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  yield 'source,file,line,a,b,c,t,l,r,w,sampled,leverage,gain,findings\n';
  for (const t of triplesOf(r)) {
    yield [esc(t.source), esc(t.file), t.line, t.a, t.b, t.c, t.t, t.l, t.r, t.w, t.sampled, t.leverage ?? '', t.gain ?? '', esc(t.findings.join(' '))].join(',') + '\n';
  }
}

export async function exportReport(r: ScopeResult, format: 'json' | 'markdown' | 'csv', triples: boolean, token: CancellationToken): Promise<string | null> {
  const sources = orderSources(r.wire.sources).map((s) => reportSource(s));
  if (format === 'csv') return collect(csvChunks(r), token);
  if (format === 'markdown') {
    const unsafe = new Map(r.wire.sources.map((s) => [s.name, s.unsafe]));
    return renderMarkdown({
      sources: sources.map((s) => ({ ...s, unsafe: unsafe.get(s.name) ?? 0 })),
      settings: { ...r.wire.settings, encoder: r.wire.encoder }, residualScale: r.wire.residualScale,
      problems: r.wire.problems, skippedLines: r.wire.skippedLines, scope: r.wire.resultScope,
    });
  }
  const header = reportHeader({
    version: packageVersion(), settings: r.wire.settings, encoder: r.wire.encoder, scope: r.wire.resultScope,
    residualScale: r.wire.residualScale, sources: r.wire.sources,
  });
  return collect(reportJsonChunks(header, triples ? triplesOf(r) : null, r.wire.problems, reportAgreement(r.wire.agreement)), token);
}

/** Texts of the given 1-based lines of a file, read in one streamed pass. */
async function readLines(lines: LineSource, wanted: ReadonlySet<number>): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (wanted.size === 0) return out;
  const last = Math.max(...wanted);
  for await (const { line, text } of lines.lines()) {
    if (wanted.has(line)) out.set(line, text);
    if (line >= last) break;
  }
  return out;
}

export interface FileAccess {
  /** Line source of a file: the open document's text when it is current, else the disk. */
  linesOf(path: string): LineSource;
  uriOf(path: string): string;
}

/** The `limit` triples of a source with the lowest weight w, with their query and negative texts. */
export async function weakestTriples(r: ScopeResult, sourceName: string, limit: number, files: FileAccess): Promise<TripleRow[]> {
  const s = r.source(sourceName);
  if (!s || limit <= 0) return [];
  const w = r.wire.columns.w;
  // Partial selection: keep the `limit` smallest in a sorted list (limit is a page of a panel, not N).
  const best: number[] = [];
  for (let k = 0; k < s.members.length; k++) {
    const i = s.members[k];
    if (best.length === limit && w[i] >= w[best[best.length - 1]]) continue;
    let at = best.length;
    while (at > 0 && w[best[at - 1]] > w[i]) at--;
    best.splice(at, 0, i);
    if (best.length > limit) best.pop();
  }
  const { units, columns } = r.wire;
  const byPath = new Map<string, Set<number>>();
  for (const i of best) {
    const path = units[columns.unit[i]].path;
    if (!byPath.has(path)) byPath.set(path, new Set());
    byPath.get(path)!.add(columns.line[i]);
  }
  const texts = new Map<string, Map<number, string>>();
  for (const [path, lines] of byPath) texts.set(path, await readLines(files.linesOf(path), lines).catch(() => new Map()));
  return best.map((i) => {
    const unit = units[columns.unit[i]];
    const line = columns.line[i];
    const raw = parseTripleLine(texts.get(unit.path)?.get(line) ?? '', { file: unit.shown, line, format: unit.format }).triples
      .find((t) => t.posIndex === columns.posIndex[i] && t.negIndex === columns.negIndex[i] && (unit.key === undefined || t.source === unit.key));
    const e = r.info(i);
    const own = e.sources.find((x) => x.name === sourceName);
    const row: TripleRow = {
      uri: files.uriOf(unit.path), line: line - 1, query: raw?.query ?? '', negative: raw?.negative ?? '',
      t: e.t, l: e.l, r: e.r, w: e.w, findings: e.all,
    };
    if (own?.gain !== undefined) row.gain = own.gain;
    return row;
  });
}

/** Whether two paths name one file (through links, or another spelling of the path). */
function sameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

/**
 * Writes `target` with the lines of `sourcePath` whose triples carry none of
 * `drop`; lines without triples (blank, header, skipped) are kept as they are.
 * Written to a temporary file first and renamed, so a failure never leaves a
 * half-written target.
 */
export async function exportCurated(
  r: ScopeResult, sourcePath: string, drop: readonly FindingId[], target: string, overwrite: boolean, lines: LineSource,
): Promise<{ written: number; dropped: number; target: string }> {
  if (r.unitsOf(sourcePath).length === 0) throw new ResponseError(LSPErrorCodes.RequestFailed, `${sourcePath} is not read by ${r.scope}`);
  if (target === sourcePath || sameFile(target, sourcePath)) throw new ResponseError(LSPErrorCodes.RequestFailed, 'the curated copy cannot replace its own source file');
  if (existsSync(target) && !overwrite) throw new ResponseError(LSPErrorCodes.RequestFailed, `${target} exists; not overwritten (pass overwrite: true to replace it)`);
  let mask = 0;
  TRIPLE_FINDINGS.forEach((f, k) => { if (drop.includes(f)) mask |= 1 << k; });
  const dropLines = new Set<number>();
  const { findings, line } = r.wire.columns;
  for (const u of r.unitsOf(sourcePath)) for (let i = u.start; i < u.end; i++) if (findings[i] & mask) dropLines.add(line[i]);
  // A fresh name, created exclusively (never through a file or link that is already there).
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const cannotWrite = (err: unknown) => new ResponseError(LSPErrorCodes.RequestFailed, `cannot write ${target}: ${(err as Error).message}`);
  let handle: FileHandle;
  try {
    handle = await open(tmp, 'wx');
  } catch (err) {
    throw cannotWrite(err);
  }
  const out = handle.createWriteStream();
  // Listened to from the start: a stream error with no listener would end the server.
  const failed = new Promise<never>((_, fail) => out.on('error', fail));
  failed.catch(() => undefined);
  let written = 0;
  let dropped = 0;
  try {
    for await (const { line: n, text, eol } of lines.lines()) {
      if (dropLines.has(n)) { dropped++; continue; }
      written++;
      // The kept line as it was: its own bytes (even ones that are not UTF-8) and its own ending.
      if (!out.write(Buffer.concat([encodeEscaped(text), Buffer.from(eol)]))) await Promise.race([new Promise<void>((ok) => out.once('drain', ok)), failed]);
    }
    await Promise.race([new Promise<void>((ok) => out.end(() => ok())), failed]);
  } catch (err) {
    out.destroy();
    rmSync(tmp, { force: true });
    throw cannotWrite(err);
  }
  try {
    if (overwrite) renameSync(tmp, target);
    // No overwrite: a hard link fails if the target appeared meanwhile, where a rename would replace it.
    else linkSync(tmp, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ResponseError(LSPErrorCodes.RequestFailed, `${target} exists; not overwritten (pass overwrite: true to replace it)`);
    }
    throw cannotWrite(err);
  } finally {
    rmSync(tmp, { force: true });
  }
  return { written, dropped, target };
}
