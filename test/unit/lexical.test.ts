import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bm25Idf, canonicalOrder, DocumentFrequencies, IdfTable, lexicalOverlap, normalizeForDuplicate, termKey, weightedJaccard, wordTerms,
} from '../../server/src/core/lexical';

const close = (actual: number, expected: number, tol = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);

/** D = 4: the(3) cat(2) sat(2) dog(1) a(1) bird(1). */
function corpus(): { df: DocumentFrequencies; idf: IdfTable } {
  const df = new DocumentFrequencies();
  for (const doc of ['the cat sat', 'The dog sat.', 'a bird', 'the CAT, the cat']) df.add(wordTerms(doc));
  return { df, idf: df.toIdf() };
}

// Hand-computed: idf = ln(1 + (D − df + 0.5) / (df + 0.5)) with D = 4.
const IDF_THE = Math.log(10 / 7); // 1 + 1.5/3.5
const IDF_CAT = Math.log(2); // 1 + 2.5/2.5
const IDF_DOG = Math.log(10 / 3); // 1 + 3.5/1.5
const IDF_UNSEEN = Math.log(10); // 1 + 4.5/0.5

test('wordTerms: lower-case, letter/digit runs, distinct, first-appearance order', () => {
  assert.deepEqual(wordTerms('The cat sat on the Mat; the CAT!'), ['the', 'cat', 'sat', 'on', 'mat']);
  assert.deepEqual(wordTerms('e-mail, re:use (v2.0) 2024'), ['e', 'mail', 're', 'use', 'v2', '0', '2024']);
  assert.deepEqual(wordTerms(''), []);
  assert.deepEqual(wordTerms(' ,.;!? — '), []);
  assert.deepEqual(wordTerms('one'), ['one']);
});

test('wordTerms: Unicode — accents, NFKC, CJK, digits', () => {
  // Composed é, upper-case É and e + combining acute all become the one term "café".
  assert.deepEqual(wordTerms('Café CAFÉ cafe\u0301 cafe'), ['café', 'cafe']);
  // NFKC: the "fi" ligature, full-width digits and letters, the Roman numeral Ⅻ.
  assert.deepEqual(wordTerms('\uFB01le １２３ ＡＢＣ Ⅻ'), ['file', '123', 'abc', 'xii']);
  // CJK and kana are letters: a run without spaces is one term; digits join adjacent letters.
  assert.deepEqual(wordTerms('東京タワーは333m。東京'), ['東京タワーは333m', '東京']);
  assert.deepEqual(wordTerms('Straße STRASSE'), ['straße', 'strasse']);
  // Arabic-Indic digits are \p{N}.
  assert.deepEqual(wordTerms('رقم ٣٤'), ['رقم', '٣٤']);
  // Combining marks are not \p{L}: Devanagari vowel signs split a word (as the spec defines terms).
  assert.deepEqual(wordTerms('हिन्दी'), ['ह', 'न', 'द']);
});

test('normalizeForDuplicate: NFKC, lower-case, whitespace collapsed and trimmed', () => {
  assert.equal(normalizeForDuplicate('  Hello\u00A0\t WORLD \n'), 'hello world');
  assert.equal(normalizeForDuplicate('cafe\u0301  \uFB01ne'), 'café fine');
  assert.equal(normalizeForDuplicate('A.  b'), 'a. b');
  assert.equal(normalizeForDuplicate('same text'), normalizeForDuplicate(' SAME\r\ntext'));
  assert.notEqual(normalizeForDuplicate('same text.'), normalizeForDuplicate('same text'));
});

test('DocumentFrequencies: a term counts once per document', () => {
  const { df } = corpus();
  assert.equal(df.documents, 4);
  assert.equal(df.terms, 6);
  assert.equal(df.frequency('the'), 3);
  assert.equal(df.frequency('cat'), 2);
  assert.equal(df.frequency('dog'), 1);
  assert.equal(df.frequency('zebra'), 0);
  const d2 = new DocumentFrequencies();
  d2.add(['x', 'x', 'y']);
  d2.add(new Set(['x']));
  d2.add([]);
  assert.equal(d2.documents, 3);
  assert.equal(d2.frequency('x'), 2);
  assert.equal(d2.frequency('y'), 1);
});

