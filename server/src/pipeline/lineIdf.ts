/**
 * The lexical side of line facts (pipeline/lineFacts.ts), per run: document frequencies
 * over the distinct passages as interned texts, the run's BM25 idf per lexicon id, and
 * overlap and Jaccard of a triple's texts under it, recomputed only where one of their
 * terms changed idf since the last version.
 */
import { hash } from 'node:crypto';
import { bm25Idf, canonicalOrder, termKey } from '../core/lexical';
import { TEXT_BYTES } from './lineBudget';

/** One distinct text of the scope. */
export interface TextFact {
  /** A number of its own (texts are interned: one TextFact per distinct text). */
  readonly id: number;
  /** The SHA-1 of its text (base64): what interns it. */
  readonly key: string;
  /** Its distinct terms as lexicon ids, in the canonical order of the terms (core/lexical.ts's canonicalOrder). */
  readonly ids: Int32Array;
  /** Σ idf over `ids` (added in their order) under the idf of version `massVersion`. */
  mass: number;
  massVersion: number;
  /** Whether one of its terms changed idf in the step to version `checkedVersion`. */
  dirty: boolean;
  checkedVersion: number;
  /** The last run that referenced the text (texts no run references are forgotten). */
  usedRun: number;
  /** The last run whose document frequencies counted it (as a passage). */
  countedRun: number;
}

/** What the lexical pass reads and writes of a triple's facts. */
export interface LexicalSlots {
  readonly q: TextFact;
  readonly p: TextFact;
  readonly n: TextFact;
  /** Overlap and Jaccard under the idf of version `lexVersion` (−1: not yet). */
  ov: number;
  jaccard: number;
  lexVersion: number;
  /**
   * The terms q shares with n, then those p shares with n, each in q's and p's order, after their count:
   * [|q∩n|, q∩n…, p∩n…]. Found once (a fact's texts never change), so that a new idf only
   * sums a few shared terms per triple. Undefined until the first lexical pass.
   */
  shared: Int32Array | undefined;
}

/** The `shared` of a triple whose texts share no term. */
const NONE_SHARED = new Int32Array(1);

/** The distinct texts of a scope, interned by the SHA-1 of their text, and the ids of their terms. */
export class Lexicon {
  private readonly texts = new Map<string, TextFact>();
  private readonly ids = new Map<string, number>();
  /** termKey and the term itself, by id. */
  private keys: number[] = [];
  private termsById: string[] = [];
  private nextId = 0;
  /** Estimated bytes the texts hold. */
  bytes = 0;

  /** Number of distinct terms (ids are 0 … terms − 1). */
  get terms(): number { return this.ids.size; }

  /** The text's TextFact, made (its terms by `termsOf`, as sorted distinct ids) the first time. */
  text(text: string, termsOf: (text: string) => string[], run: number): TextFact {
    const key = hash('sha1', text, 'base64');
    let t = this.texts.get(key);
    if (t) return t;
    const terms = termsOf(text);
    const raw = new Int32Array(terms.length);
    for (let k = 0; k < terms.length; k++) {
      let id = this.ids.get(terms[k]);
      if (id === undefined) id = this.addTerm(terms[k]);
      raw[k] = id;
    }
    raw.sort();
    let n = 0;
    for (let i = 0; i < raw.length; i++) if (i === 0 || raw[i] !== raw[i - 1]) raw[n++] = raw[i];
    const ids = raw.slice(0, n);
    canonicalOrder(ids, (id) => this.keys[id], (id) => this.termsById[id]);
    t = { id: this.nextId++, key, ids, mass: 0, massVersion: -1, dirty: true, checkedVersion: -1, usedRun: run, countedRun: 0 };
    this.texts.set(key, t);
    this.bytes += TEXT_BYTES + 4 * n;
    return t;
  }

  private addTerm(term: string): number {
    const id = this.ids.size;
    this.ids.set(term, id);
    this.keys.push(termKey(term));
    this.termsById.push(term);
    return id;
  }

  /** The terms by id. */
  termList(): readonly string[] {
    return this.termsById;
  }

  /** Holds exactly these texts (ids 0 … n − 1) and terms (by id), as kept on disk. */
  restore(texts: readonly TextFact[], terms: readonly string[]): void {
    this.clear();
    for (const term of terms) this.addTerm(term);
    for (const t of texts) { this.texts.set(t.key, t); this.bytes += TEXT_BYTES + 4 * t.ids.length; }
    this.nextId = texts.length;
  }

  /** Forgets the texts no run after `run` referenced (their terms keep their ids). */
  sweep(run: number): void {
    for (const [k, t] of this.texts) {
      if (t.usedRun < run) { this.texts.delete(k); this.bytes -= TEXT_BYTES + 4 * t.ids.length; }
    }
  }

  clear(): void {
    this.texts.clear();
    this.ids.clear();
    this.keys = [];
    this.termsById = [];
    this.bytes = 0;
  }
}

/** df per lexicon id: each distinct passage counts once (a text counted this run is skipped). */
export class PassageFrequencies {
  private df = new Int32Array(1024);
  documents = 0;

  constructor(private readonly lexiconSize: () => number, private readonly run: number) {}

