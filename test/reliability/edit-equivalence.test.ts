/**
 * Spec §5 invariant 10: after any sequence of edits, the language server's result
 * equals a fresh run on the final files — the same samples, findings and ranks, every
 * number bit for bit (the spec asks for 1e-9 relative; idf sums are added in ascending order
 * of value, so the order in which a run numbered the terms does not show). A seeded random sequence of line changes (some with a
 * new rare word, which moves the IDF of every triple), inserts, deletes, new and
 * removed files, lines swapped, duplicated or broken, and config edits; after each step
 * the server's JSON export is compared with the CLI's report on a copy of the final
 * texts. The server keeps facts per line between runs (pipeline/lineFacts.ts): its log
 * line of each run says how many lines it parsed, which must be the changed ones only.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { cli } from '../helpers/httpRuns';
import { TestClient } from '../helpers/lspClient';
import { tempDir } from '../helpers/lspFixtures';
import { Rng } from '../helpers/rng';
import { syntheticLines } from '../helpers/synthetic';

const CONFIG = (sampleSize: number) => `{
  "encoder": { "kind": "precomputed" },
  "sampleSize": ${sampleSize},
  "resamples": 6,
  "sources": [
    { "name": "A", "files": "data/a*.jsonl" },
    { "name": "B", "files": "data/b.jsonl" },
    { "name": "C", "files": "data/c.jsonl" },
    { "name": "A+B", "union": ["A", "B"] }
  ]
}
`;

type Json = Record<string, unknown>;


/** What a result is: sources, every triple, the pairs' agreement — not who wrote it or when. */
function essence(report: Json): Json {
  const { sources, triples, agreement, residualScale, scope } = report;
  return { sources, triples, agreement, residualScale, scope };
}

