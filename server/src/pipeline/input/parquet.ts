/**
 * Parquet triple files (Hugging Face datasets), read row group by row group
 * with hyparquet. Each row becomes the record a JSON Lines line would hold —
 * columns named as the JSONL fields (`anchor/positive/negative`,
 * `query/positive/negative`, `negative_1…negative_n`, FlagEmbedding's
 * `query/pos/neg` lists, `qid`/`pos`/`neg` id columns, list-of-float
 * `*_embedding` columns as vectors) — so one parser reads both, and a row
 * number stands where a line number would.
 *
 * Before any row, the schema is checked once: a missing column or a column of
 * the wrong type is one problem for the file instead of one per row.
 */
import { open } from 'node:fs/promises';
import type { LineSource, NumberedLine } from '../lines';
import { DamagedInputError, fileBytes, fileStamp } from '../lines';

interface SchemaElement {
  name: string;
  type?: string;
  converted_type?: string;
  logical_type?: { type: string };
  num_children?: number;
  repetition_type?: string;
}

type Kind = 'string' | 'int' | 'float' | 'bool' | 'struct' | 'other' | `list<${string}>`;

function leafKind(e: SchemaElement): Kind {
  const t = e.type;
  if (t === 'BYTE_ARRAY' || t === 'FIXED_LEN_BYTE_ARRAY') {
    const c = e.converted_type ?? e.logical_type?.type;
    return c === undefined || c === 'UTF8' || c === 'STRING' || c === 'ENUM' ? 'string' : c === 'JSON' ? 'other' : 'other';
  }
  if (t === 'INT32' || t === 'INT64' || t === 'INT96') return 'int';
  if (t === 'FLOAT' || t === 'DOUBLE') return 'float';
  if (t === 'BOOLEAN') return 'bool';
  return 'other';
}

/** Top-level columns and what they hold, from the flat depth-first schema list. */
export function columnKinds(schema: SchemaElement[]): Map<string, Kind> {
  let i = 1;
  const walk = (): Kind => {
    const e = schema[i++];
    if (!e.num_children) return e.repetition_type === 'REPEATED' ? `list<${leafKind(e)}>` : leafKind(e);
    const kids: Kind[] = [];
    for (let k = 0; k < e.num_children; k++) kids.push(walk());
    const isList = e.converted_type === 'LIST' || e.logical_type?.type === 'LIST';
    if (isList) {
      // LIST → repeated group "list" → element; the repeated group's kind is already list<element>.
      const inner = kids[0];
      return inner.startsWith('list<') ? inner : `list<${inner}>`;
    }
    if (e.repetition_type === 'REPEATED') return kids.length === 1 ? `list<${kids[0]}>` : 'list<struct>';
    return 'struct';
  };
  const out = new Map<string, Kind>();
  const root = schema[0];
  for (let k = 0; k < (root?.num_children ?? 0); k++) {
    const name = schema[i].name;
    out.set(name, walk());
  }
  return out;
}

const TEXT = ['string'];
const TEXTS = ['string', 'list<string>'];
const IDS = ['string', 'int', 'list<string>', 'list<int>'];
const VECTOR = ['list<float>', 'list<int>'];
const VECTORS = ['list<list<float>>', 'list<list<int>>', 'struct'];

