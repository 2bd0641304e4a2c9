/** isWithin: the one "is this path in that folder" test of the workspace code. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { looseSourceNames, isWithin } from '../../server/src/workspace/discovery';

test('isWithin: the folder itself and paths under it, not siblings sharing a prefix; a root folder holds everything', () => {
  assert.equal(isWithin('/w/a', '/w/a'), true);
  assert.equal(isWithin('/w/a/x.jsonl', '/w/a'), true);
  assert.equal(isWithin('/w/ab/x.jsonl', '/w/a'), false);
  assert.equal(isWithin('/w/a/x.jsonl', '/'), true);
});

test('looseSourceNames tells same-named files apart by their folder, also in a root workspace folder', () => {
  assert.deepEqual(looseSourceNames(['/a/t.jsonl', '/b/t.jsonl'], ['/']).map((x) => x.source), ['a/t', 'b/t']);
  assert.deepEqual(looseSourceNames(['/w/a/t.jsonl', '/w/b/t.jsonl'], ['/w']).map((x) => x.source), ['a/t', 'b/t']);
});
