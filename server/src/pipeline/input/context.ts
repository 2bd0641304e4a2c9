/**
 * What id-based triples of one plan refer to: the corpus, the queries, the
 * qrels and the aligned `.npy` matrices. Prepared once per run, before the
 * first triple is read: a pass over the plan's triple files collects the ids
 * they name, then the qrels, corpus and queries files are read once each,
 * keeping only what those ids need. Both passes of the run then resolve the
 * same ids to the same texts (and vectors).
 */
import type { ParsedLine } from '../../core/formats';
import { jsonPathText, oneProblem } from '../../core/formats/common';
import { looksLikeIdTsv, mayBeIdRecord, parseIdJsonl, parseIdTsv, type IdRecord, type IdRef } from '../../core/formats/ids';
import { locate, type Pending } from '../../core/formats/jsonText';
import type { Problem, RawTriple } from '../../core/types';
import { DamagedInputError } from '../lines';
import { TextStore } from './corpus';
import { NpyError, NpyMatrix } from './npy';
import { readQrels } from './qrels';

/** Absolute paths of the files; `shown` gives the name used in messages. */
export interface DataFiles {
  corpus?: string;
  queries?: string;
  qrels?: string;
  embeddings?: { corpus?: string; queries?: string };
}

/** The part of a read unit the context needs (no import cycle with plan.ts). */
export interface DataUnit {
  shown: string;
  format: 'jsonl' | 'tsv';
  container?: 'gzip' | 'parquet';
  lines: { lines(): AsyncIterable<{ line: number; text: string }> };
}

interface Miss { ref: IdRef; message: string }

export const NEEDS_FILES = 'names its query and passages by id: give the corpus and queries files (config "corpus" and "queries", or --corpus and --queries)';

export class DataContext {
  private prepared: Promise<void> | null = null;
  private corpus: TextStore | null = null;
  private queries: TextStore | null = null;
  private qrels: Map<string, string[]> | null = null;
  private corpusVectors: NpyMatrix | null = null;
  private queryVectors: NpyMatrix | null = null;
  private readonly idTsv = new Set<DataUnit>();
  private readonly cache = new Map<string, string | undefined>();
  /** Problems of the data files themselves, handed out once (by `takeProblems`). */
  private problems: Problem[] = [];
  units: DataUnit[] = [];

  constructor(readonly files: DataFiles, private readonly shown: (abs: string) => string) {}

  /** A data file's path as messages show it. */
  shownOf(abs: string): string { return this.shown(abs); }

  prepare(signal?: AbortSignal): Promise<void> {
    this.prepared ??= this.load(signal);
    return this.prepared;
  }

  takeProblems(): Problem[] {
    const p = this.problems;
    this.problems = [];
    return p;
  }

  isIdTsv(unit: DataUnit): boolean { return this.idTsv.has(unit); }

  private async load(signal?: AbortSignal): Promise<void> {
    const qids = new Set<string>();
    const pids = new Set<string>();
    const needQrels: string[] = [];
    const collect = (r: IdRecord) => {
      qids.add(r.query.id);
      if (r.positives) for (const p of r.positives) pids.add(p.id);
      else needQrels.push(r.query.id);
      for (const n of r.negatives) pids.add(n.id);
    };
    for (const unit of this.units) {
      let decided = unit.format !== 'tsv';
      let ids = false;
      try {
        for await (const { line, text } of unit.lines.lines()) {
          if ((line & 0x3fff) === 0) signal?.throwIfAborted();
          if (unit.format === 'jsonl') {
            if (!mayBeIdRecord(text)) continue;
            const parsed = parseIdJsonl(text, { file: unit.shown, line });
            if (parsed?.record) collect(parsed.record);
            continue;
          }
          if (!decided) {
            if (text.trim() === '') continue;
            const parsed = parseIdTsv(text, { file: unit.shown, line });
            if (!parsed.record && parsed.problems.length === 0) continue; // a header
            decided = true;
            ids = looksLikeIdTsv(text);
            if (ids) this.idTsv.add(unit);
          }
          if (!ids) break;
          const parsed = parseIdTsv(text, { file: unit.shown, line });
          if (parsed.record) collect(parsed.record);
        }
      } catch (err) {
        // The unit's own reading reports a damaged or missing file, at its place.
        if (!(err instanceof DamagedInputError) && !(err as NodeJS.ErrnoException).code) throw err;
      }
    }
    if (qids.size === 0 && pids.size === 0) return;
    const { corpus, queries, qrels, embeddings } = this.files;
    if (qrels && needQrels.length > 0) {
      this.qrels = await readQrels(qrels, this.shown(qrels), new Set(needQrels), this.problems, signal);
      for (const list of this.qrels.values()) for (const p of list) pids.add(p);
    }
    if (corpus) {
      this.corpus = new TextStore(corpus, this.shown(corpus), 'corpus');
      await this.corpus.build(pids, this.problems, signal);
    }
    if (queries) {
      this.queries = new TextStore(queries, this.shown(queries), 'queries');
      await this.queries.build(qids, this.problems, signal);
    }
    this.corpusVectors = this.openMatrix(embeddings?.corpus, this.corpus);
    this.queryVectors = this.openMatrix(embeddings?.queries, this.queries);
    if (this.corpusVectors && this.queryVectors && this.corpusVectors.dim !== this.queryVectors.dim) {
      this.problems.push({ file: this.shown(embeddings!.queries!), line: 1, column: 1, message: `the query vectors have ${this.queryVectors.dim} dimensions, but the corpus vectors (${this.shown(embeddings!.corpus!)}) have ${this.corpusVectors.dim}: both must come from one encoder; the matrices are not used` });
      this.corpusVectors = this.queryVectors = null;
    }
  }

