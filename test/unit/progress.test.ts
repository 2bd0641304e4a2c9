/** The CLI's progress bar: shown on a terminal, silent otherwise. */
import assert from 'node:assert/strict';
import test from 'node:test';
import { progressBar } from '../../server/src/cli/progress';

function fakeStream(isTTY: boolean) {
  let written = '';
  const stream = { isTTY, columns: 120, write: (s: string) => { written += s; return true; } } as unknown as NodeJS.WriteStream;
  return { stream, text: () => written };
}

test('on a terminal it shows triples done / total, texts embedded, rate and ETA, then clears', () => {
  const f = fakeStream(true);
  const bar = progressBar(f.stream);
  bar.update({ phase: 'embed', done: 0, total: 1000, embedded: 0 });
  bar.update({ phase: 'embed', done: 1000, total: 1000, embedded: 2400 });
  const shown = f.text();
  assert.match(shown, /embedding .* 1,000\/1,000 triples · 2,400 texts embedded · \d+\/s · ETA 0s/);
  bar.done();
  assert.ok(f.text().endsWith('\r'), 'the line is cleared so the report starts clean');
});

test('not a terminal: nothing is written', () => {
  const f = fakeStream(false);
  const bar = progressBar(f.stream);
  bar.update({ phase: 'scan', done: 10, total: 0 });
  bar.update({ phase: 'embed', done: 5, total: 10 });
  bar.done();
  assert.equal(f.text(), '');
});
