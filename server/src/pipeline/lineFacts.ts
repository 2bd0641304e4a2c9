/**
 * What the two passes learn from each line, kept between runs (the language
 * server's analysis worker holds one `LineFacts` per scope) so that a run after an
 * edit parses and measures only the lines the edit changed.
 *
 * A line is known by the SHA-1 of its text, per file: the same text in the same file
 * gives the same triples whatever its line number (a line moved by an insert above it
 * is not parsed again). For each of its triples the facts hold what pass 1 derives
 * (source field, positions in the record, vector dimension, norm(query), its digest,
 * the order hash H(seed, q, p, n)) and, once measured with an encoder, what pass 2
 * derives from the vectors: the cosines, ‖u‖, the duplicate flag, and the residual u
 * itself while the triple is sampled. Texts are interned by digest with their term
 * ids in one lexicon per scope, so document frequencies, IDF, overlap and Jaccard are
 * recomputed each run from integers (the IDF moves with every new passage) without
 * tokenising a text twice. Texts themselves are not kept: memory is a few hundred
 * bytes a triple, not the size of the files.
 *
 * Lines with problems are parsed every run (their messages carry line numbers), and
 * so are units whose records are resolved through other files (ids into a corpus) or
 * depend on the lines before them (`negativesPerQuery`).
 *
 * Results equal a fresh run's: every fact is a pure function of the line's text and
 * the run's settings, the lexical sums differ only in the order of terms (rounding,
 * far below the 1e-9 of invariant 10), and what depends on the whole input (query
 * groups, samples, df, m) is recomputed from the facts each run.
 */
import { hash } from 'node:crypto';
import { bm25Idf, normalizeForDuplicate } from '../core/lexical';
import { BoundedMemo } from '../core/memo';
import { sampleHash, type Key64 } from '../core/sampling';
import type { RawTriple } from '../core/types';
import { defaultBudget, LINE_BYTES, LineFactsOverBudget, TEXT_BYTES, TRIPLE_BYTES } from './lineBudget';
import { PassageFrequencies, RunIdf, type LexicalSlots, type TextFact } from './lineIdf';

export { LineFactsOverBudget } from './lineBudget';
import type { ReadUnit } from './plan';

export type { TextFact } from './lineIdf';

/** One triple of a line. */
export interface TripleFact extends LexicalSlots {
  /** The record's own "source" (or `neg` key). */
  readonly source: string | undefined;
  readonly posIndex: number;
  readonly negIndex: number;
  /** Dimension of the precomputed vectors when the record carries all three, else −1. */
  readonly dim: number;
  /** norm(query), and its id in this LineFacts (one per distinct normalised query): the query group. */
  readonly query: string;
  readonly queryId: number;
  /** H(seed, q, p, n): the order within the query group. */
  readonly hashHi: number;
  readonly hashLo: number;
  /** Identity of the hybrid union (from the three texts' ids), made when a hybrid needs it. */
  tripleKey: Buffer | undefined;
  /** Pass 2, valid for the encoder `measuredBy` (null: not measured). */
  measuredBy: string | null;
  a: number;
  b: number;
  c: number;
  residualNorm: number;
  textDuplicate: boolean;
  /** The residual u, kept while the triple is sampled. */
  u: Float64Array | undefined;
}

export interface LineFact {
  readonly triples: readonly TripleFact[];
}

/** Counts of a run, for tests and the status of a run. */
export interface LineReuse {
  /** Lines whose facts came from an earlier run. */
  reused: number;
  /** Lines parsed (new or changed text, problems, or units that cannot be kept). */
  parsed: number;
  /** Triples measured (embedded or read from the cache) in pass 2. */
  measured: number;
}

/** A line of a unit read whole, for replaying the unit while its file is unchanged. */
export interface KeptLine {
  line: number;
  key: string;
  fact: LineFact;
}

interface UnitFacts {
  /** The last run that read the unit. */
  usedRun: number;
  current: Map<string, LineFact>;
  previous: Map<string, LineFact>;
  /** Every line of the unit as last read, with the stamp of its file then. */
  whole?: { stamp: string; lines: KeptLine[] };
  /** A unit read from memory (an open document): its lines in order as last read whole. */
  order?: LineOrder;
  /** The lines of the read under way, and the position in `order` the next line is compared with. */
  reading?: LineOrder;
  cursor: number;
}

/**
 * The lines of a unit in order, with their keys and facts (none for a line with a problem).
 * An edit leaves most lines where they were, or one line up or down: the next line of a
 * read is compared with the line at the cursor and the one after it, a string comparison
 * instead of hashing every line of an open document on every keystroke.
 */
