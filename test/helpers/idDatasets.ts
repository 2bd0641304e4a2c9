/**
 * One small retrieval dataset with precomputed vectors, written in each layout
 * the engine reads: flat JSONL triples, MS MARCO id TSV + collection, the
 * sentence-transformers hard-negatives `.jsonl.gz` (negatives by system), BEIR
 * (corpus.jsonl / queries.jsonl / qrels), with the vectors as aligned `.npy`
 * matrices. The same triples in the same order, so scores must be identical.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { near, rng, unitVector } from './synthetic';

export const SYSTEMS = ['bm25', 'dense', 'random'] as const;

export interface Dataset {
  queries: { id: number; text: string; vector: number[] }[];
  passages: { id: number; text: string; vector: number[] }[];
  /** Per query: its positive pid and its negative pids by system, in order. */
  items: { qid: number; pos: number; neg: Record<string, number[]> }[];
}

const f32 = (v: number[]) => v.map((x) => Math.fround(x));

export function makeDataset(queries = 12, negativesPerSystem = 3, d = 16, seed = 7): Dataset {
  const rand = rng(seed);
  const ds: Dataset = { queries: [], passages: [], items: [] };
  let pid = 1000;
  const passage = (text: string, vector: number[]) => {
    ds.passages.push({ id: pid, text, vector: f32(vector) });
    return pid++;
  };
  for (let i = 0; i < queries; i++) {
    const q = unitVector(rand, d);
    const qid = 500 + i;
    ds.queries.push({ id: qid, text: `what is topic ${i} about ${i % 5}`, vector: f32(q) });
    const pos = passage(`topic ${i} is about subject ${i % 5} and more`, near(rand, q, 0.15));
    const neg: Record<string, number[]> = {};
    for (const sys of SYSTEMS) {
      neg[sys] = [];
      for (let k = 0; k < negativesPerSystem; k++) {
        const v = sys === 'random' ? unitVector(rand, d) : near(rand, q, sys === 'bm25' ? 0.35 : 0.25);
        neg[sys].push(passage(`${sys} passage ${k} for topic ${i} on theme ${(i * 3 + k) % 7}`, v));
      }
    }
    // The public hard-negatives file has this: a negative that is the positive itself.
    if (i === 0) neg.bm25[1] = pos;
    ds.items.push({ qid, pos, neg });
  }
  // Passages no triple references (a corpus is bigger than its triples).
  for (let k = 0; k < 5; k++) passage(`unrelated passage ${k}`, unitVector(rand, d));
  return ds;
}

export function npyBytes(rows: number[][], dtype: '<f4' | '<f2' | '<f8' = '<f4', version = 1): Buffer {
  const dim = rows[0]?.length ?? 0;
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': (${rows.length}, ${dim}), }`;
  const lenBytes = version === 1 ? 2 : 4;
  const pad = 64 - ((8 + lenBytes + header.length + 1) % 64);
  header = header + ' '.repeat(pad % 64) + '\n';
  const pre = Buffer.alloc(8 + lenBytes);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(pre);
  if (version === 1) pre.writeUInt16LE(header.length, 8); else pre.writeUInt32LE(header.length, 8);
  const size = dtype === '<f8' ? 8 : dtype === '<f4' ? 4 : 2;
  const data = Buffer.alloc(rows.length * dim * size);
  rows.forEach((r, i) => r.forEach((x, k) => {
    const at = (i * dim + k) * size;
    if (size === 4) data.writeFloatLE(x, at);
    else if (size === 8) data.writeDoubleLE(x, at);
    else data.writeUInt16LE(toHalf(x), at);
  }));
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), data]);
}

function toHalf(x: number): number {
  const f = new Float32Array([x]);
  const i = new Uint32Array(f.buffer)[0];
  const s = (i >>> 16) & 0x8000;
  const e = ((i >>> 23) & 0xff) - 127 + 15;
  const m = i & 0x7fffff;
  if (e <= 0) return s;
  if (e >= 31) return s | 0x7c00;
  return s | (e << 10) | Math.round(m / 8192);
}

/** Every triple in reading order: per query, per system, per negative. */
export function triplesOf(ds: Dataset): { qid: number; pos: number; neg: number; source: string }[] {
  const out = [];
  for (const it of ds.items) for (const sys of SYSTEMS) for (const n of it.neg[sys]) out.push({ qid: it.qid, pos: it.pos, neg: n, source: sys });
  return out;
}

/** Writes every layout under `dir`; returns the paths by layout. */
export function writeLayouts(ds: Dataset, dir: string) {
  mkdirSync(join(dir, 'qrels'), { recursive: true });
  const q = new Map(ds.queries.map((x) => [x.id, x]));
  const p = new Map(ds.passages.map((x) => [x.id, x]));
  const triples = triplesOf(ds);
  const w = (name: string, data: string | Buffer) => { writeFileSync(join(dir, name), data); return join(dir, name); };
  const flat = w('flat.jsonl', triples.map((t) => JSON.stringify({
    query: q.get(t.qid)!.text, positive: p.get(t.pos)!.text, negative: p.get(t.neg)!.text, source: t.source,
    query_embedding: q.get(t.qid)!.vector, positive_embedding: p.get(t.pos)!.vector, negative_embedding: p.get(t.neg)!.vector,
  })).join('\n') + '\n');
  const collection = w('collection.tsv', ds.passages.map((x) => `${x.id}\t${x.text}`).join('\n') + '\n');
  const queriesTsv = w('queries.tsv', ds.queries.map((x) => `${x.id}\t${x.text}`).join('\n') + '\n');
  const corpusNpy = w('corpus.npy', npyBytes(ds.passages.map((x) => x.vector)));
  const queriesNpy = w('queries.npy', npyBytes(ds.queries.map((x) => x.vector)));
  const idTsv = w('triples.tsv', triples.map((t) => `${t.qid}\t${t.pos}\t${t.neg}\t${t.source}`).join('\n') + '\n');
  const hard = w('hard-negatives.jsonl.gz', gzipSync(ds.items.map((it) => JSON.stringify({ qid: it.qid, pos: [it.pos], neg: it.neg })).join('\n') + '\n'));
  const qrels = w('qrels/train.tsv', 'query-id\tcorpus-id\tscore\n' + ds.items.map((it) => `${it.qid}\t${it.pos}\t1`).join('\n') + '\n');
  const trec = w('qrels.train.tsv', ds.items.map((it) => `${it.qid} 0 ${it.pos} 1`).join('\n') + '\n');
  const beirCorpus = w('corpus.jsonl', ds.passages.map((x, i) => {
    // BEIR joins title and text with a space: split some texts at their first space.
    const cut = x.text.indexOf(' ');
    return JSON.stringify(i % 2 === 0 ? { _id: String(x.id), title: x.text.slice(0, cut), text: x.text.slice(cut + 1) } : { _id: String(x.id), title: '', text: x.text });
  }).join('\n') + '\n');
  const beirQueries = w('queries.jsonl', ds.queries.map((x) => JSON.stringify({ _id: String(x.id), text: x.text, metadata: {} })).join('\n') + '\n');
  const beirNegatives = w('beir-negatives.jsonl', ds.items.map((it) => JSON.stringify({ query_id: String(it.qid), neg: Object.fromEntries(SYSTEMS.map((s) => [s, it.neg[s].map(String)])) })).join('\n') + '\n');
  return { flat, collection, queriesTsv, corpusNpy, queriesNpy, idTsv, hard, qrels, trec, beirCorpus, beirQueries, beirNegatives };
}
