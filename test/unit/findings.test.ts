/**
 * Findings (spec §4) at their exact thresholds, severities, source findings,
 * ranking, and the reproducible sampler.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redundantFlags, scoreSource } from '../../server/src/core/eci';
import { describeFinding, FINDING_BIT, severityOf, sourceFindings, tripleFindingMask, tripleFindings, type TripleFindingInput } from '../../server/src/core/findings';
import { evaluateTriple, TripleEvaluations, type TripleScalars } from '../../server/src/core/aggregate';
import { TRIPLE_FINDINGS } from '../../server/src/core/types';
import { rankSources } from '../../server/src/core/ranking';
import { Rng, hashString } from '../helpers/rng';
import { DEFAULT_THRESHOLDS, defaultSettings } from '../../server/src/core/settings';
import type { FindingId } from '../../server/src/core/types';

const th = defaultSettings().thresholds;
/** A triple that triggers nothing: not a duplicate, hard enough, consistent, semantically (not lexically) hard. */
const clean: TripleFindingInput = { textDuplicate: false, c: 0.5, jaccard: 0.1, t: 0.9, l: 0.5, r: 0.8 };
const f = (over: Partial<TripleFindingInput>) => tripleFindings({ ...clean, ...over }, th);

test('defaults are the spec values', () => {
  assert.deepEqual({ ...DEFAULT_THRESHOLDS }, {
    duplicateCosine: 0.98, nearDuplicateJaccard: 0.5, falseNegativeT: 0.25, tooEasyL: 0.05, lexicalOnlyR: 0.2,
    redundantGainRatio: 0.1, redundantCosine: 0.98, lowDiversity: 0.3, manyFalseNegativesShare: 0.1, stableAgreement: 0.8,
  });
  assert.deepEqual(f({}), []);
});

test('duplicate-of-positive: text match, or c ≥ 0.98 (boundary included)', () => {
  assert.deepEqual(f({ c: 0.98 }), ['duplicate-of-positive']);
  assert.deepEqual(f({ c: 0.9799999 }), []);
  assert.deepEqual(f({ c: 1 }), ['duplicate-of-positive']);
  assert.deepEqual(f({ textDuplicate: true, c: 0.1 }), ['duplicate-of-positive']);
});

test('near-duplicate-of-positive: J ≥ 0.5 and not a duplicate', () => {
  assert.deepEqual(f({ jaccard: 0.5 }), ['near-duplicate-of-positive']);
  assert.deepEqual(f({ jaccard: 0.4999999 }), []);
  assert.deepEqual(f({ jaccard: 0.9, c: 0.98 }), ['duplicate-of-positive']);
  assert.deepEqual(f({ jaccard: 1, textDuplicate: true }), ['duplicate-of-positive']);
});

test('likely-false-negative: t < 0.25 (boundary excluded)', () => {
  assert.deepEqual(f({ t: 0.25 }), []);
  assert.deepEqual(f({ t: 0.2499999 }), ['likely-false-negative']);
  assert.deepEqual(f({ t: 0 }), ['likely-false-negative']);
});

test('too-easy: l < 0.05; lexical-only: r < 0.2 and l ≥ 0.05', () => {
  assert.deepEqual(f({ l: 0.05 }), []);
  assert.deepEqual(f({ l: 0.0499999 }), ['too-easy']);
  assert.deepEqual(f({ r: 0.2 }), []);
  assert.deepEqual(f({ r: 0.1999999 }), ['lexical-only']);
  assert.deepEqual(f({ r: 0.1999999, l: 0.05 }), ['lexical-only']);
  assert.deepEqual(f({ r: 0.05, l: 0.0499999 }), ['too-easy']);
});

test('several findings come in the fixed order of TRIPLE_FINDINGS', () => {
  assert.deepEqual(f({ c: 0.99, t: 0.1, r: 0.1 }), ['duplicate-of-positive', 'likely-false-negative', 'lexical-only']);
  assert.deepEqual(f({ jaccard: 0.7, t: 0.01, l: 0.01, r: 0.05 }), ['near-duplicate-of-positive', 'likely-false-negative', 'too-easy']);
  // Thresholds are settings: a stricter duplicate cosine moves the boundary.
  assert.deepEqual(tripleFindings({ ...clean, c: 0.97 }, { ...th, duplicateCosine: 0.95 }), ['duplicate-of-positive']);
});

test('severities', () => {
  const expected: Record<FindingId, string> = {
    'duplicate-of-positive': 'error',
    'near-duplicate-of-positive': 'warning',
    'likely-false-negative': 'warning',
    'low-diversity': 'warning',
    'many-false-negatives': 'warning',
    'under-sampled': 'warning',
    'tied-with-next': 'information',
    'too-easy': 'information',
    'lexical-only': 'information',
    redundant: 'information',
  };
  for (const [id, sev] of Object.entries(expected)) assert.equal(severityOf(id as FindingId), sev, id);
});

