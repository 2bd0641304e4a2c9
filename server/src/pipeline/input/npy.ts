/**
 * `.npy` matrices (NumPy's format, versions 1–3): float32, float16 or float64,
 * little-endian, C order, two dimensions (rows × dim). The header is checked
 * once; rows are read by offset when a triple needs them, never the whole file.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

export class NpyError extends Error {}

const DTYPES: Record<string, { size: number; name: string }> = {
  '<f4': { size: 4, name: 'float32' },
  '<f2': { size: 2, name: 'float16' },
  '<f8': { size: 8, name: 'float64' },
};

export interface NpyHeader { dtype: string; rows: number; dim: number; dataOffset: number; itemSize: number }

/** Reads and checks the header of an open `.npy` file; throws NpyError with a message for the user. */
export function readNpyHeader(fd: number): NpyHeader {
  const head = Buffer.alloc(12);
  const n = readSync(fd, head, 0, 12, 0);
  if (n < 10 || !head.subarray(0, 6).equals(MAGIC)) throw new NpyError('not a .npy file (it does not start with \\x93NUMPY)');
  const major = head[6];
  if (major < 1 || major > 3) throw new NpyError(`.npy format version ${major}.${head[7]} is not supported (expected 1, 2 or 3)`);
  const lenBytes = major === 1 ? 2 : 4;
  const headerLen = major === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8);
  const start = 8 + lenBytes;
  if (headerLen > 1 << 20) throw new NpyError(`the .npy header is ${headerLen} bytes long; expected a small dict`);
  const hb = Buffer.alloc(headerLen);
  if (readSync(fd, hb, 0, headerLen, start) < headerLen) throw new NpyError('the .npy header is cut short (truncated file)');
  const header = hb.toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shape === undefined) throw new NpyError(`cannot read the .npy header ${JSON.stringify(header.trim())}: expected 'descr', 'fortran_order' and 'shape'`);
  const dt = DTYPES[descr === '=f4' ? '<f4' : descr === '=f2' ? '<f2' : descr === '=f8' ? '<f8' : descr];
  if (!dt) throw new NpyError(`dtype '${descr}' is not supported: expected little-endian float32, float16 or float64 ('<f4', '<f2', '<f8'); convert with arr.astype('<f4')`);
  if (fortran === 'True') throw new NpyError(`the matrix is stored in Fortran (column) order: expected C order; save np.ascontiguousarray(arr)`);
  const dims = shape.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (dims.length !== 2 || !dims.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new NpyError(`shape (${shape.trim()}) is not a matrix: expected two dimensions (rows, dimension)`);
  if (dims[1] === 0) throw new NpyError('the vectors have 0 dimensions');
  const dataOffset = start + headerLen;
  const expected = dataOffset + dims[0] * dims[1] * dt.size;
  const size = fstatSync(fd).size;
  if (size < expected) throw new NpyError(`the file is ${size} bytes, but shape (${dims[0]}, ${dims[1]}) of ${dt.name} needs ${expected}: it is truncated`);
  return { dtype: dt.name, rows: dims[0], dim: dims[1], dataOffset, itemSize: dt.size };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

export class NpyMatrix {
  private fd: number | null = null;
  private constructor(readonly path: string, readonly header: NpyHeader) {}

  static open(path: string): NpyMatrix {
    const fd = openSync(path, 'r');
    try {
      return new NpyMatrix(path, readNpyHeader(fd));
    } finally {
      closeSync(fd);
    }
  }

  get rows(): number { return this.header.rows; }
  get dim(): number { return this.header.dim; }

  row(i: number): Float32Array {
    const { dim, itemSize, dataOffset } = this.header;
    this.fd ??= openSync(this.path, 'r');
    const buf = Buffer.allocUnsafe(dim * itemSize);
    readSync(this.fd, buf, 0, buf.length, dataOffset + i * dim * itemSize);
    const out = new Float32Array(dim);
    if (itemSize === 4) for (let k = 0; k < dim; k++) out[k] = buf.readFloatLE(k * 4);
    else if (itemSize === 8) for (let k = 0; k < dim; k++) out[k] = buf.readDoubleLE(k * 8);
    else for (let k = 0; k < dim; k++) out[k] = halfToFloat(buf.readUInt16LE(k * 2));
    return out;
  }

  release(): void {
    if (this.fd !== null) { closeSync(this.fd); this.fd = null; }
  }
}
