/** A one-line progress bar on stderr, shown only on a TTY. */
import type { Progress } from '../analysis/analyze';

export function progressBar(stream: NodeJS.WriteStream): { update(p: Progress): void; done(): void } {
  if (!stream.isTTY) return { update() {}, done() {} };
  let started = 0;
  let last = 0;
  let shown = false;
  const width = () => Math.max(20, (stream.columns ?? 80) - 1);
  const write = (text: string) => {
    stream.write(`\r${text.slice(0, width()).padEnd(width())}`);
    shown = true;
  };
  return {
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
      if (shown) stream.write(`\r${' '.repeat(width())}\r`);
    },
  };
}
