/**
 * One JSON Lines record → triples or problems. The happy path is a single
 * JSON.parse; jsonc-parser builds a tree only when a problem needs a column.
 *
 * Accepted shapes (every negative pairs with every positive):
 * - flat:    {"query"|"anchor"|"q", "positive"|"pos", "negative"|"neg"} with strings;
 * - lists:   {"query", "pos": [..], "neg": [..]}  and  {"query", "positive", "negative_1".."negative_n"};
 * - grouped: {"query", "pos": [..], "neg": {"bm25": [..], "dense": [..]}} — the key becomes the source;
 * - vectors: query_embedding, positive_embedding, negative_embedding, or
 *   pos_embeddings / neg_embeddings aligned with the lists (an object with the
 *   same keys for grouped negatives). `null` counts as absent.
 * Precedence when several spellings are present: query > anchor > q,
 * positive > pos, negative > neg > negative_N.
 */
import { getLocation, parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { Problem, RawTriple } from '../types';
import { describeChar, JSON_SYNTAX_MESSAGES, jsonPathText, oneProblem, type LineContext, type ParsedLine } from './common';

type Path = (string | number)[];

interface Pending { path: Path; field: string; message: string }

interface Item {
  text: string;
  /** Index in its list (raw, so that embedding lists stay aligned). */
  index: number;
  source?: string;
  vector?: Float32Array;
  /** Where its vector came from, for dimension messages. */
  vectorPath?: Path;
  ok: boolean;
}

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : 'a list';
  switch (typeof v) {
    case 'string': return 'a string';
    case 'number': return 'a number';
    case 'boolean': return 'a boolean';
    default: return 'an object';
  }
}

/** `neg.bm25[2]`, `pos[0]`, `negative`. */
export const fieldName = (path: Path): string => jsonPathText(path);

class Collector {
  readonly pending: Pending[] = [];
  report(path: Path, message: string): void {
    const field = fieldName(path);
    this.pending.push({ path, field, message: field ? `${field}: ${message}` : message });
  }
}

/** Checks a text value; reports and returns undefined when it is not usable text. */
function textAt(value: unknown, path: Path, out: Collector): string | undefined {
  if (typeof value !== 'string') {
    out.report(path, `expected text (a JSON string), got ${kindOf(value)}`);
    return undefined;
  }
  if (value.length === 0) { out.report(path, 'expected non-empty text, got an empty string'); return undefined; }
  if (value.trim() === '') { out.report(path, 'expected non-empty text, got only whitespace'); return undefined; }
  return value;
}

/** A string or a list of strings → items; bad entries are reported and marked. */
function textList(value: unknown, path: Path, what: string, out: Collector, source?: string): Item[] | undefined {
  if (typeof value === 'string') {
    const text = textAt(value, path, out);
    return text === undefined ? undefined : [{ text, index: 0, source, ok: true }];
  }
  if (!Array.isArray(value)) {
    out.report(path, `expected text or a list of ${what} texts, got ${kindOf(value)}`);
    return undefined;
  }
  if (value.length === 0) {
    out.report(path, `expected at least one ${what}, got an empty list`);
    return undefined;
  }
  return value.map((v, i) => {
    const text = textAt(v, [...path, i], out);
    return { text: text ?? '', index: i, source, ok: text !== undefined };
  });
}

function readVector(value: unknown, path: Path, out: Collector): Float32Array | undefined {
  if (!Array.isArray(value)) { out.report(path, `expected a list of numbers (a vector), got ${kindOf(value)}`); return undefined; }
  if (value.length === 0) { out.report(path, 'expected a non-empty list of numbers (a vector), got an empty list'); return undefined; }
  const v = new Float32Array(value.length);
  let norm = 0;
  for (let i = 0; i < value.length; i++) {
    const x = value[i];
    if (typeof x !== 'number') { out.report([...path, i], `expected a number, got ${kindOf(x)}`); return undefined; }
    v[i] = x;
    if (!Number.isFinite(v[i])) { out.report([...path, i], `expected a finite number within the float32 range, got ${x}`); return undefined; }
    norm += v[i] * v[i];
  }
  if (norm === 0) { out.report(path, 'the vector has zero norm (expected a non-zero vector)'); return undefined; }
  return v;
}

/**
 * Attaches vectors to items: `listKey` holds a list aligned with the items,
 * `singleKey` one vector for a single item. Returns false when the alignment is
 * broken (then nothing of `items` can be trusted).
 */
