/**
 * The adversarial input corpus of issue 5, generated (nothing checked in): bad
 * lines of every kind, each alone on its line between good lines, with what a
 * user must see for it — exactly one problem at a known line, column and field,
 * or a number of scored triples. Shared by the CLI/core test and the language
 * server test, which read the same bytes from disk or as an editor shows them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { near, rng, unitVector } from './synthetic';

/** What one line must give. */
export interface Expect {
  /** Triples scored from the line (0 for a skipped line). */
  triples: number;
  /** The line's one problem: 1-based column (UTF-16, as the editor counts), what the message says, the field. */
  problem?: { column: number; message: RegExp; field?: string };
}

export interface Case {
  name: string;
  /** The line's bytes, without its line break. */
  bytes: Buffer;
  /** Read from disk (CLI, or the server for a file not open). */
  disk: Expect;
  /** Read as an editor holds it (decoded with replacement characters, BOM hidden); the same as `disk` when absent. */
  editor?: Expect;
  /**
   * The problem is found by the analysis across lines (scan), not by the line
   * parser, so an open document's structural check cannot show it.
   */
  acrossLines?: boolean;
}

export const DIM = 16;

const rand = rng(5);
const vec = () => unitVector(rand, DIM);

/** query/positive/negative vectors of one triple (hard: the negative near the query). */
function vectors() {
  const q = vec();
  return { query_embedding: q, positive_embedding: near(rand, q, 0.15), negative_embedding: near(rand, q, 0.25) };
}

let serial = 0;
/** A good flat record with vectors; `over` replaces or adds fields. */
export function good(over: Record<string, unknown> = {}): Record<string, unknown> {
  const i = serial++;
  return { query: `query ${i} about topic ${i % 5}`, positive: `positive passage ${i} on topic ${i % 5}`, negative: `negative passage ${i} on subject ${(i * 3) % 7}`, ...vectors(), ...over };
}

const J = (o: unknown) => JSON.stringify(o);
const utf8 = (s: string) => Buffer.from(s, 'utf8');
/** 1-based column of the first `needle` in `text` (plus `delta`). */
const col = (text: string, needle: string, delta = 0, from = 0) => {
  const at = text.indexOf(needle, from);
  if (at < 0) throw new Error(`corpus: ${JSON.stringify(needle)} not in the line`);
  return at + 1 + delta;
};
const line = (name: string, text: string, disk: Expect, extra: Partial<Case> = {}): Case => ({ name, bytes: utf8(text), disk, ...extra });
const bad = (column: number, message: RegExp, field?: string): Expect => ({ triples: 0, problem: field === undefined ? { column, message } : { column, message, field } });
const ok = (triples = 1): Expect => ({ triples });

/** Bytes of a record whose query holds `raw` bytes in the middle of its text. */
function withBytes(raw: number[]): { bytes: Buffer; column: number } {
  const text = J(good({ query: 'before@@after' }));
  const at = text.indexOf('@@');
  return { bytes: Buffer.concat([utf8(text.slice(0, at)), Buffer.from(raw), utf8(text.slice(at + 2))]), column: at + 1 };
}

const TEN_MB = 10 * 1024 * 1024;

