/**
 * Triple files, one line at a time (pure; the caller streams the file and
 * passes each line with its 1-based number). JSON Lines shapes are described in
 * `formats/jsonl.ts`, TSV in `formats/tsv.ts`.
 */
import type { LineContext, ParsedLine, TripleFormat } from './formats/common';
import { parseJsonlLine } from './formats/jsonl';
import { parseTsvLine } from './formats/tsv';

export type { LineContext, ParsedLine, TripleFormat } from './formats/common';

export interface TripleLineContext extends LineContext {
  format: TripleFormat;
}

/**
 * Parse one line of a triple file. Blank lines give nothing; a leading BOM on
 * line 1 and a trailing `\r` are dropped (columns count from after the BOM, as
 * editors show it). Columns are 1-based UTF-16 code units.
 */
export function parseTripleLine(text: string, ctx: TripleLineContext): ParsedLine {
  if (ctx.line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
  if (text.charCodeAt(0) !== 123 /* { */ && /^\s*$/.test(text)) return { triples: [], problems: [] };
  const line = { file: ctx.file, line: ctx.line };
  try {
    return ctx.format === 'tsv' ? parseTsvLine(text, line) : parseJsonlLine(text, line);
  } catch (err) {
    // A line must never stop a run. Pathological nesting overflows the stack of
    // the (recursive) parser that locates columns; anything else is reported too.
    const message = err instanceof RangeError
      ? 'the record is nested too deeply to read; expected a flat JSON object per line'
      : `cannot read this line: ${(err as Error).message}`;
    return { triples: [], problems: [{ ...line, column: 1, message }] };
  }
}

/** `.jsonl`, `.ndjson`, `.json-lines` → jsonl; `.tsv` → tsv; otherwise null (case-insensitive). */
export function detectFormat(fileName: string): TripleFormat | null {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson') || lower.endsWith('.json-lines')) return 'jsonl';
  if (lower.endsWith('.tsv')) return 'tsv';
  return null;
}