function attachVectors(
  rec: Record<string, unknown>, items: Item[], listValue: unknown, listPath: Path, listWhat: string,
  singleKey: string | null, out: Collector,
): boolean {
  if (listValue !== undefined && listValue !== null) {
    if (!Array.isArray(listValue)) {
      out.report(listPath, `expected a list of vectors aligned with ${listWhat}, got ${kindOf(listValue)}`);
      return false;
    }
    if (listValue.length !== items.length) {
      out.report(listPath, `expected ${items.length} vector${items.length === 1 ? '' : 's'} (one per entry of ${listWhat}), got ${listValue.length}`);
      return false;
    }
    for (let i = 0; i < items.length; i++) {
      const path = [...listPath, i];
      const v = readVector(listValue[i], path, out);
      if (v) { items[i].vector = v; items[i].vectorPath = path; } else items[i].ok = false;
    }
    return true;
  }
  if (singleKey !== null && rec[singleKey] !== undefined && rec[singleKey] !== null) {
    if (items.length !== 1) {
      out.report([singleKey], `one vector, but ${listWhat} has ${items.length} entries (use a list of vectors aligned with it)`);
      return false;
    }
    const v = readVector(rec[singleKey], [singleKey], out);
    if (v) { items[0].vector = v; items[0].vectorPath = [singleKey]; } else items[0].ok = false;
  }
  return true;
}

const NEGATIVE_N = /^negative_(\d+)$/;

interface Candidates { items: Item[]; fatal: boolean }

function readPositives(rec: Record<string, unknown>, out: Collector): Candidates {
  const key = hasOwn(rec, 'positive') ? 'positive' : hasOwn(rec, 'pos') ? 'pos' : null;
  if (key === null) {
    out.report([], 'missing "positive" (accepted: "positive", "pos")');
    return { items: [], fatal: true };
  }
  let items: Item[] | undefined;
  if (key === 'positive') {
    const text = textAt(rec.positive, ['positive'], out);
    items = text === undefined ? undefined : [{ text, index: 0, ok: true }];
  } else items = textList(rec.pos, ['pos'], 'positive', out);
  if (!items) return { items: [], fatal: true };
  const aligned = attachVectors(rec, items, rec.pos_embeddings, ['pos_embeddings'], `"${key}"`, 'positive_embedding', out);
  return { items, fatal: !aligned };
}

function readNegatives(rec: Record<string, unknown>, out: Collector): Candidates {
  if (hasOwn(rec, 'negative')) {
    const text = textAt(rec.negative, ['negative'], out);
    if (text === undefined) return { items: [], fatal: true };
    const items = [{ text, index: 0, ok: true }];
    return { items, fatal: !attachVectors(rec, items, rec.neg_embeddings, ['neg_embeddings'], '"negative"', 'negative_embedding', out) };
  }
  if (hasOwn(rec, 'neg')) {
    const neg = rec.neg;
    if (neg !== null && typeof neg === 'object' && !Array.isArray(neg)) return readGrouped(rec, neg as Record<string, unknown>, out);
    const items = textList(neg, ['neg'], 'negative', out);
    if (!items) return { items: [], fatal: true };
    return { items, fatal: !attachVectors(rec, items, rec.neg_embeddings, ['neg_embeddings'], '"neg"', 'negative_embedding', out) };
  }
  const numbered: { key: string; n: number }[] = [];
  for (const key of Object.keys(rec)) {
    const m = NEGATIVE_N.exec(key);
    if (m) numbered.push({ key, n: Number(m[1]) });
  }
  if (numbered.length === 0) {
    out.report([], 'missing "negative" (accepted: "negative", "neg", "negative_1"…"negative_n")');
    return { items: [], fatal: true };
  }
  numbered.sort((x, y) => x.n - y.n);
  const items = numbered.map(({ key }, i) => {
    const text = textAt(rec[key], [key], out);
    return { text: text ?? '', index: i, ok: text !== undefined };
  });
  return { items, fatal: false };
}

function readGrouped(rec: Record<string, unknown>, neg: Record<string, unknown>, out: Collector): Candidates {
  const keys = Object.keys(neg);
  if (keys.length === 0) {
    out.report(['neg'], 'expected at least one group of negatives (e.g. {"bm25": [..]}), got an empty object');
    return { items: [], fatal: true };
  }
  let embeddings: Record<string, unknown> | null = null;
  const ev = rec.neg_embeddings;
  if (ev !== undefined && ev !== null) {
    if (typeof ev !== 'object' || Array.isArray(ev)) {
      out.report(['neg_embeddings'], `expected an object with the same keys as "neg" (grouped negatives), got ${kindOf(ev)}`);
      return { items: [], fatal: true };
    }
    embeddings = ev as Record<string, unknown>;
  }
  const all: Item[] = [];
  for (const key of keys) {
    if (key.trim() === '') {
      out.report(['neg', key], 'expected a non-empty group name (it names the source)');
      continue;
    }
    const items = textList(neg[key], ['neg', key], 'negative', out, key);
    if (!items) continue;
    if (embeddings) {
      const vectors = hasOwn(embeddings, key) ? embeddings[key] : undefined;
      if (vectors === undefined || vectors === null) {
        out.report(['neg_embeddings'], `missing key "${key}" (expected vectors aligned with neg.${key})`);
        continue;
      }
      if (!attachVectors(rec, items, vectors, ['neg_embeddings', key], `neg.${key}`, null, out)) continue;
    }
    all.push(...items);
  }
  return { items: all, fatal: false };
}