test('every finding has a one-line plain-words description', () => {
  const ids: FindingId[] = ['duplicate-of-positive', 'near-duplicate-of-positive', 'likely-false-negative', 'too-easy',
    'lexical-only', 'redundant', 'low-diversity', 'many-false-negatives', 'under-sampled', 'tied-with-next'];
  const seen = new Set<string>();
  for (const id of ids) {
    const text = describeFinding(id);
    assert.ok(text.length > 20 && !text.includes('\n'), id);
    seen.add(text);
  }
  assert.equal(seen.size, ids.length);
  assert.match(describeFinding('near-duplicate-of-positive'), /you decide/);
});

test('source findings: under-sampled, low-diversity, many-false-negatives at their boundaries', () => {
  const base = { size: 1000, n: 1000, sampleSize: 1000, diversity: 0.5, falseNegativeLike: 0 };
  assert.deepEqual(sourceFindings(base, th), []);
  assert.deepEqual(sourceFindings({ ...base, size: 999, n: 999 }, th), ['under-sampled']);
  assert.deepEqual(sourceFindings({ ...base, diversity: 0.3 }, th), []);
  assert.deepEqual(sourceFindings({ ...base, diversity: 0.2999999 }, th), ['low-diversity']);
  assert.deepEqual(sourceFindings({ ...base, falseNegativeLike: 100 }, th), []); // exactly 10%: not more than
  assert.deepEqual(sourceFindings({ ...base, falseNegativeLike: 101 }, th), ['many-false-negatives']);
  assert.deepEqual(sourceFindings({ size: 0, n: 0, sampleSize: 1000, diversity: 1, falseNegativeLike: 0 }, th), ['under-sampled']);
  assert.deepEqual(sourceFindings({ size: 40, n: 40, sampleSize: 1000, diversity: 0.1, falseNegativeLike: 5 }, th),
    ['low-diversity', 'many-false-negatives', 'under-sampled']);
});

// ---------- redundant ----------

const e = (k: number, d = 4) => Float64Array.from({ length: d }, (_, j) => (j === k ? 1 : 0));

test('redundant: 25 copies of one direction are redundant, the lone orthogonal one and zero vectors are not', () => {
  const units = [...Array.from({ length: 25 }, () => e(0)), e(1), new Float64Array(4)];
  const weights = new Float64Array(27).fill(0.5);
  const s = scoreSource(units, weights, 1);
  // Copies: g = ln((1 + 25/2)/(1 + 24/2)) = ln(13.5/13) ≈ 0.0377 < 0.1·0.5; the orthogonal one: ln 1.5.
  assert.ok(Math.abs(s.gain[0] - Math.log(13.5 / 13)) < 1e-12);
  assert.ok(Math.abs(s.gain[25] - Math.log(1.5)) < 1e-12);
  assert.equal(s.gain[26], 0);
  const flags = redundantFlags(units, weights, s.gain, th);
  assert.deepEqual(Array.from(flags), [...new Array(25).fill(1), 0, 0]);
  // Fewer copies: g = ln(6.5/6) ≈ 0.080 ≥ 0.05 → not redundant.
  const few = units.slice(0, 11);
  const sf = scoreSource(few, weights.subarray(0, 11), 1);
  assert.deepEqual(Array.from(redundantFlags(few, weights.subarray(0, 11), sf.gain, th)), new Array(11).fill(0));
});

test('redundant: gain boundary (g < ratio·w is strict) and cosine boundary (≥ is inclusive)', () => {
  const units = [e(0, 2), Float64Array.from([3, 4])]; // cos = 3/5 exactly
  const weights = [0.5, 0.5];
  const gain = [0.01, 0.01];
  // ratio·w = 0.02·0.5 = 0.01 = g: not below.
  const at = { redundantGainRatio: 0.02, redundantCosine: 0.6 };
  assert.deepEqual(Array.from(redundantFlags(units, weights, gain, at)), [0, 0]);
  assert.deepEqual(Array.from(redundantFlags(units, weights, gain, { ...at, redundantGainRatio: 0.0200001 })), [1, 1]);
  assert.deepEqual(Array.from(redundantFlags(units, weights, gain, { redundantGainRatio: 1, redundantCosine: 0.6000001 })), [0, 0]);
  // Only one unit passes the gain test: only it is flagged (the partner need not be low-gain).
  assert.deepEqual(Array.from(redundantFlags(units, weights, [0.01, 0.4], { redundantGainRatio: 0.1, redundantCosine: 0.6 })), [1, 0]);
  // A lone triple has no partner; a zero-weight one never has g < 0.
  assert.deepEqual(Array.from(redundantFlags([e(0, 2)], [0.5], [0], th)), [0]);
  assert.deepEqual(Array.from(redundantFlags([e(0, 2), e(0, 2)], [0, 0], [0, 0], th)), [0, 0]);
});

