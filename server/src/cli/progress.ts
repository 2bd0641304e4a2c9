/**
 * A one-line progress bar on stderr, shown only on a TTY; under it, once the sampled
 * triples are measured, the provisional ranking (a few lines), until the run ends.
 */
import type { Progress } from '../pipeline/analyze';

export interface Bar {
  update(p: Progress): void;
  /** Lines shown under the bar until `done` (the ranking of the samples). */
  ranking(lines: string[]): void;
  /** Whether `ranking` shows anything (a terminal). */
  readonly showsRanking: boolean;
  done(): void;
}

export const quietBar: Bar = { update() {}, ranking() {}, showsRanking: false, done() {} };

export function progressBar(stream: NodeJS.WriteStream): Bar {
  if (!stream.isTTY) return quietBar;
  let started = 0;
  let last = 0;
  let shown = false;
  /** Lines printed under the bar (the cursor stays on the bar's line). */
  let below: string[] = [];
  const width = () => Math.max(20, (stream.columns ?? 80) - 1);
  const write = (text: string) => {
    stream.write(`\r${text.slice(0, width()).padEnd(width())}`);
    shown = true;
  };
  const clearBelow = () => {
    if (below.length === 0) return;
    // Down one line at a time, clearing each, then back up to the bar.
    stream.write(`${'\n\x1b[2K'.repeat(below.length)}\x1b[${below.length}A\r`);
    below = [];
  };
  return {
    showsRanking: true,
    ranking(lines) {
      clearBelow();
      below = lines.map((l) => l.slice(0, width()));
      stream.write(`${below.map((l) => `\n\x1b[2K${l}`).join('')}\x1b[${below.length}A\r`);
    },
    update(p) {
      const now = Date.now();
      if (now - last < 100 && p.done !== p.total) return;
      last = now;
      if (p.phase === 'scan') return write(`reading… ${p.done.toLocaleString('en-US')} lines`);
      if (p.phase === 'load') return write('loading the target encoder…');
      if (p.phase === 'score') return write('scoring sources…');
      if (!started) started = now;
      const frac = p.total > 0 ? p.done / p.total : 0;
      const bar = '█'.repeat(Math.round(frac * 24)).padEnd(24, '░');
      const secs = (now - started) / 1000;
      const rate = secs > 0 ? p.done / secs : 0;
      const eta = rate > 0 ? Math.round((p.total - p.done) / rate) : 0;
      const texts = p.embedded !== undefined ? ` · ${p.embedded.toLocaleString('en-US')} texts embedded` : '';
      write(`embedding ${bar} ${p.done.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')} triples${texts} · ${Math.round(rate)}/s · ETA ${eta}s`);
    },
    done() {
      clearBelow();
      if (shown) stream.write(`\r${' '.repeat(width())}\r`);
    },
  };
}
