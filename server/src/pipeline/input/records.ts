/**
 * The records of a read unit, for both passes: each line (or Parquet row) with
 * its triples, texts resolved. Text records go to `parseTripleLine` as
 * before; id records (`qid`, MS MARCO id TSV) are looked up in the plan's
 * corpus and queries; gzip is decompressed on the way; a damaged stream ends
 * with one problem after its last good line; `negativesPerQuery` keeps the
 * first k negatives of each query in file order.
 *
 * Parsing is lazy (`parse()`), so pass 2 parses only the lines that hold
 * triples — except where the limit per query needs every line counted.
 */
import { hash } from 'node:crypto';
import { parseTripleLine, type ParsedLine } from '../../core/formats';
import { firstLoneSurrogate, oneProblem } from '../../core/formats/common';
import { looksLikeIntegerTsv, mayBeIdRecord, parseIdJsonl, parseIdTsv } from '../../core/formats/ids';
import type { RawTriple } from '../../core/types';
import { DamagedInputError } from '../lines';
import type { ReadUnit } from '../plan';
import { NEEDS_FILES } from './context';

export interface UnitRecord {
  /** 1-based line (or row) number; 0 for a problem of a file the unit refers to (a corpus line). */
  line: number;
  /** The line's text, when its triples depend on that text alone (see `keepsLines`): what a memo of lines keys on. */
  text?: string;
  parse(): ParsedLine;
}

function damaged(unit: ReadUnit, err: DamagedInputError): UnitRecord {
  const what = unit.container === 'gzip' ? 'the gzip data' : 'the file';
  const message = err.whole ?? `${what} is damaged or truncated after line ${err.lastLine} (${err.message}): the lines before it are read, nothing after`;
  return { line: err.lastLine + 1, parse: () => ({ triples: [], problems: [{ file: unit.shown, line: err.lastLine + 1, column: 1, message }] }) };
}

const TEXT_QUERY_KEY = /"(?:query|anchor|q)"\s*:/;

function parseLine(unit: ReadUnit, text: string, line: number): ParsedLine {
  const ctx = { file: unit.shown, line, format: unit.format };
  const data = unit.data;
  if (unit.format === 'jsonl') {
    // Text records that also carry a "qid" (common) go straight to the text parser: one JSON.parse a line.
    if (!mayBeIdRecord(text) || TEXT_QUERY_KEY.test(text)) return parseTripleLine(text, ctx);
    let body = text;
    let shift = 0;
    if (line === 1 && body.charCodeAt(0) === 0xfeff) { body = body.slice(1); shift = 1; }
    if (body.charCodeAt(body.length - 1) === 13) body = body.slice(0, -1);
    if (firstLoneSurrogate(body) >= 0) return parseTripleLine(text, ctx);
    const ids = parseIdJsonl(body, ctx);
    if (!ids) return parseTripleLine(text, ctx);
    const out = !ids.record
      ? { triples: [], problems: ids.problems }
      : data
        ? data.resolve(ids.record, body, ctx)
        : { triples: [], problems: [{ file: unit.shown, line, column: 1 + shift, message: `this record ${NEEDS_FILES}` }] };
    if (shift) for (const p of out.problems) p.column += shift;
    // A bad group of a record whose other groups are good: its problem and the lookup's are one.
    if (ids.record && ids.problems.length) out.problems = oneProblem([...ids.problems, ...out.problems]);
    return out;
  }
  if (data?.isIdTsv(unit)) {
    const ids = parseIdTsv(text, ctx);
    return ids.record ? data.resolve(ids.record, text, ctx) : { triples: [], problems: ids.problems };
  }
  if (!data && looksLikeIntegerTsv(text)) {
    return { triples: [], problems: [{ file: unit.shown, line, column: 1, message: `these columns look like ids (query id, positive id, negative id): this file ${NEEDS_FILES}` }] };
  }
  return parseTripleLine(text, ctx);
}

/** The first k negatives of each query (by text, as a training script sees them), in reading order. */
class PerQueryLimit {
  private readonly kept = new Map<string, string[]>();
  constructor(private readonly k: number, private readonly key: string | undefined) {}

  filter(triples: RawTriple[]): RawTriple[] {
    return triples.filter((t) => {
      if (this.key !== undefined && t.source !== this.key) return true;
      const q = hash('sha1', t.query, 'base64');
      const n = hash('sha1', t.negative, 'base64');
      let list = this.kept.get(q);
      if (!list) { list = []; this.kept.set(q, list); }
      if (list.includes(n)) return true;
      if (list.length >= this.k) return false;
      list.push(n);
      return true;
    });
  }
}

export async function* readUnit(unit: ReadUnit, signal?: AbortSignal): AsyncGenerator<UnitRecord> {
  const data = unit.data;
  if (data) {
    await data.prepare(signal);
    for (const p of data.takeProblems()) yield { line: 0, parse: () => ({ triples: [], problems: [p] }) };
  }
  const limit = unit.negativesPerQuery !== undefined ? new PerQueryLimit(unit.negativesPerQuery, unit.key) : null;
  try {
    // A Parquet row comes as the JSON text of its record: a column in that text means nothing to the user.
    const read = unit.container === 'parquet'
      ? (text: string, line: number) => { const p = parseLine(unit, text, line); for (const q of p.problems) q.column = 1; return p; }
      : (text: string, line: number) => parseLine(unit, text, line);
    for await (const { line, text } of unit.lines.lines()) {
      if (!limit) { yield data ? { line, parse: () => read(text, line) } : { line, text, parse: () => read(text, line) }; continue; }
      const parsed = read(text, line);
      parsed.triples = limit.filter(parsed.triples);
      yield { line, parse: () => parsed };
    }
  } catch (err) {
    if (err instanceof DamagedInputError) yield damaged(unit, err);
    else throw err;
  } finally {
    data?.release();
  }
}
