/**
 * Line facts on disk (pipeline/factsFile.ts): a CLI run keeps what it learnt of each line in
 * the cache folder, and the next process replays unchanged files from it. The result always
 * equals a run without facts; a changed file has only its changed lines parsed; another seed
 * forgets the facts; a damaged or truncated file is refused with a warning and written anew;
 * a file changed within the last second is not trusted by its times (its lines are compared).
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseConfig } from '../../server/src/core/config';
import { crc32 } from '../../server/src/encoder/cache';
import { analyze } from '../../server/src/pipeline/analyze';
import { encoderChoice } from '../../server/src/pipeline/encoderSetup';
import { factsForRun, factsPath, loadFacts, saveFacts } from '../../server/src/pipeline/factsFile';
import { LineFacts } from '../../server/src/pipeline/lineFacts';
import { fileStamp } from '../../server/src/pipeline/lines';
import { planFromConfig } from '../../server/src/pipeline/plan';
import { cli } from '../helpers/httpRuns';
import { ROOT } from '../helpers/lspClient';
import { essence, FACTS_CONFIG, factsPlan, factsWorkspace, runWithFacts } from '../helpers/factsWorkspace';

const CONFIG = FACTS_CONFIG;
const run = runWithFacts;
const planOf = (dir: string) => factsPlan(dir);

/** A workspace whose files are older than a second (younger ones are never replayed by their stamp). */
async function workspace(): Promise<string> {
  const dir = factsWorkspace('eci-facts-file-');
  await settle(dir);
  return dir;
}

async function settle(dir: string, file = 'a.jsonl'): Promise<void> {
  await sleep(1100);
  assert.equal(fileStamp(join(dir, file)), fileStamp(join(dir, file)), 'a file a second old has a stamp');
}

/** Facts as a new process has them: read from the file the last run wrote. */
function reloaded(path: string, warnings: string[] = []): LineFacts {
  const facts = new LineFacts();
  assert.equal(loadFacts(path, facts, (m) => warnings.push(m)), true, `facts load: ${warnings.join('; ')}`);
  return facts;
}

test('a new process replays unchanged files from the facts file; a changed line alone is parsed; the results equal runs without facts', async () => {
  const dir = await workspace();
  const cache = mkdtempSync(join(tmpdir(), 'eci-facts-cache-'));
  const path = factsPath(cache, planOf(dir).plan);
  const first = new LineFacts();
  const fresh = await run(dir, first);
  assert.equal(fresh.reuse!.parsed, 80);
  assert.equal(saveFacts(path, first, (m) => assert.fail(m)), true);

  const warm = await run(dir, reloaded(path));
  assert.deepEqual({ reused: warm.reuse!.reused, parsed: warm.reuse!.parsed }, { reused: 80, parsed: 0 }, 'nothing is parsed');
  assert.deepEqual(essence(warm), essence(await run(dir)));
  assert.deepEqual(essence(warm), essence(fresh), 'bit for bit the run that wrote them');

  // One negative of b.jsonl changes (a new word: the idf of every passage moves).
  const b = join(dir, 'b.jsonl');
  const lines = readFileSync(b, 'utf8').split('\n');
  const rec = JSON.parse(lines[9]) as { negative: string };
  rec.negative += ' zyzzyva';
  lines[9] = JSON.stringify(rec);
  writeFileSync(b, lines.join('\n'));
  const edited = await run(dir, reloaded(path));
  assert.equal(edited.reuse!.parsed, 1, 'the changed line, and only it, is parsed');
  assert.deepEqual(essence(edited), essence(await run(dir)));
});

test('the CLI writes its facts beside the embeddings, and a second run gives the same report', async () => {
  const dir = await workspace();
  const cache = mkdtempSync(join(tmpdir(), 'eci-facts-cache-'));
  const config = join(dir, 'eci.config.jsonc');
  const one = await cli([config, '--cache-dir', cache], dir);
  assert.equal(one.code, 0, one.stderr);
  const path = factsPath(cache, planOf(dir).plan);
  assert.ok(existsSync(path), 'the run kept its facts');
  const written = statSync(path).mtimeMs;
  const two = await cli([config, '--cache-dir', cache], dir);
  assert.equal(two.code, 0, two.stderr);
  assert.equal(two.stderr, '');
  assert.deepEqual(two.report, one.report);
  assert.equal(statSync(path).mtimeMs, written, 'facts that did not change are not written again');

  // Another seed: the facts are forgotten (every line parsed), and kept anew for that seed.
  writeFileSync(config, CONFIG(14));
  const otherSeed = await run(dir, reloaded(path));
  assert.equal(otherSeed.reuse!.parsed, 80);
  const three = await cli([config, '--cache-dir', cache], dir);
  assert.equal(three.code, 0, three.stderr);
  assert.deepEqual(three.report, (await cli([config, '--no-cache'], dir)).report);
  assert.equal((await run(dir, reloaded(path))).reuse!.parsed, 0, 'the facts are now those of seed 14');
  assert.equal(readdirSync(join(cache, 'facts')).length, 1, 'one file per plan');
});

/** The facts file with its header JSON rewritten (and its checksum made right again). */
function withHeader(file: Buffer, edit: (h: Record<string, unknown>) => Record<string, unknown>): Buffer {
  const jsonBytes = file.readUInt32LE(8);
  const header = Buffer.from(JSON.stringify(edit(JSON.parse(file.toString('utf8', 16, 16 + jsonBytes)) as Record<string, unknown>)), 'utf8');
  assert.equal(header.length, jsonBytes, 'the edit keeps the header\'s length (the sections stay aligned)');
  const out = Buffer.from(file);
  header.copy(out, 16);
  out.writeUInt32LE(crc32(out, 16, out.length), 12);
  return out;
}

