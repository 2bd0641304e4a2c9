/**
 * State the analysis worker keeps between runs: one embedder (encoder worker and
 * embedding cache), so that a re-run after an edit does not load the model again.
 */
import { encoderChoice, type EncoderOptions } from '../../pipeline/encoderSetup';
import type { Embedder, EncoderChoice } from '../../pipeline/embedder';
import { StageError } from '../stageError';

/**
 * Keeps one embedder (encoder worker + cache) alive between runs: loading the
 * model takes seconds, and edits re-run every few hundred milliseconds. A new
 * one is loaded only when what determines the vectors changes.
 */
export class EmbedderKeeper {
  private kept: { key: string; embedder: Promise<Embedder>; identity: string } | undefined;
  private loads = 0;

  /**
   * `onBatch(done, total)` is called after each batch of texts of an embed call:
   * analyze() reports progress only per 2048-triple chunk, which for a small
   * corpus is once, at the end — too late for a progress bar or a cancel button.
   */
  choice(opts: EncoderOptions, onBatch?: (done: number, total: number) => void): EncoderChoice {
    const inner = encoderChoice(opts);
    if (inner.kind === 'precomputed') return inner;
    const { offset: _o, length: _l, ...encoder } = opts.config ?? { offset: 0, length: 0 };
    const key = JSON.stringify([encoder, opts.base, opts.cli, opts.cacheDir]);
    const load = async (): Promise<Embedder> => {
      if (this.kept?.key !== key) {
        const old = this.kept;
        // A new load may see another model file behind the same settings: a new identity.
        this.kept = { key, embedder: inner.load(), identity: `${++this.loads}:${key}` };
        old?.embedder.then((e) => e.close(), () => undefined);
      }
      const kept = this.kept;
      let embedder: Embedder;
      try {
        embedder = await kept.embedder;
      } catch (err) {
        if (this.kept === kept) this.kept = undefined; // retry the load next run
        throw new StageError('encoder', (err as Error).message);
      }
      const base = embedder.embeddedCount ?? 0;
      // analyze() closes its embedder when done; this one must outlive the run.
      return {
        info: embedder.info,
        identity: kept.identity,
        embed: async (texts, signal) => {
          const out: Float32Array[] = [];
          onBatch?.(0, texts.length);
          for (let k = 0; k < texts.length; k += EMBED_BATCH) {
            const part = await embedder.embed(texts.slice(k, k + EMBED_BATCH), signal);
            for (const v of part) out.push(v);
            onBatch?.(Math.min(k + EMBED_BATCH, texts.length), texts.length);
          }
          return out;
        },
        ...(embedder.terms ? { terms: embedder.terms.bind(embedder) } : {}),
        get embeddedCount() { return (embedder.embeddedCount ?? 0) - base; },
        close: async () => undefined,
      };
    };
    return { kind: inner.kind, load };
  }

  /**
   * Has the kept embedder start its model now (it loads lazily, at the first cache miss): a
   * run on a warm cache never starts it, and the first edit after it must not wait for the
   * model to load (about 250 ms for the default model, seconds for a large one).
   */
  prepare(): void {
    this.kept?.embedder.then((e) => e.prepare?.(), () => undefined);
  }

  /** Forgets the kept embedder (its model failed): the next run loads afresh. */
  discard(): void {
    const kept = this.kept;
    this.kept = undefined;
    kept?.embedder.then((e) => e.close(), () => undefined);
  }

  async close(): Promise<void> {
    const kept = this.kept;
    this.kept = undefined;
    if (kept) await kept.embedder.then((e) => e.close(), () => undefined);
  }
}

/** Texts per embed call to the cached encoder: a progress step every few hundred texts. */
const EMBED_BATCH = 256;
