/**
 * Paired hash sampling through the CLI's JSON report (precomputed vectors, no
 * model): the `sampled` flags equal a sample computed here from the definition
 * (own SHA-256, normalisation, grouping), and invariant 9 at sample sizes
 * smaller than the sources — shuffling lines and splitting a source over two
 * files leave every number bit-identical; editing one line moves the sample
 * within that line's query only.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { PassThrough } from 'node:stream';
import test from 'node:test';
import { main } from '../../server/src/cli/main';
import { expectedSample, pairedDataset, shuffled, writeDataset, type GenTriple, type Layout, type Located } from '../helpers/pairedData';

const root = mkdtempSync(join(tmpdir(), 'eci-paired-'));
const SAMPLE = 40;
const SEED = 13;
const settings = { sampleSize: SAMPLE, seed: SEED, resamples: 20 };
const data = pairedDataset({
  queries: 50,
  seed: 5,
  sources: [
    { name: 'A', kind: 'hard', maxPerQuery: 4 },
    { name: 'B', kind: 'hard', spread: 0.35, maxPerQuery: 3 },
    { name: 'C', kind: 'easy', maxPerQuery: 2 },
  ],
});
const of = (name: string) => data.filter((t) => t.source === name);
const sourcesConfig = [
  { name: 'A', files: ['a.jsonl'] },
  { name: 'B', files: ['b.jsonl'] },
  { name: 'C', files: ['c.jsonl'] },
  { name: 'H', union: ['A', 'B'] },
];

interface Report {
  schemaVersion: number;
  residualScale: number;
  sources: { name: string; n: number; size: number; stability?: unknown }[];
  triples: ({ source: string; file: string; line: number; sampled: boolean } & Record<string, unknown>)[];
  agreement: unknown[];
}

async function score(dir: string): Promise<Report> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '', err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const code = await main(['score', 'eci.config.jsonc', '--format', 'json', '--triples', '--quiet'], { stdout, stderr: stderr as unknown as NodeJS.WriteStream, cwd: dir });
  assert.equal(code, 0, err);
  return JSON.parse(out) as Report;
}

/** Triples of the report by (source, generated id), without file and line. */
function byId(report: Report, layout: Layout): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const { file, line, ...rest } of report.triples) {
    const id = layout.get(`${basename(file)}:${line}`);
    assert.ok(id, `no generated triple at ${file}:${line}`);
    out.set(`${rest.source}|${id}`, rest);
  }
  assert.equal(out.size, report.triples.length);
  return out;
}

function located(files: Record<string, readonly GenTriple[]>, names: string[]): Located[] {
  return names.flatMap((f) => files[f].map((t, k) => ({ t, file: f, line: k + 1 })));
}

const baseFiles = { 'a.jsonl': of('A'), 'b.jsonl': of('B'), 'c.jsonl': of('C') };
const baseLayout = writeDataset(join(root, 'base'), baseFiles, sourcesConfig, settings);
const base = score(join(root, 'base'));

