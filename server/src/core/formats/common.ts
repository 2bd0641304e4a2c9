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
