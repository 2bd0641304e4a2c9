/**
 * Lexical side of ECI_sem (spec §2 lexical residuality, §4 Jaccard): word
 * terms, document frequencies, BM25 IDF, IDF-weighted overlap and Jaccard.
 *
 * Speed: overlap and Jaccard run once per triple (millions). An IdfTable turns
 * each term list, once per list object (a WeakMap), into ascending term ids
 * with their weights and mass; a triple then costs one merge of two small
 * integer arrays. Term lists are therefore treated as immutable once passed
 * in: build a new array rather than editing one in place (a list that grew or
 * shrank is noticed and re-read).
 */

/** A list of terms or a set of them; duplicates in a list count once. */
export type Terms = readonly string[] | ReadonlySet<string>;

const WORD = /[\p{L}\p{N}]+/gu;
const SPACE = /\s+/gu;

/**
 * Distinct word terms in order of first appearance: NFKC, lower-case, maximal
 * runs of letters and digits (`\p{L}`, `\p{N}`). Combining marks (`\p{M}`) are
 * not letters, so scripts that keep vowel signs as marks split at them.
 */
export function wordTerms(text: string): string[] {
  const words = text.normalize('NFKC').toLowerCase().match(WORD);
  if (words === null) return [];
  return words.length === 1 ? words : [...new Set(words)];
}

/** Text normalised for "is this the same text": NFKC, lower-case, whitespace runs → one space, trimmed. */
export function normalizeForDuplicate(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(SPACE, ' ').trim();
}

/** Document frequencies over a corpus: each document counts a term once. */
export class DocumentFrequencies {
  private readonly slot = new Map<string, number>();
  private df: number[] = [];
  private lastDoc: number[] = [];
  private docs = 0;

  add(terms: Iterable<string>): void {
    const doc = ++this.docs;
    for (const t of terms) {
      let s = this.slot.get(t);
      if (s === undefined) {
        s = this.df.length;
        this.slot.set(t, s);
        this.df.push(0);
        this.lastDoc.push(0);
      }
      if (this.lastDoc[s] !== doc) {
        this.lastDoc[s] = doc;
        this.df[s]++;
      }
    }
  }

  /** Number of documents added. */
  get documents(): number {
    return this.docs;
  }

  /** Number of documents containing `term`. */
  frequency(term: string): number {
    const s = this.slot.get(term);
    return s === undefined ? 0 : this.df[s];
  }

  /** Number of distinct terms seen. */
  get terms(): number {
    return this.df.length;
  }

  toIdf(): IdfTable {
    const table = new Map<string, number>();
    const d = this.docs;
    for (const [term, s] of this.slot) table.set(term, bm25Idf(d, this.df[s]));
    return new IdfTable(d, table);
  }
}

/** idf(w) = ln(1 + (D − df + 0.5) / (df + 0.5)), BM25's (always > 0 for df ≤ D). */
export function bm25Idf(documents: number, df: number): number {
  return Math.log1p((documents - df + 0.5) / (df + 0.5));
}

/**
 * A sum of idf values added in ascending order of value, so that it has the same bits
 * whatever order its terms come in: term ids are numbered in the order a run meets the
 * terms, which differs between a fresh run and one that reuses line facts (and between a
 * file of texts and the same texts by id). Filled with add(), read once with value(); one
 * instance serves every sum in turn (the sums here never nest).
 */
class ValueOrderSum {
  private buf = new Float64Array(64);
  private n = 0;

  reset(): void {
    this.n = 0;
  }

  add(x: number): void {
    if (this.n === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = x;
  }

  value(): number {
    const n = this.n;
    // Addition is commutative: two terms need no ordering.
    if (n <= 2) return n === 0 ? 0 : n === 1 ? this.buf[0] : this.buf[0] + this.buf[1];
    const v = this.buf.subarray(0, n);
    v.sort();
    let s = 0;
    for (let i = 0; i < n; i++) s += v[i];
    return s;
  }
}

/** The one ValueOrderSum of the idf sums (core/lexical.ts and pipeline/lineIdf.ts). */
export const idfSum = new ValueOrderSum();

/** A term list resolved against one IdfTable: distinct term ids, ascending, with their idf. */
export interface TermVector {
  ids: Int32Array;
  w: Float64Array;
  /** Σ idf, added in ascending order of value (idfSum). */
  mass: number;
  /** Length (or size) of the list it was built from, to notice a list edited in place. */
  from: number;
}

export class IdfTable {
  /** idf of a term that no document contains (df = 0). */
  readonly unseen: number;
  private readonly ids = new Map<string, number>();
  private readonly weights: number[] = [];
  private readonly vectors = new WeakMap<object, TermVector>();

