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

test('the ranking of the samples shows under the bar and is cleared at the end', () => {
  const f = fakeStream(true);
  const bar = progressBar(f.stream);
  assert.equal(bar.showsRanking, true);
  bar.update({ phase: 'embed', done: 10, total: 1000 });
  bar.ranking(['ranking of the sampled triples (sample scope; every triple follows):', '  plain: 1. BM25 7.912  2. Dense 7.401']);
  const shown = f.text();
  assert.match(shown, /\n\x1b\[2Kranking of the sampled triples/);
  assert.match(shown, /\n\x1b\[2K {2}plain: 1\. BM25 7\.912 {2}2\. Dense 7\.401\x1b\[2A\r$/, 'the cursor goes back to the bar line');
  bar.update({ phase: 'embed', done: 900, total: 1000 });
  bar.done();
  assert.ok(f.text().endsWith('\n\x1b[2K\n\x1b[2K\x1b[2A\r\r' + ' '.repeat(119) + '\r'), 'both ranking lines are cleared, then the bar');
  assert.equal(progressBar(fakeStream(false).stream).showsRanking, false);
});