test('redundant: group keys restrict partners to the same group', () => {
  const units = [e(0), e(0), e(0)];
  const gain = [0, 0, 0];
  const weights = [0.5, 0.5, 0.5];
  assert.deepEqual(Array.from(redundantFlags(units, weights, gain, th, ['q1', 'q2', 'q1'])), [1, 0, 1]);
  assert.deepEqual(Array.from(redundantFlags(units, weights, gain, th)), [1, 1, 1]);
});

// ---------- ranking ----------

test('ranking: within group, eci descending, ties by name, NaN last; duplicate names rejected', () => {
  const ranks = rankSources([
    { name: 'Random', group: 'plain', eci: 3.5 },
    { name: 'BM25', group: 'plain', eci: 12.7 },
    { name: 'Dense', group: 'plain', eci: 12.7 },
    { name: 'Dense+LLM', group: 'hybrid', eci: 20 },
    { name: 'BM25+Dense', group: 'hybrid', eci: 25 },
    { name: 'Broken', group: 'plain', eci: NaN },
    { name: 'LLM', group: 'plain', eci: 14 },
  ]);
  assert.deepEqual(Object.fromEntries(ranks), {
    LLM: 1, BM25: 2, Dense: 3, Random: 4, Broken: 5, 'BM25+Dense': 1, 'Dense+LLM': 2,
  });
  // Name order is code-unit order (uppercase before lowercase), not the locale's.
  const tie = rankSources([{ name: 'b', group: 'plain', eci: 1 }, { name: 'B', group: 'plain', eci: 1 }]);
  assert.equal(tie.get('B'), 1);
  assert.equal(tie.get('b'), 2);
  assert.equal(rankSources([]).size, 0);
  assert.throws(() => rankSources([{ name: 'x', group: 'plain', eci: 1 }, { name: 'x', group: 'hybrid', eci: 2 }]), /duplicate/);
});

// ---------- the test-data PRNG (paired hash sampling has its own tests: sampling.test.ts) ----------

test('PRNG: FNV-1a vectors and xoshiro128** outputs match the reference C implementation', () => {
  assert.equal(hashString(''), 0x811c9dc5);
  assert.equal(hashString('a'), 0xe40c292c);
  assert.equal(hashString('foobar'), 0xbf9cf968);
  const rng = new Rng(13, 'BM25');
  assert.deepEqual([0, 1, 2, 3, 4].map(() => rng.nextUint32()), [3392538500, 3528595854, 2959870731, 3536421731, 2026176754]);
  const u = new Rng(1, 'x');
  for (let i = 0; i < 1000; i++) {
    const x = u.nextFloat();
    assert.ok(x >= 0 && x < 1);
    const k = u.nextBelow(7);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 7);
  }
});


test('a run\'s per-triple evaluations equal evaluateTriple for every triple: factors bit for bit, the mask its findings', () => {
  const rng = new Rng(hashString('evaluations'));
  const n = 3000;
  // Cosines, overlaps and Jaccards spread across every threshold, duplicates included.
  const col = () => Float64Array.from({ length: n }, () => rng.nextFloat() * 2 - 1);
  const a = col(), b = col(), c = Float64Array.from(col(), (x) => (x > 0.9 ? 0.99 : x));
  const ov = Float64Array.from({ length: n }, () => rng.nextFloat()), jac = Float64Array.from({ length: n }, () => rng.nextFloat());
  const dup = Uint8Array.from({ length: n }, () => (rng.nextFloat() < 0.05 ? 1 : 0));
  const table: TripleScalars = {
    length: n, a: (i) => a[i], b: (i) => b[i], c: (i) => c[i], ov: (i) => ov[i], jaccard: (i) => jac[i], textDuplicate: (i) => dup[i] === 1,
  };
  const settings = defaultSettings();
  const ev = new TripleEvaluations(table, settings);
  const seen = new Set<number>();
  for (let i = n - 1; i >= 0; i--) {
    const e = evaluateTriple(table, i, settings);
    if (i % 3 === 0) ev.at(i); // weight and mask first, factors after: the same bits either way
    ev.factorsOf(i);
    assert.ok(Object.is(ev.t, e.t) && Object.is(ev.l, e.l) && Object.is(ev.r, e.r) && Object.is(ev.w[i], e.w), `factors of triple ${i}`);
    assert.deepEqual(TRIPLE_FINDINGS.filter((f) => ev.mask[i] & FINDING_BIT[f]), e.findings, `findings of triple ${i}`);
    seen.add(ev.mask[i]);
  }
  assert.ok(seen.size >= 6, `the data reaches several finding combinations (${seen.size})`);
  assert.equal(tripleFindingMask({ ...clean, textDuplicate: true, t: 0.1 }, th), FINDING_BIT['duplicate-of-positive'] | FINDING_BIT['likely-false-negative']);
});
