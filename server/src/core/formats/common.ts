/** Types shared by the line parsers of `formats`. */
import type { Problem, RawTriple } from '../types';

export type TripleFormat = 'jsonl' | 'tsv';

export interface LineContext {
  /** File name as shown in problems. */
  file: string;
  /** 1-based line number. */
  line: number;
}

export interface ParsedLine {
  triples: RawTriple[];
  problems: Problem[];
}

/** What each jsonc-parser error code (by `printParseErrorCode` name) means, in words. */
export const JSON_SYNTAX_MESSAGES: Readonly<Record<string, string>> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: `expected ':' after the property name`,
  CommaExpected: `expected ','`,
  CloseBraceExpected: `expected ',' or '}'`,
  CloseBracketExpected: `expected ',' or ']'`,
  EndOfFileExpected: 'expected nothing after the value',
  InvalidCommentToken: 'invalid comment',
  UnexpectedEndOfComment: "unterminated comment: expected '*/'",
  UnexpectedEndOfString: `unterminated string: expected a closing '"'`,
  UnexpectedEndOfNumber: 'incomplete number',
  InvalidUnicode: 'invalid \\u escape: expected four hex digits',
  InvalidEscapeCharacter: 'invalid escape: expected one of \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX',
  InvalidCharacter: 'control character in a string: expected it escaped (e.g. \\t, \\n)',
};

/** `neg.bm25[2]`, `pos[0]`, `sources[2].union[0]`: a JSON path as people write it ('' for the root). */
export function jsonPathText(path: readonly (string | number)[]): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(seg)) s += s === '' ? seg : `.${seg}`;
    else s += `[${JSON.stringify(seg)}]`;
  }
  return s;
}

/**
 * Line breaks as LSP clients count them: `\n`, `\r\n` and a lone `\r`. Walks a
 * string's lines in O(length) (the next `\r` and `\n` are remembered, so a text
 * without `\r` is searched for one once, not once a line):
 *
 *     const breaks = new LineBreaks(text);
 *     for (let start = 0; start <= text.length; start = breaks.nextStart(end)) { end = breaks.endOf(start); … }
 */
export class LineBreaks {
  private cr = -1;
  private lf = -1;

  constructor(private readonly text: string) {}

  /** Index of the line break that ends the line starting at `start` (text.length on the last line). */
  endOf(start: number): number {
    const t = this.text;
    if (this.lf < start) { const i = t.indexOf('\n', start); this.lf = i < 0 ? t.length : i; }
    if (this.cr < start) { const i = t.indexOf('\r', start); this.cr = i < 0 ? t.length : i; }
    return this.lf < this.cr ? this.lf : this.cr;
  }

  /** Start of the next line after the break at `end` (one past `\r\n` as a whole). */
  nextStart(end: number): number {
    return this.text.charCodeAt(end) === 13 && this.text.charCodeAt(end + 1) === 10 ? end + 2 : end + 1;
  }
}

/**
 * Bytes that are not UTF-8 reach the parsers as lone surrogates U+DC80…U+DCFF, one
 * per byte (the "surrogate escape" of the file reader in `analysis/lines.ts`): a
 * decoder that replaced them by U+FFFD would turn a damaged line into different,
 * valid text. UTF-8 decoding never yields a lone surrogate, so they cannot be
 * confused with real text.
 */
export const ESCAPED_BYTE_BASE = 0xdc00;

/** Index of the first lone surrogate of `text`, or -1 when it is well-formed UTF-16. */
export function firstLoneSurrogate(text: string): number {
  // Native and O(1) on one-byte strings; the loop runs only on damaged lines.
  if ((text as unknown as { isWellFormed(): boolean }).isWellFormed()) return -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { i++; continue; }
      return i;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return i;
  }
  return -1;
}

/** The one problem of a line whose text is not valid UTF-8 (or not encodable as UTF-8), at its first bad code unit. */
export function encodingProblem(text: string, at: number, column = at + 1): string {
  const c = text.charCodeAt(at);
  if (c >= ESCAPED_BYTE_BASE + 0x80 && c <= ESCAPED_BYTE_BASE + 0xff) {
    const bytes: string[] = [];
    for (let i = at; i < text.length && bytes.length < 4; i++) {
      const b = text.charCodeAt(i) - ESCAPED_BYTE_BASE;
      if (b < 0x80 || b > 0xff) break;
      bytes.push(`0x${b.toString(16).toUpperCase()}`);
    }
    return `invalid UTF-8 at column ${column} (byte${bytes.length > 1 ? 's' : ''} ${bytes.join(' ')}): expected UTF-8 text; save the file as UTF-8`;
  }
  return `invalid text at column ${column}: a lone UTF-16 surrogate (U+${c.toString(16).toUpperCase()}) cannot be saved as UTF-8; expected text`;
}

/** `NUL byte (U+0000)`, `byte order mark (U+FEFF)`, `character "x"`: a character named in a message, invisible ones by name. */
export function describeChar(ch: string): string {
  const c = ch.codePointAt(0) ?? 0;
  const hex = `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  if (c === 0) return `NUL byte (${hex})`;
  if (c === 0xfeff) return `byte order mark (${hex})`;
  if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return `control character (${hex})`;
  if (c === 0xa0 || c === 0x2028 || c === 0x2029 || (c >= 0x2000 && c <= 0x200f)) return `invisible character (${hex})`;
  return `character ${JSON.stringify(ch)}`;
}

/** How many of a line's problems its one message spells out. */
const LISTED = 5;

/**
 * A line's problems → exactly one: at the leftmost place, its message listing
 * every problem left to right (the first few, then how many more), its field
 * the leftmost one's.
 */
export function oneProblem(problems: Problem[]): Problem[] {
  if (problems.length <= 1) return problems;
  const sorted = problems.map((p, k) => ({ p, k })).sort((x, y) => x.p.column - y.p.column || x.k - y.k).map((x) => x.p);
  const first = sorted[0];
  const listed = sorted.slice(0, LISTED).map((p) => p.message);
  if (sorted.length > LISTED) listed.push(`and ${sorted.length - LISTED} more`);
  const one: Problem = { file: first.file, line: first.line, column: first.column, message: listed.join('; ') };
  if (first.field !== undefined) one.field = first.field;
  return [one];
}
