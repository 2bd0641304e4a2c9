/**
 * Id-based triple records (pure): which query, positives and negatives a line
 * names by id, before the ids are looked up in a corpus and a queries file.
 *
 * - JSON Lines: `qid` | `query_id`; positives `pos` | `pos_ids` | `positive_id` |
 *   `positive_ids` (an id or a list; absent = take them from qrels); negatives
 *   `neg` | `neg_ids` | `negative_id` | `negative_ids` (an id or a list), or `neg`
 *   as an object of lists by system, each key a source — the layout of
 *   sentence-transformers' `msmarco-hard-negatives.jsonl.gz`. An optional `source`.
 * - TSV: `qid<TAB>pos_id<TAB>neg_id[<TAB>source]` (MS MARCO `qidpidtriples`).
 *
 * Ids are strings or integers; integers are compared as their decimal text.
 */
import type { Problem } from '../types';
import { jsonPathText, type LineContext } from './common';
import { duplicateKeyProblem, locate, syntaxProblem, type Path, type Pending } from './jsonText';

export interface IdRef {
  id: string;
  /** Where the id is: a JSON path (JSONL) or a 1-based column (TSV). */
  path: Path;
  column?: number;
  /** Index in its list (in its group for grouped negatives): `posIndex` / `negIndex`. */
  index: number;
}

export interface IdNegative extends IdRef {
  source?: string;
}

export interface IdRecord {
  query: IdRef;
  /** Null: the record names none, so they come from qrels. */
  positives: IdRef[] | null;
  negatives: IdNegative[];
  source?: string;
  id?: string;
}

export interface ParsedIdLine {
  record: IdRecord | null;
  problems: Problem[];
}

const QUERY_KEYS = ['qid', 'query_id'];
const POSITIVE_KEYS = ['pos', 'pos_ids', 'positive_id', 'positive_ids'];
const NEGATIVE_KEYS = ['neg', 'neg_ids', 'negative_id', 'negative_ids'];
const TEXT_QUERY_KEYS = ['query', 'anchor', 'q'];

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** A cheap look at a JSONL line: could it be an id record? (Decided for sure by `isIdObject`.) */
export function mayBeIdRecord(text: string): boolean {
  return text.includes('"qid"') || text.includes('"query_id"');
}

/** An id record names its query by id and not by text. */
export function isIdObject(rec: Record<string, unknown>): boolean {
  return QUERY_KEYS.some((k) => hasOwn(rec, k)) && !TEXT_QUERY_KEYS.some((k) => hasOwn(rec, k));
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : 'a list';
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'string') return v.trim() === '' ? 'an empty string' : 'a string';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** The id's text, or undefined (reported) when the value is not an id. */
function idOf(value: unknown, path: Path, pending: Pending[]): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  const field = jsonPathText(path);
  pending.push({ path, field, message: `${field}: expected an id (a string or an integer), got ${kindOf(value)}` });
  return undefined;
}

function idList(value: unknown, path: Path, what: string, pending: Pending[]): IdRef[] | undefined {
  if (!Array.isArray(value)) {
    const id = idOf(value, path, pending);
    return id === undefined ? undefined : [{ id, path, index: 0 }];
  }
  if (value.length === 0) {
    const field = jsonPathText(path);
    pending.push({ path, field, message: `${field}: expected at least one ${what} id, got an empty list` });
    return undefined;
  }
  // A bad entry is reported; the others are still read (their indices stay those of the list).
  const out: IdRef[] = [];
  value.forEach((v, i) => {
    const id = idOf(v, [...path, i], pending);
    if (id !== undefined) out.push({ id, path: [...path, i], index: i });
  });
  return out;
}

function firstKey(rec: Record<string, unknown>, keys: readonly string[]): string | null {
  for (const k of keys) if (hasOwn(rec, k)) return k;
  return null;
}

