/**
 * The IDF corpus when the setting `idfCorpus` names files (spec §2): plain text
 * files give a document per non-blank line; JSONL files give a document per
 * line — the line's string, its "text"/"passage"/"contents" field, or the
 * passages of a triple record.
 */
import { extname } from 'node:path';
import { parseTripleLine } from '../core/formats';
import { DocumentFrequencies } from '../core/lexical';
import type { Problem } from '../core/types';
import type { LineSource } from './lines';

const TEXT_FIELDS = ['text', 'passage', 'contents', 'content', 'body'];

function documentsOfJsonLine(text: string, file: string, line: number): string[] | Problem {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { file, line, column: 1, message: 'IDF corpus: invalid JSON; expected a string or an object with a "text" field' };
  }
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const f of TEXT_FIELDS) {
      const v = (value as Record<string, unknown>)[f];
      if (typeof v === 'string') return [v];
    }
    const parsed = parseTripleLine(text, { file, line, format: 'jsonl' });
    if (parsed.triples.length > 0) {
      return [...new Set(parsed.triples.flatMap((t) => [t.positive, t.negative]))];
    }
  }
  return { file, line, column: 1, message: `IDF corpus: expected a string, an object with one of ${TEXT_FIELDS.map((f) => `"${f}"`).join(', ')}, or a triple record` };
}

export async function readIdfCorpus(
  sources: { path: string; lines: LineSource }[],
  termsOf: (text: string) => string[],
  problems: Problem[],
): Promise<DocumentFrequencies> {
  const df = new DocumentFrequencies();
  for (const { path, lines } of sources) {
    const json = ['.jsonl', '.ndjson', '.json'].includes(extname(path).toLowerCase());
    for await (const { line, text } of lines.lines()) {
      if (text.trim() === '') continue;
      if (!json) {
        df.add(termsOf(text));
        continue;
      }
      const docs = documentsOfJsonLine(text, lines.name, line);
      if ('message' in docs) problems.push(docs);
      else for (const d of docs) df.add(termsOf(d));
    }
  }
  return df;
}
