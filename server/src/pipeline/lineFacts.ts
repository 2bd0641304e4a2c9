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
 * tokenising a text twice. Texts themselves are not kept (memory is a few hundred
 * bytes a triple, not the size of the files), except the lines of a document open in
 * the editor, which its next read is compared with in order (pipeline/lineOrder.ts).
 *
 * Lines with problems are parsed every run (their messages carry line numbers), and
 * so are units whose records are resolved through other files (ids into a corpus) or
 * depend on the lines before them (`negativesPerQuery`).
 *
 * Results equal a fresh run's: every fact is a pure function of the line's text and
 * the run's settings, the lexical sums are added in the canonical order of the terms
 * (so the ids runs gave the terms do not show), and what depends on the whole input (query
 * groups, samples, df, m) is recomputed from the facts each run.
 */
import { hash } from 'node:crypto';
import { normalizeForDuplicate } from '../core/lexical';
import { BoundedMemo } from '../core/memo';
import { sampleHash, type Key64 } from '../core/sampling';
import type { RawTriple } from '../core/types';
import type { KeptLine, LineFact, LineReuse, TripleFact } from './factTypes';
import { defaultBudget, LINE_BYTES, LineFactsOverBudget, TRIPLE_BYTES } from './lineBudget';
import { IdfVersions, Lexicon, PassageFrequencies, type RunIdf, type TextFact } from './lineIdf';
import { OrderedRead } from './lineOrder';
import type { ReadUnit } from './plan';

export { LineFactsOverBudget } from './lineBudget';
export type { KeptLine, LineFact, LineReuse, TripleFact } from './factTypes';
export type { TextFact } from './lineIdf';

/** Units read whole, as kept for replay: what a file of facts holds (pipeline/factsFile.ts). */
export interface KeptFacts {
  /** What the facts were made under (begin()'s identity). */
  identity: string;
  lastTriples: number;
  units: { key: string; stamp: string; lines: readonly KeptLine[] }[];
  /** The lexicon's terms by id. */
  terms: readonly string[];
  /** The last idf table by term id and its version: triples' overlaps and texts' masses of that version hold while it does. */
  idf: { idf: Float64Array; version: number } | null;
}

interface UnitFacts {
  /** The last run that read the unit. */
  usedRun: number;
  current: Map<string, LineFact>;
  previous: Map<string, LineFact>;
  /** Every line of the unit as last read, with the stamp of its file then. */
  whole?: { stamp: string; lines: readonly KeptLine[] };
  /** A unit read from memory (an open document): its lines matched in order against its last read. */
  ordered?: OrderedRead<LineFact>;
}

/** Units whose lines are known by their text alone. */
export function keepsLines(unit: ReadUnit): boolean {
  return !unit.data && unit.negativesPerQuery === undefined;
}

function unitKey(unit: ReadUnit): string {
  return `${unit.path}\u0000${unit.format}\u0000${unit.container ?? ''}`;
}

