/**
 * The lexical side of line facts (pipeline/lineFacts.ts), per run: document frequencies
 * over the distinct passages as interned texts, the run's BM25 idf per lexicon id, and
 * overlap and Jaccard of a triple's texts under it, recomputed only where one of their
 * terms changed idf since the last version.
 */

/** One distinct text of the scope. */
export interface TextFact {
  /** A number of its own (texts are interned: one TextFact per distinct text). */
  readonly id: number;
  /** Its distinct terms as lexicon ids, ascending. */
  readonly ids: Int32Array;
  /** Σ idf over `ids` under the idf of version `massVersion`. */
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
    if (ids.length > 0 && ids[ids.length - 1] >= this.df.length) {
      let size = this.df.length;
      while (size <= Math.max(ids[ids.length - 1], this.lexiconSize())) size *= 2;
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
    this.mark = new Float64Array(idf.length);
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
    // The negative's terms marked once, for both intersections: a look-up a term of q or p
    // instead of a merge (whose branches mispredict); the shared idf are still summed in
    // ascending id order (an unmarked term adds an exact 0).
    const n = f.n.ids, mark = this.mark;
    for (let k = 0; k < n.length; k++) mark[n[k]] = 1;
    f.ov = this.overlapMarked(f.q);
    f.jaccard = f.p === f.n ? (n.length === 0 ? 0 : 1) : this.jaccardMarked(f.p, f.n);
    for (let k = 0; k < n.length; k++) mark[n[k]] = 0;
    f.lexVersion = this.version;
  }

  private readonly mark: Float64Array;

  /** Σ idf over the text's terms that are marked. */
  private sharedMarked(t: TextFact): number {
    const ids = t.ids, idf = this.idf, mark = this.mark;
    let s = 0;
    for (let k = 0; k < ids.length; k++) s += mark[ids[k]] * idf[ids[k]];
    return s;
  }

  private overlapMarked(q: TextFact): number {
    if (q.ids.length === 0) return 0;
    const shared = this.sharedMarked(q);
    const mass = this.mass(q);
    return shared >= mass ? 1 : shared / mass;
  }

  private jaccardMarked(p: TextFact, n: TextFact): number {
    const inter = this.sharedMarked(p);
    if (inter === 0) return 0;
    const union = this.mass(p) + this.mass(n) - inter;
    return inter >= union ? 1 : inter / union;
  }
}
