/**
 * Line sources for the two streaming passes. Files on disk are read with a
 * stream (never loaded whole); documents open in an editor come as text.
 *
 * Both number lines the way editors and LSP do: `\n`, `\r\n` and a lone `\r`
 * end a line. A UTF-8 byte order mark at the start of a file is not text (an
 * editor hides it, so columns of line 1 start after it). Bytes that are not
 * UTF-8 are kept visible to the parsers as lone surrogates (see
 * `ESCAPED_BYTE_BASE`) instead of being replaced by U+FFFD.
 */
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { ESCAPED_BYTE_BASE, LineBreaks } from '../core/formats/common';

export interface NumberedLine {
  /** 1-based line number. */
  line: number;
  text: string;
  /** The line's ending as it is in the input: '\n', '\r\n', '\r', or '' for a last line without one. */
  eol: string;
}

/** Anything that can be read twice, line by line, with the same result both times. */
export interface LineSource {
  /** Path or URI shown to the user. */
  readonly name: string;
  lines(): AsyncIterable<NumberedLine>;
  /**
   * For a file on disk: a stamp of its state (inode, size, modification and change times),
   * taken before reading, equal next time only if the file is unchanged (never, when it changed
   * too recently for its times to show the next change); null when it cannot be read.
   */
  stamp?(): string | null;
  /** About how many bytes of text the lines hold (a file's size; more for compressed files), when known. */
  bytes?(): number | null;
}

/** A file's size in bytes, times `factor` (for compressed files), or null when it cannot be read. */
export function fileBytes(path: string, factor = 1): number | null {
  try {
    return statSync(path).size * factor;
  } catch {
    return null;
  }
}

/**
 * A file changed less than this long ago could change again within the granularity of its
 * timestamps without its stamp changing (git's "racy" entries): its stamp then equals no
 * other, so that the next read compares its lines one by one instead of replaying them.
 */
const SETTLED_NS = 1_000_000_000n;

/** {@link LineSource.stamp} of a file. */
export function fileStamp(path: string): string | null {
  try {
    const st = statSync(path, { bigint: true });
    const changed = st.mtimeNs > st.ctimeNs ? st.mtimeNs : st.ctimeNs;
    if (BigInt(Date.now()) * 1_000_000n - changed < SETTLED_NS) return `unsettled:${randomUUID()}`;
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  } catch {
    return null;
  }
}

/** One line is held whole in memory; past this size the file is refused with a message rather than exhausting memory. */
export const MAX_LINE_BYTES = 256 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;

