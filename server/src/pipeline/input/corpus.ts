/**
 * Texts by id from a corpus or queries file, never loaded whole: one streamed
 * pass keeps, for the ids the triples reference, where their text is (byte
 * offset and length, and the row number for aligned `.npy` matrices). The
 * referenced texts themselves are kept too while they fit in `TEXT_BUDGET`
 * (reading them back costs a system call each); past it, texts are read back
 * by offset when a triple needs them. A gzipped file cannot be read by
 * offset, so there every referenced text is kept.
 *
 * Layouts: MS MARCO TSV `id<TAB>text` (an `id<TAB>text` header line is
 * skipped) and BEIR JSON Lines `{"_id", "title", "text"}`, whose title and
 * text are joined as BEIR's encoders do: `title + " " + text`, trimmed, when
 * there is a title.
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { firstLoneSurrogate, encodingProblem } from '../../core/formats/common';
import type { Problem } from '../../core/types';
import { chunkLines, DamagedInputError, decodeLine } from '../lines';
import { gunzipStream, isGzip, withoutGz } from './gzip';

export type StoreLayout = 'tsv' | 'beir';

/** UTF-16 code units of referenced texts kept in memory per file (≈ 2 bytes each); the rest are read by offset. */
export const TEXT_BUDGET = 32 * 1024 * 1024;

/** Problems kept per corpus or queries file; the last one says how many more there were. */
const PROBLEMS_KEPT = 1000;

export function layoutOf(path: string): StoreLayout {
  const lower = withoutGz(path).toLowerCase();
  return lower.endsWith('.jsonl') || lower.endsWith('.ndjson') || lower.endsWith('.json') ? 'beir' : 'tsv';
}

const HEADER = /^(_?id|pid|qid|docid|doc_id|query_id|query-id|corpus-id)\t(text|title|passage|query|contents?)\b/i;
const ID_FIELD = /"_id"\s*:\s*(?:"((?:[^"\\])*)"|(-?\d+)\s*[,}])/;

/** A BEIR record's text: title and text joined with a space (trimmed) when there is a title. */
export function beirText(rec: Record<string, unknown>): string | undefined {
  const text = rec.text;
  if (typeof text !== 'string') return undefined;
  const title = rec.title;
  if (typeof title === 'string' && title !== '') return `${title} ${text}`.trim();
  return text.trim();
}

export class TextStore {
  readonly layout: StoreLayout;
  private readonly gz: boolean;
  private readonly slot = new Map<string, number>();
  private offsets: number[] = [];
  private lengths: number[] = [];
  private rows: number[] = [];
  private lines: number[] = [];
  private texts: (string | undefined)[] = [];
  private kept = 0;
  /** Referenced ids whose record is unusable, with the line of the problem. */
  readonly bad = new Map<string, number>();
  /** Records (non-blank lines but a header) in the file: the rows of an aligned matrix. */
  rowCount = 0;
  private fd: number | null = null;
  /** The file could not be read at all. */
  failed: string | null = null;

  constructor(readonly path: string, readonly shown: string, readonly what: 'corpus' | 'queries', private readonly budget = TEXT_BUDGET) {
    this.layout = layoutOf(path);
    this.gz = isGzip(path);
  }

  get size(): number { return this.slot.size; }

  has(id: string): boolean { return this.slot.has(id); }

  row(id: string): number | undefined {
    const s = this.slot.get(id);
    return s === undefined ? undefined : this.rows[s];
  }

  lineOf(id: string): number | undefined {
    const s = this.slot.get(id);
    return s === undefined ? undefined : this.lines[s];
  }

  /** One pass over the file: keeps where the texts of `wanted` ids are; problems of its lines go to `problems`. */
  async build(wanted: ReadonlySet<string>, problems: Problem[], signal?: AbortSignal): Promise<void> {
    let kept = 0;
    let more = 0;
    const report = (line: number, column: number, message: string) => {
      if (kept < PROBLEMS_KEPT) { problems.push({ file: this.shown, line, column, message }); kept++; } else more++;
    };
    let offset = 0;
    if (!this.gz) {
      // chunkLines drops a byte order mark; its three bytes still come before the first line.
      try {
        const fd = openSync(this.path, 'r');
        const head = Buffer.alloc(3);
        const n = readSync(fd, head, 0, 3, 0);
        closeSync(fd);
        if (n === 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) offset = 3;
      } catch (err) {
        this.failed = `cannot read ${this.shown}: ${(err as Error).message}`;
        problems.push({ file: this.shown, line: 1, column: 1, message: this.failed });
        return;
      }
    }
    const input = this.gz ? gunzipStream(this.path) : createReadStream(this.path, { highWaterMark: 1 << 20 });
    try {
      // Lines come undecoded: of a TSV line only the id is decoded, and its text only when a triple names it.
      for await (const { line, eol, bytes } of chunkLines(input, this.shown, true)) {
        if ((line & 0xffff) === 0) signal?.throwIfAborted();
        const b = bytes!;
        const start = offset;
        offset += b.length + eol.length; // line ends are ASCII
        if (b.length === 0 || (b[0] <= 32 && decodeLine(b).trim() === '')) continue;
        if (this.layout === 'tsv') {
          const tab = b.indexOf(9);
          if (line === 1 && HEADER.test(decodeLine(b.subarray(0, 64)))) continue;
          const row = this.rowCount++;
          if (tab >= 0 && !wanted.has(b.toString('utf8', 0, tab))) continue;
          const text = decodeLine(b);
          this.tsvLine(text, line, start, row, firstLoneSurrogate(text), wanted, report);
        } else {
          const text = decodeLine(b);
          this.jsonLine(text, line, start, b.length, this.rowCount++, firstLoneSurrogate(text), wanted, report);
        }
      }
    } catch (err) {
      if (!(err instanceof DamagedInputError)) throw err;
      report(err.lastLine + 1, 1, `${isGzip(this.path) ? 'the gzip data' : 'the file'} is damaged or truncated after line ${err.lastLine} (${err.message}); the records before it are used`);
    }
    if (more > 0) {
      const last = problems[problems.length - 1];
      problems[problems.length - 1] = { ...last, message: `${last.message} (and ${more} more problem${more === 1 ? '' : 's'} in ${this.shown}, not listed)` };
    }
  }

