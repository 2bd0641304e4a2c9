/**
 * Generated datasets for the paired-sampling and stability tests: several
 * sources over the same queries, several triples per query, query and positive
 * texts spelled differently from line to line (case, white space, full-width
 * letters) so that only normalisation puts them in one group, precomputed
 * vectors so no model is needed. Also an independent statement of the sampling
 * rule (node:crypto SHA-256, its own normalisation and grouping) to check the
 * engine against.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gaussian, near, rng, unitVector } from './synthetic';

export interface GenTriple {
  /** Stable identity of the triple, whatever file or line it is written to. */
  id: string;
  source: string;
  /** The query group (index of the query). */
  q: number;
  query: string;
  positive: string;
  negative: string;
  qv: number[];
  pv: number[];
  nv: number[];
}

export interface GenSource {
  name: string;
  /** 'hard': negatives near the query, spread `spread`; 'easy': random directions. */
  kind: 'hard' | 'easy';
  spread?: number;
  /** Triples per query: 1 … maxPerQuery (drawn per query and source). */
  maxPerQuery: number;
}

/** Ways of spelling one text that normalise to the same string. */
function spelling(text: string, k: number): string {
  switch (k % 5) {
    case 0: return text;
    case 1: return text.toUpperCase();
    case 2: return `  ${text.replace(/ /g, ' \t ')}\u00a0`;
    // Full-width Latin letters and digits (NFKC maps them back to ASCII).
    case 3: return text.replace(/[A-Za-z0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    default: return text.replace(/ /g, '\u2003');
  }
}

export function pairedDataset(opts: { queries: number; sources: GenSource[]; seed: number; d?: number }): GenTriple[] {
  const d = opts.d ?? 16;
  const rand = rng(opts.seed);
  const qvs = Array.from({ length: opts.queries }, () => unitVector(rand, d));
  const pvs = qvs.map((q) => near(rand, q, 0.15));
  const out: GenTriple[] = [];
  let spell = 0;
  for (const s of opts.sources) {
    for (let q = 0; q < opts.queries; q++) {
      const count = 1 + Math.floor(rand() * s.maxPerQuery);
      for (let k = 0; k < count; k++) {
        const spread = (s.spread ?? 0.25) * (0.8 + 0.4 * rand());
        const nv = s.kind === 'hard' ? near(rand, qvs[q], spread) : unitVector(rand, d);
        out.push({
          id: `${s.name}/${q}/${k}`, source: s.name, q,
          query: spelling(`What is topic ${q} about`, spell++),
          positive: spelling(`Topic ${q} is about subject ${q * 7 % 13}`, spell++),
          negative: `${s.name} negative ${k} for topic ${q}, on subject ${(q + k + Math.floor(gaussian(rand) * 3)) % 11}`,
          qv: qvs[q], pv: pvs[q], nv,
        });
      }
    }
  }
  return out;
}

export function tripleLine(t: GenTriple): string {
  return JSON.stringify({ query: t.query, positive: t.positive, negative: t.negative, query_embedding: t.qv, positive_embedding: t.pv, negative_embedding: t.nv });
}

/** A Fisher–Yates shuffle by a seeded generator. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rand = rng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Where each written triple is: file name and 1-based line → triple id. */
export type Layout = Map<string, string>;

/**
 * Writes `files` (name → triples, in line order) into `dir` with a config of the
 * given sources (name → its file names, or a union), and returns the layout.
 */
export function writeDataset(
  dir: string,
  files: Record<string, readonly GenTriple[]>,
  sources: { name: string; files?: string[]; union?: string[] }[],
  settings: Record<string, unknown>,
): Layout {
  mkdirSync(dir, { recursive: true });
  const layout: Layout = new Map();
  for (const [name, triples] of Object.entries(files)) {
    writeFileSync(join(dir, name), triples.map(tripleLine).join('\n') + '\n');
    triples.forEach((t, k) => layout.set(`${name}:${k + 1}`, t.id));
  }
  writeFileSync(join(dir, 'eci.config.jsonc'), JSON.stringify({ encoder: { kind: 'precomputed' }, ...settings, sources }, null, 2));
  return layout;
}

// ---- the sampling rule, stated independently of the engine ----

/** norm(): NFKC, lower case, runs of white space to one space, trimmed. */
export function norm(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** H(x₁, …, x_m): the first 8 bytes of SHA-256 of the UTF-8 of the parts joined by NUL, big-endian. */
export function H(...parts: (string | number)[]): bigint {
  return createHash('sha256').update(Buffer.from(parts.map(String).join('\u0000'), 'utf8')).digest().readBigUInt64BE(0);
}

export interface Located { t: GenTriple; file: string; line: number }

const byLocation = (x: Located, y: Located) => (x.file < y.file ? -1 : x.file > y.file ? 1 : x.line - y.line);
const cmp = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

/** The ids of the N triples a source samples (its triples with their locations). */
export function expectedSample(triples: readonly Located[], sampleSize: number, seed: number): Set<string> {
  const groups = new Map<string, Located[]>();
  for (const x of triples) {
    const q = norm(x.t.query);
    if (!groups.has(q)) groups.set(q, []);
    groups.get(q)!.push(x);
  }
  const keyed: { x: Located; key: bigint }[] = [];
  for (const [q, members] of groups) {
    const order = members.map((x) => ({ x, h: H(seed, q, norm(x.t.positive), norm(x.t.negative)) }));
    order.sort((a, b) => cmp(a.h, b.h) || byLocation(a.x, b.x));
    order.forEach(({ x }, j) => keyed.push({ x, key: H(seed, q, j) }));
  }
  keyed.sort((a, b) => cmp(a.key, b.key) || byLocation(a.x, b.x));
  return new Set(keyed.slice(0, Math.min(sampleSize, keyed.length)).map((k) => k.x.t.id));
}
