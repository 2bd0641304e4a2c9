/**
 * Pass 2: read the units again, embed each chunk of triples (through the cache),
 * and keep per-triple scalars: cosines, lexical overlap, Jaccard, ‖u‖. Only
 * the residual vectors of sampled triples survive a chunk.
 */
import { residual } from '../core/eci';
import { readUnit } from './input/records';
import { jaccardOf, normalizeForDuplicate, overlapOf, wordTerms, type IdfTable, type TermVector } from '../core/lexical';
import { BoundedMemo } from '../core/memo';
import type { RawTriple } from '../core/types';
import { EncoderError } from '../encoder/protocol';
import { AnalysisError, AnalysisInputChanged } from './errors';
import type { Embedder } from './embedder';
import type { Plan } from './plan';
import { sourceOf } from './scan';
import type { TripleTable } from './tripleTable';

export interface MeasureOptions {
  embedder: Embedder | null;
  idf: IdfTable;
  termsOf: (text: string) => string[];
  /** Triples whose residual vector must be kept (sampled by some source). */
  keepResidual: Uint8Array;
  /**
   * Only the triples whose flag here equals `selectValue` are measured (the others are
   * stepped over, their lines not even parsed): the sample alone, or all but the sample.
   */
  select?: { flags: Uint8Array; value: number };
  /**
   * With line facts the run computes overlap and Jaccard from the facts' term ids, so
   * measure leaves them 0 and tokenises nothing; `mayBeSame(idx, of)` then says whether the
   * triple's negative can equal its positive ('p') or query ('q') after normalisation
   * (false only when that is ruled out, e.g. by different term ids).
   */
  facts?: { mayBeSame: (idx: number, of: 'p' | 'q') => boolean };
  chunkSize?: number;
  signal?: AbortSignal;
  onTriples?: (done: number) => void;
}


/** Codes of a model that cannot load; with a lazily started encoder they surface at the first miss. */
const LOAD_FAILURES = new Set(['missing-file', 'bad-config', 'unfeedable-input', 'bad-output', 'vocab-mismatch', 'model-load']);

function asLoadError(err: unknown): never {
  if (err instanceof EncoderError && LOAD_FAILURES.has(err.code)) {
    throw new AnalysisError(`cannot load the target encoder: ${err.message}`, 'encoder');
  }
  throw err;
}

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (let k = 0; k < v.length; k++) s += v[k] * v[k];
  const inv = 1 / Math.sqrt(s);
  const out = new Float32Array(v.length);
  for (let k = 0; k < v.length; k++) out[k] = v[k] * inv;
  return out;
}

/** Equal distinct term ids (necessary for equal normalised texts with word terms). */
function sameTerms(x: TermVector, y: TermVector): boolean {
  if (x === y) return true;
  if (x.ids.length !== y.ids.length) return false;
  for (let k = 0; k < x.ids.length; k++) if (x.ids[k] !== y.ids[k]) return false;
  return true;
}

/** Distinct texts whose term vectors and normalised forms a run keeps at once (per generation). */
const TEXT_MEMO = 1 << 16;

function dot(x: Float32Array, y: Float32Array): number {
  let s = 0;
  for (let k = 0; k < x.length; k++) s += x[k] * y[k];
  return s;
}

interface Item { idx: number; raw: RawTriple }

