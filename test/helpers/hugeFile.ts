/**
 * A generator of very large triple files (≈ 1 GB) for the huge-file reliability test:
 * JSONL, one triple per line, with precomputed vectors, written through a stream in
 * blocks so that the generator's own memory stays a few megabytes whatever the size.
 *
 * Every line is different and every passage text is distinct (each carries the triple's
 * number as a word), so everything the analysis keeps per distinct passage (digests of
 * passages, document frequencies of their terms) grows with the file: the worst case
 * for memory. Words come from a fixed seeded vocabulary with a Zipf-like draw, so the
 * texts look like text to the lexical side (shared terms, IDF spread). Vectors are
 * written at full double precision, as a JSON dump of numpy arrays has them: the
 * positive near the query, the negative near it at one of several distances (hard to
 * easy), in `dim` dimensions; the engine normalises them. They come from a seeded pool
 * (see below), so a gigabyte is written in about 20 s.
 *
 * Deterministic: the same options give the same bytes.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { Rng } from './rng';

export interface HugeFileOptions {
  path: string;
  /** Stop after the line that takes the file to at least this many bytes. */
  minBytes: number;
  seed: number;
  /** Vector dimension (small: vectors are cheap to parse, texts are what costs memory). */
  dim?: number;
  /** Words per query and per passage: [min, max]. */
  queryWords?: [number, number];
  passageWords?: [number, number];
  /** Value of each record's "source" field (the config may ignore it). */
  source?: string;
}

export interface HugeFileInfo {
  path: string;
  bytes: number;
  /** Lines = triples: one triple per line, all valid. */
  triples: number;
  /** Distinct positive and negative texts (each line brings two new ones). */
  distinctPassages: number;
  ms: number;
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'xe', 'zu', 'pra', 'dor', 'fen', 'gli', 'hum', 'qua', 'ber', 'sto', 'wyn', 'chi'];

function vocabulary(rng: Rng, size: number): string[] {
  const words = new Set<string>();
  while (words.size < size) {
    let w = '';
    const n = 1 + rng.nextBelow(4);
    for (let k = 0; k < n; k++) w += SYLLABLES[rng.nextBelow(SYLLABLES.length)];
    words.add(w);
  }
  return [...words];
}

/** Writes the file; resolves when it is flushed to disk. */
export async function writeHugeJsonl(opts: HugeFileOptions): Promise<HugeFileInfo> {
  const t0 = performance.now();
  const dim = opts.dim ?? 32;
  const qWords = opts.queryWords ?? [5, 10];
  const pWords = opts.passageWords ?? [24, 40];
  const rng = new Rng(opts.seed, 'huge-file');
  const vocab = vocabulary(rng, 20_000);
  // Zipf-like: index = floor(V · u^3) puts most draws on the first words.
  const word = () => vocab[Math.floor(vocab.length * rng.nextFloat() ** 3)];
  const words = (n: number) => {
    let s = word();
    for (let k = 1; k < n; k++) s += ' ' + word();
    return s;
  };
  // Vectors come from a seeded pool, formatted once: a query direction and, for each,
  // positives close to it and negatives from close (hard) to far (easy). Formatting
  // numbers is most of the cost of writing a gigabyte; the analysis keeps no vector of
  // an unsampled triple, so repeating pool vectors costs it nothing it would not pay anyway.
  const POOL = 1024;
  const gauss = (n: number) => Float64Array.from({ length: n }, () => rng.nextGaussian());
  const fmt = (v: Float64Array) => '[' + Array.from(v, (x) => String(x)).join(',') + ']';
  const near = (c: Float64Array, s: number) => fmt(c.map((x) => x + s * rng.nextGaussian()));
  const queries: string[] = [];
  const positives: string[][] = [];
  const negatives: string[][] = [];
  for (let j = 0; j < POOL; j++) {
    const c = gauss(dim);
    queries.push(fmt(c));
    positives.push([0.2, 0.3, 0.4].map((s) => near(c, s)));
    negatives.push([0.25, 0.4, 0.6, 0.9, 1.3, 2, 3, 5].map((s) => near(c, s)));
  }
  const source = JSON.stringify(opts.source ?? 'huge');

  const out = createWriteStream(opts.path, { highWaterMark: 1 << 22 });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  let bytes = 0;
  let triples = 0;
  let block: string[] = [];
  let blockBytes = 0;
  while (bytes + blockBytes < opts.minBytes) {
    const i = triples++;
    const query = `${words(qWords[0] + rng.nextBelow(qWords[1] - qWords[0] + 1))} ${i}?`;
    const positive = `Passage ${i}. ${words(pWords[0] + rng.nextBelow(pWords[1] - pWords[0] + 1))}.`;
    const negative = `Other passage ${i}: ${words(pWords[0] + rng.nextBelow(pWords[1] - pWords[0] + 1))}.`;
    const j = rng.nextBelow(POOL);
    const qv = queries[j];
    const pv = positives[j][rng.nextBelow(3)];
    const nv = negatives[j][rng.nextBelow(8)];
    // Texts hold only ASCII letters, digits and punctuation that needs no escaping.
    const line = `{"query":"${query}","positive":"${positive}","negative":"${negative}","source":${source},"query_embedding":${qv},"positive_embedding":${pv},"negative_embedding":${nv}}\n`;
    block.push(line);
    blockBytes += line.length;
    if (blockBytes >= 1 << 22) {
      bytes += blockBytes;
      if (!out.write(block.join(''))) await Promise.race([once(out, 'drain'), failed]);
      block = [];
      blockBytes = 0;
    }
  }
  bytes += blockBytes;
  out.end(block.join(''));
  await Promise.race([once(out, 'finish'), failed]);
  return { path: opts.path, bytes, triples, distinctPassages: 2 * triples, ms: performance.now() - t0 };
}
