/**
 * The scores of a source's sample from the previous runs, by content: an edit that
 * leaves a source's clipped residuals and weights bit-identical (an edit elsewhere
 * that moves neither m nor the IDF of its queries' terms) re-uses its log-determinant,
 * leverages, gains and redundant flags instead of factorising again. Keys hash the
 * exact float64 bytes, so a hit is the same computation's result, bit for bit.
 * Entries of the last two runs are kept; callers get copies (results are transferred
 * to another thread, which detaches their buffers).
 */
import { createHash } from 'node:crypto';
import type { SourceScore } from './eci';

export interface MemoScore { score: SourceScore; redundant: Uint8Array }

function copy(x: MemoScore): MemoScore {
  const { leverage, gain, gram, ...rest } = x.score;
  return {
    score: { ...rest, leverage: leverage.slice(), gain: gain.slice(), ...(gram ? { gram: gram.slice() } : {}) },
    redundant: x.redundant.slice(),
  };
}

export class ScoreMemo {
  private current = new Map<string, MemoScore>();
  private previous = new Map<string, MemoScore>();
  hits = 0;

  /** A new run: entries not used by the last two runs are forgotten. */
  nextRun(): void {
    this.previous = this.current;
    this.current = new Map();
  }

  key(units: readonly Float64Array[], weights: Float64Array, params: readonly number[]): string {
    const h = createHash('sha256');
    h.update(Float64Array.from(params));
    h.update(new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength));
    for (const u of units) h.update(new Uint8Array(u.buffer, u.byteOffset, u.byteLength));
    return h.digest('base64');
  }

  get(key: string): MemoScore | undefined {
    const hit = this.current.get(key) ?? this.previous.get(key);
    if (!hit) return undefined;
    this.current.set(key, hit);
    this.hits++;
    return copy(hit);
  }

  set(key: string, value: MemoScore): void {
    this.current.set(key, copy(value));
  }
}