interface LineOrder { texts: string[]; keys: string[]; facts: (LineFact | undefined)[] }

/** Units whose lines are known by their text alone. */
export function keepsLines(unit: ReadUnit): boolean {
  return !unit.data && unit.negativesPerQuery === undefined;
}

function unitKey(unit: ReadUnit): string {
  return `${unit.path}\u0000${unit.format}\u0000${unit.container ?? ''}`;
}

export class LineFacts {
  private run = 0;
  /** Triples seen this run, and bytes of the interned texts. */
  private triplesSeen = 0;
  private textBytes = 0;
  private nextTextId = 0;
  /** Triples of the scope when the facts outgrew the budget (then they are not used while it is that large). */
  private overflowAt: number | null = null;
  private lastTriples = 0;

  constructor(private readonly budgetBytes = defaultBudget()) {}

  /**
   * Whether a run over this many bytes of input should use the facts: not when the input
   * alone is larger than the budget (the facts take about 1.3 bytes a byte of text triples,
   * less for records with vectors), nor while the scope is about as large as when they
   * outgrew the budget.
   */
  usableFor(inputBytes: number): boolean {
    if (inputBytes > this.budgetBytes) return false;
    return this.overflowAt === null || this.lastTriples < this.overflowAt * 0.8;
  }

  /** The triples of a run that ended (with the facts or without). */
  observe(triples: number): void {
    this.lastTriples = triples;
  }

  /** Triples of the last run that ended. */
  get lastRunTriples(): number {
    return this.lastTriples;
  }

  /** Triples the facts of this run cover so far. */
  get seenTriples(): number {
    return this.triplesSeen;
  }

  /** Estimated bytes the facts of this run hold. */
  get bytes(): number {
    return (this.reuse.reused + this.reuse.parsed) * LINE_BYTES + this.triplesSeen * TRIPLE_BYTES + this.textBytes;
  }

  /** Throws LineFactsOverBudget when the facts hold more than the budget (scan calls it now and then). */
  check(): void {
    const bytes = this.bytes;
    if (bytes > this.budgetBytes) throw new LineFactsOverBudget(bytes, this.budgetBytes);
  }

  /** The facts outgrew the budget at this many triples: all of them go. */
  overflow(triples: number): void {
    this.overflowAt = Math.max(triples, 1);
    this.identity = null;
    this.forgetAll();
  }

  /** Drops every fact, text, query and term. */
  private forgetAll(): void {
    this.units.clear();
    this.texts.clear();
    this.queryIds.clear();
    this.sampleKeys = [];
    this.lexicon.clear();
    this.lastIdf = null;
    this.textBytes = 0;
  }

  private identity: string | null = null;
  private units = new Map<string, UnitFacts>();
  private texts = new Map<string, TextFact>();
  private readonly lexicon = new Map<string, number>();
  /** Ids of the normalised queries (by SHA-1), and per id H(seed, q, j) for j = 0 … (the keys of paired sampling). */
  private readonly queryIds = new Map<string, number>();
  private sampleKeys: Key64[][] = [];
  private seed = 0;
  private termsOf: (text: string) => string[] = () => [];
  /** norm() of this run's new lines (a positive recurs with each of its negatives); a new memo each run, so that no text outlives its run. */
  private normalized = new BoundedMemo<string, string>(1 << 12, normalizeForDuplicate);
  reuse: LineReuse = { reused: 0, parsed: 0, measured: 0 };

  /**
   * Starts a run. `identity` names everything pass-1 facts depend on besides the
   * line (seed, tokenizer, encoder of the tokenizer): when it changes, all facts go.
   */
  begin(identity: string, seed: number, termsOf: (text: string) => string[]): void {
    this.run++;
    this.triplesSeen = 0;
    if (identity !== this.identity) {
      this.identity = identity;
      this.overflowAt = null;
      this.forgetAll();
    }
    this.seed = seed;
    this.termsOf = termsOf;
    this.normalized = new BoundedMemo<string, string>(1 << 12, normalizeForDuplicate);
    this.reuse = { reused: 0, parsed: 0, measured: 0 };
  }

  /** Forgets what no run references any more (the run ended). */
  end(): void {
    for (const u of this.units.values()) {
      u.previous = u.current;
      u.current = new Map();
    }
    // Texts no run referenced lately go, every few runs (a sweep visits every text). Units
    // this run did not read go with them, so that every fact still held refers to interned
    // texts only (one TextFact per text: passages are counted once by identity).
    const run = this.run;
    if (run % 8 === 0) {
      for (const [k, u] of this.units) if (u.usedRun < run) this.units.delete(k);
      for (const [k, t] of this.texts) {
        if (t.usedRun < run - 1) { this.texts.delete(k); this.textBytes -= TEXT_BYTES + 4 * t.ids.length; }
      }
    }
  }

