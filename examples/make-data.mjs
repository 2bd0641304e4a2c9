#!/usr/bin/env node
// Regenerates the example dataset of eci-sem from the texts in items.jsonl.
//
//   node examples/make-data.mjs
//
// Writes examples/data/{bm25,dense,llm,random}.jsonl (one flat triple per line,
// line k = item k of items.jsonl) and examples/malformed.jsonl. The output is
// fully deterministic: running it twice gives byte-identical files.
//
// Domain: everyday Linux / Unix command-line tools (coreutils, findutils, grep,
// tar, ssh, git, systemd, apt, ...). items.jsonl holds one item per line, a JSON
// object with these fields:
//   id, tool     - query id (q01..q60) and the tool it is about (used so that the
//                  Random source never pairs two questions about the same tool)
//   query        - a user question
//   positive     - a passage that answers it
//   bm25         - lexical look-alike: shares the query's words, does not answer
//   dense        - semantic neighbour on a nearby topic, does not answer ...
//   denseAnswers - ... except where this is set: a planted false negative
//   llm          - edits applied to the positive to make an LLM-style hard
//                  negative: [[from, to], ...], each `from` must occur exactly once
//   llmDup       - instead of edits: a planted duplicate of the positive
//                  ('exact' | 'whitespace' | 'case' | 'drop-sentence')

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ITEMS = readFileSync(join(HERE, 'items.jsonl'), 'utf8')
  .split('\n')
  .map((line, k) => {
    if (!line.trim()) return null;
    try {
      return JSON.parse(line);
    } catch (err) {
      throw new Error(`items.jsonl line ${k + 1}: ${err.message}`);
    }
  })
  .filter((item) => item !== null);

// ---------------------------------------------------------------------------

