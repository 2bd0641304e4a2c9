/**
 * Spec §5 invariant 10's equality: numbers within 1e-9 relative, everything else equal.
 * Runs that reuse facts from earlier runs may add the idf of shared terms in another order
 * than a fresh run, which moves overlap and Jaccard in the last bits, never more.
 */
import assert from 'node:assert/strict';

type Json = Record<string, unknown>;

/** `got` equals `want` (numbers within 1e-9 relative, objects key by key); `at` names the place of a difference. */
export function assertSameResult(got: unknown, want: unknown, at = 'result'): void {
  if (typeof want === 'number' && typeof got === 'number') {
    assert.ok(got === want || Math.abs(got - want) <= 1e-9 * Math.max(Math.abs(want), 1e-300), `${at}: ${got} vs ${want}`);
    return;
  }
  if (want === null || typeof want !== 'object') { assert.equal(got, want, at); return; }
  assert.ok(got !== null && typeof got === 'object', `${at}: ${JSON.stringify(got)} vs an object`);
  if (Array.isArray(want)) {
    assert.ok(Array.isArray(got) && got.length === want.length, `${at}: length ${(got as unknown[]).length} vs ${want.length}`);
    want.forEach((w, k) => assertSameResult((got as unknown[])[k], w, `${at}[${k}]`));
    return;
  }
  assert.deepEqual(Object.keys(got as Json).sort(), Object.keys(want as Json).sort(), `${at}: keys`);
  for (const k of Object.keys(want as Json)) assertSameResult((got as Json)[k], (want as Json)[k], `${at}.${k}`);
}