  private unitFacts(unit: ReadUnit): UnitFacts {
    // Scan asks once a line, for the unit it is reading: the last answer saves making its key.
    if (unit === this.lastUnit && this.lastUnitFacts && this.units.get(this.lastKey) === this.lastUnitFacts) {
      this.lastUnitFacts.usedRun = this.run;
      return this.lastUnitFacts;
    }
    const k = unitKey(unit);
    let u = this.units.get(k);
    if (!u) {
      u = { usedRun: this.run, current: new Map(), previous: new Map(), cursor: 0 };
      this.units.set(k, u);
    }
    u.usedRun = this.run;
    this.lastUnit = unit;
    this.lastKey = k;
    this.lastUnitFacts = u;
    return u;
  }

  private lastUnit: ReadUnit | undefined;
  private lastKey = '';
  private lastUnitFacts: UnitFacts | undefined;

  /**
   * A unit's lines as last read when its file has the same stamp (nothing is read or
   * parsed then), else undefined; the lines of a whole read that no longer holds are
   * looked up one by one instead.
   */
  replay(unit: ReadUnit, stamp: string | null): readonly KeptLine[] | undefined {
    const u = this.unitFacts(unit);
    const whole = u.whole;
    if (!whole) return undefined;
    if (stamp !== null && whole.stamp === stamp) {
      this.reuse.reused += whole.lines.length;
      for (const l of whole.lines) this.touch(l.fact);
      return whole.lines;
    }
    u.whole = undefined;
    for (const l of whole.lines) if (!u.current.has(l.key)) u.previous.set(l.key, l.fact);
    return undefined;
  }

  /** Keeps every line of a unit read whole (no line with a problem), for `replay`. */
  keepWhole(unit: ReadUnit, stamp: string, lines: KeptLine[]): void {
    const u = this.unitFacts(unit);
    u.whole = { stamp, lines };
    // The lines are kept in `whole`: the maps need not hold them too.
    u.current = new Map();
    u.previous = new Map();
  }

  /**
   * Starts reading a unit from memory (no file stamp to replay it by): its lines are
   * matched in order against the last whole read first ({@link LineOrder}).
   */
  startOrdered(unit: ReadUnit): void {
    const u = this.unitFacts(unit);
    u.reading = { texts: [], keys: [], facts: [] };
    u.cursor = 0;
  }

  /** The unit from memory was read to its end: its lines are the order of the next read. */
  finishOrdered(unit: ReadUnit): void {
    const u = this.unitFacts(unit);
    if (u.reading) u.order = u.reading;
    u.reading = undefined;
  }

  /** The facts of a line seen in an earlier run (or earlier in this one), or undefined. */
  lookup(unit: ReadUnit, text: string): { fact?: LineFact; key: string } {
    const u = this.unitFacts(unit);
    const reading = u.reading;
    if (reading) {
      const o = u.order, c = u.cursor;
      const at = !o ? -1 : c < o.texts.length && o.texts[c] === text ? c : c + 1 < o.texts.length && o.texts[c + 1] === text ? c + 1 : -1;
      if (at >= 0) {
        u.cursor = at + 1;
        const fact = o!.facts[at], key = o!.keys[at];
        reading.texts.push(text); reading.keys.push(key); reading.facts.push(fact);
        if (fact) {
          this.reuse.reused++;
          this.touch(fact);
          u.current.set(key, fact);
        }
        return { fact, key };
      }
    }
    const key = hash('sha1', text, 'base64');
    let fact = u.current.get(key);
    if (!fact) {
      fact = u.previous.get(key);
      if (fact) u.current.set(key, fact);
    }
    if (fact) {
      this.reuse.reused++;
      this.touch(fact);
    }
    if (reading) { reading.texts.push(text); reading.keys.push(key); reading.facts.push(fact); }
    return { fact, key };
  }

  /** Keeps a line's facts for later runs (a line whose parse had no problem). */
  store(unit: ReadUnit, key: string, fact: LineFact): void {
    const u = this.unitFacts(unit);
    u.current.set(key, fact);
    const r = u.reading;
    if (r && r.keys[r.keys.length - 1] === key) r.facts[r.facts.length - 1] = fact;
  }

