/**
 * Pass 1: read every unit, keep the location of each accepted triple, the
 * document frequencies of the IDF corpus and the per-query unions of hybrids.
 * No embedding happens here, so it is fast and its memory is per-triple only.
 */
import { hash } from 'node:crypto';
import { readUnit } from './input/records';
import { DocumentFrequencies, normalizeForDuplicate } from '../core/lexical';
import { BoundedMemo } from '../core/memo';
import { DEFAULT_SETTINGS } from '../core/settings';
import { PairedSampler, resolveSample, sampleHash, type SampleKey } from '../core/sampling';
import type { Problem, RawTriple } from '../core/types';
import { keepsLines, type KeptLine, type LineFact, type LineFacts, type TripleFact } from './lineFacts';
import type { PassageFrequencies, TextFact } from './lineIdf';
import type { UnitRecord } from './input/records';
import { defaultSourceName, type Plan, type ReadUnit, type SourceDef } from './plan';
import { TripleTable } from './tripleTable';

export interface ScanResult {
  table: TripleTable;
  sources: SourceDef[];
  /** Triple indices of each source, in reading order (hybrids reference their members' triples). */
  members: Map<string, number[]>;
  /** Each source's paired hash sample: positions within its members, in ascending key order, with their keys. */
  samples: Map<string, { positions: Uint32Array; keys: SampleKey[] }>;
  frequencies: DocumentFrequencies;
  problems: Problem[];
  /** Lines that yielded at least one problem. */
  skippedLines: number;
  linesRead: number;
  /** Triples that carry all three vectors, and the vector dimension seen first. */
  withVectors: number;
  vectorDimension: number | null;
  /** With `lineFacts`: the facts of each triple (by table index) and the df of the distinct passages. */
  facts?: TripleFact[];
  passageFrequencies?: PassageFrequencies;
}

export interface ScanOptions {
  precomputed: boolean;
  /** Paired hash sampling (sampleSize, seed); the defaults of the settings when absent. */
  sampling?: { sampleSize: number; seed: number };
  termsOf: ((text: string) => string[]) | null;
  signal?: AbortSignal;
  onLines?: (lines: number) => void;
  /**
   * Facts of earlier runs (the language server): lines seen before are not parsed, and
   * document frequencies are counted over interned texts (`termsOf` is not used).
   */
  lineFacts?: LineFacts;
}

/** The source a parsed triple belongs to, or null when the unit does not take it. */
export function sourceOf(unit: ReadUnit, raw: RawTriple): string | null {
  return sourceOfRecord(unit, raw.source);
}

/** {@link sourceOf} from the record's own "source" (or `neg` key). */
export function sourceOfRecord(unit: ReadUnit, source: string | undefined): string | null {
  if (unit.key !== undefined) return source === unit.key ? unit.source : null;
  return unit.source ?? source ?? defaultSourceName(unit);
}

/**
 * Problems kept per file. Every bad line is counted (`skippedLines`), but a file whose
 * every line is bad (a misnamed field in a 10M-line export) must not hold millions of
 * messages: past this many, the next problem says how many more there were, and the
 * rest are dropped.
 */
export const PROBLEMS_KEPT_PER_FILE = 10_000;

export function hasAllVectors(raw: RawTriple): boolean {
  const v = raw.vectors;
  return !!(v && v.query && v.positive && v.negative);
}

function tripleKey(raw: RawTriple): Buffer {
  return hash('sha1', `${raw.query}\u0000${raw.positive}\u0000${raw.negative}`, 'buffer');
}

/**
 * A set of texts by 128-bit digest (the first 16 bytes of their sha1), stored in one
 * typed array with open addressing: 16 bytes a slot, at most half full, so ≈ 32 bytes a
 * member instead of ≈ 90 for a Set of base64 strings. It holds one entry per distinct
 * passage (and per hybrid triple), which grows with the input, so it is kept small.
 * Collision odds (2^-127, one bit marks a used slot) are those of the embedding cache keys.
 */
export class DigestSet {
  private slots = new Uint32Array(4 * 1024);
  private mask = 1023;
  size = 0;

