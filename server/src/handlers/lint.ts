/**
 * Structural problems of an open triple file, as the user types, without a
 * run: each line is parsed, in slices of a few milliseconds with a yield to
 * the event loop in between, so a 100 MB document never blocks hovers or
 * typing. A newer version cancels the older lint through the token.
 */
import type { CancellationToken } from 'vscode-languageserver';
import { parseTripleLine, type TripleFormat } from '../core/formats';
import type { Problem } from '../core/types';

const SLICE_MS = 8;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Problems of every line (1-based), or null when cancelled. */
export async function lintTriples(text: string, format: TripleFormat, file: string, token?: CancellationToken): Promise<Problem[] | null> {
  const problems: Problem[] = [];
  let start = 0;
  let line = 0;
  let sliceStart = performance.now();
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    line++;
    const piece = text.slice(start, end);
    if (!(end === text.length && piece === '' && line > 1)) {
      problems.push(...parseTripleLine(piece, { file, line, format }).problems);
    }
    start = end + 1;
    if ((line & 63) === 0 && performance.now() - sliceStart > SLICE_MS) {
      await yieldToEventLoop();
      if (token?.isCancellationRequested) return null;
      sliceStart = performance.now();
    }
  }
  return problems;
}

/** Whether the first non-blank lines of a file (up to three) parse as triples: how loose files are recognised. */
export function looksLikeTriples(head: string, format: TripleFormat, complete: boolean): boolean {
  const lines = head.split('\n');
  // The last piece of a head read from disk may be cut mid-line.
  if (!complete && lines.length > 1) lines.pop();
  let checked = 0;
  for (let k = 0; k < lines.length && checked < 3; k++) {
    const text = lines[k].replace(/\r$/, '');
    if (text.trim() === '') continue;
    const parsed = parseTripleLine(text, { file: '', line: k + 1, format });
    if (parsed.triples.length === 0 && format === 'tsv' && k === 0) continue; // a TSV header line
    if (parsed.triples.length === 0 || parsed.problems.length > 0) return false;
    checked++;
  }
  return checked > 0;
}
