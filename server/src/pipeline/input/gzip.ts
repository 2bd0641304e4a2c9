/**
 * `.gz` after any text format: the file is decompressed as it streams (zlib),
 * and lines are numbered as in the decompressed file. A truncated or corrupt
 * file ends the stream with a `DamagedInputError` after its last whole line.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { chunkLines, fileBytes, fileStamp, type LineSource } from '../lines';

export function isGzip(path: string): boolean {
  return path.toLowerCase().endsWith('.gz');
}

/** The file name without a trailing `.gz` (to tell the format inside). */
export function withoutGz(path: string): string {
  return isGzip(path) ? path.slice(0, -3) : path;
}

/** A readable stream of the decompressed bytes of `path` (concatenated gzip members, as gunzip reads them). */
export function gunzipStream(path: string): NodeJS.ReadableStream & AsyncIterable<Buffer> & { destroy(): void } {
  const gunzip = createGunzip({ chunkSize: 1 << 16 });
  // pipeline forwards a read error of the file to the gunzip stream; the callback only keeps it from being unhandled.
  return pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), gunzip, () => {}) as never;
}

export function gzipLineSource(path: string, shownAs = path): LineSource {
  return { name: shownAs, lines: () => chunkLines(gunzipStream(path), shownAs), stamp: () => fileStamp(path), bytes: () => fileBytes(path, 4) };
}
