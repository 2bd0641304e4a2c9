/**
 * What a JSON Lines record means: one line → triples, or problems named by
 * field. The happy path is a single JSON.parse (and a scan for repeated keys);
 * where a problem sits in the line's text (its column, syntax errors) is
 * `jsonText.ts`'s business.
 *
 * Accepted shapes (every negative pairs with every positive):
 * - flat:    {"query"|"anchor"|"q", "positive"|"pos", "negative"|"neg"} with strings;
 * - lists:   {"query", "pos": [..], "neg": [..]}  and  {"query", "positive", "negative_1".."negative_n"};
 * - grouped: {"query", "pos": [..], "neg": {"bm25": [..], "dense": [..]}} — the key becomes the source;
 * - vectors: query_embedding, positive_embedding, negative_embedding, or
 *   pos_embeddings / neg_embeddings aligned with the lists (numbered negatives
 *   in numeric order; an object with the same keys for grouped negatives).
 *   `null` counts as absent.
 * Precedence when several spellings are present: query > anchor > q,
 * positive > pos, negative > neg > negative_N.
 */
import type { RawTriple } from '../types';
import { jsonPathText, type LineContext, type ParsedLine } from './common';
import { duplicateKeyProblem, locate, syntaxProblem, type Path, type Pending } from './jsonText';

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
const fieldName = (path: Path): string => jsonPathText(path);

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
  return { items, fatal: !attachVectors(rec, items, rec.neg_embeddings, ['neg_embeddings'], '"negative_1"…"negative_n"', 'negative_embedding', out) };
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
  const dup = duplicateKeyProblem(text, ctx);
  if (dup) return { triples: [], problems: [dup] };
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
