/**
 * On-disk embedding cache: re-analysing a corpus should not re-embed texts whose vectors we
 * already computed with the same model (fingerprint) — embedding dominates run time.
 *
 * Layout: `<cacheDir>/<fingerprint>/vectors-d<dimension>.bin`, an append-only file of
 * fixed-size little-endian records
 *
 *     [16-byte key = sha256(text)[0..16)] [dimension × float32] [crc32 of the preceding bytes]
 *
 * Only the index (key → record number) lives in memory; it is rebuilt at open by scanning the
 * file and vectors are read with positioned reads. Fixed-size records mean a record's place
 * is its number, a torn tail is visible as `size % recordSize`, and a corrupted record can be
 * skipped without losing the ones after it. Corrupted records found at open are dropped by
 * rewriting the file without them (rebuild), with a warning; the texts they held are then
 * misses, embedded again and appended.
 *
 * Concurrency: several processes may append to the same file. Each flush is a single write()
 * of whole records on an O_APPEND descriptor, which local filesystems place contiguously at
 * the end even with other appenders. Readers index only whole records and pick up records
 * other processes appended (catch-up scan on get/flush). A partial last record is treated as
 * an append in flight; only if it is still partial after a short wait is it taken for a crash
 * remnant and truncated away (before we append, so our records stay aligned). The remaining
 * race (another process appending between that check and the truncate) needs two crashes'
 * worth of bad luck and costs only cache entries, never wrong vectors: every read is checked
 * against the CRC and the key. Network filesystems do not guarantee O_APPEND atomicity.
 */
import * as crypto from 'node:crypto';
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import * as zlib from 'node:zlib';

const KEY_BYTES = 16;
const CRC_BYTES = 4;
/** Flush automatically once this many bytes of records are waiting. */
const AUTO_FLUSH_BYTES = 4 << 20;
/** Bytes read per step when scanning the file at open. */
const SCAN_CHUNK_BYTES = 1 << 20;
/** get(): records at most this far apart (in records) are read in one call, gap included. */
const READ_GAP_RECORDS = 4;
/** get(): bytes per read call at most. */
const READ_SPAN_BYTES = 1 << 20;
/** How long a partial last record may stay partial before we call it a crash remnant. */
const TAIL_SETTLE_MS = 50;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** zlib's own crc32 (Node ≥ 20.15): native, ~50× the table loop below on 2 KB records. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 (IEEE, as zlib) of bytes [start, end) of buf; `value`: the CRC of the bytes before them, to go on from. */
export function crc32(buf: Uint8Array, start = 0, end = buf.length, value = 0): number {
  if (nativeCrc32) return nativeCrc32(buf.subarray(start, end), value) >>> 0;
  let c = (value ^ 0xffffffff) >>> 0;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One-shot hashing (Node ≥ 20.12): no Hash object per text, ~1.7× faster on short texts. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'buffer') => Buffer }).hash;

/** First 16 bytes of sha256(text); 2^-128 collision odds are plenty for a cache. */
export function cacheKey(text: string): Buffer {
  const digest = oneShot ? oneShot('sha256', text, 'buffer') : crypto.createHash('sha256').update(text, 'utf8').digest();
  return digest.subarray(0, KEY_BYTES);
}

/** Index key: the 16 key bytes as a 16-char latin1 string (half the memory of hex, same information). */
const keyString = (key: Uint8Array): string => Buffer.from(key.buffer, key.byteOffset, KEY_BYTES).toString('latin1');