  constructor(readonly documents: number, table: ReadonlyMap<string, number>) {
    this.unseen = bm25Idf(documents, 0);
    for (const [term, w] of table) {
      this.ids.set(term, this.weights.length);
      this.weights.push(w);
    }
  }

  idf(term: string): number {
    const id = this.ids.get(term);
    return id === undefined ? this.unseen : this.weights[id];
  }

  /** Σ idf over the distinct terms. */
  mass(terms: Terms): number {
    return this.vector(terms).mass;
  }

  /**
   * The distinct terms as sorted ids with weights, built once per list object:
   * intersections then cost one merge of integer arrays, with no string hashing.
   */
  vector(terms: Terms): TermVector {
    const size = Array.isArray(terms) ? terms.length : (terms as ReadonlySet<string>).size;
    const hit = this.vectors.get(terms);
    if (hit !== undefined && hit.from === size) return hit;
    const raw = new Int32Array(size);
    let k = 0;
    for (const t of terms) {
      let id = this.ids.get(t);
      if (id === undefined) {
        // Unseen in the corpus (e.g. a query-only term): df = 0.
        id = this.weights.length;
        this.ids.set(t, id);
        this.weights.push(this.unseen);
      }
      raw[k++] = id;
    }
    raw.sort();
    let n = 0;
    for (let i = 0; i < raw.length; i++) if (i === 0 || raw[i] !== raw[i - 1]) raw[n++] = raw[i];
    const ids = raw.slice(0, n);
    const w = new Float64Array(n);
    idfSum.reset();
    for (let i = 0; i < n; i++) { w[i] = this.weights[ids[i]]; idfSum.add(w[i]); }
    const v = { ids, w, mass: idfSum.value(), from: size };
    this.vectors.set(terms, v);
    return v;
  }
}

/** Σ idf over the terms common to both (each vector's ids ascending), in ascending order of value. */
function sharedMass(a: TermVector, b: TermVector): number {
  const ai = a.ids;
  const bi = b.ids;
  let i = 0;
  let j = 0;
  idfSum.reset();
  while (i < ai.length && j < bi.length) {
    const x = ai[i];
    const y = bi[j];
    if (x === y) { idfSum.add(a.w[i]); i++; j++; } else if (x < y) i++; else j++;
  }
  return idfSum.value();
}

/**
 * ov = Σ_{U(q) ∩ U(n)} idf / Σ_{U(q)} idf — the IDF-weighted share of the
 * query's distinct terms that the negative contains; 0 when U(q) is empty.
 */
export function lexicalOverlap(queryTerms: Terms, negativeTerms: Terms, idf: IdfTable): number {
  return overlapOf(idf.vector(queryTerms), idf.vector(negativeTerms));
}

/** {@link lexicalOverlap} of term vectors already resolved against the IdfTable. */
export function overlapOf(q: TermVector, n: TermVector): number {
  if (q.ids.length === 0) return 0;
  const shared = sharedMass(q, n);
  return shared >= q.mass ? 1 : shared / q.mass;
}

/**
 * J = Σ_{U(p) ∩ U(n)} idf / Σ_{U(p) ∪ U(n)} idf — IDF-weighted Jaccard of two
 * term sets; 0 when both are empty.
 */
export function weightedJaccard(pTerms: Terms, nTerms: Terms, idf: IdfTable): number {
  return jaccardOf(idf.vector(pTerms), idf.vector(nTerms));
}

/** {@link weightedJaccard} of term vectors already resolved against the IdfTable. */
export function jaccardOf(p: TermVector, n: TermVector): number {
  if (p === n) return p.ids.length === 0 ? 0 : 1;
  const inter = sharedMass(p, n);
  if (inter === 0) return 0;
  const union = p.mass + n.mass - inter;
  return inter >= union ? 1 : inter / union;
}
