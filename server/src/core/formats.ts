/**
 * Triple files, one line at a time (pure; the caller streams the file and
 * passes each line with its 1-based number). JSON Lines shapes are described in
 * `formats/jsonl.ts`, TSV in `formats/tsv.ts`.
 */
import { encodingProblem, firstLoneSurrogate, type LineContext, type ParsedLine, type TripleFormat } from './formats/common';
import { parseJsonlLine } from './formats/jsonl';
import { parseTsvLine } from './formats/tsv';

export type { LineContext, ParsedLine, TripleFormat } from './formats/common';

export interface TripleLineContext extends LineContext {
  format: TripleFormat;
}

/**
 * Parse one line of a triple file. Blank lines give nothing; a trailing `\r` is
 * dropped. Columns are 1-based UTF-16 code units of `text` as given: a BOM that
 * starts line 1 is skipped but still counted, because an open document that
 * holds one counts it in its positions (a file reader drops it before, as an
 * editor hides it). A bad line gives exactly one problem: at its first bad
 * place, naming everything wrong with it; what is good in it is still returned.
 */
export function parseTripleLine(text: string, ctx: TripleLineContext): ParsedLine {
  let shift = 0;
  if (ctx.line === 1 && text.charCodeAt(0) === 0xfeff) { text = text.slice(1); shift = 1; }
  if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
  if (text.charCodeAt(0) !== 123 /* { */ && /^\s*$/.test(text)) return { triples: [], problems: [] };
  const line = { file: ctx.file, line: ctx.line };
  let parsed: ParsedLine;
  const bad = firstLoneSurrogate(text);
  if (bad >= 0) {
    // Bytes that are not UTF-8 (or text that cannot be saved as UTF-8): nothing of the line can be trusted.
    parsed = { triples: [], problems: [{ ...line, column: bad + 1 + shift, message: encodingProblem(text, bad, bad + 1 + shift) }] };
    return parsed;
  }
  try {
    parsed = ctx.format === 'tsv' ? parseTsvLine(text, line) : parseJsonlLine(text, line);
  } catch (err) {
    // A line must never stop a run. Pathological nesting overflows the stack of
    // a recursive parser; anything else is reported too.
    const message = err instanceof RangeError
      ? 'the record is nested too deeply to read; expected a flat JSON object per line'
      : `cannot read this line: ${(err as Error).message}`;
    return { triples: [], problems: [{ ...line, column: 1 + shift, message }] };
  }
  if (shift) for (const p of parsed.problems) p.column += shift;
  return parsed;
}

/** `.jsonl`, `.ndjson`, `.json-lines` → jsonl; `.tsv` → tsv; otherwise null (case-insensitive). */
export function detectFormat(fileName: string): TripleFormat | null {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson') || lower.endsWith('.json-lines')) return 'jsonl';
  if (lower.endsWith('.tsv')) return 'tsv';
  return null;
}
