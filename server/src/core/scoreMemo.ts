/**
 * Scores of earlier runs by content: an edit that leaves a source's clipped
 * residuals and weights bit-identical (an edit elsewhere that moves neither m nor
 * the IDF of its queries' terms) re-uses its log-determinant, leverages, gains,
 * redundant flags and half-sample scores instead of factorising again. Keys hash
 * the exact float64 bytes (and settings, and for half-samples the sample keys), so
 * a hit is the same computation's result, bit for bit. Entries of the last two runs
 * are kept; callers get copies (results are transferred to another thread, which
 * detaches their buffers).
 */
import { createHash } from 'node:crypto';
import type { SourceScore } from './eci';

export class ContentMemo<V> {
  private current = new Map<string, V>();
  private previous = new Map<string, V>();
  hits = 0;

  constructor(private readonly copy: (v: V) => V) {}

  /** A new run: entries not used by the last two runs are forgotten. */
  nextRun(): void {
    this.previous = this.current;
    this.current = new Map();
  }

  key(units: readonly Float64Array[], weights: Float64Array, params: readonly number[], extra = ''): string {
    const h = createHash('sha256');
    h.update(Float64Array.from(params));
    h.update(extra);
    h.update(new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength));
    // Units laid end to end in one buffer (aggregate's sampledInputs) are hashed in one go: the same bytes.
    const first = units[0];
    const last = units[units.length - 1];
    const contiguous = first !== undefined && units.every((u, k) => u.buffer === first.buffer && u.byteOffset === first.byteOffset + k * first.byteLength && u.byteLength === first.byteLength);
    if (contiguous) h.update(new Uint8Array(first.buffer, first.byteOffset, last.byteOffset + last.byteLength - first.byteOffset));
    else for (const u of units) h.update(new Uint8Array(u.buffer, u.byteOffset, u.byteLength));
    return h.digest('base64');
  }


  get(key: string): V | undefined {
    const hit = this.current.get(key) ?? this.previous.get(key);
    if (hit === undefined) return undefined;
    this.current.set(key, hit);
    this.hits++;
    return this.copy(hit);
  }

  set(key: string, value: V): void {
    this.current.set(key, this.copy(value));
  }
}

export interface MemoScore { score: SourceScore; redundant: Uint8Array }

function copyScore(x: MemoScore): MemoScore {
  const { leverage, gain, gram, ...rest } = x.score;
  return {
    score: { ...rest, leverage: leverage.slice(), gain: gain.slice(), ...(gram ? { gram: gram.slice() } : {}) },
    redundant: x.redundant.slice(),
  };
}

/** Per source: its score, leverages, gains and redundant flags. */
export class ScoreMemo extends ContentMemo<MemoScore> {
  /** The R half-sample scores of each source's stability check. */
  readonly halves = new ContentMemo<Float64Array>((v) => v.slice());

  constructor() { super(copyScore); }

  override nextRun(): void {
    super.nextRun();
    this.halves.nextRun();
  }
}
