/**
 * Structural problems of an open triple file, as the user types, without a
 * run: each line is parsed, in slices of a few milliseconds with a yield to
 * the event loop in between, so a 100 MB document never blocks hovers or
 * typing. A newer version cancels the older lint through the token.
 *
 * An edit changes a line or two, yet re-parsing every line on every change
 * made the LSP thread fall behind an edit storm (100 changes a second on a few
 * hundred lines with vectors saturated it, and hovers waited seconds behind
 * the queued changes). A `LintMemo` remembers which line texts parsed cleanly
 * in the last complete lint, so the next one parses only new lines.
 */
import type { CancellationToken } from 'vscode-languageserver';
import { parseTripleLine, type TripleFormat } from '../core/formats';
import { LineBreaks } from '../core/formats/common';
import type { Problem } from '../core/types';

const SLICE_MS = 8;

/**
 * Documents up to this many characters are memoised. The remembered lines are
 * slices of one version's text, which they keep alive until the next complete
 * lint; beyond this size that copy costs more than re-parsing saves.
 */
const MEMO_MAX_CHARS = 8 * 1024 * 1024;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Line texts (after the first line, whose byte-order mark is handled apart)
 * that had no problem in the last complete lint of one document. Only clean
 * lines are remembered, so a problem's line number and message always come
 * from a fresh parse.
 */
export class LintMemo {
  clean = new Set<string>();
  /** Lines the last complete lint parsed (the others came from the memo). */
  parsed = 0;
}

/** Problems of every line (1-based), or null when cancelled. */
export async function lintTriples(text: string, format: TripleFormat, file: string, token?: CancellationToken, memo?: LintMemo): Promise<Problem[] | null> {
  const problems: Problem[] = [];
  const known = memo && text.length <= MEMO_MAX_CHARS ? memo.clean : undefined;
  const clean = known ? new Set<string>() : undefined;
  let parsed = 0;
  let start = 0;
  let line = 0;
  let sliceStart = performance.now();
  const breaks = new LineBreaks(text); // \n, \r\n and a lone \r, as the editor counts lines
  while (start <= text.length) {
    const end = breaks.endOf(start);
    line++;
    const piece = text.slice(start, end);
    if (!(end === text.length && piece === '' && line > 1)) {
      if (line > 1 && known?.has(piece)) {
        clean!.add(piece);
      } else {
        const found = parseTripleLine(piece, { file, line, format }).problems;
        parsed++;
        if (found.length > 0) problems.push(...found);
        else if (line > 1) clean?.add(piece);
      }
    }
    start = breaks.nextStart(end);
    if ((line & 63) === 0 && performance.now() - sliceStart > SLICE_MS) {
      await yieldToEventLoop();
      if (token?.isCancellationRequested) return null;
      sliceStart = performance.now();
    }
  }
  if (memo) {
    // Only a complete lint replaces the memo: it then holds exactly this version's clean lines.
    memo.clean = clean ?? new Set();
    memo.parsed = parsed;
  }
  return problems;
}

/** Whether the first non-blank lines of a file (up to three) parse as triples: how loose files are recognised. */
export function looksLikeTriples(head: string, format: TripleFormat, complete: boolean): boolean {
  const lines = head.split(/\r\n|\r|\n/);
  // The last piece of a head read from disk may be cut mid-line.
  if (!complete && lines.length > 1) lines.pop();
  let checked = 0;
  for (let k = 0; k < lines.length && checked < 3; k++) {
    const text = lines[k];
    if (text.trim() === '') continue;
    const parsed = parseTripleLine(text, { file: '', line: k + 1, format });
    if (parsed.triples.length === 0 && format === 'tsv' && k === 0) continue; // a TSV header line
    if (parsed.triples.length === 0 || parsed.problems.length > 0) return false;
    checked++;
  }
  return checked > 0;
}
