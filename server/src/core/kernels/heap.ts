/**
 * The WebAssembly memory the SIMD kernel works in (core/linalg.ts's matrices are copied
 * in, worked on and copied out). One instance per thread, created on first use; a
 * memory that grew past {@link KEEP_BYTES} is let go after the operation that needed it,
 * so one very large sample does not keep its matrices' worth of memory for the life of
 * the server.
 */
import { dot2x4Wasm } from './dot2x4Wasm';

/** Float64 slots at the start of the memory where dot2x4 leaves its 8 results. */
export const RESULT_SLOTS = 8;

/** Bytes of memory kept between operations (larger memories are dropped after use). */
const KEEP_BYTES = 64 << 20;
const PAGE = 65536;

/** The kernel's functions (kernels/dot2x4.wat says what each does); arguments are byte offsets. */
export interface Kernel {
  memory: Memory;
  dot2x4(p0: number, p1: number, q0: number, q1: number, q2: number, q3: number, len: number): void;
  choleskyPair(ri: number, rn: number, a0: number, rowBytes: number, i: number): number;
  solve4(l: number, n: number, y0: number, y1: number, y2: number, y3: number): number;
}

/** The part of the WebAssembly API used here (the project's lib settings do not declare it). */
interface Memory { readonly buffer: ArrayBuffer; grow(pages: number): number }
const wasm = (globalThis as unknown as {
  WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object, imports: object) => { exports: unknown } };
}).WebAssembly;

let module: object | undefined;
let instance: Kernel | undefined;

function create(): Kernel {
  module ??= new wasm.Module(Buffer.from(dot2x4Wasm, 'base64'));
  return new wasm.Instance(module, {}).exports as Kernel;
}

/**
 * Room for `doubles` float64 after the result slots. Returns the memory as one
 * Float64Array (index i is byte 8·i, the data starts at RESULT_SLOTS) and the kernel;
 * the view is valid until the next reserve().
 */
export function reserve(doubles: number): { h: Float64Array; k: Kernel } {
  instance ??= create();
  const bytes = (RESULT_SLOTS + doubles) * 8;
  if (bytes > 0xffff_0000) throw new RangeError(`linear algebra: ${doubles} float64 do not fit in one WebAssembly memory (4 GB)`);
  const have = instance.memory.buffer.byteLength;
  if (bytes > have) instance.memory.grow(Math.ceil((bytes - have) / PAGE));
  return { h: new Float64Array(instance.memory.buffer), k: instance };
}

/** Lets a memory that grew past the kept size go (called when an operation is over). */
export function release(): void {
  if (instance && instance.memory.buffer.byteLength > KEEP_BYTES) instance = undefined;
}