/** Replace the single occurrence of `from` in `text` (no `$` patterns, no regex). */
function replaceOnce(text, from, to, where) {
  const at = text.indexOf(from);
  if (at < 0) throw new Error(`${where}: edit source not found: ${JSON.stringify(from)}`);
  if (text.indexOf(from, at + 1) >= 0) throw new Error(`${where}: edit source occurs twice: ${JSON.stringify(from)}`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/** The kind of normalisation a duplicate check would apply: case and whitespace. */
const loose = (s) => s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();

function llmNegative(item) {
  const p = item.positive;
  switch (item.llmDup) {
    case 'exact':
      return p;
    case 'whitespace': // doubled spaces after every sentence and a trailing space
      return p.replace(/\. /g, '.  ') + ' ';
    case 'case': // the whole passage lower-cased
      return p.toLowerCase();
    case 'drop-sentence': { // the positive without its shortest sentence (never the first)
      const sentences = p.match(/[^.!?]+(?:[.!?](?=\s|$))+\s*/g);
      if (!sentences || sentences.length < 3 || sentences.join('') !== p) throw new Error(`${item.id}: cannot split into sentences`);
      let drop = 1;
      for (let k = 2; k < sentences.length; k++) if (sentences[k].length < sentences[drop].length) drop = k;
      return sentences.filter((_, k) => k !== drop).join('').trim();
    }
    case undefined: {
      let n = p;
      for (const [from, to] of item.llm) n = replaceOnce(n, from, to, item.id);
      return n;
    }
    default:
      throw new Error(`${item.id}: unknown llmDup ${item.llmDup}`);
  }
}

/** mulberry32: a small seeded PRNG so the Random source is reproducible. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** partner[i] = index of the query whose positive becomes query i's random negative. */
function randomPartners(items, seed) {
  const rand = prng(seed);
  const n = items.length;
  const perm = [...Array(n).keys()];
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const bad = (i) => perm[i] === i || items[perm[i]].tool === items[i].tool;
  // Repair: swap a bad slot with another slot such that both become fine.
  for (let pass = 0; pass < 10 && perm.some((_, i) => bad(i)); pass++) {
    for (let i = 0; i < n; i++) {
      if (!bad(i)) continue;
      for (let k = 1; k < n; k++) {
        const j = (i + k) % n;
        [perm[i], perm[j]] = [perm[j], perm[i]];
        if (!bad(i) && !bad(j)) break;
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
    }
  }
  if (perm.some((_, i) => bad(i))) throw new Error('could not build a random pairing');
  return perm;
}

const words = (s) => s.split(/\s+/).filter(Boolean).length;

function check(items) {
  const ids = new Set();
  for (const it of items) {
    if (ids.has(it.id)) throw new Error(`duplicate id ${it.id}`);
    ids.add(it.id);
    for (const key of ['query', 'positive', 'bm25', 'dense']) {
      if (typeof it[key] !== 'string' || !it[key].trim()) throw new Error(`${it.id}: empty ${key}`);
      if (/[\u0000-\u001f]/.test(it[key])) throw new Error(`${it.id}: control character in ${key}`);
    }
    const qw = words(it.query);
    const pw = words(it.positive);
    if (qw < 6 || qw > 14) throw new Error(`${it.id}: query has ${qw} words`);
    if (pw < 40 || pw > 90) throw new Error(`${it.id}: positive has ${pw} words`);
    if (!!it.llm === !!it.llmDup) throw new Error(`${it.id}: needs exactly one of llm / llmDup`);
    const n = llmNegative(it);
    // Unplanted LLM negatives must really differ from the positive after case and
    // whitespace folding (a -i / -I swap alone would read as a duplicate).
    if (!it.llmDup && loose(n) === loose(it.positive)) throw new Error(`${it.id}: LLM edit vanishes under case folding`);
  }
}

function main() {
  check(ITEMS);
  const partner = randomPartners(ITEMS, 13);
  const triple = (it, negative, source) =>
    JSON.stringify({ query: it.query, positive: it.positive, negative, source });

  const files = {
    'data/bm25.jsonl': ITEMS.map((it) => triple(it, it.bm25, 'BM25')),
    'data/dense.jsonl': ITEMS.map((it) => triple(it, it.dense, 'Dense')),
    'data/llm.jsonl': ITEMS.map((it) => triple(it, llmNegative(it), 'LLM')),
    'data/random.jsonl': ITEMS.map((it, i) => triple(it, ITEMS[partner[i]].positive, 'Random')),
  };

  // malformed.jsonl: good triples taken from the dataset, mixed with broken lines.
  // Keep this list in the order documented in examples/README.md.
  const good = (i) => triple(ITEMS[i], ITEMS[i].bm25, 'BM25');
  const it = ITEMS[2];
  const q = JSON.stringify(it.query);
  const p = JSON.stringify(it.positive);
  const n = JSON.stringify(it.bm25);
  files['malformed.jsonl'] = [
    good(0), //                                                                    1 ok
    `{"query": ${q}, "positive": ${p}, "negative": ${n}, "source": "BM25"`, //    2 missing closing brace
    good(1), //                                                                    3 ok
    `{"query": ${q}, "positive": ${p}, "negative": 42, "source": "BM25"}`, //     4 number as negative
    `{"query": "", "positive": ${p}, "negative": ${n}, "source": "BM25"}`, //     5 empty query
    good(3), //                                                                    6 ok
    `{"query": ${q}, "positive": ${p}, "source": "BM25"}`, //                     7 no negative
    `{"query": [${q}], "positive": ${p}, "negative": ${n}, "source": "BM25"}`, // 8 array as query
    `{"query": ${q}, "positive": null, "negative": ${n}, "source": "BM25"}`, //   9 null positive
    good(4), //                                                                   10 ok
    `{"query": ${q}, "positive": ${p}, "negative": ${n}, "source": "BM25",}`, // 11 trailing comma
    `{"query": ${q}, "positive": ${p}, "negative": "", "source": "BM25"}`, //    12 empty negative
    `[${q}, ${p}, ${n}]`, //                                                     13 array, not an object
    `{"query": ${q}, "positive": {"text": ${p}}, "negative": ${n}, "source": "BM25"}`, // 14 object as positive
    good(5), //                                                                   15 ok
  ];

  for (const [name, lines] of Object.entries(files)) {
    const path = join(HERE, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, lines.join('\n') + '\n');
  }

  // A short summary, so the line numbers in README.md can be checked by eye.
  const line = (id) => ITEMS.findIndex((x) => x.id === id) + 1;
  const fn = ITEMS.filter((x) => x.denseAnswers).map((x) => `${x.id} (line ${line(x.id)})`);
  const dup = ITEMS.filter((x) => x.llmDup).map((x) => `${x.id} (line ${line(x.id)}, ${x.llmDup})`);
  const stats = (key, get) => {
    const w = ITEMS.map(get).map(words);
    return `${key}: ${Math.min(...w)}-${Math.max(...w)} words`;
  };
  console.log(`${ITEMS.length} queries per source file`);
  console.log([
    stats('query', (x) => x.query),
    stats('positive', (x) => x.positive),
    stats('bm25', (x) => x.bm25),
    stats('dense', (x) => x.dense),
  ].join('; '));
  console.log(`dense.jsonl false negatives: ${fn.join(', ')}`);
  console.log(`llm.jsonl duplicates: ${dup.join(', ')}`);
  console.log(`random pairing: ${ITEMS.map((x, i) => `${x.id}<-${ITEMS[partner[i]].id}`).join(' ')}`);
}

main();
