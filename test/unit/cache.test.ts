import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { appendFileSync, openSync, readSync, closeSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, test } from 'node:test';
import { EmbeddingCache, crc32 } from '../../server/src/encoder/cache';
import { CachedEncoder, type EmbeddingSource } from '../../server/src/encoder/cachedEncoder';
import { EncoderError } from '../../server/src/encoder/protocol';

const ROOT = join(__dirname, '..', '..', 'test-output', 'cache-test');
const FP = 'f'.repeat(64);
const DIM = 8;

/** Deterministic fake vector for a text, so hits can be checked against what was put. */
function vec(text: string, dim = DIM): Float32Array {
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = ((text.length * 31 + text.charCodeAt(i % Math.max(text.length, 1)) + i) % 97) / 97;
  return v;
}

function open(dir: string, warnings: string[] = []): EmbeddingCache {
  return EmbeddingCache.open(dir, FP, DIM, (m) => warnings.push(m));
}

let dir: string;
let n = 0;
beforeEach(() => {
  dir = join(ROOT, `case-${process.pid}-${n++}`);
  rmSync(dir, { recursive: true, force: true });
});

describe('EmbeddingCache', () => {
  test('crc32 matches the standard check value', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  });

  test('round trip, pending reads, duplicates ignored', () => {
    const c = open(dir);
    const texts = ['alpha', 'beta', 'gamma'];
    assert.deepEqual(c.get(texts), [undefined, undefined, undefined]);
    c.put(texts, texts.map((t) => vec(t)));
    assert.deepEqual(c.get(['beta'])[0], vec('beta'), 'pending records are served before flush');
    c.flush();
    c.put(['alpha'], [vec('other')]); // already cached: kept as is
    const got = c.get(['gamma', 'missing', 'alpha']);
    assert.deepEqual(got[0], vec('gamma'));
    assert.equal(got[1], undefined);
    assert.deepEqual(got[2], vec('alpha'));
    assert.equal(c.size, 3);
    c.close();
    assert.equal(statSync(c.path).size, 3 * c.recordSize);
    assert.throws(() => c.get(['alpha']), /closed/);
  });

  test('persists across reopen; a second writer sees the first one’s records', () => {
    const a = open(dir);
    a.put(['one', 'two'], [vec('one'), vec('two')]);
    a.close();
    const b = open(dir);
    const c = open(dir); // two handles on one file, as two processes would have
    assert.deepEqual(b.get(['one', 'two']), [vec('one'), vec('two')]);
    c.put(['three'], [vec('three')]);
    c.flush();
    b.put(['four'], [vec('four')]);
    b.flush();
    assert.deepEqual(b.get(['three'])[0], vec('three'), 'catch-up scan indexes the other writer’s append');
    assert.deepEqual(c.get(['four'])[0], vec('four'));
    b.close();
    c.close();
    const d = open(dir);
    assert.equal(d.size, 4);
    d.close();
  });

  test('a truncated tail is dropped with a warning and the file cut to whole records', () => {
    const a = open(dir);
    a.put(['one', 'two'], [vec('one'), vec('two')]);
    a.close();
    appendFileSync(a.path, Buffer.alloc(a.recordSize - 5, 7)); // a torn append
    const warnings: string[] = [];
    const b = open(dir, warnings);
    assert.equal(statSync(a.path).size, 2 * a.recordSize);
    assert.ok(warnings.some((w) => /truncated record/.test(w)), warnings.join('\n'));
    assert.deepEqual(b.get(['one', 'two']), [vec('one'), vec('two')]);
    b.put(['three'], [vec('three')]); // appends stay aligned after the repair
    b.close();
    const c = open(dir);
    assert.deepEqual(c.get(['three'])[0], vec('three'));
    c.close();
  });

  test('a corrupted record is dropped with a warning; the records around it survive', () => {
    const a = open(dir);
    a.put(['one', 'two', 'three'], [vec('one'), vec('two'), vec('three')]);
    a.close();
    const fd = openSync(a.path, 'r+');
    const byte = Buffer.alloc(1);
    const at = a.recordSize + 20; // inside the vector of record 1 ('two')
    readSync(fd, byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0xff;
    writeSync(fd, byte, 0, 1, at);
    closeSync(fd);
    const warnings: string[] = [];
    const b = open(dir, warnings);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /dropped 1 corrupted record\(s\) \(checksum mismatch\) and rebuilt the file with the 2 intact record/);
    assert.equal(statSync(a.path).size, 2 * a.recordSize, 'the file is rewritten without the bad record');
    assert.deepEqual(b.get(['one', 'two', 'three']), [vec('one'), undefined, vec('three')]);
    b.put(['two'], [vec('two')]); // can be cached again
    b.close();
    const again: string[] = [];
    const c = open(dir, again);
    assert.deepEqual(c.get(['one', 'two', 'three']), [vec('one'), vec('two'), vec('three')]);
    assert.deepEqual(again, [], 'the damage is reported once: the rebuilt file is clean');
    c.close();
  });

  test('a wholly garbled file is rebuilt empty with a warning, then fills again', () => {
    const a = open(dir);
    a.put(['one', 'two'], [vec('one'), vec('two')]);
    a.close();
    const garbage = Buffer.alloc(3 * a.recordSize + 11);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) & 0xff;
    const fd = openSync(a.path, 'w');
    writeSync(fd, garbage);
    closeSync(fd);
    const warnings: string[] = [];
    const b = open(dir, warnings);
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.ok(warnings.some((w) => /truncated record/.test(w)));
    assert.ok(warnings.some((w) => /dropped 3 corrupted record\(s\).*rebuilt the file with the 0 intact/.test(w)));
    assert.equal(statSync(a.path).size, 0);
    assert.deepEqual(b.get(['one', 'two']), [undefined, undefined]);
    b.put(['one'], [vec('one')]);
    b.close();
    const c = open(dir);
    assert.deepEqual(c.get(['one'])[0], vec('one'));
    assert.equal(statSync(a.path).size, a.recordSize);
    c.close();
  });

  test('a file truncated mid-record at open is repaired even if only the tail is short', () => {
    const a = open(dir);
    a.put(['one', 'two'], [vec('one'), vec('two')]);
    a.close();
    truncateSync(a.path, 2 * a.recordSize - 3);
    const warnings: string[] = [];
    const b = open(dir, warnings);
    assert.deepEqual(b.get(['one', 'two']), [vec('one'), undefined]);
    assert.equal(warnings.length, 1);
    b.close();
  });

  test('two processes appending at once lose nothing', async () => {
    // Each child flushes small batches so the two processes' appends interleave.
    const script = `
      const { EmbeddingCache } = require(${JSON.stringify(join(__dirname, '..', '..', 'server', 'src', 'encoder', 'cache.ts'))});
      const [dir, tag] = process.argv.slice(-2);
      const c = EmbeddingCache.open(dir, ${JSON.stringify(FP)}, ${DIM});
      for (let i = 0; i < 3000; i += 5) {
        const texts = [], vecs = [];
        for (let j = i; j < i + 5; j++) { texts.push(tag + j); vecs.push(new Float32Array(${DIM}).fill(j)); }
        c.put(texts, vecs);
        c.flush();
      }
      c.close();`;
    const run = (tag: string) =>
      promisify(execFile)(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script, dir, tag]);
    await Promise.all([run('A'), run('B')]);
    const warnings: string[] = [];
    const c = open(dir, warnings);
    assert.equal(c.size, 6000);
    for (const tag of ['A', 'B']) {
      const got = c.get(Array.from({ length: 3000 }, (_, j) => tag + j));
      got.forEach((v, j) => assert.ok(v && v[0] === j && v[DIM - 1] === j, `${tag}${j}`));
    }
    assert.deepEqual(warnings, []);
    c.close();
  });

  test('rejects wrong dimensions and does not store non-finite vectors', () => {
    const warnings: string[] = [];
    const c = open(dir, warnings);
    assert.throws(() => c.put(['x'], [new Float32Array(DIM + 1)]), /expected 8/);
    const bad = vec('nan');
    bad[3] = NaN;
    c.put(['nan'], [bad]);
    assert.equal(c.get(['nan'])[0], undefined);
    assert.equal(warnings.length, 1);
    c.close();
  });
});