function writeFully(fd: number, buf: Buffer): void {
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Called for recoverable problems (dropped records, short writes). */
export type CacheWarning = (message: string) => void;

export class EmbeddingCache {
  readonly path: string;
  readonly dimension: number;
  readonly recordSize: number;
  private fd: number | undefined;
  private readonly warn: (message: string) => void;
  /** key string → record number, for whole, checksum-valid records seen so far. */
  private readonly index = new Map<string, number>();
  /** Bytes of the file covered by the index (always a multiple of recordSize). */
  private scannedEnd = 0;
  /** Records waiting for flush(), and their vectors so get() sees them before they are written. */
  private pendingRecords: Buffer[] = [];
  private readonly pendingVectors = new Map<string, Float32Array>();
  private writable = true;
  /** Whether open() found records damaged or cut off: their texts are missing until embedded again. */
  lostAtOpen = false;
  /** Scratch buffer for one record; its own ArrayBuffer so the float view is 4-byte aligned. */
  private readonly scratch: Buffer;

  private constructor(path: string, dimension: number, fd: number, onWarning: CacheWarning | undefined) {
    this.path = path;
    this.dimension = dimension;
    this.recordSize = KEY_BYTES + 4 * dimension + CRC_BYTES;
    this.fd = fd;
    this.warn = onWarning ?? (() => undefined);
    this.scratch = Buffer.from(new ArrayBuffer(this.recordSize));
  }

  static open(cacheDir: string, fingerprint: string, dimension: number, onWarning?: CacheWarning): EmbeddingCache {
    if (!/^[A-Za-z0-9._-]+$/.test(fingerprint) || fingerprint.startsWith('.')) {
      throw new Error(`embedding cache: fingerprint '${fingerprint}' is not a safe folder name`);
    }
    if (!Number.isInteger(dimension) || dimension < 1) throw new Error(`embedding cache: bad dimension ${dimension}`);
    if (endianness() !== 'LE') throw new Error('embedding cache: the record format is little-endian; this platform is not');
    const dir = join(cacheDir, fingerprint);
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `vectors-d${dimension}.bin`);
    // 'a+' = O_RDWR | O_CREAT | O_APPEND: positioned reads, appends always at the end.
    const cache = new EmbeddingCache(path, dimension, openSync(path, 'a+'), onWarning);
    try {
      const bad = cache.catchUp(false);
      cache.repairTail();
      if (bad > 0) cache.rebuild(bad);
      cache.lostAtOpen ||= bad > 0;
    } catch (e) {
      cache.close();
      throw e;
    }
    return cache;
  }

  /** Number of distinct texts available (written or pending). */
  get size(): number {
    let n = this.index.size;
    for (const k of this.pendingVectors.keys()) if (!this.index.has(k)) n++;
    return n;
  }

  /**
   * Cached vector per text, or undefined for a miss. Hits are views into one array
   * allocated per call (not shared with the cache or earlier calls).
   *
   * Records are read in file order, neighbours (≤ READ_GAP_RECORDS apart) in one read of
   * up to READ_SPAN_BYTES: a run's texts were appended together, so a warm run reads its
   * vectors in a few large reads instead of one 2 KB read per text.
   */
  get(texts: readonly string[]): (Float32Array | undefined)[] {
    const fd = this.requireOpen();
    this.catchUp(); // other processes may have appended since we last looked
    const R = this.recordSize;
    const d = this.dimension;
    const out: (Float32Array | undefined)[] = new Array<Float32Array | undefined>(texts.length).fill(undefined);
    const wanted: { rec: number; at: number; key: string }[] = [];
    let pendingHits = 0;
    const keys = texts.map((text, at) => {
      const key = keyString(cacheKey(text));
      if (this.pendingVectors.has(key)) pendingHits++;
      else {
        const rec = this.index.get(key);
        if (rec !== undefined) wanted.push({ rec, at, key });
      }
      return key;
    });
    const block = new Float32Array((wanted.length + pendingHits) * d);
    let slot = 0;
    const take = (v: Float32Array): Float32Array => {
      const view = block.subarray(slot * d, (slot + 1) * d);
      view.set(v);
      slot++;
      return view;
    };
    if (pendingHits > 0) {
      keys.forEach((key, at) => {
        const v = this.pendingVectors.get(key);
        if (v) out[at] = take(v);
      });
    }
    wanted.sort((x, y) => x.rec - y.rec);
    const maxRun = Math.max(1, Math.floor(READ_SPAN_BYTES / R));
    let buf = this.scratch;
    for (let k = 0; k < wanted.length; ) {
      const first = wanted[k]!.rec;
      let end = k + 1;
      while (end < wanted.length && wanted[end]!.rec - wanted[end - 1]!.rec <= READ_GAP_RECORDS && wanted[end]!.rec - first < maxRun) end++;
      const bytes = (wanted[end - 1]!.rec - first + 1) * R;
      if (buf.length < bytes) buf = Buffer.from(new ArrayBuffer(maxRun * R)); // own ArrayBuffer: 4-byte aligned views
      const got = readSync(fd, buf, 0, bytes, first * R);
      for (let j = k; j < end; j++) {
        const { rec, at, key } = wanted[j]!;
        const off = (rec - first) * R;
        if (off + R > got || !this.valid(buf, off) || keyString(buf.subarray(off, off + KEY_BYTES)) !== key) {
          this.index.delete(key);
          this.warn(`embedding cache ${this.path}: record ${rec} no longer reads back intact; ignoring it`);
          continue;
        }
        out[at] = take(new Float32Array(buf.buffer, buf.byteOffset + off + KEY_BYTES, d));
      }
      k = end;
    }
    return out;
  }

  /** Queues vectors for texts not yet cached; written by flush() (automatically when many wait). */
  put(texts: readonly string[], vectors: readonly Float32Array[]): void {
    this.requireOpen();
    if (texts.length !== vectors.length) throw new Error(`embedding cache: ${texts.length} texts but ${vectors.length} vectors`);
    const d = this.dimension;
    let skipped = 0;
    texts.forEach((text, i) => {
      const v = vectors[i]!;
      if (v.length !== d) throw new Error(`embedding cache ${this.path}: vector of length ${v.length}, expected ${d}`);
      const keyBytes = cacheKey(text);
      const key = keyString(keyBytes);
      if (this.index.has(key) || this.pendingVectors.has(key)) return;
      if (!v.every(Number.isFinite)) {
        skipped++; // never persist NaN/Infinity: it would poison every later run
        return;
      }
      const rec = Buffer.from(new ArrayBuffer(this.recordSize));
      rec.set(keyBytes, 0);
      new Float32Array(rec.buffer, KEY_BYTES, d).set(v);
      rec.writeUInt32LE(crc32(rec, 0, this.recordSize - CRC_BYTES), this.recordSize - CRC_BYTES);
      this.pendingRecords.push(rec);
      this.pendingVectors.set(key, v.slice());
    });
    if (skipped) this.warn(`embedding cache ${this.path}: not caching ${skipped} vector(s) with non-finite values`);
    if (this.pendingRecords.length * this.recordSize >= AUTO_FLUSH_BYTES) this.flush();
  }

  /** Appends all queued records in one write. */
  flush(): void {
    const fd = this.requireOpen();
    if (this.pendingRecords.length === 0) return;
    if (!this.writable) return; // after a failed write we keep serving pending vectors from memory
    this.repairTail();
    const buf = Buffer.concat(this.pendingRecords);
    let written = 0;
    try {
      written = writeSync(fd, buf);
    } catch (e) {
      this.warn(`embedding cache ${this.path}: write failed (${(e as Error).message}); caching in memory only`);
    }
    if (written !== buf.length) {
      if (written > 0) this.warn(`embedding cache ${this.path}: short write (${written} of ${buf.length} bytes, disk full?); caching in memory only`);
      this.writable = false;
      return;
    }
    this.catchUp();
    for (const k of [...this.pendingVectors.keys()]) if (this.index.has(k)) this.pendingVectors.delete(k);
    this.pendingRecords = [];
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }

  private requireOpen(): number {
    if (this.fd === undefined) throw new Error(`embedding cache ${this.path} is closed`);
    return this.fd;
  }

  private valid(rec: Uint8Array, offset = 0): boolean {
    const end = offset + this.recordSize - CRC_BYTES;
    const stored = (rec[end]! | (rec[end + 1]! << 8) | (rec[end + 2]! << 16) | (rec[end + 3]! << 24)) >>> 0;
    return crc32(rec, offset, end) === stored;
  }

  /**
   * Indexes whole records between scannedEnd and the current end of file; returns how many
   * failed their checksum (and warns about them unless `warn` is false).
   */
  private catchUp(warn = true): number {
    const fd = this.requireOpen();
    const R = this.recordSize;
    const end = this.wholeEnd();
    if (end <= this.scannedEnd) return 0;
    const perChunk = Math.max(1, Math.floor(SCAN_CHUNK_BYTES / R));
    const chunk = Buffer.alloc(perChunk * R);
    let bad = 0;
    for (let pos = this.scannedEnd; pos < end; ) {
      const want = Math.min(chunk.length, end - pos);
      const got = readSync(fd, chunk, 0, want, pos);
      const whole = Math.floor(got / R);
      if (whole === 0) break;
      for (let i = 0; i < whole; i++) {
        const off = i * R;
        if (this.valid(chunk, off)) this.index.set(keyString(chunk.subarray(off, off + KEY_BYTES)), (pos + off) / R);
        else bad++;
      }
      pos += whole * R;
      this.scannedEnd = pos;
    }
    if (bad && warn) this.warn(`embedding cache ${this.path}: dropped ${bad} corrupted record(s) (checksum mismatch)`);
    return bad;
  }

  /**
   * After `bad` records failed their checksum at open: rewrites the file with only the
   * intact records (first copy of each key), so the damage is reported once and the
   * dropped texts, embedded again by this run, are appended to a clean file.
   *
   * The new file is written next to the old one and renamed over it. A process that
   * has the old file open keeps reading and appending to the old copy until it reopens;
   * what it appends meanwhile is lost to others (cache entries only, never wrong vectors).
   * If anything fails the old file stays in use and its bad records stay ignored.
   */
  private rebuild(bad: number): void {
    const R = this.recordSize;
    const tmp = `${this.path}.rebuild-${process.pid}-${threadId}`;
    let out: number | undefined;
    try {
      out = openSync(tmp, 'w');
      const index = new Map<string, number>();
      const perChunk = Math.max(1, Math.floor(SCAN_CHUNK_BYTES / R));
      const chunk = Buffer.alloc(perChunk * R);
      let pos = 0;
      // Records other processes append while we copy are copied too: loop until the size holds.
      for (let end = this.wholeEnd(); pos < end; end = this.wholeEnd()) {
        while (pos < end) {
          const got = readSync(this.fd!, chunk, 0, Math.min(chunk.length, end - pos), pos);
          const whole = Math.floor(got / R);
          if (whole === 0) throw new Error('the file shrank while it was being rebuilt');
          const keep: Buffer[] = [];
          for (let i = 0; i < whole; i++) {
            const off = i * R;
            if (!this.valid(chunk, off)) continue;
            const key = keyString(chunk.subarray(off, off + KEY_BYTES));
            if (index.has(key)) continue;
            index.set(key, index.size);
            keep.push(chunk.subarray(off, off + R));
          }
          if (keep.length) writeFully(out, Buffer.concat(keep));
          pos += whole * R;
        }
      }
      closeSync(out);
      out = undefined;
      renameSync(tmp, this.path);
      closeSync(this.fd!);
      this.fd = openSync(this.path, 'a+');
      this.index.clear();
      for (const [k, rec] of index) this.index.set(k, rec);
      this.scannedEnd = index.size * R;
      this.warn(`embedding cache ${this.path}: dropped ${bad} corrupted record(s) (checksum mismatch) and rebuilt the file ` +
        `with the ${index.size} intact record(s); the dropped texts are embedded again`);
    } catch (e) {
      if (out !== undefined) closeSync(out);
      rmSync(tmp, { force: true });
      this.warn(`embedding cache ${this.path}: dropped ${bad} corrupted record(s) (checksum mismatch); ` +
        `could not rebuild the file (${(e as Error).message}), so they stay in it, ignored`);
    }
  }

  /** Current file size rounded down to whole records. */
  private wholeEnd(): number {
    return Math.floor(fstatSync(this.requireOpen()).size / this.recordSize) * this.recordSize;
  }

  /**
   * A partial last record is either another process's append in flight or a crash remnant.
   * Wait briefly; if the size does not move, truncate to the last whole record, so that later
   * appends (ours or anyone's) stay aligned.
   */
  private repairTail(): void {
    const fd = this.requireOpen();
    const R = this.recordSize;
    for (let attempt = 0; attempt < 5; attempt++) {
      const size = fstatSync(fd).size;
      if (size % R === 0) return;
      sleepSync(TAIL_SETTLE_MS);
      const now = fstatSync(fd).size;
      if (now !== size) {
        this.catchUp(); // someone is writing: index what landed and look again
        continue;
      }
      const whole = Math.floor(size / R) * R;
      ftruncateSync(fd, whole);
      this.lostAtOpen = true;
      this.warn(`embedding cache ${this.path}: dropped a truncated record at the end (${size - whole} of ${R} bytes); file truncated to ${whole / R} records`);
      this.catchUp();
      return;
    }
  }
}
