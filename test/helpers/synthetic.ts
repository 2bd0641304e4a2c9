/** Seeded synthetic triples with precomputed vectors, for tests that need no model. */
import { Rng } from './rng';

export function rng(seed: number): () => number {
  const r = new Rng(seed, 'synthetic');
  return () => r.nextFloat();
}

export function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export function unitVector(rand: () => number, d: number): number[] {
  const v = Array.from({ length: d }, () => gaussian(rand));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/** x + s·noise, renormalised: a vector near x. */
export function near(rand: () => number, x: number[], s: number): number[] {
  const v = x.map((xi) => xi + s * gaussian(rand));
  const n = Math.hypot(...v);
  return v.map((y) => y / n);
}

export type Kind = 'hard' | 'easy' | 'duplicate';

/** One JSONL line per triple; `kind` decides where the negative lies. */
export function syntheticLines(source: string, count: number, kind: Kind, seed: number, d = 16): string[] {
  const rand = rng(seed);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const q = unitVector(rand, d);
    const p = near(rand, q, 0.15);
    const n = kind === 'hard' ? near(rand, q, 0.25) : kind === 'easy' ? unitVector(rand, d) : p.slice();
    const query = `query ${source} ${i} about topic ${i % 7}`;
    const positive = `positive passage ${i} answering topic ${i % 7}`;
    const negative = kind === 'duplicate' ? positive : `negative ${source} passage ${i} on subject ${(i * 3) % 11}`;
    lines.push(JSON.stringify({ query, positive, negative, source, query_embedding: q, positive_embedding: p, negative_embedding: n }));
  }
  return lines;
}