/** Problems of the schema (missing columns, wrong types), or [] when rows can be read. */
export function schemaProblems(kinds: Map<string, Kind>): string[] {
  const has = (c: string) => kinds.has(c);
  const names = [...kinds.keys()];
  const byId = has('qid') || has('query_id');
  const problems: string[] = [];
  const queryCols = ['query', 'anchor', 'q', 'qid', 'query_id'];
  const listed = `the file has ${names.length ? names.map((n) => `"${n}"`).join(', ') : 'no columns'}`;
  if (!queryCols.some(has)) problems.push(`no query column: expected one of "query", "anchor", "q" (texts) or "qid", "query_id" (ids); ${listed}`);
  const numbered = names.filter((n) => /^negative_\d+$/.test(n));
  const negCols = ['negative', 'neg', 'neg_ids', 'negative_id', 'negative_ids'];
  if (!negCols.some(has) && numbered.length === 0) problems.push(`no negative column: expected "negative", "neg", "negative_1"…"negative_n"${byId ? ', "neg_ids" or "negative_id"' : ''}; ${listed}`);
  const posCols = ['positive', 'pos', 'pos_ids', 'positive_id', 'positive_ids'];
  if (!byId && !posCols.some(has)) problems.push(`no positive column: expected "positive" or "pos"; ${listed}`);
  const expect: Record<string, { kinds: string[]; what: string }> = {
    query: { kinds: TEXT, what: 'text (a string column)' },
    anchor: { kinds: TEXT, what: 'text (a string column)' },
    q: { kinds: TEXT, what: 'text (a string column)' },
    positive: { kinds: byId ? IDS : TEXT, what: byId ? 'ids' : 'text (a string column)' },
    negative: { kinds: byId ? IDS : TEXT, what: byId ? 'ids' : 'text (a string column)' },
    pos: { kinds: byId ? IDS : TEXTS, what: byId ? 'ids (integers or strings, or lists of them)' : 'text or a list of texts' },
    neg: { kinds: byId ? [...IDS, 'struct'] : [...TEXTS, 'struct'], what: byId ? 'ids, lists of ids, or a struct of lists by system' : 'text, a list of texts, or a struct of lists by system' },
    qid: { kinds: ['string', 'int'], what: 'an id (an integer or a string)' },
    query_id: { kinds: ['string', 'int'], what: 'an id (an integer or a string)' },
    pos_ids: { kinds: IDS, what: 'ids' },
    positive_id: { kinds: IDS, what: 'ids' },
    positive_ids: { kinds: IDS, what: 'ids' },
    neg_ids: { kinds: IDS, what: 'ids' },
    negative_id: { kinds: IDS, what: 'ids' },
    negative_ids: { kinds: IDS, what: 'ids' },
    query_embedding: { kinds: VECTOR, what: 'a vector (a list of floats)' },
    positive_embedding: { kinds: VECTOR, what: 'a vector (a list of floats)' },
    negative_embedding: { kinds: VECTOR, what: 'a vector (a list of floats)' },
    pos_embeddings: { kinds: VECTORS, what: 'a list of vectors' },
    neg_embeddings: { kinds: VECTORS, what: 'a list of vectors (or a struct of them by system)' },
  };
  for (const n of numbered) expect[n] = { kinds: byId ? IDS : TEXT, what: byId ? 'an id' : 'text (a string column)' };
  for (const [name, kind] of kinds) {
    const e = expect[name];
    if (e && !e.kinds.includes(kind)) problems.push(`column "${name}" holds ${kind.replace(/^list</, 'lists of ').replace(/>+$/, '')} values; expected ${e.what}`);
  }
  return problems;
}

/** JSON text of a row: 64-bit integers as numbers (as strings past 2^53), typed arrays as lists. */
function rowText(row: Record<string, unknown>): string {
  return JSON.stringify(row, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number | bigint>, (x) => (typeof x === 'bigint' ? Number(x) : x));
    return v;
  });
}

type AsyncBuffer = { byteLength: number; slice(start: number, end?: number): Promise<ArrayBuffer> };

async function fileBuffer(path: string): Promise<{ file: AsyncBuffer; close(): Promise<void> }> {
  const fh = await open(path, 'r');
  const { size } = await fh.stat();
  return {
    file: {
      byteLength: size,
      async slice(start: number, end = size) {
        const buf = Buffer.alloc(end - start);
        await fh.read(buf, 0, buf.length, start);
        return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
      },
    },
    close: () => fh.close(),
  };
}

export function parquetLineSource(path: string, shownAs = path): LineSource {
  return {
    name: shownAs,
    stamp: () => fileStamp(path),
    bytes: () => fileBytes(path, 4),
    async *lines(): AsyncGenerator<NumberedLine> {
      const hyparquet = await import('hyparquet');
      const { compressors } = await import('hyparquet-compressors');
      const { file, close } = await fileBuffer(path);
      try {
        let metadata;
        try {
          metadata = await hyparquet.parquetMetadataAsync(file);
        } catch (err) {
          throw new DamagedInputError((err as Error).message, 0, `not a readable Parquet file: ${(err as Error).message}`);
        }
        const problems = schemaProblems(columnKinds(metadata.schema as SchemaElement[]));
        if (problems.length > 0) throw new DamagedInputError(problems[0], 0, `${problems.join('; ')}; no row is read`);
        let row = 0;
        for (let g = 0; g < metadata.row_groups.length; g++) {
          const n = Number(metadata.row_groups[g].num_rows);
          let rows: Record<string, unknown>[];
          try {
            rows = await hyparquet.parquetReadObjects({ file, metadata, rowStart: row, rowEnd: row + n, compressors });
          } catch (err) {
            throw new DamagedInputError((err as Error).message, row, `cannot read row group ${g + 1} (rows ${row + 1}–${row + n}): ${(err as Error).message}; the rows before it are read, nothing after`);
          }
          for (const r of rows) {
            row++;
            yield { line: row, text: rowText(r), eol: '\n' };
          }
        }
      } finally {
        await close();
      }
    },
  };
}