  /** Counts the passage, once per run (texts are interned: equal texts are one TextFact). */
  add(text: TextFact): void {
    if (text.countedRun === this.run) return;
    text.countedRun = this.run;
    this.documents++;
    const ids = text.ids;
    let top = -1;
    for (let k = 0; k < ids.length; k++) if (ids[k] > top) top = ids[k];
    if (top >= this.df.length) {
      let size = this.df.length;
      while (size <= Math.max(top, this.lexiconSize())) size *= 2;
      const next = new Int32Array(size);
      next.set(this.df);
      this.df = next;
    }
    for (let k = 0; k < ids.length; k++) this.df[ids[k]]++;
  }

  counts(): Int32Array { return this.df; }
}

/**
 * Overlap and Jaccard of interned texts under one run's idf: the same definitions as
 * `overlapOf`/`jaccardOf` in core/lexical.ts (spec §2, §4).
 */
export class RunIdf {
  /** `changed`: the ids whose idf differs from version − 1's. */
  constructor(private readonly idf: Float64Array, private readonly version: number, private readonly changed: Uint8Array) {
    this.mark = new Uint8Array(idf.length);
  }

  /** None of the text's terms changed idf in the step from version − 1. */
  private steady(t: TextFact): boolean {
    if (t.checkedVersion !== this.version) {
      let dirty = false;
      for (let k = 0; k < t.ids.length && !dirty; k++) dirty = this.changed[t.ids[k]] === 1;
      t.dirty = dirty;
      t.checkedVersion = this.version;
    }
    return !t.dirty;
  }

  private mass(t: TextFact): number {
    if (t.massVersion === this.version || (t.massVersion === this.version - 1 && this.steady(t))) {
      t.massVersion = this.version;
      return t.mass;
    }
    let s = 0;
    for (let k = 0; k < t.ids.length; k++) s += this.idf[t.ids[k]];
    t.mass = s;
    t.massVersion = this.version;
    return s;
  }

  /** Sets the triple's overlap and Jaccard under this idf, recomputing them only where one of its terms changed idf. */
  lexical(f: LexicalSlots): void {
    if (f.lexVersion === this.version) return;
    if (f.lexVersion === this.version - 1 && this.steady(f.q) && this.steady(f.p) && this.steady(f.n)) {
      f.lexVersion = this.version;
      return;
    }
    const shared = f.shared ??= this.sharedTerms(f);
    // The shared idf are added in the canonical order of the terms, as core/lexical.ts adds
    // them: the same bits as a fresh run, whose term ids are numbered in another order.
    const idf = this.idf, qn = shared[0];
    let sq = 0, sp = 0;
    for (let k = 1; k <= qn; k++) sq += idf[shared[k]];
    for (let k = qn + 1; k < shared.length; k++) sp += idf[shared[k]];
    if (f.q.ids.length === 0) f.ov = 0;
    else {
      const mass = this.mass(f.q);
      f.ov = sq >= mass ? 1 : sq / mass;
    }
    if (f.p === f.n) f.jaccard = f.n.ids.length === 0 ? 0 : 1;
    else if (sp === 0) f.jaccard = 0;
    else {
      const union = this.mass(f.p) + this.mass(f.n) - sp;
      f.jaccard = sp >= union ? 1 : sp / union;
    }
    f.lexVersion = this.version;
  }

  /** Per lexicon id: 1 while the negative's terms are marked (sharedTerms). */
  private readonly mark: Uint8Array;

  /** [|q∩n|, q∩n…, p∩n…] of a triple, by marking n's terms: a look-up per term of q and p, not a merge. */
  private sharedTerms(f: LexicalSlots): Int32Array {
    const n = f.n.ids, mark = this.mark;
    for (let k = 0; k < n.length; k++) mark[n[k]] = 1;
    const out: number[] = [0];
    for (const id of f.q.ids) if (mark[id] === 1) out.push(id);
    out[0] = out.length - 1;
    if (f.p !== f.n) for (const id of f.p.ids) if (mark[id] === 1) out.push(id);
    for (let k = 0; k < n.length; k++) mark[n[k]] = 0;
    return out.length === 1 ? NONE_SHARED : Int32Array.from(out);
  }
}

/**
 * The run's BM25 idf of every lexicon id, versioned: versions count the idf tables that
 * differ, and an overlap computed under the previous version stays valid when none of its
 * terms changed idf since (an edit that replaces one passage by another moves the df of
 * their terms only; a passage added or removed moves every idf through D).
 */
export class IdfVersions {
  private last: Float64Array | null = null;
  private version = 0;

  next(df: PassageFrequencies, size: number): RunIdf {
    const idf = new Float64Array(size);
    const counts = df.counts();
    for (let id = 0; id < size; id++) idf[id] = bm25Idf(df.documents, id < counts.length ? counts[id] : 0);
    const last = this.last;
    const changed = new Uint8Array(size);
    let any = last === null;
    for (let id = 0; id < size; id++) {
      if (last === null || id >= last.length || last[id] !== idf[id]) { changed[id] = 1; any = true; }
    }
    if (any) this.version++;
    this.last = idf;
    return new RunIdf(idf, this.version, changed);
  }

  /** The facts were dropped: the next table is compared with nothing. */
  forget(): void {
    this.last = null;
  }

  /** The last table and its version (what overlaps computed under it carry as `lexVersion`), or null. */
  latest(): { idf: Float64Array; version: number } | null {
    return this.last ? { idf: this.last, version: this.version } : null;
  }

  /** Continues from a table kept on disk: the next table that equals it keeps its version. */
  resume(idf: Float64Array, version: number): void {
    this.last = idf;
    this.version = version;
  }
}