test('IDF: BM25 formula, hand-computed', () => {
  const { idf } = corpus();
  close(idf.idf('the'), IDF_THE);
  close(idf.idf('the'), 0.35667494393873245);
  close(idf.idf('cat'), IDF_CAT);
  close(idf.idf('sat'), IDF_CAT);
  close(idf.idf('dog'), IDF_DOG);
  close(idf.idf('bird'), IDF_DOG);
  close(idf.idf('zebra'), IDF_UNSEEN);
  close(idf.unseen, 2.302585092994046);
  assert.equal(idf.documents, 4);
  // A term in every document still has a positive idf: ln(1 + 0.5/(D + 0.5)).
  close(bm25Idf(4, 4), Math.log(1 + 0.5 / 4.5));
  assert.ok(bm25Idf(1e6, 1e6) > 0);
  // Empty corpus: every term is unseen, ln(1 + 0.5/0.5) = ln 2.
  close(new DocumentFrequencies().toIdf().idf('x'), Math.log(2));
});

test('lexicalOverlap: IDF-weighted share of the query terms in the negative', () => {
  const { idf } = corpus();
  // U(q) = {the, cat, dog}; U(n) ∩ U(q) = {cat}.
  close(lexicalOverlap(['the', 'cat', 'dog'], ['cat', 'bird'], idf), IDF_CAT / (IDF_THE + IDF_CAT + IDF_DOG));
  close(lexicalOverlap(['the', 'cat', 'dog'], ['cat', 'bird'], idf), Math.log(2) / Math.log(200 / 21));
  close(lexicalOverlap(['the', 'cat', 'dog'], ['cat', 'bird'], idf), 0.30754669, 1e-8);
  // Unseen query terms weigh ln 10.
  close(lexicalOverlap(['zebra', 'the'], ['the'], idf), IDF_THE / (IDF_UNSEEN + IDF_THE));
  assert.equal(lexicalOverlap(['the', 'cat'], ['cat', 'the', 'sat'], idf), 1);
  assert.equal(lexicalOverlap(['the'], ['cat'], idf), 0);
  assert.equal(lexicalOverlap([], ['cat'], idf), 0);
  assert.equal(lexicalOverlap([], [], idf), 0);
  assert.equal(lexicalOverlap(['cat'], [], idf), 0);
});

test('lexicalOverlap: duplicates in a list count once; Sets are accepted', () => {
  const { idf } = corpus();
  const expected = IDF_THE / (IDF_THE + IDF_DOG);
  close(lexicalOverlap(['the', 'the', 'dog', 'the'], ['the', 'the'], idf), expected);
  close(lexicalOverlap(new Set(['the', 'dog']), new Set(['the']), idf), expected);
  close(lexicalOverlap(['the', 'dog'], new Set(['the']), idf), expected);
});

test('weightedJaccard: intersection over union of IDF mass', () => {
  const { idf } = corpus();
  // {the, cat, sat} vs {the, dog}: ∩ = {the}, ∪ = {the, cat, sat, dog}.
  close(weightedJaccard(['the', 'cat', 'sat'], ['the', 'dog'], idf), IDF_THE / (IDF_THE + 2 * IDF_CAT + IDF_DOG));
  close(weightedJaccard(['the', 'cat', 'sat'], ['the', 'dog'], idf), Math.log(10 / 7) / Math.log(400 / 21));
  // Symmetric.
  close(weightedJaccard(['the', 'dog'], ['the', 'cat', 'sat'], idf), IDF_THE / (IDF_THE + 2 * IDF_CAT + IDF_DOG));
  // A subset: J = mass(small) / mass(large).
  close(weightedJaccard(['cat'], ['cat', 'zebra'], idf), IDF_CAT / (IDF_CAT + IDF_UNSEEN));
  assert.equal(weightedJaccard(['cat', 'dog'], ['dog', 'cat', 'dog'], idf), 1);
  assert.equal(weightedJaccard(['cat'], ['dog'], idf), 0);
  assert.equal(weightedJaccard([], [], idf), 0);
  assert.equal(weightedJaccard(['cat'], [], idf), 0);
  const same = ['the', 'cat'];
  assert.equal(weightedJaccard(same, same, idf), 1);
});