describe('invariant 10: the server after edits equals a fresh run', () => {
  const clients: TestClient[] = [];
  after(() => Promise.all(clients.map((c) => c.stop())));

  test('a seeded sequence of 19 edits of every kind', async () => {
    const dir = tempDir('equivalence');
    mkdirSync(join(dir, 'data'));
    const files: Record<string, string[]> = {
      'data/a1.jsonl': syntheticLines('A', 24, 'hard', 41, 12),
      'data/a2.jsonl': syntheticLines('A', 18, 'easy', 42, 12),
      'data/b.jsonl': syntheticLines('B', 30, 'hard', 43, 12),
      'data/c.jsonl': syntheticLines('C', 30, 'easy', 44, 12),
    };
    for (const [f, lines] of Object.entries(files)) writeFileSync(join(dir, f), lines.join('\n') + '\n');
    let config = CONFIG(16);
    writeFileSync(join(dir, 'eci.config.jsonc'), config);
    const client = await TestClient.start({ folder: dir, cacheDir: tempDir('cache'), settings: { run: 'manual' } });
    clients.push(client);
    const configPath = join(dir, 'eci.config.jsonc');
    client.open(configPath, config, 'jsonc');
    const open = new Set<string>();
    for (const f of ['data/a1.jsonl', 'data/b.jsonl']) { client.open(join(dir, f), readFileSync(join(dir, f), 'utf8')); open.add(f); }
    const rng = new Rng(10, 'equivalence');
    const pick = <T>(xs: T[]) => xs[rng.nextBelow(xs.length)];
    const textOf = (f: string) => (open.has(f) ? client.text(join(dir, f)) : readFileSync(join(dir, f), 'utf8'));
    let extra = 0;

    /** Lines the last run parsed, from its log line ("lines re-used R, parsed P"). */
    const parsedLines = (): { reused: number; parsed: number } => {
      const runs = client.logs.join('').match(/lines re-used (\d+), parsed (\d+)/g) ?? [];
      const m = /lines re-used (\d+), parsed (\d+)/.exec(runs[runs.length - 1] ?? '');
      assert.ok(m, `no run summary in the server log:\n${client.logs.join('').slice(-2000)}`);
      return { reused: Number(m[1]), parsed: Number(m[2]) };
    };
    const step = async (what: string, parsedAtMost?: number) => {
      const done = client.waitForResults(undefined, 60_000);
      await client.request<{ scopes: string[] }>('eci/score', {});
      const [scope] = (await done).scopes;
      await client.settled(scope, 60_000);
      const exported = await client.request<{ content: string }>('eci/exportReport', { scope, format: 'json', triples: true });
      // The fresh run: the same final texts in a new folder, read by the CLI.
      const fresh = mkdtempSync(join(tmpdir(), 'eci-fresh-'));
      mkdirSync(join(fresh, 'data'));
      writeFileSync(join(fresh, 'eci.config.jsonc'), client.text(configPath));
      for (const f of Object.keys(files)) writeFileSync(join(fresh, f), textOf(f));
      const run = await cli([join(fresh, 'eci.config.jsonc')], fresh);
      assert.equal(run.code, 0, `${what}: the fresh run failed: ${run.stderr}`);
      assert.deepEqual(essence(JSON.parse(exported.content) as Json), essence(run.report as unknown as Json), what);
      rmSync(fresh, { recursive: true, force: true });
      if (parsedAtMost !== undefined) {
        const lines = parsedLines();
        assert.ok(lines.parsed <= parsedAtMost, `${what}: the run parsed ${lines.parsed} lines (re-used ${lines.reused}); only the ${parsedAtMost} changed may be`);
        assert.ok(lines.reused > 0, `${what}: the run re-used no line`);
      }
    };

    await step('start');
    const ops = ['change', 'rare-word', 'insert', 'delete', 'new-file', 'remove-file', 'config', 'change-closed', 'swap', 'duplicate', 'bad-line'];
    // Every kind at least once (in this order first), then a seeded mix.
    const plan = [...ops, ...Array.from({ length: 8 }, () => pick(ops))];
    /** A bad line stays in the file and is parsed again by every run. */
    let badLines = 0;
    for (let k = 0; k < plan.length; k++) {
      const op = plan[k];
      let parsedAtMost: number | undefined = 1 + badLines;
      const f = pick([...open]);
      const path = join(dir, f);
      const lines = client.text(path).split('\n');
      const at = rng.nextBelow(lines.length - 1);
      const fresh = syntheticLines(f.includes('b') ? 'B' : 'A', 1, rng.nextBelow(2) ? 'hard' : 'easy', 100 + k, 12)[0];
      if (op === 'change' || op === 'rare-word') {
        const rec = JSON.parse(fresh);
        if (op === 'rare-word') rec.negative = `${rec.negative} zyzzyva${k}`; // a word no passage had: every IDF moves
        client.edit(path, { start: { line: at, character: 0 }, end: { line: at, character: lines[at].length } }, JSON.stringify(rec));
      } else if (op === 'insert') {
        client.edit(path, { start: { line: at, character: 0 }, end: { line: at, character: 0 } }, fresh + '\n');
      } else if (op === 'delete') {
        client.edit(path, { start: { line: at, character: 0 }, end: { line: at + 1, character: 0 } }, '');
        parsedAtMost = badLines;
      } else if (op === 'swap' || op === 'duplicate') {
        // Lines known by their text: moved or repeated, none is parsed again.
        const other = (at + 1 + rng.nextBelow(lines.length - 2)) % (lines.length - 1);
        const next = [...lines];
        if (op === 'swap') [next[at], next[other]] = [next[other], next[at]];
        else next.splice(other, 0, lines[at]);
        client.replaceAll(path, next.join('\n'));
        parsedAtMost = badLines;
      } else if (op === 'bad-line') {
        client.edit(path, { start: { line: at, character: 0 }, end: { line: at, character: 0 } }, `{"query": "broken", "positive": 3}\n`);
        badLines++;
        parsedAtMost = badLines;
      } else if (op === 'new-file') {
        const name = `data/a-extra${extra++}.jsonl`;
        files[name] = syntheticLines('A', 6, 'hard', 200 + k, 12);
        writeFileSync(join(dir, name), files[name].join('\n') + '\n');
        client.watched(join(dir, name), 1);
        parsedAtMost = 6 + badLines;
      } else if (op === 'remove-file') {
        const extras = Object.keys(files).filter((n) => n.includes('extra') || n === 'data/a2.jsonl');
        if (extras.length > 0) {
          const name = pick(extras);
          delete files[name];
          rmSync(join(dir, name));
          client.watched(join(dir, name), 3);
        }
        parsedAtMost = badLines;
      } else if (op === 'change-closed') {
        // Another program rewrites a file that is not open.
        const c = join(dir, 'data/c.jsonl');
        const cl = readFileSync(c, 'utf8').split('\n');
        cl[rng.nextBelow(cl.length - 1)] = syntheticLines('C', 1, 'hard', 300 + k, 12)[0];
        writeFileSync(c, cl.join('\n'));
        client.watched(c, 2);
      } else {
        config = CONFIG(8 + rng.nextBelow(20));
        client.replaceAll(configPath, config);
        parsedAtMost = badLines;
      }
      await step(`step ${k + 1} (${op} in ${f})`, parsedAtMost);
    }
  });
});
