/**
 * Where things are in the text of one JSON line, for messages: the column of
 * the value at a field path (`locate`), repeated keys that JSON.parse would
 * silently merge (`duplicateKeyProblem`), and the place and words of a syntax
 * error (`syntaxProblem`). What a record means is `jsonl.ts`'s business; this
 * module runs only on lines that have a problem (except the duplicate-key scan).
 */
import { getLocation, parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { Problem } from '../types';
import { describeChar, JSON_SYNTAX_MESSAGES, jsonPathText, oneProblem, type LineContext } from './common';

/** A field path in a record: keys and list indexes from the root. */
export type Path = (string | number)[];

/** A problem of a record's field, before it has a column. */
export interface Pending { path: Path; field: string; message: string }

// ---------------------------------------------------------------- columns of fields

/** The text of a JSON string token (escapes only decoded when there are some). */
const unquote = (token: string): string => (token.includes('\\') ? JSON.parse(token) as string : token.slice(1, -1));

/** An open object or list during a `walk`: where the walk is in it (the current index, or the key of the current value). */
interface Frame<T> { array: boolean; index: number; key: string; tag: T }

const STOP = Symbol('stop');

/**
 * One left-to-right walk over the tokens of a line JSON.parse accepted, with an
 * explicit stack of the open objects and lists: no tree, no recursion, so
 * nesting depth and line length cost only time. `onValue(offset, open)` runs
 * where each value starts; what it returns becomes the `tag` of the object or
 * list starting there (if one does), or STOP ends the walk. The walk also ends
 * before the first token at or after `until`. Returns the containers open at its end.
 */
function walk<T>(text: string, until: number, onValue: (offset: number, open: readonly Frame<T>[]) => T | typeof STOP): Frame<T>[] {
  const TOKEN = /"[^"\\]*(?:\\.[^"\\]*)*"|[{}[\],:]|[^\s{}[\],:"]+/g;
  const open: Frame<T>[] = [];
  let expectKey = false;
  for (let m: RegExpExecArray | null; (m = TOKEN.exec(text)) !== null && m.index < until;) {
    const tok = m[0];
    const c = tok.charCodeAt(0);
    const top = open[open.length - 1];
    if (c === 0x2c /* , */) {
      if (top.array) top.index++; else expectKey = true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      open.pop();
      expectKey = false;
    } else if (c === 0x3a /* : */) {
      // between a key and its value
    } else if (expectKey) {
      top.key = unquote(tok);
      expectKey = false;
    } else {
      const tag = onValue(m.index, open);
      if (tag === STOP) break;
      if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
        open.push({ array: c === 0x5b, index: 0, key: '', tag });
        expectKey = c === 0x7b;
      }
    }
  }
  return open;
}

/**
 * Offsets of the values at `paths` in a line that JSON.parse accepted (for each,
 * the deepest existing prefix; the root's when none), in one `walk`.
 */
function valueOffsets(text: string, paths: Path[]): number[] {
  const SEP = '\u0000';
  const keyOf = (path: Path, len: number) => path.slice(0, len).map((x) => (typeof x === 'number' ? `#${x}` : `$${x}`)).join(SEP);
  // Every prefix of every path, and the offset where its value starts once found.
  const wanted = new Map<string, number>();
  for (const p of paths) for (let len = 0; len <= p.length; len++) wanted.set(keyOf(p, len), -1);
  let missing = wanted.size;
  if (missing === 0) return [];
  // Each container is tagged with its path (as a wanted key), or null when no wanted path goes through it.
  walk<string | null>(text, Infinity, (offset, open) => {
    let path: string | null = '';
    if (open.length > 0) {
      const top = open[open.length - 1];
      if (top.tag === null) return null;
      const seg = top.array ? `#${top.index}` : `$${top.key}`;
      path = top.tag === '' ? seg : top.tag + SEP + seg;
      if (!wanted.has(path)) return null;
    }
    if (wanted.get(path) === -1) { wanted.set(path, offset); if (--missing === 0) return STOP; }
    return path;
  });
  return paths.map((p) => {
    for (let len = p.length; len >= 0; len--) {
      const at = wanted.get(keyOf(p, len));
      if (at !== undefined && at >= 0) return at;
    }
    return 0;
  });
}

export function locate(text: string, ctx: LineContext, pending: Pending[]): Problem[] {
  const offsets = valueOffsets(text, pending.map((p) => p.path));
  return oneProblem(pending.map((p, k) => {
    const problem: Problem = { file: ctx.file, line: ctx.line, column: offsets[k] + 1, message: p.message };
    if (p.field) problem.field = p.field;
    return problem;
  }));
}

// ---------------------------------------------------------------- duplicate keys

interface Duplicate { key: string; offset: number; path: Path }

/**
 * The second occurrence of a key repeated in one object of a line JSON.parse
 * accepted, or null. Keys in different objects may repeat (`neg` and
 * `neg_embeddings` share group names). A cheap scan: strings cannot hold an
 * unescaped quote, so jumping from quote to quote is exact; only keys (a string
 * followed by ':') are kept, one set per open object.
 */
function firstDuplicateKey(text: string): Duplicate | null {
  // Keys of each open object, innermost last; most objects have a handful, so a list beats a Set.
  const keys: (string[] | Set<string>)[] = [];
  let depth = -1;
  // Next '"', '{' and '}' at or after pos, each searched for again only once passed.
  let quote = -1, open = -1, close = -1;
  const n = text.length;
  for (let pos = 0; ;) {
    if (quote < pos) { quote = text.indexOf('"', pos); if (quote < 0) quote = n; }
    if (open < pos) { open = text.indexOf('{', pos); if (open < 0) open = n; }
    if (close < pos) { close = text.indexOf('}', pos); if (close < 0) close = n; }
    const at = quote < open ? (quote < close ? quote : close) : (open < close ? open : close);
    if (at >= n) return null;
    if (at === open) { keys[++depth] = []; pos = at + 1; continue; }
    if (at === close) { depth--; pos = at + 1; continue; }
    // A string: its closing quote is the first one after an even run of backslashes.
    let end = at;
    for (;;) {
      end = text.indexOf('"', end + 1);
      let k = end - 1;
      while (text.charCodeAt(k) === 0x5c) k--;
      if ((end - 1 - k) % 2 === 0) break;
    }
    pos = end + 1;
    let next = pos;
    while (next < n && text.charCodeAt(next) <= 0x20) next++;
    if (text.charCodeAt(next) !== 0x3a /* : */ || depth < 0) continue;
    const key = unquote(text.slice(at, end + 1));
    const seen = keys[depth];
    if (Array.isArray(seen) ? seen.includes(key) : seen.has(key)) return { key, offset: at, path: [...containerPath(text, at), key] };
    if (!Array.isArray(seen)) seen.add(key);
    else if (seen.push(key) > 16) keys[depth] = new Set(seen); // wide objects: no quadratic search
  }
}

/** Path of the object or list that holds the token at `offset` of a valid JSON line. */
function containerPath(text: string, offset: number): Path {
  // Each open container's current key or index leads to the next; the innermost one's is the token's own: dropped.
  return walk<null>(text, offset, () => null).slice(0, -1).map((f) => (f.array ? f.index : f.key));
}

/**
 * The problem of a line JSON.parse accepted that repeats a key in one object
 * (JSON.parse keeps the last without a word: which one was meant is unknown), or null.
 */
export function duplicateKeyProblem(text: string, ctx: LineContext): Problem | null {
  const dup = firstDuplicateKey(text);
  if (!dup) return null;
  const inside = jsonPathText(dup.path.slice(0, -1));
  return {
    file: ctx.file, line: ctx.line, column: dup.offset + 1, field: jsonPathText(dup.path),
    message: `duplicate key ${JSON.stringify(dup.key)}${inside ? ` in ${inside}` : ''} (the line is ambiguous; keep one)`,
  };
}

// ---------------------------------------------------------------- syntax errors

const SYNTAX: Readonly<Record<string, string>> = {
  ...JSON_SYNTAX_MESSAGES,
  EndOfFileExpected: 'expected the end of the line after the record (one JSON object per line)',
  InvalidCommentToken: 'comments are not allowed in JSON Lines',
  UnexpectedEndOfComment: 'comments are not allowed in JSON Lines',
};

/** The exact place inside a string token that jsonc-parser reports as a whole. */
function refineInString(text: string, code: string, start: number, end: number): number {
  for (let i = start + 1; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) {
      const e = text[i + 1];
      if (code === 'InvalidEscapeCharacter' && (e === undefined || !'"\\/bfnrtu'.includes(e))) return i;
      if (code === 'InvalidUnicode' && e === 'u' && !/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return i;
      i++;
    } else if (code === 'InvalidCharacter' && c < 0x20) return i;
  }
  return start;
}

/** What JSON.parse's own words say, with its position when it gives one (the fallback when the located parse cannot run). */
function v8Problem(text: string, ctx: LineContext, err: unknown): Problem {
  const words = (err as Error).message;
  const at = /at position (\d+)/.exec(words);
  const column = at ? Math.min(Number(at[1]), text.length) + 1 : 1;
  return { file: ctx.file, line: ctx.line, column, message: `invalid JSON: ${words.replace(/ in JSON at position \d+.*$/, '')}` };
}

/** JavaScript's non-finite number literals, which JSON does not have. */
const NON_FINITE = /^-?(?:NaN|Infinity)/;

export function syntaxProblem(text: string, ctx: LineContext, err: unknown): Problem {
  const errors: ParseError[] = [];
  try {
    parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  } catch (deep) {
    // jsonc-parser recurses per nesting level; a pathologically nested line overflows it.
    if (deep instanceof RangeError) return v8Problem(text, ctx, err);
    throw deep;
  }
  if (errors.length === 0) {
    // JSON.parse refused what jsonc-parser accepts (should not happen): report JSON.parse's words.
    return v8Problem(text, ctx, err);
  }
  const first = errors[0];
  const code = printParseErrorCode(first.error);
  let offset = first.offset;
  let what = SYNTAX[code] ?? 'invalid JSON';
  let nonFinite: RegExpExecArray | null = null;
  if (code === 'InvalidCharacter' || code === 'InvalidEscapeCharacter' || code === 'InvalidUnicode') {
    offset = refineInString(text, code, first.offset, first.offset + first.length);
    if (code === 'InvalidCharacter' && text.charCodeAt(offset) === 0) what = `a ${describeChar('\0')} in a string: expected it escaped as \\u0000, or removed`;
  } else if (code === 'InvalidSymbol' || code === 'InvalidNumberFormat') {
    nonFinite = NON_FINITE.exec(text.slice(offset, offset + 9));
    if (nonFinite) what = `JSON has no ${nonFinite[0]}: expected a finite number (write the vector without it, or drop the vector)`;
    else if (code === 'InvalidSymbol') what = `unexpected ${describeChar(String.fromCodePoint(text.codePointAt(offset) ?? 0))}`;
  }
  const closer = text[offset];
  if ((code === 'PropertyNameExpected' || code === 'ValueExpected') && (closer === '}' || closer === ']')) {
    let k = offset - 1;
    while (k >= 0 && /\s/.test(text[k])) k--;
    if (text[k] === ',') { offset = k; what = `trailing comma before '${closer}' (not allowed in JSON)`; }
  }
  const atEnd = offset >= text.length;
  if (atEnd) what = `the line ends too early: ${what}`;
  const problem: Problem = { file: ctx.file, line: ctx.line, column: offset + 1, message: `invalid JSON: ${what}${nonFinite ? '' : ` (${code})`}` };
  // The field the error sits in (not at the end of the line, where every field is "open").
  let path: Path = [];
  if (!atEnd) {
    try {
      path = getLocation(text, offset).path;
    } catch (deep) {
      if (!(deep instanceof RangeError)) throw deep;
    }
  }
  while (path.length && path[path.length - 1] === '') path.pop(); // '' = a property name being written
  const field = jsonPathText(path);
  if (field) problem.field = field;
  return problem;
}
