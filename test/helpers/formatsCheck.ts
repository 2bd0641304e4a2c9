/** Shorthands shared by the triple-format tests. */
import assert from 'node:assert/strict';
import { parseTripleLine } from '../../server/src/core/formats';
import type { Problem, RawTriple } from '../../server/src/core/types';

export const jsonl = (text: string, line = 1) => parseTripleLine(text, { file: 'f.jsonl', line, format: 'jsonl' });
export const tsv = (text: string, line = 1) => parseTripleLine(text, { file: 'f.tsv', line, format: 'tsv' });
export const J = (o: unknown) => JSON.stringify(o);

/** Triples without vectors, as plain tuples, for compact comparisons. */
export function tuples(triples: RawTriple[]) {
  return triples.map((t) => [t.query, t.positive, t.negative, t.posIndex, t.negIndex, t.source ?? null]);
}

export function only(problems: Problem[]): Problem {
  assert.equal(problems.length, 1, J(problems));
  return problems[0];
}
