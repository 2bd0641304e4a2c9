/**
 * Lexical side of ECI_sem (spec §2 lexical residuality, §4 Jaccard): word
 * terms, document frequencies, BM25 IDF, IDF-weighted overlap and Jaccard.
 *
 * Speed: overlap and Jaccard run once per triple (millions). An IdfTable turns
 * each term list, once per list object (a WeakMap), into distinct term ids in
 * the canonical order of the terms, with their weights and mass; a triple then
 * costs one pass over each of two small integer arrays (the terms of one marked,
 * the other's looked up). Term lists are therefore treated as immutable once passed
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

/** FNV-1a (32 bits) of a term's UTF-16 code units: its place in the canonical order of terms. */
export function termKey(term: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < term.length; i++) {
    h ^= term.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const INDEX_SPAN = 2 ** 21;
let packed = new Float64Array(256);
let copy = new Int32Array(256);

/**
 * Puts distinct term ids into the canonical order of their terms — by termKey, equal keys by
 * the terms themselves — in place. Idf sums are added in this order: it depends on the terms
 * alone, not on the ids a run happened to give them (a fresh run, one that reuses line facts,
 * and the same texts given by id number terms differently), so their sums have the same bits.
 */
export function canonicalOrder(ids: Int32Array, keyOf: (id: number) => number, termOf: (id: number) => string): void {
  const n = ids.length;
  if (n < 2) return;
  if (n >= INDEX_SPAN) {
    const sorted = Array.from(ids).sort((x, y) => keyOf(x) - keyOf(y) || (termOf(x) < termOf(y) ? -1 : termOf(x) > termOf(y) ? 1 : 0));
    ids.set(sorted);
    return;
  }
  if (packed.length < n) { packed = new Float64Array(n * 2); copy = new Int32Array(n * 2); }
  // key · 2^21 + position < 2^53: exact in a double, so one native numeric sort orders them.
  for (let k = 0; k < n; k++) { packed[k] = keyOf(ids[k]) * INDEX_SPAN + k; copy[k] = ids[k]; }
  const order = packed.subarray(0, n);
  order.sort();
  for (let k = 0; k < n; k++) ids[k] = copy[order[k] % INDEX_SPAN];
  // Equal keys (two terms of one text whose hashes collide): by the terms.
  for (let k = 1; k < n; k++) {
    if (Math.floor(order[k] / INDEX_SPAN) !== Math.floor(order[k - 1] / INDEX_SPAN)) continue;
    let j = k;
    while (j > 0 && Math.floor(order[j] / INDEX_SPAN) === Math.floor(order[j - 1] / INDEX_SPAN) && termOf(ids[j]) < termOf(ids[j - 1])) {
      const t = ids[j]; ids[j] = ids[j - 1]; ids[j - 1] = t;
      const o = order[j]; order[j] = order[j - 1]; order[j - 1] = o;
      j--;
    }
  }
}

/** Marks of the terms of one text, by id, while its shared terms with another are summed. */
let marks = new Uint8Array(1 << 16);

/** A term list resolved against one IdfTable: distinct term ids in canonical order (canonicalOrder), with their idf. */
export interface TermVector {
  ids: Int32Array;
  w: Float64Array;
  /** Σ idf, added in the canonical order of the terms. */
  mass: number;
  /** Length (or size) of the list it was built from, to notice a list edited in place. */
  from: number;
}

export class IdfTable {
  /** idf of a term that no document contains (df = 0). */
  readonly unseen: number;
  private readonly ids = new Map<string, number>();
  private readonly weights: number[] = [];
  /** termKey and the term itself, by id. */
  private readonly keys: number[] = [];
  private readonly terms: string[] = [];
  private readonly vectors = new WeakMap<object, TermVector>();

  constructor(readonly documents: number, table: ReadonlyMap<string, number>) {
    this.unseen = bm25Idf(documents, 0);
    for (const [term, w] of table) this.addTerm(term, w);
  }

  private addTerm(term: string, w: number): number {
    const id = this.weights.length;
    this.ids.set(term, id);
    this.weights.push(w);
    this.keys.push(termKey(term));
    this.terms.push(term);
    return id;
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
      // Unseen in the corpus (e.g. a query-only term): df = 0.
      if (id === undefined) id = this.addTerm(t, this.unseen);
      raw[k++] = id;
    }
    raw.sort();
    let n = 0;
    for (let i = 0; i < raw.length; i++) if (i === 0 || raw[i] !== raw[i - 1]) raw[n++] = raw[i];
    const ids = raw.slice(0, n);
    canonicalOrder(ids, (id) => this.keys[id], (id) => this.terms[id]);
    const w = new Float64Array(n);
    let mass = 0;
    for (let i = 0; i < n; i++) { w[i] = this.weights[ids[i]]; mass += w[i]; }
    const v = { ids, w, mass, from: size };
    this.vectors.set(terms, v);
    return v;
  }
}

/** Σ idf over the terms of `a` that `b` has too, added in `a`'s (canonical) order. */
function sharedMass(a: TermVector, b: TermVector): number {
  const bi = b.ids;
  for (let k = 0; k < bi.length; k++) {
    const id = bi[k];
    if (id >= marks.length) {
      const next = new Uint8Array(Math.max(marks.length * 2, id + 1));
      next.set(marks);
      marks = next;
    }
    marks[id] = 1;
  }
  const ai = a.ids;
  let s = 0;
  for (let k = 0; k < ai.length; k++) if (ai[k] < marks.length && marks[ai[k]] === 1) s += a.w[k];
  for (let k = 0; k < bi.length; k++) marks[bi[k]] = 0;
  return s;
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