test('overlap and Jaccard on real texts through wordTerms', () => {
  const { idf } = corpus();
  const q = wordTerms('The cat?');
  const n = wordTerms('A dog and the CAT sat.');
  // U(q) = {the, cat} ⊂ U(n).
  assert.equal(lexicalOverlap(q, n, idf), 1);
  // U(n) = {a, dog, and, the, cat, sat}: a = dog = ln(10/3), and = unseen.
  const massN = 2 * IDF_DOG + IDF_UNSEEN + IDF_THE + 2 * IDF_CAT;
  close(weightedJaccard(q, n, idf), (IDF_THE + IDF_CAT) / massN);
});

test('term lists are cached by object but a grown list is re-read', () => {
  const { idf } = corpus();
  const q = ['cat'];
  assert.equal(lexicalOverlap(q, ['dog'], idf), 0);
  assert.equal(idf.vector(q), idf.vector(q));
  q.push('dog');
  close(lexicalOverlap(q, ['dog'], idf), IDF_DOG / (IDF_CAT + IDF_DOG));
  // The same list with a second IdfTable uses that table's weights.
  const other = new DocumentFrequencies();
  other.add(['cat']);
  const idf2 = other.toIdf(); // D = 1: cat = ln(1 + 0.5/1.5), dog unseen = ln(1 + 1.5/0.5)
  close(lexicalOverlap(q, ['dog'], idf2), Math.log(4) / (Math.log(4 / 3) + Math.log(4)));
});

test('IdfTable.mass is the IDF mass of the distinct terms', () => {
  const { idf } = corpus();
  close(idf.mass(new Set(['the', 'cat', 'zebra'])), IDF_THE + IDF_CAT + IDF_UNSEEN);
  close(idf.mass(['zebra', 'cat', 'the', 'cat']), IDF_THE + IDF_CAT + IDF_UNSEEN);
  assert.equal(idf.mass([]), 0);
  // Unseen terms met in a list do not change what other unseen terms weigh.
  close(idf.idf('yak'), IDF_UNSEEN);
  close(idf.idf('zebra'), IDF_UNSEEN);
});

test('a Set edited in place is re-read when its size changes', () => {
  const { idf } = corpus();
  const n = new Set(['bird']);
  assert.equal(lexicalOverlap(['cat', 'dog'], n, idf), 0);
  n.add('dog');
  close(lexicalOverlap(['cat', 'dog'], n, idf), IDF_DOG / (IDF_CAT + IDF_DOG));
});

test('idf sums have the same bits whatever ids the terms got (canonical term order, ties of the hash by the term)', () => {
  // "costarring" and "liquid" share their 32-bit FNV-1a key, so their order falls to the strings.
  assert.equal(termKey('costarring'), termKey('liquid'));
  const terms = ['costarring', 'liquid', 'alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
  const canonical = (numbering: string[]) => {
    const ids = Int32Array.from(terms.map((t) => numbering.indexOf(t)));
    canonicalOrder(ids, (id) => termKey(numbering[id]!), (id) => numbering[id]!);
    return Array.from(ids, (id) => numbering[id]);
  };
  const reversed = [...terms].reverse();
  const shuffled = [terms[3], terms[0], terms[7], terms[1], terms[9], terms[5], terms[2], terms[8], terms[4], terms[6]] as string[];
  assert.deepEqual(canonical(reversed), canonical(terms));
  assert.deepEqual(canonical(shuffled), canonical(terms));
  const order = canonical(terms);
  assert.ok(order.indexOf('costarring') < order.indexOf('liquid'), 'equal keys: by the term');
  // Idf values that round differently in another order: two tables whose terms were met in
  // opposite orders give the same mass, overlap and Jaccard, bit for bit.
  const weights = new Map(terms.map((t, k) => [t, k === 0 ? 1 : 0.6e-16 * (1 + k / 10)]));
  const q7 = terms.slice(0, 7).map((t) => weights.get(t)!);
  assert.notEqual(q7.reduce((x, y) => x + y, 0), [...q7].reverse().reduce((x, y) => x + y, 0), 'these weights round differently in the two orders');
  const table = (order: string[]) => new IdfTable(100, new Map(order.map((t) => [t, weights.get(t)!])));
  const [a, b] = [table(terms), table(reversed)];
  const q = terms.slice(0, 7), n = terms.slice(2);
  assert.equal(a.mass(q), b.mass(q));
  assert.equal(lexicalOverlap(q, n, a), lexicalOverlap(q, n, b));
  assert.equal(weightedJaccard(q, n, a), weightedJaccard(q, n, b));
});