  /** Facts of freshly parsed triples. */
  build(triples: readonly RawTriple[]): LineFact {
    this.reuse.parsed++;
    const norm = (t: string) => this.normalized.get(t);
    const fact: LineFact = {
      triples: triples.map((raw) => {
        const q = norm(raw.query);
        const order = sampleHash(this.seed, q, norm(raw.positive), norm(raw.negative));
        const v = raw.vectors;
        return {
          source: raw.source, posIndex: raw.posIndex, negIndex: raw.negIndex,
          dim: v?.query && v.positive && v.negative ? v.query.length : -1,
          query: q, queryId: this.queryId(q), hashHi: order.hi, hashLo: order.lo,
          q: this.text(raw.query), p: this.text(raw.positive), n: this.text(raw.negative), tripleKey: undefined,
          measuredBy: null, a: 0, b: 0, c: 0, residualNorm: 0, textDuplicate: false, u: undefined,
          ov: 0, jaccard: 0, lexVersion: -1, shared: undefined,
        };
      }),
    };
    this.touch(fact);
    return fact;
  }

  private touch(fact: LineFact): void {
    const run = this.run;
    this.triplesSeen += fact.triples.length;
    for (const t of fact.triples) { t.q.usedRun = run; t.p.usedRun = run; t.n.usedRun = run; }
  }

  private text(text: string): TextFact {
    const key = hash('sha1', text, 'base64');
    let t = this.texts.get(key);
    if (t) return t;
    const terms = this.termsOf(text);
    const raw = new Int32Array(terms.length);
    for (let k = 0; k < terms.length; k++) {
      let id = this.lexicon.get(terms[k]);
      if (id === undefined) { id = this.lexicon.size; this.lexicon.set(terms[k], id); }
      raw[k] = id;
    }
    raw.sort();
    let n = 0;
    for (let i = 0; i < raw.length; i++) if (i === 0 || raw[i] !== raw[i - 1]) raw[n++] = raw[i];
    t = { id: this.nextTextId++, ids: raw.slice(0, n), mass: 0, massVersion: -1, dirty: true, checkedVersion: -1, usedRun: this.run, countedRun: 0 };
    this.texts.set(key, t);
    this.textBytes += TEXT_BYTES + 4 * n;
    return t;
  }

  private queryId(query: string): number {
    const digest = hash('sha1', query, 'binary');
    let id = this.queryIds.get(digest);
    if (id === undefined) { id = this.queryIds.size; this.queryIds.set(digest, id); this.sampleKeys.push([]); }
    return id;
  }

  /** Number of query ids given so far (ids are 0 … count − 1). */
  get queryCount(): number { return this.queryIds.size; }

  /** H(seed, q, j) of the query with that id, computed once per query and position. */
  sampleKey(queryId: number, query: string, j: number): Key64 {
    const keys = this.sampleKeys[queryId];
    for (let k = keys.length; k <= j; k++) keys.push(sampleHash(this.seed, query, k));
    return keys[j];
  }

  /** The union key of a hybrid: equal exactly when the three texts are (a digest of their ids). */
  tripleKey(t: TripleFact): Buffer {
    if (!t.tripleKey) {
      const ids = Buffer.alloc(12);
      ids.writeUInt32LE(t.q.id, 0);
      ids.writeUInt32LE(t.p.id, 4);
      ids.writeUInt32LE(t.n.id, 8);
      // Hashed, so that the union's open-addressing set sees well-spread words.
      t.tripleKey = hash('sha1', ids, 'buffer');
    }
    return t.tripleKey;
  }

  /** A document-frequency count over the distinct passages of one run (each TextFact once). */
  frequencies(): PassageFrequencies {
    return new PassageFrequencies(() => this.lexicon.size, this.run);
  }

  /**
   * BM25 idf of every lexicon id for this run's document frequencies. Versions count the
   * idf tables that differ: an overlap computed under the previous version stays valid when
   * none of its terms changed idf since (an edit that replaces one passage by another moves
   * the df of their terms only; a passage added or removed moves every idf through D).
   */
  idf(df: PassageFrequencies): RunIdf {
    const size = this.lexicon.size;
    const idf = new Float64Array(size);
    const counts = df.counts();
    for (let id = 0; id < size; id++) idf[id] = bm25Idf(df.documents, id < counts.length ? counts[id] : 0);
    const last = this.lastIdf;
    const changed = new Uint8Array(size);
    let any = last === null;
    for (let id = 0; id < size; id++) {
      if (last === null || id >= last.length || last[id] !== idf[id]) { changed[id] = 1; any = true; }
    }
    if (any) this.idfVersion++;
    this.lastIdf = idf;
    return new RunIdf(idf, this.idfVersion, changed);
  }

  private lastIdf: Float64Array | null = null;
  private idfVersion = 0;
}
