/**
 * Issue 5, point 4, at the level a user sees: a cache file garbled or truncated on disk
 * is detected by its checksums and rebuilt with a warning (CLI: stderr; language
 * server: its log), the run still gives the same scores and re-embeds only the damaged
 * records' texts; and the CLI and the language server filling one fresh cache folder at
 * the same time leave it intact, so that a third run embeds nothing.
 *
 * Every record is checked with zlib's CRC-32 (test/helpers/encoderFaults.ts), not with
 * the cache's own code; ECI_SEM_TEST_TRACE counts the texts each process embedded.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, openSync, readFileSync, closeSync, readSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunState } from '../../common/protocol';
import { assertCacheIntact, assertCloseScores, faultEnv, makeBert, onlyCacheFile, readTrace, runCli, type CacheFileCheck } from '../helpers/encoderFaults';
import { ROOT, TestClient } from '../helpers/lspClient';
import { examplesWorkspace, tempDir } from '../helpers/lspFixtures';

interface Report {
  sources: { name: string; eci: number; perExample: number; diversity: number }[];
}

const DIST = existsSync(join(ROOT, 'dist', 'cli.js'));

const scores = (r: Report) => r.sources.map((s) => [s.name, s.eci, s.perExample, s.diversity] as const);

/** Same sources in the same order, scores equal up to float32 rounding of re-embedded texts. */
const assertSameScores = (actual: Report, expected: Report) => assertCloseScores(scores(actual), scores(expected), 'sources');

/** Flips one byte inside the vector of record `rec` (the key stays, the checksum no longer matches). */
function garble(f: CacheFileCheck, rec: number): void {
  const R = 16 + 4 * f.dimension + 4;
  const fd = openSync(f.path, 'r+');
  const at = rec * R + 16 + 4 * 7 + 1;
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, at);
  b[0] = b[0]! ^ 0x5a;
  writeSync(fd, b, 0, 1, at);
  closeSync(fd);
}

const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('eci-sem: warning: '));

describe('a damaged cache is detected, rebuilt with a warning, and costs only its damaged records', { skip: !DIST && 'run npm run build first' }, () => {
  let work: string;
  let cache: string;
  let reference: Report;
  let records: number;
  const args = () => ['score', 'eci.config.jsonc', '--encoder', 'models/tiny', '--cache-dir', cache, '--format', 'json', '-q'];
  const traced = async (name: string) => {
    const trace = join(work, name);
    const run = await runCli(args(), { cwd: work, env: faultEnv({ trace }) });
    assert.equal(run.code, 0, run.stderr);
    return { run, embedded: readTrace(trace).texts };
  };

  before(async () => {
    work = examplesWorkspace();
    cache = join(work, 'cache');
    await makeBert(join(work, 'models', 'tiny'));
    const first = await traced('trace-cold');
    reference = JSON.parse(first.run.stdout) as Report;
    const f = onlyCacheFile(cache);
    assertCacheIntact(f);
    records = f.records;
    assert.equal(first.embedded, records, 'a cold run embeds every distinct text once');
  });

  test('CLI: garbled records', async () => {
    const f = onlyCacheFile(cache);
    garble(f, 3);
    garble(f, records - 10);
    const { run, embedded } = await traced('trace-garbled');
    assert.deepEqual(warnings(run.stderr), [
      `eci-sem: warning: embedding cache ${f.path}: dropped 2 corrupted record(s) (checksum mismatch) and rebuilt the file with the ${records - 2} intact record(s); the dropped texts are embedded again`,
    ]);
    assert.equal(run.stderr.split('\n').filter(Boolean).length, 1, 'nothing else on stderr');
    assert.equal(embedded, 2, 'only the two damaged texts were embedded again');
    assertSameScores(JSON.parse(run.stdout) as Report, reference);
    const after = onlyCacheFile(cache);
    assertCacheIntact(after);
    assert.equal(after.records, records);
    assert.equal(after.distinctKeys, records);
  });

  test('CLI: a file truncated in the middle of a record', async () => {
    const f = onlyCacheFile(cache);
    const R = 16 + 4 * f.dimension + 4;
    truncateSync(f.path, (records - 1) * R - Math.floor(R / 2)); // the last record gone, the one before it cut in half
    const { run, embedded } = await traced('trace-truncated');
    const w = warnings(run.stderr);
    assert.equal(w.length, 1, run.stderr);
    assert.match(w[0]!, new RegExp(`embedding cache ${f.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: dropped a truncated record at the end \\(${R - Math.floor(R / 2)} of ${R} bytes\\); file truncated to ${records - 2} records`));
    assert.equal(embedded, 2);
    assertSameScores(JSON.parse(run.stdout) as Report, reference);
    const after = onlyCacheFile(cache);
    assertCacheIntact(after);
    assert.equal(after.records, records);
  });

  test('CLI: the repaired cache is clean — no warning, nothing embedded', async () => {
    const { run, embedded } = await traced('trace-clean');
    assert.equal(run.stderr, '');
    assert.equal(embedded, 0);
    assertSameScores(JSON.parse(run.stdout) as Report, reference);
  });

  test('language server: the warning is in its log, the run scores, only the damaged text is embedded', async () => {
    garble(onlyCacheFile(cache), 0);
    const dir = examplesWorkspace();
    mkdirSync(join(dir, 'models'));
    await makeBert(join(dir, 'models', 'tiny'));
    const config = join(dir, 'eci.config.jsonc');
    writeFileSync(config, readFileSync(config, 'utf8').replace('{ "kind": "default" }', '{ "kind": "onnx", "path": "models/tiny" }'));
    const trace = join(dir, 'trace');
    const client = await TestClient.start({ folder: dir, cacheDir: cache, via: 'dist', env: faultEnv({ trace }) });
    try {
      await client.waitFor<RunState>('status', (s) => s.state === 'done' || s.state === 'failed', 120_000);
      assert.equal(client.statuses.at(-1)?.state, 'done', JSON.stringify(client.statuses.at(-1)));
      const log = client.logs.join('');
      assert.match(log, /eci-sem: warning: embedding cache \S+: dropped 1 corrupted record\(s\) \(checksum mismatch\) and rebuilt the file/);
      // And shown to the user as a warning, not only logged.
      assert.deepEqual(client.shownMessages.map((m) => [m.type, /dropped 1 corrupted record/.test(m.message)]), [[2, true]]);
      assert.equal(readTrace(trace).texts, 1);
      const [snap] = await client.request<{ sources: Report['sources'] }[]>('eci/ranking', {});
      const byName = new Map(snap!.sources.map((s) => [s.name, s]));
      assertSameScores({ sources: reference.sources.map((s) => byName.get(s.name)!) }, reference);
    } finally {
      await client.stop();
    }
    const after = onlyCacheFile(cache);
    assertCacheIntact(after);
    assert.equal(after.distinctKeys, records);
  });
});