/** Fake encoder: records every call, returns vec(text). */
class FakeClient implements EmbeddingSource {
  calls: string[][] = [];
  async embed(texts: string[], opts?: { signal?: AbortSignal }): Promise<Float32Array[]> {
    if (opts?.signal?.aborted) throw new EncoderError('cancelled', 'embedding cancelled');
    this.calls.push([...texts]);
    return texts.map((t) => vec(t));
  }
}

describe('CachedEncoder', () => {
  test('embeds only distinct misses, in chunks, and writes them back', async () => {
    const cache = open(dir);
    cache.put(['cached'], [vec('cached')]);
    const fake = new FakeClient();
    const enc = new CachedEncoder(fake, cache, { chunkSize: 2 });
    const progress: [number, number][] = [];
    const texts = ['a', 'cached', 'b', 'a', 'c', 'b', 'cached'];
    const out = await enc.embed(texts, { onProgress: (d, t) => progress.push([d, t]) });
    assert.deepEqual(out, texts.map((t) => vec(t)));
    assert.deepEqual(fake.calls, [['a', 'b'], ['c']]);
    assert.equal(enc.hits, 1);
    assert.equal(enc.misses, 3);
    assert.deepEqual(progress, [[2, 7], [6, 7], [7, 7]]);

    const again = await enc.embed(['c', 'a', 'new']);
    assert.deepEqual(fake.calls.slice(2), [['new']]);
    assert.deepEqual(again, ['c', 'a', 'new'].map((t) => vec(t)));
    cache.close();

    const reopened = open(dir);
    const fake2 = new FakeClient();
    await new CachedEncoder(fake2, reopened).embed(['a', 'b', 'c', 'new', 'cached']);
    assert.deepEqual(fake2.calls, [], 'everything was persisted');
    reopened.close();
  });

  test('without a cache it still deduplicates', async () => {
    const fake = new FakeClient();
    const out = await new CachedEncoder(fake, null).embed(['x', 'x', 'y']);
    assert.deepEqual(fake.calls, [['x', 'y']]);
    assert.equal(out[0], out[1]);
  });

  test('abort stops between chunks and keeps what was embedded', async () => {
    const cache = open(dir);
    const ac = new AbortController();
    const fake = new FakeClient();
    const slow: EmbeddingSource = {
      embed: async (texts, opts) => {
        const r = await fake.embed(texts, opts);
        if (fake.calls.length === 2) ac.abort();
        return r;
      },
    };
    await assert.rejects(new CachedEncoder(slow, cache, { chunkSize: 1 }).embed(['p', 'q', 'r', 's'], { signal: ac.signal }),
      (e: unknown) => e instanceof EncoderError && e.code === 'cancelled');
    assert.equal(fake.calls.length, 2);
    cache.close();
    const reopened = open(dir);
    assert.deepEqual(reopened.get(['p', 'q', 'r']), [vec('p'), vec('q'), undefined]);
    reopened.close();
  });
});
