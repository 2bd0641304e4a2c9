/**
 * Lazy start: a model folder whose eci-sem.json pins its settings gets its EncoderInfo on
 * the main thread (from file digests), and the worker starts only at the first embed().
 * The pinned info must equal what the worker reports, and a wrong eci-sem.json must fail
 * with a message that says so.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { EncoderClient, EncoderError, type EncoderSpec } from '../../server/src/encoder/client';

const ROOT = join(__dirname, '..', '..');
const OUT = join(ROOT, 'test-output', 'encoder-lazy-test');
const POOLED = join(OUT, 'pooled');

const spec = (extra: Partial<EncoderSpec> = {}): EncoderSpec => ({ modelDir: POOLED, batchSize: 4, threads: 1, ...extra });
const meta = (m: object) => writeFileSync(join(POOLED, 'eci-sem.json'), JSON.stringify(m));
const PINNED = { name: 'tiny-pooled', pooling: 'none', output: 'sentence_embedding', maxLength: 64, dimension: 64 };

before(() => {
  rmSync(OUT, { recursive: true, force: true });
  execFileSync(process.execPath, [join(ROOT, 'test', 'fixtures', 'make-bert.mjs'), POOLED, '--sentence-embedding'], { stdio: 'pipe' });
});

describe('EncoderClient lazy start', () => {
  test('pinned settings: no worker until the first embed, and the same info as an eager load', async () => {
    meta(PINNED);
    const lazy = await EncoderClient.start(spec());
    const eager = await EncoderClient.start(spec(), undefined, { lazy: false });
    try {
      assert.equal(lazy.started, false);
      assert.equal(eager.started, true);
      assert.deepEqual(lazy.info, eager.info);
      const [a] = await lazy.embed(['hello world']);
      assert.equal(lazy.started, true);
      const [b] = await eager.embed(['hello world']);
      assert.deepEqual(a, b);
      // A spec override that changes the vectors changes the pinned fingerprint too.
      const shorter = await EncoderClient.start(spec({ maxLength: 8 }));
      assert.equal(shorter.started, false);
      assert.notEqual(shorter.info.fingerprint, lazy.info.fingerprint);
      await shorter.close();
    } finally {
      await lazy.close();
      await eager.close();
    }
  });

  test('without pinned settings the worker starts at once', async () => {
    meta({ name: 'tiny-pooled' });
    const c = await EncoderClient.start(spec());
    try {
      assert.equal(c.started, true);
      assert.equal(c.info.output, 'sentence_embedding');
    } finally {
      await c.close();
    }
    meta(PINNED);
    const overridden = await EncoderClient.start(spec({ pooling: 'cls' }));
    try {
      assert.equal(overridden.started, true, 'a pooling override is resolved by the session');
      assert.equal(overridden.info.output, 'last_hidden_state');
    } finally {
      await overridden.close();
    }
  });

  test('an eci-sem.json that does not describe the model fails at the first embed, saying so', async () => {
    meta({ ...PINNED, output: 'last_hidden_state' }); // rank 3: the session picks sentence_embedding
    const c = await EncoderClient.start(spec());
    try {
      assert.equal(c.started, false);
      await assert.rejects(c.embed(['x']), (e: unknown) =>
        e instanceof EncoderError && e.code === 'model-load' && /output sentence_embedding \(expected last_hidden_state\)/.test(e.message) && /eci-sem\.json/.test(e.message));
    } finally {
      await c.close();
    }
  });
});