test('a damaged, truncated, foreign or older facts file is refused with a warning and written anew', async () => {
  const dir = await workspace();
  const cache = mkdtempSync(join(tmpdir(), 'eci-facts-cache-'));
  const config = join(dir, 'eci.config.jsonc');
  const want = await cli([config, '--cache-dir', cache], dir);
  assert.equal(want.code, 0, want.stderr);
  const path = factsPath(cache, planOf(dir).plan);
  const good = readFileSync(path);
  const damaged = Buffer.from(good);
  damaged[damaged.length - 100] ^= 0x40;
  const olderVersion = withHeader(good, (h) => ({ ...h, version: '0.0.1' }));
  for (const [what, bytes, reason] of [
    ['damaged', damaged, /checksum/], ['truncated', good.subarray(0, good.length - 7), /checksum|truncated/],
    ['not ours', Buffer.from('hello'), /not a facts file/], ['of another version', olderVersion, /written by eci-sem 0\.0\.1/],
  ] as const) {
    writeFileSync(path, bytes);
    const warnings: string[] = [];
    assert.equal(loadFacts(path, new LineFacts(), (m) => warnings.push(m)), false, what);
    assert.match(warnings.join('\n'), reason, what);
    const got = await cli([config, '--cache-dir', cache], dir);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stderr, /line facts in .* are not usable/, `${what}: the user is told`);
    assert.deepEqual(got.report, want.report, `${what}: the report is that of the run before`);
    assert.deepEqual(readFileSync(path), good, `${what}: the file is written anew`);
  }
});

test('a file changed within the last second is compared line by line, not replayed by its times', async () => {
  const dir = await workspace();
  const cache = mkdtempSync(join(tmpdir(), 'eci-facts-cache-'));
  const kept = factsForRun(cache, planOf(dir).plan, (m) => assert.fail(m));
  await run(dir, kept.facts);
  kept.save();
  // The same size and, to the clock's coarse tick, maybe the same times: only the lines tell.
  const a = join(dir, 'a.jsonl');
  const text = readFileSync(a, 'utf8');
  const at = text.indexOf('negative A passage 3 on');
  assert.ok(at > 0);
  writeFileSync(a, text.slice(0, at) + 'N' + text.slice(at + 1));
  assert.notEqual(fileStamp(a), fileStamp(a), 'its stamp equals no other yet');
  const again = factsForRun(cache, planOf(dir).plan, (m) => assert.fail(m));
  const got = await run(dir, again.facts);
  assert.equal(got.reuse!.parsed, 1);
  assert.deepEqual(essence(got), essence(await run(dir)));
  // Its facts are kept all the same, to be compared line by line next time.
  again.save();
  const next = await run(dir, reloaded(factsPath(cache, planOf(dir).plan)));
  assert.deepEqual({ reused: next.reuse!.reused, parsed: next.reuse!.parsed }, { reused: 80, parsed: 0 });
});

test('examples with the default model: a warm CLI run from the facts gives the report of a run without them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'eci-facts-examples-'));
  cpSync(join(ROOT, 'examples'), dir, { recursive: true });
  await settle(join(dir, 'data'), 'bm25.jsonl');
  const config = join(dir, 'eci.config.jsonc');
  const cache = mkdtempSync(join(tmpdir(), 'eci-facts-cache-'));
  const cold = await cli([config, '--cache-dir', cache], dir);
  assert.equal(cold.code, 0, cold.stderr);
  const warm = await cli([config, '--cache-dir', cache], dir);
  assert.equal(warm.code, 0, warm.stderr);
  assert.deepEqual(warm.report, cold.report);
  const plain = await cli([config, '--no-cache'], dir);
  assert.deepEqual(warm.report, plain.report);

  // A new process: nothing parsed, nothing measured (the cosines and sampled residuals are
  // kept, under the identity of the model and its cache); another model measures again.
  const parsed = parseConfig(readFileSync(config, 'utf8')).config!;
  const withModel = async (quantized: boolean) => analyze({
    plan: planFromConfig(parsed, config, dir), settings: parsed.settings, lineFacts: reloaded(factsPath(cache, planFromConfig(parsed, config, dir))),
    encoder: encoderChoice({ config: parsed.encoder, base: dir, cli: quantized ? { quantized } : {}, cacheDir: cache }),
  });
  const same = await withModel(false);
  assert.deepEqual({ parsed: same.reuse!.parsed, measured: same.reuse!.measured }, { parsed: 0, measured: 0 });
  const int8 = await withModel(true);
  assert.equal(int8.reuse!.parsed, 0);
  assert.equal(int8.reuse!.measured, int8.table.length, 'the int8 model measures every triple anew');
});

test('the facts of other plans are pruned to the eight newest when a run writes its own', async () => {
  const dir = await workspace();
  const cache = mkdtempSync(join(tmpdir(), 'eci-facts-cache-'));
  const folder = join(cache, 'facts');
  mkdirSync(folder, { recursive: true });
  // Ten files of other plans, the oldest first.
  for (let k = 0; k < 10; k++) {
    const f = join(folder, `other-${k}.bin`);
    writeFileSync(f, 'x');
    utimesSync(f, 1_000_000 + k * 1000, 1_000_000 + k * 1000);
  }
  const kept = factsForRun(cache, planOf(dir).plan, (m) => assert.fail(m));
  await run(dir, kept.facts);
  kept.save();
  const left = readdirSync(folder).sort();
  assert.deepEqual(left, [...Array.from({ length: 8 }, (_, k) => `other-${k + 2}.bin`), factsPath(cache, planOf(dir).plan).split('/').pop()!].sort());
});
