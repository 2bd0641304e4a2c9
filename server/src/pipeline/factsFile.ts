/**
 * Line facts on disk, for the CLI: a run keeps what it learnt of every unit it read whole
 * (pipeline/lineFacts.ts), so that the next process replays unchanged files without reading
 * or parsing them, and parses only the changed lines of a changed file, as the language
 * server does between runs in memory.
 *
 * One file per plan (its units' paths and formats) under `<cacheDir>/facts/`. A unit is
 * replayed only while its file has the stamp it had (device, inode, size, modification and
 * change times); the facts are dropped unless the run's identity (seed, tokenizer, encoder
 * kind) is theirs, and cosines are re-measured unless they came from the run's encoder
 * (`measuredBy`). The residuals u of the triples sampled last time are kept too, so that a
 * run on unchanged files reads none of them.
 *
 * Layout (native byte order, recorded in the header; every section starts on 8 bytes):
 *
 *   "ECIFACTS" | u32 header bytes | u32 crc32 of all that follows | header JSON | sections
 *
 * The header holds the identity, the units (key, stamp, lines), every string (terms, queries,
 * sources, encoders) and the section sizes; the sections hold, per text, its key, term ids
 * and idf mass; per line, its number, triple count and key; per triple, its integers and
 * floats (cosines, ‖u‖, overlap and Jaccard with the idf version they hold for); and the
 * last idf table, so that a run whose idf did not move recomputes no overlap; and the kept
 * residuals.
 * A file that fails any check is ignored with a warning (the run then reads everything and
 * writes a new one). Files are written whole to a temporary name and renamed.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { hash } from 'node:crypto';
import { endianness } from 'node:os';
import { dirname, join } from 'node:path';
import { crc32 } from '../encoder/cache';
import type { KeptLine, LineFact, TripleFact } from './factTypes';
import type { TextFact } from './lineIdf';
import { keepsLines, LineFacts, type KeptFacts } from './lineFacts';
import { packageVersion } from './paths';
import type { Plan } from './plan';

const MAGIC = 'ECIFACTS';
/** Bumped whenever the layout or the meaning of a kept number changes (files of another format are refused). */
const FORMAT = 2;
/** Files of other plans kept besides the newest ones. */
const KEEP_FILES = 8;
/** Integers a triple: source, posIndex, negIndex, dim, queryId, hashHi, hashLo, q, p, n, measuredBy, textDuplicate, lexVersion, residual (its row, or −1). */
const INTS = 14;
/** Floats a triple: a, b, c, ‖u‖, overlap, Jaccard. */
const FLOATS = 6;
const KEY_BYTES = 20;

interface Header {
  format: number;
  version: string;
  endianness: string;
  identity: string;
  lastTriples: number;
  units: { key: string; stamp: string; lines: number }[];
  terms: readonly string[];
  queries: string[];
  strings: string[];
  counts: { texts: number; ids: number; lines: number; triples: number; idf: number; residuals: number };
  /** Length of each kept residual u. */
  residualDim: number;
  /** Version of the idf table kept (−1: none). */
  idfVersion: number;
}

/**
 * The CLI's line facts for a plan: what the last run in this cache folder kept, and `save`
 * to keep this run's when it changed them (a file read anew, cosines of another encoder).
 */
export function factsForRun(cacheDir: string, plan: Plan, warn: (message: string) => void): { facts: LineFacts; save: () => void } {
  const path = factsPath(cacheDir, plan);
  const facts = new LineFacts();
  loadFacts(path, facts, warn);
  return { facts, save: () => { if (facts.changed) saveFacts(path, facts, warn); } };
}

/** The facts file of a plan in a cache folder. */
export function factsPath(cacheDir: string, plan: Plan): string {
  const units = plan.units.filter(keepsLines).map((u) => [u.path, u.format, u.container ?? '']);
  return join(cacheDir, 'facts', `${hash('sha1', JSON.stringify(units), 'hex')}.bin`);
}

/** Loads the file into `facts`; false (after a warning, unless the file is just absent) when it cannot be used. */
export function loadFacts(path: string, facts: LineFacts, warn: (message: string) => void): boolean {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') warn(`line facts in ${path} cannot be read (${(err as Error).message}); reading every line`);
    return false;
  }
  try {
    decode(buf, facts);
    return true;
  } catch (err) {
    warn(`line facts in ${path} are not usable (${(err as Error).message}); reading every line and writing them again`);
    return false;
  }
}

