/**
 * The pause before a run after an edit (live/runManager.ts): an edit after a quiet second
 * (a paste, an undo, a deleted line) runs after 30 ms; edits in a burst wait the typing
 * pause of 150 ms, so that keystrokes coalesce. Each scope has its own clock.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RunManager, type RunManagerDeps } from '../../server/src/live/runManager';

test('a first edit runs after 30 ms, edits in a burst after 150 ms, a quiet second makes the next edit a first one again', async () => {
  const runs = new RunManager({ host: {}, store: {}, log: () => undefined } as unknown as RunManagerDeps);
  assert.equal(runs.editDelay('a'), 30, 'the first edit of a scope');
  assert.equal(runs.editDelay('a'), 150, 'a second edit right after it: typing');
  assert.equal(runs.editDelay('a'), 150);
  assert.equal(runs.editDelay('b'), 30, 'another scope has its own clock');
  await new Promise((r) => setTimeout(r, 1050));
  assert.equal(runs.editDelay('a'), 30, 'after a quiet second');
  assert.equal(runs.editDelay('a'), 150);
});
