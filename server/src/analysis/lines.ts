/**
 * Line sources for the two streaming passes. Files on disk are read with a
 * stream (never loaded whole); documents open in an editor come as text.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface NumberedLine {
  /** 1-based line number. */
  line: number;
  text: string;
}

/** Anything that can be read twice, line by line, with the same result both times. */
export interface LineSource {
  /** Path or URI shown to the user. */
  readonly name: string;
  lines(): AsyncIterable<NumberedLine>;
}

export function fileLineSource(path: string, shownAs = path): LineSource {
  return {
    name: shownAs,
    async *lines() {
      const input = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
      const reader = createInterface({ input, crlfDelay: Infinity });
      let line = 0;
      try {
        for await (const text of reader) {
          line++;
          yield { line, text };
        }
      } finally {
        reader.close();
        input.destroy();
      }
    },
  };
}

/** A snapshot of an open document's text: later edits do not change what the passes read. */
export function textLineSource(name: string, text: string): LineSource {
  return {
    name,
    async *lines() {
      let line = 0;
      let start = 0;
      while (start <= text.length) {
        let end = text.indexOf('\n', start);
        if (end < 0) end = text.length;
        line++;
        let piece = text.slice(start, end);
        if (piece.endsWith('\r')) piece = piece.slice(0, -1);
        if (end === text.length && piece === '' && line > 1) return;
        yield { line, text: piece };
        start = end + 1;
      }
    },
  };
}
