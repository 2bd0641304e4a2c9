/**
 * Line facts (pipeline/lineFacts.ts): what the language server keeps per line between
 * runs. A run with facts gives the same result as one without (invariant 10), parses
 * only lines it has not seen, replays a file whose stamp did not change, re-reads one
 * that changed even at the same size, forgets everything when the seed changes, and
 * falls back to streaming every line when the facts outgrow their budget.
 */
import assert from 'node:assert/strict';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LineFacts } from '../../server/src/pipeline/lineFacts';
import { essence, FACTS_CONFIG, factsWorkspace, runWithFacts } from '../helpers/factsWorkspace';

const workspace = () => factsWorkspace('eci-line-facts-');
const run = runWithFacts;
const CONFIG = FACTS_CONFIG;

test('an edit of an open document parses that line only, and the result equals a run without facts', async () => {
  const dir = workspace();
  const facts = new LineFacts();
  const a = join(dir, 'a.jsonl');
  const lines = readFileSync(a, 'utf8').split('\n');
  const first = await run(dir, facts, { [a]: lines.join('\n') });
  assert.deepEqual(first.reuse, { reused: 0, parsed: 80, measured: 80 }, 'the first run parses every line');
  assert.deepEqual(essence(first), essence(await run(dir, undefined, { [a]: lines.join('\n') })));

  // A new negative with a word no passage had: every idf moves, every overlap is recomputed.
  const rec = JSON.parse(lines[17]);
  rec.negative += ' zyzzyva';
  lines[17] = JSON.stringify(rec);
  const edited = await run(dir, facts, { [a]: lines.join('\n') });
  assert.equal(edited.reuse!.parsed, 1);
  assert.equal(edited.reuse!.measured, 1);
  assert.equal(edited.reuse!.reused, 79);
  assert.deepEqual(essence(edited), essence(await run(dir, undefined, { [a]: lines.join('\n') })));

  // Lines moved (an insert above them, a swap): known by their text, nothing is parsed.
  [lines[3], lines[30]] = [lines[30], lines[3]];
  const moved = await run(dir, facts, { [a]: lines.join('\n') });
  assert.equal(moved.reuse!.parsed, 0);
  assert.deepEqual(essence(moved), essence(await run(dir, undefined, { [a]: lines.join('\n') })));

  // An open document's lines are matched in order against its last read (one line up or
  // down): a new line at the top, a line deleted, a broken line (parsed on every run, as
  // every line with a problem) and a duplicate of a line, each against a run without facts.
  const fresh = JSON.parse(lines[5]);
  fresh.query = 'a query no run has seen';
  const steps: [string, (l: string[]) => void, number][] = [
    ['insert at the top', (l) => l.unshift(JSON.stringify(fresh)), 1],
    ['delete a line', (l) => l.splice(10, 1), 0],
    ['break a line', (l) => { l[20] = l[20].slice(0, 30); }, 1],
    ['duplicate a line below itself', (l) => l.splice(8, 0, l[7]), 1],
    ['mend the broken line', (l) => { l[21] = lines2[20]; }, 1],
  ];
  const lines2 = [...lines];
  lines2.unshift(JSON.stringify(fresh));
  lines2.splice(10, 1);
  for (const [what, change, parsed] of steps) {
    change(lines);
    const got = await run(dir, facts, { [a]: lines.join('\n') });
    assert.equal(got.reuse!.parsed, parsed, `${what}: lines parsed`);
    assert.deepEqual(essence(got), essence(await run(dir, undefined, { [a]: lines.join('\n') })), what);
  }
});

test('a file on disk is replayed while unchanged, and read again when it changes, even at the same size', async () => {
  const dir = workspace();
  // Files younger than a second have no stamp yet (pipeline/lines.ts): their lines are compared one by one.
  await sleep(1100);
  const facts = new LineFacts();
  await run(dir, facts);
  const again = await run(dir, facts);
  assert.deepEqual(again.reuse, { reused: 80, parsed: 0, measured: 0 });

  const b = join(dir, 'b.jsonl');
  const text = readFileSync(b, 'utf8');
  const at = text.indexOf('negative B passage 7 ');
  assert.ok(at > 0);
  // One character for another: same size; the modification time is set back to the old one.
  const before = (await import('node:fs')).statSync(b);
  writeFileSync(b, text.slice(0, at) + 'N' + text.slice(at + 1));
  utimesSync(b, before.atime, before.mtime);
  const changed = await run(dir, facts);
  assert.equal(changed.reuse!.parsed, 1, 'the changed line, and only it, is parsed');
  assert.deepEqual(essence(changed), essence(await run(dir)));
});

test('another seed forgets every fact; a budget too small for them gives the same result without them', async () => {
  const dir = workspace();
  const facts = new LineFacts();
  await run(dir, facts);
  writeFileSync(join(dir, 'eci.config.jsonc'), CONFIG(14));
  const reseeded = await run(dir, facts);
  assert.equal(reseeded.reuse!.parsed, 80, 'the sample order depends on the seed: every line again');
  assert.deepEqual(essence(reseeded), essence(await run(dir)));

  // Input alone larger than the budget: no facts from the start.
  const tiny = new LineFacts(4096);
  const skipped = await run(dir, tiny);
  assert.equal(skipped.reuse, undefined, 'the input is larger than the budget: no facts');
  assert.deepEqual(essence(skipped), essence(await run(dir)));
  // Input within the budget, its facts not (about 1.4 kB a line here for 0.45 kB of text):
  // the scan outgrows it, drops the facts and reads every line without them.
  const input = ['a.jsonl', 'b.jsonl'].reduce((n, f) => n + readFileSync(join(dir, f)).length, 0);
  const small = new LineFacts(Math.round(input * 1.5));
  const over = await run(dir, small);
  assert.equal(over.reuse, undefined, 'over budget: the run reads every line without facts');
  assert.deepEqual(essence(over), essence(await run(dir)));
  assert.equal(small.usableFor(1000), false, 'not used again while the scope is this large');
});