export class LineFacts {
  private run = 0;
  /** Triples seen this run. */
  private triplesSeen = 0;
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
    return (this.reuse.reused + this.reuse.parsed) * LINE_BYTES + this.triplesSeen * TRIPLE_BYTES + this.lexicon.bytes;
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
    this.lexicon.clear();
    this.queryIds.clear();
    this.sampleKeys = [];
    this.idfVersions.forget();
  }

  private identity: string | null = null;
  private units = new Map<string, UnitFacts>();
  /** The scope's distinct texts and terms. */
  private readonly lexicon = new Lexicon();
  /** Ids of the normalised queries (by SHA-1), and per id H(seed, q, j) for j = 0 … (the keys of paired sampling). */
  private readonly queryIds = new Map<string, number>();
  private sampleKeys: Key64[][] = [];
  private seed = 0;
  private termsOf: (text: string) => string[] = () => [];
  /** norm() of this run's new lines (a positive recurs with each of its negatives); a new memo each run, so that no text outlives its run. */
  private normalized = new BoundedMemo<string, string>(1 << 12, normalizeForDuplicate);
  reuse: LineReuse = { reused: 0, parsed: 0, measured: 0 };
  /** Whether this run changed what kept() returns (a unit read anew, or cosines of another encoder). */
  changed = false;

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
    this.changed = false;
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
      this.lexicon.sweep(run - 1);
    }
  }

  /** The units last read whole (replayable while their files keep their stamps), or null before any run. */
  kept(): KeptFacts | null {
    if (this.identity === null) return null;
    const units: KeptFacts['units'] = [];
    for (const [key, u] of this.units) if (u.whole) units.push({ key, ...u.whole });
    return { identity: this.identity, lastTriples: this.lastTriples, units, terms: this.lexicon.termList(), idf: this.idfVersions.latest() };
  }

  /**
   * Takes facts read back from disk in place of any held, with their texts (ids 0 … n − 1,
   * as the triples refer to them) and normalised queries by id. The next
   * begin() keeps them only under the same identity.
   */
  adopt(facts: KeptFacts, texts: readonly TextFact[], queries: readonly string[]): void {
    this.forgetAll();
    this.identity = facts.identity;
    this.overflowAt = null;
    this.lastTriples = facts.lastTriples;
    this.lexicon.restore(texts, facts.terms);
    if (facts.idf) this.idfVersions.resume(facts.idf.idf, facts.idf.version);
    for (const q of queries) { this.queryIds.set(hash('sha1', q, 'binary'), this.queryIds.size); this.sampleKeys.push([]); }
    for (const u of facts.units) this.units.set(u.key, { usedRun: this.run, current: new Map(), previous: new Map(), whole: { stamp: u.stamp, lines: u.lines } });
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
      u = { usedRun: this.run, current: new Map(), previous: new Map() };
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
    this.changed = true;
    for (const l of whole.lines) if (!u.current.has(l.key)) u.previous.set(l.key, l.fact);
    return undefined;
  }

  /** Keeps every line of a unit read whole (no line with a problem), for `replay`. */
  keepWhole(unit: ReadUnit, stamp: string, lines: KeptLine[]): void {
    const u = this.unitFacts(unit);
    u.whole = { stamp, lines };
    this.changed = true;
    // The lines are kept in `whole`: the maps need not hold them too.
    u.current = new Map();
    u.previous = new Map();
  }

  /**
   * Starts reading a unit from memory (no file stamp to replay it by): its lines are
   * matched in order against the last whole read first (pipeline/lineOrder.ts).
   */
  startOrdered(unit: ReadUnit): void {
    (this.unitFacts(unit).ordered ??= new OrderedRead()).start();
  }

  /** The unit from memory was read to its end: its lines are the order of the next read. */
  finishOrdered(unit: ReadUnit): void {
    this.unitFacts(unit).ordered?.finish();
  }

  /** The facts of a line seen in an earlier run (or earlier in this one), or undefined. */
  lookup(unit: ReadUnit, text: string): { fact?: LineFact; key: string } {
    const u = this.unitFacts(unit);
    const ordered = u.ordered?.active ? u.ordered : undefined;
    const hit = ordered?.match(text);
    if (hit) {
      if (hit.fact) {
        this.reuse.reused++;
        this.touch(hit.fact);
        u.current.set(hit.key, hit.fact);
      }
      return hit;
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
    ordered?.record(text, key, fact);
    return { fact, key };
  }

  /** Keeps a line's facts for later runs (a line whose parse had no problem). */
  store(unit: ReadUnit, key: string, fact: LineFact): void {
    const u = this.unitFacts(unit);
    u.current.set(key, fact);
    u.ordered?.setFact(key, fact);
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
    return this.lexicon.text(text, this.termsOf, this.run);
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
    return new PassageFrequencies(() => this.lexicon.terms, this.run);
  }

  /** BM25 idf of every lexicon id for this run's document frequencies (lineIdf.ts's IdfVersions). */
  idf(df: PassageFrequencies): RunIdf {
    return this.idfVersions.next(df, this.lexicon.terms);
  }

  private readonly idfVersions = new IdfVersions();
}
