#!/usr/bin/env node
// Writes the example dataset of ../data in the layout MS MARCO and the
// sentence-transformers hard-negatives file use: everything by id.
//
//   node examples/msmarco-style/make-data.mjs
//
// Reads examples/data/{bm25,dense,llm,random}.jsonl (line k = query k) and writes:
//   collection.tsv            pid<TAB>passage, every distinct passage once (pids from 7000)
//   queries.train.tsv         qid<TAB>query (qids from 100)
//   qrels.train.tsv           TREC qrels: qid 0 pid 1
//   hard-negatives.jsonl.gz   {"qid", "pos": [pid], "neg": {"bm25": [pid], "dense": [pid], "llm": [pid]}}
//   qidpidtriples.sample.tsv  qid<TAB>pos_pid<TAB>neg_pid: the Random source
// A negative with the same text as its positive (the planted exact duplicates of
// the LLM source) gets the positive's pid, as in the public hard-negatives file.
// Deterministic: a rerun gives byte-identical files (gzip with a fixed header).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const HERE = dirname(fileURLToPath(import.meta.url));
const read = (name) => readFileSync(join(HERE, '..', 'data', `${name}.jsonl`), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
const sources = { bm25: read('bm25'), dense: read('dense'), llm: read('llm'), random: read('random') };
const n = sources.bm25.length;

const pids = new Map();
const passage = (text) => {
  if (!pids.has(text)) pids.set(text, 7000 + pids.size);
  return pids.get(text);
};
const tsvText = (t) => {
  if (/[\t\r\n]/.test(t)) throw new Error(`a text with a tab or line break cannot be a TSV column: ${t.slice(0, 40)}`);
  return t;
};
const queries = [];
const hard = [];
const random = [];
for (let k = 0; k < n; k++) {
  const { query, positive } = sources.bm25[k];
  for (const s of Object.values(sources)) {
    if (s[k].query !== query || s[k].positive !== positive) throw new Error(`line ${k + 1}: the sources disagree on the query or positive`);
  }
  const qid = 100 + k;
  queries.push(`${qid}\t${tsvText(query)}`);
  const pos = passage(positive);
  hard.push(JSON.stringify({ qid, pos: [pos], neg: { bm25: [passage(sources.bm25[k].negative)], dense: [passage(sources.dense[k].negative)], llm: [passage(sources.llm[k].negative)] } }));
  random.push(`${qid}\t${pos}\t${passage(sources.random[k].negative)}`);
}
const write = (name, data) => writeFileSync(join(HERE, name), data);
write('collection.tsv', [...pids].map(([text, pid]) => `${pid}\t${tsvText(text)}`).join('\n') + '\n');
write('queries.train.tsv', queries.join('\n') + '\n');
write('qrels.train.tsv', sources.bm25.map((_, k) => `${100 + k} 0 ${passage(sources.bm25[k].positive)} 1`).join('\n') + '\n');
// gzip's header holds a time stamp and an OS byte: fix both so the file is reproducible.
const gz = gzipSync(hard.join('\n') + '\n', { level: 9 });
gz.writeUInt32LE(0, 4);
gz[9] = 3;
write('hard-negatives.jsonl.gz', gz);
write('qidpidtriples.sample.tsv', random.join('\n') + '\n');
console.log(`${n} queries, ${pids.size} passages`);