/** Writes the units `facts` holds whole to `path` (atomically); false after a warning when it cannot. */
export function saveFacts(path: string, facts: LineFacts, warn: (message: string) => void): boolean {
  const kept = facts.kept();
  if (!kept || kept.units.length === 0) return false;
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const parts = encode(kept);
    mkdirSync(dirname(path), { recursive: true });
    writeParts(tmp, parts);
    renameSync(tmp, path);
    prune(dirname(path), path);
    return true;
  } catch (err) {
    rmSync(tmp, { force: true });
    warn(`line facts cannot be written to ${path} (${(err as Error).message}); the next run reads every line`);
    return false;
  }
}

/**
 * Keeps the newest files of the folder (other plans), so that facts do not pile up. Best
 * effort: another process pruning at the same time may have removed a file already.
 */
function prune(dir: string, keep: string): void {
  try {
    const files = readdirSync(dir).filter((f) => f.endsWith('.bin')).map((f) => join(dir, f)).filter((f) => f !== keep);
    if (files.length <= KEEP_FILES) return;
    const age = (f: string) => { try { return statSync(f).mtimeMs; } catch { return 0; } };
    const byAge = files.map((f) => ({ f, t: age(f) })).sort((x, y) => y.t - x.t);
    for (const { f } of byAge.slice(KEEP_FILES)) rmSync(f, { force: true });
  } catch {
    // The facts were written; an old file left behind is pruned next time.
  }
}

/**
 * Writes the parts one after the other (no copy of the whole file in memory: at a million
 * triples it is hundreds of MB), the first 16 bytes last, once the CRC of the rest is known.
 */
function writeParts(path: string, parts: Buffer[]): void {
  const fd = openSync(path, 'w');
  try {
    let crc = 0;
    let at = 0;
    for (let k = 0; k < parts.length; k++) {
      if (k > 0) crc = crc32(parts[k], 0, parts[k].length, crc);
      for (let off = 0; off < parts[k].length; ) off += writeSync(fd, parts[k], off, parts[k].length - off, at + off);
      at += parts[k].length;
    }
    const prefix = parts[0];
    prefix.write(MAGIC, 0, 'latin1');
    prefix.writeUInt32LE(parts[1].length, 8);
    prefix.writeUInt32LE(crc, 12);
    writeSync(fd, prefix, 0, prefix.length, 0);
  } finally {
    closeSync(fd);
  }
}

