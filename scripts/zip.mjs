/**
 * A minimal reader of ZIP archives (a VSIX is one), so packaging and its tests need
 * no `unzip` binary: the central directory lists the entries, and stored or deflated
 * entries are extracted with node:zlib. No ZIP64 (a VSIX stays far below 4 GB and
 * 65,535 entries), no encryption.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { inflateRawSync } from 'node:zlib';

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function readAt(fd, position, length) {
  const buf = Buffer.alloc(length);
  const n = readSync(fd, buf, 0, length, position);
  return n === length ? buf : buf.subarray(0, n);
}

/**
 * The archive's file entries: `{ name, size, compressedSize, method, offset }` (directories,
 * whose names end in `/`, are left out). Throws with the file name when it is not a ZIP.
 */
export function listZip(file) {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    // The end-of-central-directory record is 22 bytes plus a comment of at most 65,535.
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = readAt(fd, size - tailLength, tailLength);
    let at = -1;
    for (let i = tail.length - 22; i >= 0; i--) if (tail.readUInt32LE(i) === EOCD) { at = i; break; }
    if (at < 0) throw new Error(`${file}: not a ZIP archive (no end-of-central-directory record)`);
    const count = tail.readUInt16LE(at + 10);
    const dirSize = tail.readUInt32LE(at + 12);
    const dirOffset = tail.readUInt32LE(at + 16);
    const dir = readAt(fd, dirOffset, dirSize);
    const entries = [];
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (dir.readUInt32LE(p) !== CENTRAL) throw new Error(`${file}: damaged central directory at entry ${i + 1}`);
      const nameLength = dir.readUInt16LE(p + 28);
      const extraLength = dir.readUInt16LE(p + 30);
      const commentLength = dir.readUInt16LE(p + 32);
      const name = dir.toString('utf8', p + 46, p + 46 + nameLength);
      if (!name.endsWith('/')) {
        entries.push({
          name,
          method: dir.readUInt16LE(p + 10),
          compressedSize: dir.readUInt32LE(p + 20),
          size: dir.readUInt32LE(p + 24),
          offset: dir.readUInt32LE(p + 42),
        });
      }
      p += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
  } finally {
    closeSync(fd);
  }
}

function entryBytes(fd, file, entry) {
  const header = readAt(fd, entry.offset, 30);
  if (header.readUInt32LE(0) !== LOCAL) throw new Error(`${file}: damaged local header of ${entry.name}`);
  const start = entry.offset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  const raw = readAt(fd, start, entry.compressedSize);
  if (entry.method === 0) return raw;
  if (entry.method === 8) return inflateRawSync(raw);
  throw new Error(`${file}: ${entry.name} uses compression method ${entry.method} (only stored and deflate are read)`);
}

/** Extracts every file entry under `outDir`; names that would leave it are refused. */
export function extractZip(file, outDir) {
  const entries = listZip(file);
  const fd = openSync(file, 'r');
  try {
    for (const entry of entries) {
      const rel = normalize(entry.name);
      if (rel.startsWith(`..${sep}`) || rel === '..' || rel.startsWith(sep)) throw new Error(`${file}: entry ${entry.name} points outside the archive`);
      const to = join(outDir, rel);
      mkdirSync(dirname(to), { recursive: true });
      writeFileSync(to, entryBytes(fd, file, entry));
    }
  } finally {
    closeSync(fd);
  }
  return entries;
}