  private keep(id: string, line: number, row: number, offset: number, length: number, text: string | undefined,
    report: (line: number, column: number, message: string) => void, idColumn: number): void {
    const prev = this.slot.get(id);
    if (prev !== undefined) {
      report(line, idColumn, `duplicate ${this.what} id ${id} (first at line ${this.lines[prev]}, which is used)`);
      return;
    }
    this.slot.set(id, this.offsets.length);
    this.offsets.push(offset);
    this.lengths.push(length);
    this.rows.push(row);
    this.lines.push(line);
    const keep = text !== undefined && (this.gz || this.kept + text.length <= this.budget);
    this.texts.push(keep ? text : undefined);
    if (keep) this.kept += text!.length;
  }

  private tsvLine(text: string, line: number, start: number, row: number, bad: number, wanted: ReadonlySet<string>,
    report: (line: number, column: number, message: string) => void): void {
    const tab = text.indexOf('\t');
    if (tab < 0) {
      report(line, text.length + 1, `expected id<TAB>text, found no tab: the line ends where the text column should start`);
      return;
    }
    const id = text.slice(0, tab);
    if (!wanted.has(id)) return;
    const body = text.slice(tab + 1);
    const more = body.indexOf('\t');
    if (id.trim() === '' || /\s/.test(id)) { report(line, 1, `expected an id (one token) before the tab, got ${JSON.stringify(id)}`); return; }
    if (this.bad.has(id) || this.slot.has(id)) {
      report(line, 1, `duplicate ${this.what} id ${id} (first at line ${this.lineOf(id) ?? this.bad.get(id)}, which is used)`);
      return;
    }
    if (bad >= 0) { this.bad.set(id, line); report(line, bad + 1, encodingProblem(text, bad)); return; }
    if (more >= 0) { this.bad.set(id, line); report(line, tab + more + 2, `expected 2 tab-separated columns (id, text), found more: a tab inside the text must be removed`); return; }
    if (body.trim() === '') { this.bad.set(id, line); report(line, tab + 2, `expected non-empty text after the id ${id}`); return; }
    this.keep(id, line, row, start + Buffer.byteLength(id) + 1, Buffer.byteLength(body), body, report, 1);
  }

  private jsonLine(text: string, line: number, start: number, bytes: number, row: number, bad: number, wanted: ReadonlySet<string>,
    report: (line: number, column: number, message: string) => void): void {
    const m = ID_FIELD.exec(text);
    let id = m ? (m[1] ?? m[2]) : undefined;
    let rec: Record<string, unknown> | undefined;
    if (id === undefined || bad >= 0) {
      if (bad >= 0) { report(line, bad + 1, encodingProblem(text, bad)); if (id !== undefined && wanted.has(id)) this.bad.set(id, line); return; }
      try {
        const v = JSON.parse(text) as unknown;
        if (v === null || typeof v !== 'object' || Array.isArray(v)) { report(line, 1, `expected a JSON object with "_id" and "text"`); return; }
        rec = v as Record<string, unknown>;
      } catch (err) {
        report(line, 1, `invalid JSON: ${(err as Error).message}`);
        return;
      }
      const raw = rec._id;
      if (typeof raw === 'string' && raw !== '') id = raw;
      else if (typeof raw === 'number' && Number.isSafeInteger(raw)) id = String(raw);
      else { report(line, 1, `"_id": expected an id (a string or an integer), got ${raw === undefined ? 'nothing (missing)' : JSON.stringify(raw)}`); return; }
    }
    if (!wanted.has(id)) return;
    if (this.bad.has(id) || this.slot.has(id)) {
      report(line, 1, `duplicate ${this.what} id ${id} (first at line ${this.lineOf(id) ?? this.bad.get(id)}, which is used)`);
      return;
    }
    if (!rec) {
      try { rec = JSON.parse(text) as Record<string, unknown>; } catch (err) {
        this.bad.set(id, line);
        report(line, 1, `invalid JSON: ${(err as Error).message}`);
        return;
      }
    }
    const body = beirText(rec);
    if (body === undefined || body === '') {
      this.bad.set(id, line);
      report(line, 1, `"text": expected non-empty text (a JSON string) for id ${id}, got ${rec.text === undefined ? 'nothing (missing)' : JSON.stringify(rec.text)}`);
      return;
    }
    this.keep(id, line, row, start, bytes, body, report, 1);
  }

  /** The text of a kept id (read from disk by offset unless the file is gzipped), or undefined. */
  text(id: string): string | undefined {
    const s = this.slot.get(id);
    if (s === undefined) return undefined;
    const kept = this.texts[s];
    if (kept !== undefined) return kept;
    this.fd ??= openSync(this.path, 'r');
    const buf = Buffer.allocUnsafe(this.lengths[s]);
    const n = readSync(this.fd, buf, 0, buf.length, this.offsets[s]);
    const raw = buf.toString('utf8', 0, n);
    if (this.layout === 'tsv') return raw;
    return beirText(JSON.parse(raw) as Record<string, unknown>);
  }

  /** Closes the file handle (reopened by the next read). */
  release(): void {
    if (this.fd !== null) { closeSync(this.fd); this.fd = null; }
  }
}