function optionalString(rec: Record<string, unknown>, key: 'source' | 'id', out: Collector): { ok: boolean; value?: string } {
  const v = rec[key];
  if (v === undefined) return { ok: true };
  if (key === 'id') {
    if (typeof v === 'string') return { ok: true, value: v };
    if (typeof v === 'number' && Number.isFinite(v)) return { ok: true, value: String(v) };
    out.report([key], `expected a string or a number, got ${kindOf(v)}`);
    return { ok: false };
  }
  if (typeof v !== 'string' || v.trim() === '') {
    out.report([key], `expected a non-empty source name (a string), got ${typeof v === 'string' ? 'an empty string' : kindOf(v)}`);
    return { ok: false };
  }
  return { ok: true, value: v };
}

/** All vectors of a line must have one dimension: the first valid one's. */
function checkDimensions(query: Float32Array | undefined, items: Item[], out: Collector): void {
  let dim = query?.length;
  let from = 'query_embedding';
  for (const it of items) {
    if (!it.ok || !it.vector) continue;
    if (dim === undefined) { dim = it.vector.length; from = fieldName(it.vectorPath!); continue; }
    if (it.vector.length !== dim) {
      out.report(it.vectorPath!, `expected ${dim} numbers like ${from}, got ${it.vector.length}`);
      it.ok = false;
    }
  }
}

export function parseJsonlLine(text: string, ctx: LineContext): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { triples: [], problems: [syntaxProblem(text, ctx, err)] };
  }
  // JSON.parse keeps the last of repeated keys without a word: which one was meant is unknown.
  const dup = firstDuplicateKey(text);
  if (dup) return { triples: [], problems: [duplicateProblem(ctx, dup)] };
  const out = new Collector();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    out.report([], `expected a JSON object with "query", "positive" and "negative", got ${kindOf(value)}`);
    return { triples: [], problems: locate(text, ctx, out.pending) };
  }
  const rec = value as Record<string, unknown>;
  const queryKey = hasOwn(rec, 'query') ? 'query' : hasOwn(rec, 'anchor') ? 'anchor' : hasOwn(rec, 'q') ? 'q' : null;
  let query: string | undefined;
  if (queryKey === null) out.report([], 'missing "query" (accepted: "query", "anchor", "q")');
  else query = textAt(rec[queryKey], [queryKey], out);
  const positives = readPositives(rec, out);
  const negatives = readNegatives(rec, out);
  const source = optionalString(rec, 'source', out);
  const id = optionalString(rec, 'id', out);
  let queryVector: Float32Array | undefined;
  let queryVectorOk = true;
  if (rec.query_embedding !== undefined && rec.query_embedding !== null) {
    queryVector = readVector(rec.query_embedding, ['query_embedding'], out);
    queryVectorOk = queryVector !== undefined;
  }
  const fatal = query === undefined || positives.fatal || negatives.fatal || !source.ok || !id.ok || !queryVectorOk;
  const triples: RawTriple[] = [];
  if (!fatal) {
    checkDimensions(queryVector, [...positives.items, ...negatives.items], out);
    for (const p of positives.items) {
      if (!p.ok) continue;
      for (const n of negatives.items) {
        if (!n.ok) continue;
        const t: RawTriple = { query: query!, positive: p.text, negative: n.text, posIndex: p.index, negIndex: n.index };
        const src = n.source ?? source.value;
        if (src !== undefined) t.source = src;
        if (id.value !== undefined) t.id = id.value;
        if (queryVector || p.vector || n.vector) {
          const vectors: NonNullable<RawTriple['vectors']> = {};
          if (queryVector) vectors.query = queryVector;
          if (p.vector) vectors.positive = p.vector;
          if (n.vector) vectors.negative = n.vector;
          t.vectors = vectors;
        }
        triples.push(t);
      }
    }
  }
  return { triples, problems: out.pending.length ? locate(text, ctx, out.pending) : [] };
}

// ---------------------------------------------------------------- error path only

/**
 * Offsets of the values at `paths` in a line that JSON.parse accepted (for each,
 * the deepest existing prefix; the root's when none). One left-to-right walk
 * over the tokens with an explicit stack: no tree, no recursion, so nesting
 * depth and line length cost only time.
 */
