/** The compact digest set behind pass 1's distinct passages and hybrid unions. */
import assert from 'node:assert/strict';
import { hash } from 'node:crypto';
import { test } from 'node:test';
import { DigestSet } from '../../server/src/pipeline/scan';

test('DigestSet: membership by text digest, through many resizes', () => {
  const set = new DigestSet();
  const digest = (t: string) => hash('sha1', t, 'buffer');
  for (let i = 0; i < 50_000; i++) assert.equal(set.add(digest(`passage ${i}`)), true);
  assert.equal(set.size, 50_000);
  for (let i = 0; i < 50_000; i += 7) assert.equal(set.add(digest(`passage ${i}`)), false, `passage ${i} again`);
  assert.equal(set.add(digest('passage 50000')), true);
  assert.equal(set.size, 50_001);
  // The all-zero digest is a member like any other (its marker bit is set on the way in).
  assert.equal(set.add(new Uint8Array(20)), true);
  assert.equal(set.add(new Uint8Array(20)), false);
});