/** The file as parts: a 16-byte prefix to fill in (magic, header length, CRC), the header, then the sections, each on 8 bytes. */
function encode(kept: KeptFacts): Buffer[] {
  const textIds = new Map<TextFact, number>();
  const texts: TextFact[] = [];
  const textId = (t: TextFact) => {
    let id = textIds.get(t);
    if (id === undefined) { id = texts.length; textIds.set(t, id); texts.push(t); }
    return id;
  };
  const queryIds = new Map<number, number>();
  const queries: string[] = [];
  const stringIds = new Map<string, number>();
  const strings: string[] = [];
  const stringId = (s: string | null | undefined) => {
    if (s === null || s === undefined) return -1;
    let id = stringIds.get(s);
    if (id === undefined) { id = strings.length; stringIds.set(s, id); strings.push(s); }
    return id;
  };
  let lineCount = 0, tripleCount = 0, residualCount = 0, residualDim = 0;
  for (const u of kept.units) {
    for (const l of u.lines) {
      lineCount++;
      tripleCount += l.fact.triples.length;
      for (const f of l.fact.triples) if (f.u) { residualCount++; residualDim = f.u.length; }
    }
  }
  const residuals = new Float64Array(residualCount * residualDim);
  let ri = 0;
  const lineInts = new Int32Array(2 * lineCount);
  const lineKeys = Buffer.alloc(KEY_BYTES * lineCount);
  const ints = new Int32Array(INTS * tripleCount);
  const floats = new Float64Array(FLOATS * tripleCount);
  let li = 0, ti = 0;
  for (const u of kept.units) {
    for (const l of u.lines) {
      lineInts[2 * li] = l.line;
      lineInts[2 * li + 1] = l.fact.triples.length;
      if (lineKeys.write(l.key, KEY_BYTES * li, 'base64') !== KEY_BYTES) throw new Error(`line key ${l.key} is not a SHA-1`);
      li++;
      for (const f of l.fact.triples) {
        let qid = queryIds.get(f.queryId);
        if (qid === undefined) { qid = queries.length; queryIds.set(f.queryId, qid); queries.push(f.query); }
        const o = INTS * ti;
        ints[o] = stringId(f.source); ints[o + 1] = f.posIndex; ints[o + 2] = f.negIndex; ints[o + 3] = f.dim;
        ints[o + 4] = qid; ints[o + 5] = f.hashHi | 0; ints[o + 6] = f.hashLo | 0;
        ints[o + 7] = textId(f.q); ints[o + 8] = textId(f.p); ints[o + 9] = textId(f.n);
        ints[o + 10] = stringId(f.measuredBy); ints[o + 11] = f.textDuplicate ? 1 : 0; ints[o + 12] = f.lexVersion;
        if (f.u && f.u.length === residualDim) { ints[o + 13] = ri; residuals.set(f.u, residualDim * ri++); } else ints[o + 13] = -1;
        const d = FLOATS * ti;
        floats[d] = f.a; floats[d + 1] = f.b; floats[d + 2] = f.c; floats[d + 3] = f.residualNorm; floats[d + 4] = f.ov; floats[d + 5] = f.jaccard;
        ti++;
      }
    }
  }
  let idCount = 0;
  for (const t of texts) idCount += t.ids.length;
  const textKeys = Buffer.alloc(KEY_BYTES * texts.length);
  const textLengths = new Int32Array(texts.length);
  const masses = new Float64Array(texts.length);
  const massVersions = new Int32Array(texts.length);
  const ids = new Int32Array(idCount);
  let at = 0;
  for (let i = 0; i < texts.length; i++) {
    const t = texts[i];
    if (textKeys.write(t.key, KEY_BYTES * i, 'base64') !== KEY_BYTES) throw new Error(`text key ${t.key} is not a SHA-1`);
    textLengths[i] = t.ids.length;
    masses[i] = t.mass;
    massVersions[i] = t.massVersion;
    ids.set(t.ids, at);
    at += t.ids.length;
  }
  const header: Header = {
    format: FORMAT, version: packageVersion(), endianness: endianness(), identity: kept.identity, lastTriples: kept.lastTriples,
    units: kept.units.map((u) => ({ key: u.key, stamp: u.stamp, lines: u.lines.length })),
    terms: kept.terms, queries, strings,
    counts: { texts: texts.length, ids: idCount, lines: lineCount, triples: tripleCount, idf: kept.idf?.idf.length ?? 0, residuals: ri },
    residualDim,
    idfVersion: kept.idf?.version ?? -1,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const sections = [textKeys, bytesOf(textLengths), bytesOf(masses), bytesOf(massVersions), bytesOf(ids), bytesOf(lineInts), lineKeys, bytesOf(ints), bytesOf(floats), bytesOf(kept.idf?.idf ?? new Float64Array(0)), bytesOf(residuals.subarray(0, ri * residualDim))];
  const parts: Buffer[] = [Buffer.alloc(16), json];
  let size = 16 + json.length;
  for (const s of sections) {
    const pad = (8 - (size % 8)) % 8;
    if (pad) { parts.push(Buffer.alloc(pad)); size += pad; }
    parts.push(s);
    size += s.length;
  }
  return parts;
}

function bytesOf(a: Int32Array | Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function decode(buf: Buffer, facts: LineFacts): void {
  if (buf.length < 16 || buf.toString('latin1', 0, 8) !== MAGIC) throw new Error('not a facts file');
  const jsonBytes = buf.readUInt32LE(8);
  if (16 + jsonBytes > buf.length) throw new Error('truncated');
  if (crc32(buf, 16, buf.length) !== buf.readUInt32LE(12)) throw new Error('checksum mismatch: the file is damaged');
  const h = JSON.parse(buf.toString('utf8', 16, 16 + jsonBytes)) as Header;
  if (h.format !== FORMAT) throw new Error(`format ${h.format}, expected ${FORMAT}`);
  if (h.version !== packageVersion()) throw new Error(`written by eci-sem ${h.version}`);
  if (h.endianness !== endianness()) throw new Error('written on a machine of another byte order');
  const { texts: T, ids: I, lines: L, triples: N, idf: F, residuals: R } = h.counts;
  const D = h.residualDim;
  let at = 16 + jsonBytes;
  const take = (bytes: number): Buffer => {
    at += (8 - (at % 8)) % 8;
    if (at + bytes > buf.length) throw new Error('truncated');
    const s = buf.subarray(at, at + bytes);
    at += bytes;
    return s;
  };
  // Views of the file where it is aligned (sections start on 8 bytes of the file; a large
  // file's buffer starts on a page), copies where the buffer is not.
  const typed = <A extends Int32Array | Float64Array>(make: { new (n: number): A; new (b: ArrayBuffer, at: number, n: number): A; BYTES_PER_ELEMENT: number }, n: number): A => {
    const b = take(make.BYTES_PER_ELEMENT * n);
    if (b.byteOffset % make.BYTES_PER_ELEMENT === 0) return new make(b.buffer as ArrayBuffer, b.byteOffset, n);
    const a = new make(n);
    new Uint8Array(a.buffer).set(b);
    return a;
  };
  const int32 = (n: number) => typed(Int32Array, n);
  const float64 = (n: number) => typed(Float64Array, n);
  const textKeys = take(KEY_BYTES * T);
  const textLengths = int32(T);
  const masses = float64(T);
  const massVersions = int32(T);
  const ids = int32(I);
  const lineInts = int32(2 * L);
  const lineKeys = take(KEY_BYTES * L);
  const ints = int32(INTS * N);
  const floats = float64(FLOATS * N);
  const idf = float64(F);
  const residuals = float64(R * D);
  if (at !== buf.length) throw new Error('trailing bytes');

  const terms = h.terms;
  const texts: TextFact[] = new Array(T);
  let from = 0;
  for (let i = 0; i < T; i++) {
    const to = from + textLengths[i];
    if (textLengths[i] < 0 || to > I) throw new Error('text ids out of range');
    const own = ids.subarray(from, to);
    for (let k = 0; k < own.length; k++) if (own[k] < 0 || own[k] >= terms.length) throw new Error('term ids out of range');
    texts[i] = { id: i, key: textKeys.toString('base64', KEY_BYTES * i, KEY_BYTES * (i + 1)), ids: own, mass: masses[i], massVersion: massVersions[i], dirty: true, checkedVersion: -1, usedRun: 0, countedRun: 0 };
    from = to;
  }
  const text = (id: number) => { const t = texts[id]; if (!t) throw new Error('text id out of range'); return t; };
  const str = (id: number) => { if (id === -1) return undefined; const s = h.strings[id]; if (s === undefined) throw new Error('string id out of range'); return s; };
  const units: KeptFacts['units'] = [];
  let li = 0, ti = 0;
  for (const u of h.units) {
    const lines: KeptLine[] = new Array(u.lines);
    for (let k = 0; k < u.lines; k++, li++) {
      if (li >= L) throw new Error('more lines than counted');
      const count = lineInts[2 * li + 1];
      if (count < 0 || ti + count > N) throw new Error('triples out of range');
      const triples: TripleFact[] = new Array(count);
      for (let j = 0; j < count; j++, ti++) {
        const o = INTS * ti, d = FLOATS * ti;
        const query = h.queries[ints[o + 4]];
        const row = ints[o + 13];
        if (row < -1 || row >= R) throw new Error('residual row out of range');
        if (query === undefined) throw new Error('query id out of range');
        triples[j] = {
          source: str(ints[o]), posIndex: ints[o + 1], negIndex: ints[o + 2], dim: ints[o + 3],
          query, queryId: ints[o + 4], hashHi: ints[o + 5] >>> 0, hashLo: ints[o + 6] >>> 0,
          q: text(ints[o + 7]), p: text(ints[o + 8]), n: text(ints[o + 9]), tripleKey: undefined,
          measuredBy: str(ints[o + 10]) ?? null, a: floats[d], b: floats[d + 1], c: floats[d + 2], residualNorm: floats[d + 3],
          textDuplicate: ints[o + 11] === 1, u: row < 0 ? undefined : residuals.subarray(D * row, D * (row + 1)), ov: floats[d + 4], jaccard: floats[d + 5], lexVersion: ints[o + 12], shared: undefined,
        };
      }
      const fact: LineFact = { triples };
      lines[k] = { line: lineInts[2 * li], key: lineKeys.toString('base64', KEY_BYTES * li, KEY_BYTES * (li + 1)), fact };
    }
    units.push({ key: u.key, stamp: u.stamp, lines });
  }
  if (li !== L || ti !== N) throw new Error('counts do not match');
  if (F > terms.length || (F > 0) !== (h.idfVersion >= 0)) throw new Error('the idf table does not fit the terms');
  const kept = { identity: h.identity, lastTriples: h.lastTriples, units, terms, idf: F > 0 ? { idf, version: h.idfVersion } : null };
  facts.adopt(kept, texts, h.queries);
}