/** An object already known to be an id record (`isIdObject`) → its ids, or problems located in `text`. */
export function readIdObject(rec: Record<string, unknown>, text: string, ctx: LineContext): ParsedIdLine {
  const pending: Pending[] = [];
  const qKey = firstKey(rec, QUERY_KEYS)!;
  const qid = idOf(rec[qKey], [qKey], pending);
  let positives: IdRef[] | null = null;
  const pKey = firstKey(rec, POSITIVE_KEYS);
  let ok = qid !== undefined;
  if (pKey !== null && rec[pKey] !== null) {
    const list = idList(rec[pKey], [pKey], 'positive', pending);
    if (list) positives = list; else ok = false;
  }
  const negatives: IdNegative[] = [];
  const nKey = firstKey(rec, NEGATIVE_KEYS);
  if (nKey === null) {
    pending.push({ path: [], field: '', message: `missing negatives (accepted: ${NEGATIVE_KEYS.map((k) => `"${k}"`).join(', ')})` });
    ok = false;
  } else {
    const neg = rec[nKey];
    if (nKey === 'neg' && neg !== null && typeof neg === 'object' && !Array.isArray(neg)) {
      const groups = Object.keys(neg);
      if (groups.length === 0) pending.push({ path: ['neg'], field: 'neg', message: 'neg: expected at least one system of negatives (e.g. {"bm25": [..]}), got an empty object' });
      for (const key of groups) {
        const v = (neg as Record<string, unknown>)[key];
        // An empty list of one system (it found nothing for this query) is not an error of the record.
        if (Array.isArray(v) && v.length === 0) continue;
        const list = idList(v, ['neg', key], 'negative', pending);
        if (!list) continue;
        for (const r of list) negatives.push({ ...r, source: key });
      }
    } else {
      const list = idList(neg, [nKey], 'negative', pending);
      if (list) negatives.push(...list);
      else ok = false;
    }
  }
  let source: string | undefined;
  if (rec.source !== undefined) {
    if (typeof rec.source === 'string' && rec.source.trim() !== '') source = rec.source;
    else { pending.push({ path: ['source'], field: 'source', message: `source: expected a non-empty source name (a string), got ${kindOf(rec.source)}` }); ok = false; }
  }
  const problems = pending.length ? locate(text, ctx, pending) : [];
  if (!ok) return { record: null, problems };
  const record: IdRecord = { query: { id: qid!, path: [qKey], index: 0 }, positives, negatives };
  if (source !== undefined) record.source = source;
  if (typeof rec.id === 'string' || typeof rec.id === 'number') record.id = String(rec.id);
  return { record, problems };
}

/** A JSONL line that may be an id record: null when it is not one (a text record: the usual parser reads it). */
export function parseIdJsonl(text: string, ctx: LineContext): ParsedIdLine | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { record: null, problems: [syntaxProblem(text, ctx, err)] };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !isIdObject(value as Record<string, unknown>)) return null;
  const dup = duplicateKeyProblem(text, ctx);
  if (dup) return { record: null, problems: [dup] };
  return readIdObject(value as Record<string, unknown>, text, ctx);
}

const TSV_NAMES = ['query id', 'positive id', 'negative id'];
const HEADER = /^(qid|query[-_ ]?id|query)$/i;

/** Could this TSV line be `qid pid pid` (every column one token)? Decides whether a file holds ids. */
export function looksLikeIdTsv(text: string): boolean {
  const cols = text.replace(/\r$/, '').split('\t');
  if (cols.length !== 3 && cols.length !== 4) return false;
  return cols.slice(0, 3).every((c) => /^\S+$/.test(c));
}

/** Every column an integer: surely ids (used to warn when no corpus is given). */
export function looksLikeIntegerTsv(text: string): boolean {
  const cols = text.replace(/\r$/, '').split('\t');
  return (cols.length === 3 || cols.length === 4) && cols.slice(0, 3).every((c) => /^-?\d+$/.test(c));
}

export function parseIdTsv(text: string, ctx: LineContext): ParsedIdLine {
  if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
  if (text.trim() === '') return { record: null, problems: [] };
  const cols = text.split('\t');
  if (HEADER.test(cols[0].trim())) return { record: null, problems: [] };
  const problem = (column: number, message: string, field?: string): ParsedIdLine => {
    const p: Problem = { file: ctx.file, line: ctx.line, column, message };
    if (field) p.field = field;
    return { record: null, problems: [p] };
  };
  if (cols.length < 3) return problem(text.length + 1, `${TSV_NAMES[cols.length]}: expected 3 or 4 tab-separated columns (query id, positive id, negative id[, source]), found ${cols.length}`);
  if (cols.length > 4) return problem(1, `expected 3 or 4 tab-separated columns (query id, positive id, negative id[, source]), found ${cols.length}`);
  const refs: IdRef[] = [];
  let column = 1;
  for (let k = 0; k < 3; k++) {
    const c = cols[k];
    if (!/^\S+$/.test(c)) return problem(column, `${TSV_NAMES[k]}: expected an id (one token without spaces), got ${c.trim() === '' ? 'an empty column' : JSON.stringify(c.length > 40 ? `${c.slice(0, 40)}…` : c)}`, TSV_NAMES[k]);
    refs.push({ id: c, path: [k], column, index: 0 });
    column += c.length + 1;
  }
  const record: IdRecord = { query: refs[0], positives: [refs[1]], negatives: [refs[2]] };
  if (cols.length === 4 && cols[3].trim() !== '') record.source = cols[3].trim();
  return { record, problems: [] };
}