export async function measure(plan: Plan, table: TripleTable, opts: MeasureOptions): Promise<Map<number, Float64Array>> {
  const residuals = new Map<number, Float64Array>();
  const chunkSize = opts.chunkSize ?? 2048;
  const embedder = opts.embedder;
  let next = 0;
  /** Triples measured so far (with `select`, fewer than the triples stepped over). */
  let measured = 0;
  let chunk: Item[] = [];
  /** ‖u‖ of an unsampled triple is all that is kept: its residual goes to this buffer. */
  let scratch: Float64Array | undefined;
  const wordsAreTerms = opts.termsOf === wordTerms;
  const facts = opts.facts;
  // Lexical work once per distinct text of the run (a positive recurs in every source of its
  // query), bounded so that millions of distinct texts do not all stay in memory.
  const vectorOf = new BoundedMemo<string, TermVector>(TEXT_MEMO, (text) => opts.idf.vector(opts.termsOf(text)));
  const normalized = new BoundedMemo<string, string>(TEXT_MEMO, normalizeForDuplicate);

  const flush = async () => {
    if (chunk.length === 0) return;
    opts.signal?.throwIfAborted();
    let vectors: (i: number) => [Float32Array, Float32Array, Float32Array];
    if (embedder) {
      const { queryPrefix, passagePrefix } = embedder.info;
      const texts: string[] = [];
      const slot = new Map<string, number>();
      const at = (text: string) => {
        let s = slot.get(text);
        if (s === undefined) { s = texts.length; slot.set(text, s); texts.push(text); }
        return s;
      };
      const ids = chunk.map(({ raw }) => [at(queryPrefix + raw.query), at(passagePrefix + raw.positive), at(passagePrefix + raw.negative)]);
      const embedded = await embedder.embed(texts, opts.signal).catch(asLoadError);
      vectors = (i) => [embedded[ids[i][0]], embedded[ids[i][1]], embedded[ids[i][2]]];
    } else {
      vectors = (i) => {
        const v = chunk[i].raw.vectors!;
        return [unit(v.query!), unit(v.positive!), unit(v.negative!)];
      };
    }
    const termsOf = (text: string) => vectorOf.get(text);
    const norm = (text: string) => normalized.get(text);
    // Texts equal after normalisation (NFKC, lower case, whitespace) have equal word terms,
    // so with word terms the term vectors (already at hand) rule most pairs out without
    // normalising either text.
    const sameText = wordsAreTerms && !facts
      ? (x: string, y: string) => sameTerms(termsOf(x), termsOf(y)) && norm(x) === norm(y)
      : (x: string, y: string) => norm(x) === norm(y);
    for (let i = 0; i < chunk.length; i++) {
      const { idx, raw } = chunk[i];
      const [q, p, n] = vectors(i);
      const keep = opts.keepResidual[idx] === 1;
      if (!keep && scratch?.length !== q.length) scratch = new Float64Array(q.length);
      const { u, norm: residualNorm } = residual(q, p, n, keep ? undefined : scratch);
      if (keep) residuals.set(idx, u);
      let ov = 0, jaccard = 0, textDuplicate: boolean;
      if (facts) {
        textDuplicate = (facts.mayBeSame(idx, 'p') && sameText(raw.negative, raw.positive))
          || (facts.mayBeSame(idx, 'q') && sameText(raw.negative, raw.query));
      } else {
        const nTerms = termsOf(raw.negative);
        ov = overlapOf(termsOf(raw.query), nTerms);
        jaccard = jaccardOf(termsOf(raw.positive), nTerms);
        textDuplicate = sameText(raw.negative, raw.positive) || sameText(raw.negative, raw.query);
      }
      table.setScores(idx, { a: dot(q, p), b: dot(q, n), c: dot(p, n), ov, jaccard, residualNorm, textDuplicate });
    }
    measured += chunk.length;
    opts.onTriples?.(measured);
    chunk = [];
  };

  for (let u = 0; u < plan.units.length; u++) {
    const unitDef = plan.units[u];
    // With `select`, a unit none of whose triples is wanted is not read at all, and reading
    // stops after its last wanted triple.
    let end = next;
    while (end < table.length && table.unit(end) === u) end++;
    let lastWanted = -1;
    if (opts.select) {
      for (let i = next; i < end; i++) if (opts.select.flags[i] === opts.select.value) lastWanted = i;
      if (lastWanted < 0) { next = end; continue; }
    }
    for await (const { line, parse } of readUnit(unitDef, opts.signal)) {
      if (lastWanted >= 0 && next > lastWanted) break;
      if (next >= table.length || table.unit(next) !== u || table.line(next) !== line) continue;
      const select = opts.select;
      if (select) {
        // The line's triples are contiguous in the table: parse it only when one of them is wanted.
        let end = next;
        while (end < table.length && table.unit(end) === u && table.line(end) === line) end++;
        let wanted = false;
        for (let i = next; i < end && !wanted; i++) wanted = select.flags[i] === select.value;
        if (!wanted) { next = end; continue; }
      }
      const parsed = parse();
      for (const raw of parsed.triples) {
        // Indices restart per key in grouped records: match only triples the unit takes.
        if (sourceOf(unitDef, raw) === null) continue;
        if (next < table.length && table.unit(next) === u && table.line(next) === line
          && table.posIndex(next) === raw.posIndex && table.negIndex(next) === raw.negIndex) {
          const idx = next++;
          if (!opts.select || opts.select.flags[idx] === opts.select.value) chunk.push({ idx, raw });
        }
      }
      if (chunk.length >= chunkSize) await flush();
    }
    if (lastWanted >= 0 && next > lastWanted) next = end;
  }
  await flush();
  if (next !== table.length) {
    throw new AnalysisInputChanged(`the input changed while it was analysed (expected ${table.length} triples, read ${next}); run again`);
  }
  return residuals;
}