  /** Adds the digest; true when it was not in the set yet. */
  add(digest: Uint8Array): boolean {
    // Little-endian words read byte by byte: no DataView per call (this runs twice a triple).
    const w = (k: number) => (digest[k] | (digest[k + 1] << 8) | (digest[k + 2] << 16) | (digest[k + 3] << 24)) >>> 0;
    const a = (w(0) | 1) >>> 0; // never 0: a zero first word marks a free slot
    const b = w(4), c = w(8), d = w(12);
    if (this.insert(a, b, c, d)) {
      if (++this.size * 2 > this.mask + 1) this.grow();
      return true;
    }
    return false;
  }

  private insert(a: number, b: number, c: number, d: number): boolean {
    const s = this.slots;
    for (let i = (a ^ (b >>> 7)) & this.mask; ; i = (i + 1) & this.mask) {
      const o = i * 4;
      if (s[o] === 0) {
        s[o] = a; s[o + 1] = b; s[o + 2] = c; s[o + 3] = d;
        return true;
      }
      if (s[o] === a && s[o + 1] === b && s[o + 2] === c && s[o + 3] === d) return false;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    this.mask = this.slots.length / 4 - 1;
    for (let o = 0; o < old.length; o += 4) if (old[o] !== 0) this.insert(old[o], old[o + 1], old[o + 2], old[o + 3]);
  }
}

/** A unit's kept lines, each as one record that carries its facts (nothing to parse), handed to `each` in turn. */
function replayed(lines: readonly KeptLine[], each: (rec: UnitRecord & { fact: LineFact }) => void): void {
  if (lines.length === 0) return;
  // One record, refilled: handle() reads it before the next line and keeps nothing of it.
  const rec: UnitRecord & { fact: LineFact } = { line: 0, fact: lines[0].fact, parse: () => ({ triples: [], problems: [] }) };
  for (const l of lines) {
    rec.line = l.line;
    rec.fact = l.fact;
    each(rec);
  }
}

export async function scan(plan: Plan, opts: ScanOptions): Promise<ScanResult> {
  const table = new TripleTable(Math.max(1024, Math.ceil((opts.lineFacts?.lastRunTriples ?? 0) * 1.05)));
  const sources: SourceDef[] = plan.sources.map((s) => ({ ...s }));
  const known = new Map(sources.map((s) => [s.name, s]));
  const members = new Map<string, number[]>(sources.map((s) => [s.name, []]));
  const { sampleSize, seed } = opts.sampling ?? DEFAULT_SETTINGS;
  const lineFacts = opts.lineFacts;
  // With line facts, query groups come from the facts' query ids (dense per run here), and
  // their sample keys H(seed, q, j) are kept between runs.
  let denseOf = new Int32Array(0);
  const stableOf: number[] = [];
  const denseQid = (stable: number): number => {
    if (stable >= denseOf.length) {
      const next = new Int32Array(Math.max(stable + 1, denseOf.length * 2, 1024)).fill(-1);
      next.set(denseOf);
      denseOf = next;
    }
    if (denseOf[stable] < 0) { denseOf[stable] = stableOf.length; stableOf.push(stable); }
    return denseOf[stable];
  };
  const keyOf = lineFacts ? (qid: number, query: string, j: number) => lineFacts.sampleKey(stableOf[qid], query, j) : undefined;
  const newSampler = () => new PairedSampler(sampleSize, seed, keyOf);
  const samplers = new Map<string, PairedSampler>(sources.map((s) => [s.name, newSampler()]));
  /** Query groups: one id per distinct normalised query of the run, keyed by its digest (not its text, to stay small). */
  const queryIds = new Map<string, number>();
  // Texts normalised once per run (a query recurs in every source, a positive with each of its
  // negatives), in a bounded memo.
  const normalized = new BoundedMemo<string, string>(1 << 16, normalizeForDuplicate);
  const norm = (text: string) => normalized.get(text);
  const hybrids = sources.filter((s) => s.group === 'hybrid');
  const unionOf = new Map<string, { name: string; seen: DigestSet; sampler: PairedSampler }[]>();
  // A hybrid may unite other hybrids: expand to the plain sources underneath.
  const leaves = (name: string, path: Set<string>): string[] => {
    const def = known.get(name);
    if (!def || def.group === 'plain' || path.has(name)) return def?.group === 'plain' ? [name] : [];
    path.add(name);
    return (def.union ?? []).flatMap((n) => leaves(n, path));
  };
  for (const h of hybrids) {
    // One set per hybrid, shared by its members: the union has no repeated triple.
    const entry = { name: h.name, seen: new DigestSet(), sampler: samplers.get(h.name)! };
    for (const m of new Set(leaves(h.name, new Set()))) {
      if (!unionOf.has(m)) unionOf.set(m, []);
      unionOf.get(m)!.push(entry);
    }
  }
  const frequencies = new DocumentFrequencies();
  const passageFrequencies = lineFacts?.frequencies();
  const facts: TripleFact[] | undefined = lineFacts ? [] : undefined;
  const seenPassages = new DigestSet();
  const problems: Problem[] = [...plan.problems];
  let skippedLines = 0;
  let linesRead = 0;
  let withVectors = 0;
  let vectorDimension: number | null = null;

  const countPassage = (text: string) => {
    if (!opts.termsOf) return;
    if (!seenPassages.add(hash('sha1', text, 'buffer'))) return;
    frequencies.add(opts.termsOf(text));
  };
  const countText = (text: TextFact) => passageFrequencies!.add(text);

  for (let u = 0; u < plan.units.length; u++) {
    const unit = plan.units[u];
    const seenPassagesOfLine = new Set<string>();
    let unitProblems = 0;
    let lastKept = -1;
    const record = (p: Problem) => {
      if (unitProblems++ <= PROBLEMS_KEPT_PER_FILE) { problems.push(p); lastKept = problems.length - 1; }
    };
    // With line facts, a file unchanged since its last whole read is replayed from them (not
    // read at all); a file read whole, every line kept, is kept for the next run.
    const stamp = lineFacts && keepsLines(unit) ? unit.lines.stamp?.() : undefined;
    const replay = lineFacts && keepsLines(unit) ? lineFacts.replay(unit, stamp ?? null) : undefined;
    let whole: KeptLine[] | null = stamp && !replay ? [] : null;
    /** A unit from memory (an open document): its lines are matched in order against its last read. */
    const ordered = !!lineFacts && keepsLines(unit) && !unit.lines.stamp;
    if (ordered) lineFacts!.startOrdered(unit);
    /** The line being read, and whether it has a problem yet. */
    let line = 0;
    let lineHasProblem = false;
    // One problem a line: what the run finds joins the line's problem, if it has one.
    const runProblem = (field: string, message: string) => {
      const last = problems[problems.length - 1];
      if (lineHasProblem && last?.line === line && last.file === unit.shown) {
        const more = `${field}: ${message}`;
        if (!last.message.includes(more)) problems[problems.length - 1] = { ...last, message: `${last.message}; ${more}` };
      } else if (!lineHasProblem) record({ file: unit.shown, line, column: 1, field, message, byRun: true });
      lineHasProblem = true;
    };
    /** Takes one triple into the table; its index, or −1 when the run refuses it. */
    const take = (name: string, dim: number, query: string, qid: number, hashHi: number, hashLo: number, posIndex: number, negIndex: number, unionKey: (() => Uint8Array) | null): number => {
      if (dim >= 0) {
        vectorDimension ??= dim;
        if (dim !== vectorDimension) {
          runProblem('query_embedding', `embedding has ${dim} dimensions, but earlier triples have ${vectorDimension}`);
          return -1;
        }
        withVectors++;
      } else if (opts.precomputed) {
        runProblem('query_embedding', 'the encoder is "precomputed", but this triple lacks query_embedding, positive_embedding or negative_embedding');
        return -1;
      }
      if (!known.has(name)) {
        const def: SourceDef = { name, group: 'plain' };
        sources.push(def);
        known.set(name, def);
        members.set(name, []);
        samplers.set(name, newSampler());
      }
      const idx = table.add(u, line, posIndex, negIndex, qid, hashHi, hashLo);
      members.get(name)!.push(idx);
      samplers.get(name)!.offer(qid, query);
      const unions = unionOf.get(name);
      if (unions && unionKey) {
        const key = unionKey();
        for (const hybrid of unions) {
          if (!hybrid.seen.add(key)) continue;
          members.get(hybrid.name)!.push(idx);
          hybrid.sampler.offer(qid, query);
        }
      }
      return idx;
    };
    const handle = (rec: UnitRecord & { fact?: LineFact }): void => {
      line = rec.line;
      linesRead++;
      if ((linesRead & 0x3ff) === 0) lineFacts?.check();
      if ((linesRead & 0x3fff) === 0) {
        opts.signal?.throwIfAborted();
        opts.onLines?.(linesRead);
      }
      // A line seen before (same text, same file) is not parsed again.
      let parsed: ReturnType<typeof rec.parse> | undefined;
      let lineFact: LineFact | undefined = rec.fact;
      if (lineFact) {
        // replayed
      } else if (lineFacts && rec.text !== undefined && keepsLines(unit) && !(line === 1 && rec.text.charCodeAt(0) === 0xfeff)) {
        const seen = lineFacts.lookup(unit, rec.text);
        lineFact = seen.fact;
        if (!lineFact) {
          parsed = rec.parse();
          lineFact = lineFacts.build(parsed.triples);
          if (parsed.problems.length === 0) lineFacts.store(unit, seen.key, lineFact);
          else whole = null;
        }
        whole?.push({ line, key: seen.key, fact: lineFact });
      } else {
        parsed = rec.parse();
        if (lineFacts) lineFact = lineFacts.build(parsed.triples);
        whole = null;
      }
      lineHasProblem = !!parsed && parsed.problems.length > 0;
      for (const p of parsed?.problems ?? []) record(p);
      if (lineFacts) {
        for (const f of lineFact!.triples) {
          const name = sourceOfRecord(unit, f.source);
          if (name === null) continue;
          const idx = take(name, f.dim, f.query, denseQid(f.queryId), f.hashHi, f.hashLo, f.posIndex, f.negIndex, unionOf.has(name) ? () => lineFacts.tripleKey(f) : null);
          if (idx < 0) continue;
          facts![idx] = f;
          countText(f.p);
          if (f.n !== f.p) countText(f.n);
        }
      } else {
        seenPassagesOfLine.clear();
        for (const raw of parsed!.triples) {
          const name = sourceOf(unit, raw);
          if (name === null) continue;
          const q = norm(raw.query);
          const order = sampleHash(seed, q, norm(raw.positive), norm(raw.negative));
          const dim = hasAllVectors(raw) ? raw.vectors!.query!.length : -1;
          const digest = hash('sha1', q, 'binary');
          let qid = queryIds.get(digest);
          if (qid === undefined) { qid = queryIds.size; queryIds.set(digest, qid); }
          const idx = take(name, dim, q, qid, order.hi, order.lo, raw.posIndex, raw.negIndex, unionOf.has(name) ? () => tripleKey(raw) : null);
          if (idx < 0) continue;
          if (!seenPassagesOfLine.has(raw.positive)) {
            seenPassagesOfLine.add(raw.positive);
            countPassage(raw.positive);
          }
          if (!seenPassagesOfLine.has(raw.negative)) {
            seenPassagesOfLine.add(raw.negative);
            countPassage(raw.negative);
          }
        }
      }
      if (lineHasProblem) skippedLines++;
    };
    // A replayed unit goes in one synchronous loop (no await a line).
    if (replay) replayed(replay, handle);
    else for await (const rec of readUnit(unit, opts.signal)) handle(rec);
    if (whole && stamp && unitProblems === 0) lineFacts!.keepWhole(unit, stamp, whole);
    if (ordered) lineFacts!.finishOrdered(unit);
    lineFacts?.check();
    const dropped = unitProblems - PROBLEMS_KEPT_PER_FILE - 1;
    if (dropped > 0) {
      const p = problems[lastKept];
      problems[lastKept] = { ...p, message: `${p.message} (and ${dropped} more problem${dropped === 1 ? '' : 's'} after this line, not listed: only the first ${PROBLEMS_KEPT_PER_FILE + 1} of a file are kept)` };
    }
  }
  opts.onLines?.(linesRead);
  // Ties of H(seed, q, p, n) (the same triple twice, after normalisation) go by file, line and place in the record.
  const order = {
    qid: (i: number) => table.qid(i),
    hashHi: (i: number) => table.hashHi(i),
    hashLo: (i: number) => table.hashLo(i),
    compareLocation: (i: number, j: number) => {
      const fi = plan.units[table.unit(i)].shown, fj = plan.units[table.unit(j)].shown;
      if (fi !== fj) return fi < fj ? -1 : 1;
      return table.line(i) - table.line(j) || table.posIndex(i) - table.posIndex(j) || table.negIndex(i) - table.negIndex(j);
    },
  };
  const samples = new Map(sources.map((s) => [s.name, resolveSample(members.get(s.name) ?? [], samplers.get(s.name)!.keys(), order)]));
  return {
    table, sources, members, samples, frequencies, problems, skippedLines, linesRead, withVectors, vectorDimension,
    ...(facts ? { facts, passageFrequencies } : {}),
  };
}