function valueOffsets(text: string, paths: Path[]): number[] {
  const SEP = '\u0000';
  const keyOf = (path: Path, len: number) => path.slice(0, len).map((x) => (typeof x === 'number' ? `#${x}` : `$${x}`)).join(SEP);
  // Every prefix of every path, and the offset where its value starts once found.
  const wanted = new Map<string, number>();
  for (const p of paths) for (let len = 0; len <= p.length; len++) wanted.set(keyOf(p, len), -1);
  const prefixes = new Set<string>(wanted.keys());
  interface Frame { array: boolean; index: number; key: string | null; path: string | null }
  const stack: Frame[] = [];
  let missing = wanted.size;
  // The path (as a wanted key) of the value that starts now, or null when no wanted path goes through it.
  const valuePath = (): string | null => {
    if (stack.length === 0) return '';
    const top = stack[stack.length - 1];
    if (top.path === null) return null;
    const seg = top.array ? `#${top.index}` : `$${top.key}`;
    const k = top.path === '' ? seg : top.path + SEP + seg;
    return prefixes.has(k) ? k : null;
  };
  const TOKEN = /"[^"\\]*(?:\\.[^"\\]*)*"|[{}[\],:]|[^\s{}[\],:"]+/g;
  let m: RegExpExecArray | null;
  let expectKey = false;
  while (missing > 0 && (m = TOKEN.exec(text)) !== null) {
    const tok = m[0];
    const c = tok.charCodeAt(0);
    if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top.array) top.index++; else expectKey = true;
      continue;
    }
    if (c === 0x3a /* : */) continue;
    if (c === 0x7d /* } */ || c === 0x5d /* ] */) { stack.pop(); expectKey = false; continue; }
    if (expectKey) {
      stack[stack.length - 1].key = tok.includes('\\') ? JSON.parse(tok) as string : tok.slice(1, -1);
      expectKey = false;
      continue;
    }
    const path = valuePath();
    if (path !== null && wanted.get(path) === -1) { wanted.set(path, m.index); missing--; }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      stack.push({ array: c === 0x5b, index: 0, key: null, path });
      expectKey = c === 0x7b;
    }
  }
  return paths.map((p) => {
    for (let len = p.length; len >= 0; len--) {
      const at = wanted.get(keyOf(p, len));
      if (at !== undefined && at >= 0) return at;
    }
    return 0;
  });
}

function locate(text: string, ctx: LineContext, pending: Pending[]): Problem[] {
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
export function firstDuplicateKey(text: string): Duplicate | null {
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
    const raw = text.slice(at + 1, end);
    const key = raw.includes('\\') ? JSON.parse(`"${raw}"`) as string : raw;
    const seen = keys[depth];
    if (Array.isArray(seen) ? seen.includes(key) : seen.has(key)) return { key, offset: at, path: [...containerPath(text, at), key] };
    if (!Array.isArray(seen)) seen.add(key);
    else if (seen.push(key) > 16) keys[depth] = new Set(seen); // wide objects: no quadratic search
  }
}

/** Path of the object or list that holds the token at `offset` of a valid JSON line (iterative, like `valueOffsets`). */
function containerPath(text: string, offset: number): Path {
  const path: Path = [];
  const arrays: boolean[] = [];
  const TOKEN = /"[^"\\]*(?:\\.[^"\\]*)*"|[{}[\],:]|[^\s{}[\],:"]+/g;
  let m: RegExpExecArray | null;
  let expectKey = false;
  while ((m = TOKEN.exec(text)) !== null && m.index < offset) {
    const c = m[0].charCodeAt(0);
    const top = arrays.length - 1;
    if (c === 0x2c /* , */) {
      if (arrays[top]) (path[top] as number)++; else expectKey = true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      arrays.pop();
      path.pop();
      expectKey = false;
    } else if (expectKey) {
      path[top] = m[0].includes('\\') ? JSON.parse(m[0]) as string : m[0].slice(1, -1);
      expectKey = false;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      arrays.push(c === 0x5b);
      path.push(c === 0x5b ? 0 : '');
      expectKey = c === 0x7b;
    }
  }
  // The innermost entry is the container's own (pending) key or index: drop it.
  return path.slice(0, -1);
}

function duplicateProblem(ctx: LineContext, dup: Duplicate): Problem {
  const inside = fieldName(dup.path.slice(0, -1));
  return {
    file: ctx.file, line: ctx.line, column: dup.offset + 1, field: fieldName(dup.path),
    message: `duplicate key ${JSON.stringify(dup.key)}${inside ? ` in ${inside}` : ''} (the line is ambiguous; keep one)`,
  };
}

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

function syntaxProblem(text: string, ctx: LineContext, err: unknown): Problem {
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
  const field = fieldName(path);
  if (field) problem.field = field;
  return problem;
}