  private openMatrix(path: string | undefined, store: TextStore | null): NpyMatrix | null {
    if (!path || !store || store.failed) return null;
    const shown = this.shown(path);
    try {
      const m = NpyMatrix.open(path);
      if (m.rows !== store.rowCount) {
        this.problems.push({ file: shown, line: 1, column: 1, message: `the matrix has ${m.rows} rows, but ${store.shown} has ${store.rowCount} records: row i must be the vector of record i (in file order); the matrix is not used` });
        return null;
      }
      return m;
    } catch (err) {
      const why = err instanceof NpyError ? err.message : `cannot read it: ${(err as Error).message}`;
      this.problems.push({ file: shown, line: 1, column: 1, message: `${why}; the matrix is not used` });
      return null;
    }
  }

  private textOf(store: TextStore, id: string): string | undefined {
    const key = `${store.what}\u0000${id}`;
    if (this.cache.has(key)) return this.cache.get(key);
    let text: string | undefined;
    try {
      text = store.text(id);
    } catch (err) {
      throw new Error(`${store.shown} changed while it was analysed (${(err as Error).message}); run again`);
    }
    if (this.cache.size >= 20_000) this.cache.clear();
    this.cache.set(key, text);
    return text;
  }

  private missing(store: TextStore | null, kind: 'qid' | 'pid', id: string): string {
    if (!store) return `${kind} ${id}: no ${kind === 'qid' ? 'queries' : 'corpus'} file is given (config "${kind === 'qid' ? 'queries' : 'corpus'}" or --${kind === 'qid' ? 'queries' : 'corpus'})`;
    if (store.failed) return `${kind} ${id}: ${store.failed}`;
    const bad = store.bad.get(id);
    if (bad !== undefined) return `${kind} ${id} is unusable in ${store.shown} (line ${bad}: see the problem there)`;
    return `${kind} ${id} is not in ${store.shown}`;
  }

  /** An id record → its triples with texts (and vectors when matrices are given), and one problem for what is missing. */
  resolve(record: IdRecord, text: string, ctx: { file: string; line: number; format: 'jsonl' | 'tsv' }): ParsedLine {
    const misses: Miss[] = [];
    const query = this.queries ? this.textOf(this.queries, record.query.id) : undefined;
    if (query === undefined) misses.push({ ref: record.query, message: this.missing(this.queries, 'qid', record.query.id) });
    let positives = record.positives;
    if (!positives) {
      const list = this.qrels?.get(record.query.id);
      if (!list || list.length === 0) {
        const why = this.files.qrels
          ? `qid ${record.query.id} has no positive (score > 0) in ${this.shown(this.files.qrels)}`
          : `qid ${record.query.id}: the record names no positive and no qrels file is given (config "qrels" or --qrels)`;
        misses.push({ ref: record.query, message: why });
        positives = [];
      } else positives = list.map((id, index) => ({ id, path: record.query.path, column: record.query.column, index }));
    }
    const fromQrels = record.positives === null;
    const pos: { text: string; index: number; id: string }[] = [];
    for (const p of positives) {
      const t = this.corpus ? this.textOf(this.corpus, p.id) : undefined;
      if (t === undefined) {
        const m = this.missing(this.corpus, 'pid', p.id);
        misses.push({ ref: p, message: fromQrels ? `${m} (a positive of qid ${record.query.id} in the qrels)` : m });
      } else pos.push({ text: t, index: p.index, id: p.id });
    }
    const triples: RawTriple[] = [];
    const qv = query !== undefined && this.queryVectors ? this.queryVectors.row(this.queries!.row(record.query.id)!) : undefined;
    const pv = new Map<string, Float32Array>();
    const vectorOf = (id: string) => {
      if (!this.corpusVectors) return undefined;
      let v = pv.get(id);
      if (!v) { v = this.corpusVectors.row(this.corpus!.row(id)!); pv.set(id, v); }
      return v;
    };
    for (const n of record.negatives) {
      const t = this.corpus ? this.textOf(this.corpus, n.id) : undefined;
      if (t === undefined) { misses.push({ ref: n, message: this.missing(this.corpus, 'pid', n.id) }); continue; }
      if (query === undefined) continue;
      for (const p of pos) {
        const raw: RawTriple = { query, positive: p.text, negative: t, posIndex: p.index, negIndex: n.index };
        const src = n.source ?? record.source;
        if (src !== undefined) raw.source = src;
        if (record.id !== undefined) raw.id = record.id;
        if (qv || this.corpusVectors) {
          const vectors: NonNullable<RawTriple['vectors']> = {};
          if (qv) vectors.query = qv;
          const a = vectorOf(p.id), b = vectorOf(n.id);
          if (a) vectors.positive = a;
          if (b) vectors.negative = b;
          raw.vectors = vectors;
        }
        triples.push(raw);
      }
    }
    if (misses.length === 0) return { triples, problems: [] };
    if (ctx.format === 'jsonl') {
      const pending: Pending[] = misses.map((m) => ({ path: m.ref.path, field: jsonPathText(m.ref.path), message: m.message }));
      return { triples, problems: locate(text, ctx, pending) };
    }
    return {
      triples,
      problems: oneProblem(misses.map((m) => ({ file: ctx.file, line: ctx.line, column: m.ref.column ?? 1, message: m.message }))),
    };
  }

  /** Closes file handles between passes (they reopen on the next read). */
  release(): void {
    this.corpus?.release();
    this.queries?.release();
    this.corpusVectors?.release();
    this.queryVectors?.release();
  }
}