/** Length of the well-formed UTF-8 sequence at `i` (Unicode Table 3-7), or 0 when the byte there starts none. */
function sequenceLength(b: Uint8Array, i: number): number {
  const x = b[i];
  if (x < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k] >= lo && b[i + k] <= hi;
  if (x >= 0xc2 && x <= 0xdf) return cont(1) ? 2 : 0;
  if (x === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((x >= 0xe1 && x <= 0xec) || x === 0xee || x === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (x === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0; // not a surrogate (ED A0..BF)
  if (x === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (x >= 0xf1 && x <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (x === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/** UTF-8 bytes → text, each byte of an ill-formed sequence as U+DC80…U+DCFF (slow path: damaged lines only). */
export function decodeEscaped(bytes: Buffer): string {
  let out = '';
  let run = 0;
  for (let i = 0; i < bytes.length;) {
    const n = sequenceLength(bytes, i);
    if (n > 0) { i += n; continue; }
    out += bytes.toString('utf8', run, i) + String.fromCharCode(ESCAPED_BYTE_BASE + bytes[i]);
    run = ++i;
  }
  return out + bytes.toString('utf8', run);
}

/** The exact bytes a line was read from: the inverse of `decodeEscaped` (for writers that must not lose data). */
export function encodeEscaped(text: string): Buffer {
  if ((text as unknown as { isWellFormed(): boolean }).isWellFormed()) return Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= ESCAPED_BYTE_BASE + 0x80 && c <= ESCAPED_BYTE_BASE + 0xff) {
      const prev = text.charCodeAt(i - 1);
      if (i > 0 && prev >= 0xd800 && prev <= 0xdbff) continue; // the low half of a pair
      parts.push(Buffer.from(text.slice(run, i), 'utf8'), Buffer.of(c - ESCAPED_BYTE_BASE));
      run = i + 1;
    }
  }
  parts.push(Buffer.from(text.slice(run), 'utf8'));
  return Buffer.concat(parts);
}

/** UTF-8 bytes of a line → text; bytes that are not UTF-8 become lone surrogates (see `decodeEscaped`). */
export function decodeLine(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  // toString() replaces bad bytes by U+FFFD; a real U+FFFD in the file is valid text.
  return text.indexOf('\uFFFD') >= 0 && !isUtf8(bytes) ? decodeEscaped(bytes) : text;
}

export function fileLineSource(path: string, shownAs = path): LineSource {
  return {
    name: shownAs,
    lines: () => chunkLines(createReadStream(path, { highWaterMark: 1 << 20 }), shownAs),
    stamp: () => fileStamp(path),
    bytes: () => fileBytes(path),
  };
}

/**
 * The byte stream could not be read to its end (a truncated or corrupt gzip):
 * `lastLine` lines were read whole before it; a partial line after them is dropped.
 */
export class DamagedInputError extends Error {
  /** `whole`: the message as the user reads it, when the stream's own words are not enough (Parquet). */
  constructor(message: string, readonly lastLine: number, readonly whole?: string) {
    super(message);
    this.name = 'DamagedInputError';
  }
}

/**
 * Lines of a byte stream (a file, or a decompressed one). An error of the stream
 * itself becomes a `DamagedInputError` that says how many lines were whole before it.
 * `raw`: lines are not decoded (`text` is ''); `bytes` holds them, valid until the next line
 * (for a reader that decodes only the few lines it needs, such as a corpus index).
 */
export async function* chunkLines(input: AsyncIterable<Buffer> & { destroy(): void }, shownAs: string, raw = false): AsyncGenerator<NumberedLine & { bytes?: Buffer }> {
  let line = 0;
  // The start of a line that continues in the next chunk.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let first = true;
  // The previous chunk ended with \r: a \n at the start of the next one belongs to it,
  // so the line it ended is held until its ending is known.
  let afterCr = false;
  let held: Buffer | null = null;
  const take = (chunk: Buffer, start: number, end: number): Buffer => {
    if (pending.length === 0) return chunk.subarray(start, end);
    const whole = Buffer.concat([...pending, chunk.subarray(start, end)]);
    pending = [];
    pendingBytes = 0;
    return whole;
  };
  const chunks = guarded(input, () => line);
  try {
    for await (const chunk of chunks) {
      let pos = 0;
      if (first) {
        first = false;
        if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) pos = 3;
      }
      if (afterCr) {
        afterCr = false;
        const crlf = chunk[0] === LF;
        if (crlf) pos = 1;
        line++;
        yield { line, text: raw ? '' : decodeLine(held!), eol: crlf ? '\r\n' : '\r', bytes: raw ? held! : undefined };
        held = null;
      }
      // Next \n and \r at or after pos, remembered so that each is searched for once.
      let lf = -1;
      let cr = -1;
      for (;;) {
        if (lf < pos && lf !== chunk.length) { lf = chunk.indexOf(LF, pos); if (lf < 0) lf = chunk.length; }
        if (cr < pos && cr !== chunk.length) { cr = chunk.indexOf(CR, pos); if (cr < 0) cr = chunk.length; }
        const end = lf < cr ? lf : cr;
        if (end >= chunk.length) break;
        const bytes = take(chunk, pos, end);
        pos = end + 1;
        if (chunk[end] === CR && pos === chunk.length) {
          afterCr = true;
          held = bytes;
          break;
        }
        let eol = '\n';
        if (chunk[end] === CR) {
          eol = '\r';
          if (chunk[pos] === LF) { pos++; eol = '\r\n'; }
        }
        line++;
        yield { line, text: raw ? '' : decodeLine(bytes), eol, bytes: raw ? bytes : undefined };
      }
      if (pos < chunk.length) {
        pendingBytes += chunk.length - pos;
        if (pendingBytes > MAX_LINE_BYTES) {
          throw new Error(`${shownAs}:${line + 1}: the line is longer than ${MAX_LINE_BYTES / 1024 / 1024} MiB; expected one record per line (is this a JSON Lines file?)`);
        }
        pending.push(chunk.subarray(pos));
      }
    }
    if (held) {
      line++;
      yield { line, text: raw ? '' : decodeLine(held), eol: '\r', bytes: raw ? held : undefined };
    }
    if (pending.length > 0) {
      line++;
      const last = take(Buffer.alloc(0), 0, 0);
      yield { line, text: raw ? '' : decodeLine(last), eol: '', bytes: raw ? last : undefined };
    }
  } finally {
    input.destroy();
  }
}

async function* guarded(input: AsyncIterable<Buffer>, linesSoFar: () => number): AsyncGenerator<Buffer> {
  const it = input[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Buffer>;
    try {
      next = await it.next();
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      // File-system errors (a file removed between the passes) keep their own meaning.
      if (e.code?.startsWith('Z_')) throw new DamagedInputError(e.message, linesSoFar());
      throw err;
    }
    if (next.done) return;
    yield next.value;
  }
}

/** A snapshot of an open document's text: later edits do not change what the passes read. */
export function textLineSource(name: string, text: string): LineSource {
  return {
    name,
    bytes: () => text.length,
    async *lines() {
      const breaks = new LineBreaks(text);
      let line = 0;
      for (let start = 0; start <= text.length;) {
        const end = breaks.endOf(start);
        line++;
        // A final line break ends the last line; it does not start an empty one.
        if (end === text.length && start === end && line > 1) return;
        const next = breaks.nextStart(end);
        yield { line, text: text.slice(start, end), eol: text.slice(end, next) };
        start = next;
      }
    },
  };
}