/** Every case of the JSON Lines corpus, in file order. */
export function jsonlCases(): Case[] {
  const cases: Case[] = [];
  const add = (c: Case) => cases.push(c);

  // ---- invalid JSON, several kinds
  { const t = J(good()).slice(0, -1); add(line('truncated record', t, bad(t.length + 1, /^invalid JSON: the line ends too early: expected ',' or '}'/))); }
  { const t = J(good()).replace(/}$/, ',}'); add(line('trailing comma', t, bad(t.length - 1, /^invalid JSON: trailing comma before '}'/))); }
  { const t = `{'query':'q','positive':'p','negative':'n'}`; add(line('single quotes', t, bad(2, /^invalid JSON: unexpected character "'"/))); }
  { const t = J(good()).replace('"positive":', 'positive:'); add(line('unquoted key', t, bad(col(t, 'positive:'), /^invalid JSON: /))); }
  { const t = J(good()) + J(good()); add(line('two records on one line', t, bad(col(t, '}{', 1), /^invalid JSON: expected the end of the line after the record/))); }
  { const t = `${J(good())} // a note`; add(line('comment', t, bad(col(t, '//'), /comments are not allowed in JSON Lines/))); }
  { const t = J(good()).replace('"positive":"', '"positive":tru"'); add(line('bare word', t, bad(col(t, 'tru"'), /^invalid JSON: unexpected character "t"/, 'positive'))); }

  // ---- not an object, wrong types (numbers, lists, objects where text is expected)
  add(line('a list instead of a record', '[1,2,3]', bad(1, /^expected a JSON object with "query", "positive" and "negative", got a list$/)));
  add(line('a bare string', '"just text"', bad(1, /got a string$/)));
  { const t = J(good({ query: 42 })); add(line('number as query', t, bad(col(t, '42'), /^query: expected text \(a JSON string\), got a number$/, 'query'))); }
  { const t = J(good({ positive: ['a', 'list'] })); add(line('list as positive', t, bad(col(t, '["a"'), /^positive: expected text \(a JSON string\), got a list$/, 'positive'))); }
  { const t = J(good({ negative: { text: 'n' } })); add(line('object as negative', t, bad(col(t, '{"text"'), /^negative: expected text \(a JSON string\), got an object$/, 'negative'))); }
  { const t = J(good({ negative: true })); add(line('boolean as negative', t, bad(col(t, 'true'), /^negative: expected text .*got a boolean$/, 'negative'))); }
  { const t = J({ query: 'q', pos: 7, neg: ['n'] }); add(line('number as pos', t, bad(col(t, '7'), /^pos: expected text or a list of positive texts, got a number$/, 'pos'))); }

  // ---- missing and empty fields
  { const r = good(); delete r.query; const t = J(r); add(line('missing query', t, bad(1, /^missing "query" \(accepted: "query", "anchor", "q"\)$/))); }
  { const t = J(good({ negative: '' })); add(line('empty negative', t, bad(col(t, '""'), /^negative: expected non-empty text, got an empty string$/, 'negative'))); }
  { const t = J(good({ positive: ' \t ' })); add(line('whitespace positive', t, bad(col(t, '" \\t "'), /^positive: expected non-empty text, got only whitespace$/, 'positive'))); }
  add(line('empty object', '{}', bad(1, /^missing "query" .*; missing "positive" .*; missing "negative" /)));
  { const t = J({ query: 'q', pos: [], neg: ['n'] }); add(line('empty pos list', t, bad(col(t, '[]'), /^pos: expected at least one positive, got an empty list$/, 'pos'))); }

  // ---- several problems on one line: one problem listing them; the good part still scored
  {
    const q = vec();
    const t = J({ query: 'list query', pos: ['list positive'], neg: ['first negative', 7, '', 'fourth negative'], query_embedding: q, pos_embeddings: [near(rand, q, 0.15)], neg_embeddings: [1, 2, 3, 4].map(() => near(rand, q, 0.3)) });
    add(line('list with two bad entries', t, { triples: 2, problem: { column: col(t, '7'), message: /^neg\[1\]: expected text .*got a number; neg\[2\]: expected non-empty text, got an empty string$/, field: 'neg[1]' } }));
  }
  {
    const t = J({ positive: 'p', pos_x: 1, negative: 'n', query_embedding: 'not a vector', anchor: 5 });
    add(line('a bad vector and a number as anchor', t, bad(col(t, '"not a vector"'), /^query_embedding: expected a list of numbers .*; anchor: expected text/, 'query_embedding')));
  }

  // ---- 10 MB single lines
  {
    const big = 'lorem ipsum dolor sit amet '.repeat(Math.ceil(TEN_MB / 27)).slice(0, TEN_MB);
    add(line('10 MB valid line', J(good({ positive: `${big} positive`, negative: `${big} negative` })), ok()));
    const t = J(good({ positive: big })).slice(0, -1);
    add(line('10 MB truncated line', t, bad(t.length + 1, /^invalid JSON: the line ends too early/)));
  }

  // ---- NUL bytes (JSON's escaped \u0000 is text)
  { const t = J(good({ query: 'nul\u0000inside' })).replace('\\u0000', '\u0000'); add(line('raw NUL in a string', t, bad(col(t, '\u0000'), /NUL byte \(U\+0000\) in a string: expected it escaped as \\u0000/, 'query'))); }
  { const t = `${J(good())}\u0000`; add(line('raw NUL after the record', t, bad(col(t, '\u0000'), /^invalid JSON: unexpected NUL byte \(U\+0000\)/))); }
  add(line('escaped \\u0000 in a text', J(good({ query: 'escaped\u0000nul' })), ok()));

  // ---- invalid UTF-8 (an editor shows U+FFFD there, and the line is then valid text)
  for (const [name, raw] of [
    ['bare continuation byte', [0x80]], ['truncated multibyte sequence', [0xe2, 0x82]], ['overlong encoding', [0xc0, 0xaf]], ['lone surrogate as bytes', [0xed, 0xa0, 0x80]],
  ] as const) {
    const { bytes, column } = withBytes([...raw]);
    const first = `0x${raw[0].toString(16).toUpperCase()}`;
    add({ name: `invalid UTF-8: ${name}`, bytes, disk: bad(column, new RegExp(`^invalid UTF-8 at column ${column} \\(bytes? ${first}`)), editor: ok() });
  }
  add(line('a real U+FFFD in a text', J(good({ query: 'replacement \uFFFD character' })), ok()));

  // ---- byte order marks after the start of the file
  add(line('BOM inside a string', J(good({ query: '\uFEFFquery with a BOM' })), ok()));
  { const t = J(good()).replace('"negative":', '\uFEFF"negative":'); add(line('BOM between fields', t, bad(col(t, '\uFEFF'), /^invalid JSON: unexpected byte order mark \(U\+FEFF\)/))); }

  // ---- duplicate keys (and the look-alikes that are not)
  { const t = J(good()).replace(/}$/, ',"query":"another query"}'); add(line('duplicate top-level key', t, bad(col(t, ',"query"', 1), /^duplicate key "query" \(the line is ambiguous; keep one\)$/, 'query'))); }
  {
    const q = vec();
    const t = `{"query":"grouped dup","pos":["p"],"neg":{"bm25":["x"],"dense":["y"],"bm25":["z"]},"query_embedding":${J(q)}}`;
    add(line('duplicate key inside grouped neg', t, bad(col(t, '"bm25"', 0, col(t, '"dense"')), /^duplicate key "bm25" in neg \(the line is ambiguous; keep one\)$/, 'neg.bm25')));
  }
  {
    const q = vec();
    const p = near(rand, q, 0.15);
    const t = J({ query: 'grouped ok', pos: ['grouped positive'], neg: { bm25: ['gb0', 'gb1'], dense: ['gd0'] }, query_embedding: q, pos_embeddings: [p], neg_embeddings: { bm25: [near(rand, q, 0.3), near(rand, q, 0.3)], dense: [near(rand, q, 0.3)] } });
    add(line('neg and neg_embeddings share group keys', t, ok(3)));
  }
  add(line('a key repeated in different objects', J(good({ meta: [{ k: 1 }, { k: 2 }], extra: { k: { k: 3 } } })), ok()));

  // ---- deep nesting
  {
    const depth = 100_000;
    add(line('deep value in a field nobody reads', J(good()).replace(/}$/, `,"meta":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`), ok()));
    const t = J(good()).replace(/"query":"[^"]*"/, `"query":${'['.repeat(depth)}${']'.repeat(depth)}`);
    add(line('deep list where text is expected', t, bad(col(t, '[['), /^query: expected text \(a JSON string\), got a list$/, 'query')));
  }

  // ---- vectors
  { const r = good(); r.negative_embedding = (r.negative_embedding as number[]).slice(0, 8); const t = J(r);
    add(line('dimensions differ within a line', t, bad(col(t, '"negative_embedding":', 21), new RegExp(`^negative_embedding: expected ${DIM} numbers like query_embedding, got 8$`), 'negative_embedding'))); }
  { const r = good({ query_embedding: vec().slice(0, 8) }); r.positive_embedding = (r.positive_embedding as number[]).slice(0, 8); r.negative_embedding = (r.negative_embedding as number[]).slice(0, 8);
    add({ ...line('dimensions differ from earlier lines', J(r), bad(1, new RegExp(`embedding has 8 dimensions, but earlier triples have ${DIM}`))), acrossLines: true }); }
  for (const lit of ['NaN', 'Infinity', '-Infinity']) {
    const t = J(good()).replace(/"query_embedding":\[[^,]+,/, `"query_embedding":[0.5,${lit},`);
    add(line(`${lit} in a vector`, t, bad(col(t, lit, 0, col(t, 'query_embedding')), new RegExp(`^invalid JSON: JSON has no ${lit}: expected a finite number`), 'query_embedding[1]')));
  }
  for (const big of ['1e39', '1e400']) {
    const t = J(good()).replace(/"positive_embedding":\[[^,]+,/, `"positive_embedding":[0.5,${big},`);
    add(line(`${big} overflows float32`, t, bad(col(t, big), /^positive_embedding\[1\]: expected a finite number within the float32 range/, 'positive_embedding[1]')));
  }
  return cases;
}

/** Line breaks, in rotation: LSP and editors count each as one. */
const BREAKS = ['\n', '\r\n', '\r'];

export interface CorpusFile {
  path: string;
  /** Expected per 1-based line; lines not listed are good lines with `goodTriples` each. */
  expect: Map<number, { case: Case }>;
  goodLines: number[];
  lineCount: number;
  bytes: Buffer;
}

/**
 * Writes the JSON Lines corpus: a UTF-8 BOM, then line 1 is a bad line (its
 * column must not count the BOM), then each case between good lines, with line
 * breaks rotating over \n, \r\n and a lone \r, and a blank line now and then.
 */
export function writeJsonlCorpus(path: string): CorpusFile {
  const parts: Buffer[] = [Buffer.from([0xef, 0xbb, 0xbf])];
  const expect = new Map<number, { case: Case }>();
  const goodLines: number[] = [];
  let n = 0;
  let k = 0;
  const push = (bytes: Buffer) => { parts.push(bytes, utf8(BREAKS[k++ % BREAKS.length])); return ++n; };
  const first: Case = (() => { const t = J(good({ query: 17 })); return line('bad line 1 after the BOM', t, bad(col(t, '17'), /^query: expected text/, 'query')); })();
  expect.set(push(first.bytes), { case: first });
  for (const c of jsonlCases()) {
    goodLines.push(push(utf8(J(good()))));
    expect.set(push(c.bytes), { case: c });
    // A blank line now and then; its break is \r\n, since a \n after a lone \r would join them into one break.
    if (k % 7 === 0) { parts.push(utf8('\r\n')); n++; }
  }
  goodLines.push(push(utf8(J(good()))));
  const bytes = Buffer.concat(parts);
  writeFileSync(path, bytes);
  return { path, expect, goodLines, lineCount: n, bytes };
}

/** A small file with CRLF line ends only. */
export function writeCrlfCorpus(path: string): CorpusFile {
  const lines = [J(good()), J(good({ negative: 3 })), J(good()), '', J(good())];
  const bytes = utf8(lines.join('\r\n') + '\r\n');
  writeFileSync(path, bytes);
  const t = lines[1];
  const c = line('number as negative in a CRLF file', t, bad(col(t, '3,'), /^negative: expected text/, 'negative'));
  return { path, expect: new Map([[2, { case: c }]]), goodLines: [1, 3, 5], lineCount: 5, bytes };
}

/** TSV with the same rules: BOM, mixed line ends, NUL, invalid UTF-8, empty columns, a header. */
export function writeTsvCorpus(path: string): CorpusFile {
  const expect = new Map<number, { case: Case }>();
  const goodLines: number[] = [];
  const parts: Buffer[] = [Buffer.from([0xef, 0xbb, 0xbf])];
  let n = 0;
  let k = 0;
  const push = (bytes: Buffer) => { parts.push(bytes, utf8(BREAKS[k++ % BREAKS.length])); return ++n; };
  const row = (i: number) => utf8(`tsv query ${i}\ttsv positive ${i}\ttsv negative ${i}`);
  push(utf8('query\tpositive\tnegative'));
  const nulText = 'q\tp with \u0000 a NUL\tn';
  const cases: Case[] = [
    line('NUL in a column', nulText, bad(col(nulText, '\u0000'), /^unexpected NUL byte \(U\+0000\) at column \d+: expected text/)),
    line('two columns', 'only query\tonly positive', bad(25, /^negative: expected 3 or 4 tab-separated columns/, 'negative')),
    line('two empty columns', 'q\t\t ', bad(3, /^positive: expected non-empty text, got an empty column; negative: expected non-empty text, got only whitespace$/, 'positive')),
    { name: 'invalid UTF-8 in a column', bytes: Buffer.concat([utf8('q\tp '), Buffer.from([0xff]), utf8('\tn')]), disk: bad(5, /^invalid UTF-8 at column 5 \(byte 0xFF\)/), editor: ok() },
  ];
  let i = 0;
  for (const c of cases) {
    goodLines.push(push(row(i++)));
    expect.set(push(c.bytes), { case: c });
  }
  goodLines.push(push(row(i++)));
  const bytes = Buffer.concat(parts);
  writeFileSync(path, bytes);
  return { path, expect, goodLines, lineCount: n, bytes };
}

/** What an editor holds for a file: decoded as UTF-8 with replacement characters, a leading BOM hidden. */
export function editorText(bytes: Buffer): string {
  return new TextDecoder('utf-8').decode(bytes);
}

/** Expectation of a corpus line in one view. */
export function expected(file: CorpusFile, line: number, view: 'disk' | 'editor'): Expect | undefined {
  const e = file.expect.get(line);
  if (!e) return undefined;
  return view === 'editor' ? e.case.editor ?? e.case.disk : e.case.disk;
}

/** A config whose `union` names itself, and a cycle between two hybrids. */
export const BAD_UNIONS = `{
  "encoder": { "kind": "precomputed" },
  "sources": [
    { "name": "A", "files": "a.jsonl" },
    { "name": "Self", "union": ["A", "Self"] },
    { "name": "X", "union": ["A", "Y"] },
    { "name": "Y", "union": ["A", "X"] }
  ]
}
`;

/** A workspace: data/corpus.jsonl, data/crlf.jsonl, data/corpus.tsv, a precomputed config over them, and bad/ with BAD_UNIONS. */
export function writeWorkspace(dir: string): { jsonl: CorpusFile; crlf: CorpusFile; tsv: CorpusFile; config: string; badConfig: string } {
  mkdirSync(join(dir, 'data'), { recursive: true });
  mkdirSync(join(dir, 'bad'), { recursive: true });
  const jsonl = writeJsonlCorpus(join(dir, 'data', 'corpus.jsonl'));
  const crlf = writeCrlfCorpus(join(dir, 'data', 'crlf.jsonl'));
  const tsv = writeTsvCorpus(join(dir, 'data', 'corpus.tsv'));
  const config = join(dir, 'eci.config.jsonc');
  // TSV has no vectors: it is scored with the default model, in its own config-less check (see the tests).
  writeFileSync(config, J({ encoder: { kind: 'precomputed' }, sources: [{ name: 'Corpus', files: 'data/corpus.jsonl' }, { name: 'Crlf', files: 'data/crlf.jsonl' }] }));
  const badConfig = join(dir, 'bad', 'eci.config.jsonc');
  writeFileSync(badConfig, BAD_UNIONS);
  writeFileSync(join(dir, 'bad', 'a.jsonl'), J(good()) + '\n');
  return { jsonl, crlf, tsv, config, badConfig };
}
