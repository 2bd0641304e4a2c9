/**
 * One TSV line: `query<TAB>positive<TAB>negative[<TAB>source]`. Texts are kept
 * as written (no unescaping). A header line `query<TAB>positive<TAB>negative…`
 * (any case) is skipped wherever it appears.
 */
import type { Problem, RawTriple } from '../types';
import { describeChar, oneProblem, type LineContext, type ParsedLine } from './common';

const NAMES = ['query', 'positive', 'negative', 'source'] as const;
const EXPECTED = 'expected 3 or 4 tab-separated columns (query, positive, negative[, source])';

function problem(ctx: LineContext, column: number, message: string, field?: string): Problem {
  const p: Problem = { file: ctx.file, line: ctx.line, column, message };
  if (field !== undefined) p.field = field;
  return p;
}

export function parseTsvLine(text: string, ctx: LineContext): ParsedLine {
  // A NUL is never text: the file is binary or in another encoding (UTF-16).
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    return { triples: [], problems: [problem(ctx, nul + 1, `unexpected ${describeChar('\0')} at column ${nul + 1}: expected text (is this a binary or UTF-16 file?)`)] };
  }
  const fields = text.split('\t');
  if (fields.length >= 3
    && fields[0].trim().toLowerCase() === 'query'
    && fields[1].trim().toLowerCase() === 'positive'
    && fields[2].trim().toLowerCase() === 'negative') {
    return { triples: [], problems: [] };
  }
  if (fields.length < 3) {
    const missing = NAMES[fields.length];
    return { triples: [], problems: [problem(ctx, text.length + 1, `${missing}: ${EXPECTED}, found ${fields.length}; the line ends where the ${missing} column should start`, missing)] };
  }
  if (fields.length > 4) {
    let at = -1;
    for (let k = 0; k < 4; k++) at = text.indexOf('\t', at + 1);
    return { triples: [], problems: [problem(ctx, at + 1, `${EXPECTED}, found ${fields.length}: a 5th column starts after this tab (tabs inside texts must be removed or escaped)`)] };
  }
  const problems: Problem[] = [];
  let start = 0;
  for (let k = 0; k < 3; k++) {
    const f = fields[k];
    if (f.trim() === '') {
      problems.push(problem(ctx, start + 1, `${NAMES[k]}: expected non-empty text, got ${f.length === 0 ? 'an empty column' : 'only whitespace'}`, NAMES[k]));
    }
    start += f.length + 1;
  }
  if (problems.length) return { triples: [], problems: oneProblem(problems) };
  const triple: RawTriple = { query: fields[0], positive: fields[1], negative: fields[2], posIndex: 0, negIndex: 0 };
  // An empty 4th column (a trailing tab) means "no source".
  if (fields.length === 4 && fields[3].trim() !== '') triple.source = fields[3].trim();
  return { triples: [triple], problems: [] };
}