describe('the CLI and the language server filling one cache at the same time', { skip: !DIST && 'run npm run build first' }, () => {
  let client: TestClient | undefined;
  after(() => client?.stop());

  test('both embed the examples into a fresh cache folder: every record verifies, and a third run embeds nothing', async () => {
    const dir = examplesWorkspace();
    const cache = tempDir('shared-cache');
    const serverTrace = join(dir, 'trace-server');
    const cliTrace = join(dir, 'trace-cli');
    const t0 = performance.now();
    // Started together; each needs seconds of embedding, so their appends interleave.
    const [started, cli] = await Promise.all([
      TestClient.start({ folder: dir, cacheDir: cache, via: 'dist', env: faultEnv({ trace: serverTrace }) }).then(async (c) => {
        client = c;
        await c.waitFor<RunState>('status', (s) => s.state === 'done' || s.state === 'failed', 120_000);
        return c;
      }),
      runCli(['score', 'eci.config.jsonc', '--cache-dir', cache, '--format', 'json', '-q'], { cwd: dir, env: faultEnv({ trace: cliTrace }) }),
    ]);
    console.log(`# CLI and server together: ${(performance.now() - t0).toFixed(0)} ms`);
    assert.equal(started.statuses.at(-1)?.state, 'done', JSON.stringify(started.statuses.at(-1)));
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stderr, '', 'no cache warning: nothing was corrupted');
    assert.doesNotMatch(started.logs.join(''), /warning: embedding cache/);

    const server = readTrace(serverTrace).texts;
    const fromCli = readTrace(cliTrace).texts;
    const f = onlyCacheFile(cache);
    assertCacheIntact(f);
    console.log(`# embedded: server ${server}, CLI ${fromCli}; cache: ${f.records} records, ${f.distinctKeys} distinct`);
    assert.ok(server > 0 && fromCli > 0, 'both processes embedded (and appended) at the same time');
    assert.ok(f.distinctKeys <= f.records, 'duplicates (the same text appended by both) are allowed');

    const third = join(dir, 'trace-third');
    const again = await runCli(['score', 'eci.config.jsonc', '--cache-dir', cache, '--format', 'json', '-q'], { cwd: dir, env: faultEnv({ trace: third }) });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stderr, '');
    const t = readTrace(third);
    assert.equal(t.texts, 0, 'a third run finds every text in the shared cache');
    assert.equal(t.loads, 0, 'and never even loads the model');
    assertSameScores(JSON.parse(again.stdout) as Report, JSON.parse(cli.stdout) as Report);
    const [snap] = await started.request<{ sources: Report['sources'] }[]>('eci/ranking', {});
    const byName = new Map(snap!.sources.map((s) => [s.name, s]));
    const fromCliReport = JSON.parse(cli.stdout) as Report;
    assertSameScores({ sources: fromCliReport.sources.map((s) => byName.get(s.name)!) }, fromCliReport);
  });
});
