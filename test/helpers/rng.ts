/**
 * A seeded PRNG for generated test data, fixtures and benchmarks. The engine samples
 * by hash keys instead (server/src/core/sampling.ts); nothing in it draws random numbers.
 *
 * Generator: xoshiro128** (Blackman & Vigna), 128-bit state, 32-bit outputs,
 * all in Math.imul / >>> arithmetic — exact and identical on every JS engine.
 * The four state words come from a SplitMix-style sequence (golden-ratio Weyl
 * counter through MurmurHash3's fmix32) started at the 32-bit FNV-1a hash of
 * the seed and the name's UTF-8 bytes.
 */

/** FNV-1a (32-bit) over the UTF-8 bytes of `text`: stable across platforms and JS engines. */
export function hashString(text: string): number {
  const bytes = new TextEncoder().encode(text);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** MurmurHash3's fmix32 finaliser: a bijective, well-mixed 32-bit word from a Weyl counter. */
function fmix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A seeded xoshiro128** generator. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /**
   * Seeded from (seed, name). The seed enters through its decimal string so
   * that any JS number (not only 32-bit integers) is hashed exactly; the NUL
   * separator keeps (1, "3x") and (13, "x") apart.
   */
  constructor(seed: number, name = '') {
    let x = hashString(`${seed}\u0000${name}`);
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0; // golden-ratio Weyl step, as in SplitMix
      return fmix32(x);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    // The all-zero state is the one state xoshiro must avoid.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /**
   * Uniform integer in [0, bound), bound ≤ 2³², without modulo bias: draws
   * falling in the incomplete last block of 2³² are rejected (probability
   * < bound/2³², i.e. < 0.3% for ten million).
   */
  nextBelow(bound: number): number {
    if (!Number.isInteger(bound) || bound <= 0 || bound > 4294967296) {
      throw new RangeError(`nextBelow: bound must be an integer in [1, 2^32], got ${bound}`);
    }
    const limit = 4294967296 - (4294967296 % bound);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % bound;
    }
  }

  /** Standard normal deviate (Box–Muller; one of the pair is discarded to keep the state simple). */
  nextGaussian(): number {
    const u = 1 - this.nextFloat(); // (0, 1]: log is finite
    const v = this.nextFloat();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