test('the sampled flags are the N smallest keys H(seed, norm q, j), computed independently', async () => {
  const report = await base;
  assert.equal(report.schemaVersion, 2);
  const triples = byId(report, baseLayout);
  const expected: Record<string, Set<string>> = {
    A: expectedSample(located(baseFiles, ['a.jsonl']), SAMPLE, SEED),
    B: expectedSample(located(baseFiles, ['b.jsonl']), SAMPLE, SEED),
    C: expectedSample(located(baseFiles, ['c.jsonl']), SAMPLE, SEED),
    // The hybrid, by the same rule over its own triples (A's and B's, none repeated).
    H: expectedSample(located(baseFiles, ['a.jsonl', 'b.jsonl']), SAMPLE, SEED),
  };
  for (const s of report.sources) {
    assert.ok(s.size > SAMPLE, `${s.name} is larger than the sample (${s.size})`);
    assert.equal(s.n, SAMPLE);
    const engine = new Set([...triples].filter(([k, t]) => k.startsWith(`${s.name}|`) && t.sampled).map(([k]) => k.slice(s.name.length + 1)));
    assert.deepEqual([...engine].sort(), [...expected[s.name]].sort(), `sample of ${s.name}`);
  }
  // Several triples per query, and queries spelled in several ways, are in the data.
  const spellings = new Set(of('A').filter((t) => t.q === 3).map((t) => t.query));
  assert.ok(spellings.size > 1, 'one query group under several spellings');
  // Paired: sources over the same queries draw mostly the same queries.
  const queriesOf = (name: string) => new Set([...expected[name]].map((id) => id.split('/')[1]));
  const qa = queriesOf('A'), qb = queriesOf('B');
  const shared = [...qa].filter((q) => qb.has(q)).length;
  assert.ok(shared >= 0.6 * Math.min(qa.size, qb.size), `A and B share ${shared} of ${qa.size}/${qb.size} sampled queries`);
});

test('invariant 9: shuffled lines and a source split over two files give bit-identical scores', async () => {
  const first = await base;
  const shuffledA = shuffled(of('A'), 21);
  const files = {
    'a1.jsonl': shuffledA.slice(0, 70), 'a2.jsonl': shuffledA.slice(70),
    'b.jsonl': shuffled(of('B'), 22), 'c.jsonl': shuffled(of('C'), 23),
  };
  // The sources listed in another order too, and A's two files in reverse.
  const config = [
    { name: 'H', union: ['B', 'A'] }, { name: 'C', files: ['c.jsonl'] },
    { name: 'B', files: ['b.jsonl'] }, { name: 'A', files: ['a2.jsonl', 'a1.jsonl'] },
  ];
  const layout = writeDataset(join(root, 'moved'), files, config, settings);
  const second = await score(join(root, 'moved'));
  const order = (r: Report) => [...r.sources].sort((x, y) => x.name.localeCompare(y.name));
  assert.deepEqual(order(second), order(first), 'eci, perExample, diversity, mean, stability, findings');
  assert.ok(first.sources.every((s) => s.stability), 'stability is part of the comparison');
  assert.equal(second.residualScale, first.residualScale);
  assert.deepEqual(second.agreement, first.agreement);
  assert.deepEqual(byId(second, layout), byId(first, baseLayout), 'per-triple factors, sampled flags, leverage and gain');
});

test('invariant 9: editing one line changes the sample only within its query', async () => {
  const first = byId(await base, baseLayout);
  // Edit the negative of a triple whose query has several triples in A.
  const a = of('A');
  const target = a.find((t) => a.filter((u) => u.q === t.q).length >= 3)!;
  const edited = a.map((t) => (t === target ? { ...t, negative: `${t.negative} (rewritten)`, nv: t.qv.map((x, i) => x + (i === 0 ? 0.3 : 0)) } : t));
  const layout = writeDataset(join(root, 'edited'), { ...baseFiles, 'a.jsonl': edited }, sourcesConfig, settings);
  const second = byId(await score(join(root, 'edited')), layout);
  const changed: string[] = [];
  for (const [key, t] of first) {
    if (second.get(key)!.sampled !== t.sampled) changed.push(key);
  }
  for (const key of changed) {
    const [source, id] = key.split('|');
    assert.ok(['A', 'H'].includes(source), `${key} changed but its source does not hold the edited line`);
    assert.equal(Number(id.split('/')[1]), target.q, `${key} changed but is not of the edited query`);
  }
  // The expected sample of the edited data moves exactly those flags.
  const editedFiles = { ...baseFiles, 'a.jsonl': edited };
  const expectedA = expectedSample(located(editedFiles, ['a.jsonl']), SAMPLE, SEED);
  for (const t of a) assert.equal(second.get(`A|${t.id}`)!.sampled, expectedA.has(t.id), t.id);
});
