/**
 * The half-sample stability check as the CLI shows it (precomputed vectors, no
 * model): two sources drawn from one distribution are reported tied in the JSON
 * report, the table and Markdown, a clearly different one is not; --resamples 0
 * turns it off; bad `resamples` / `thresholds.stableAgreement` are config errors
 * at their key; the table's stable column for every case; and a large --triples
 * report written to a file leaves stderr clean.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import test from 'node:test';
import { promisify } from 'node:util';
import { main } from '../../server/src/cli/main';
import { renderMarkdown, renderTable, type RenderInput, type RenderSource } from '../../server/src/core/render';
import { pairedDataset, writeDataset } from '../helpers/pairedData';

const root = mkdtempSync(join(tmpdir(), 'eci-stability-'));

// Alpha and Beta: one generating distribution (hard negatives, same spread), drawn
// independently. Easy: random directions, clearly weaker. The seed is fixed, so the
// outcome is too; under the null a pair is tied with probability ≈ 0.6 (see README).
const data = pairedDataset({
  queries: 80,
  seed: 3,
  sources: [
    { name: 'Alpha', kind: 'hard', spread: 0.25, maxPerQuery: 3 },
    { name: 'Beta', kind: 'hard', spread: 0.25, maxPerQuery: 3 },
    { name: 'Easy', kind: 'easy', maxPerQuery: 3 },
  ],
});
const of = (name: string) => data.filter((t) => t.source === name);
const files = { 'alpha.jsonl': of('Alpha'), 'beta.jsonl': of('Beta'), 'easy.jsonl': of('Easy') };
const sources = [{ name: 'Alpha', files: ['alpha.jsonl'] }, { name: 'Beta', files: ['beta.jsonl'] }, { name: 'Easy', files: ['easy.jsonl'] }];
const dir = join(root, 'tie');
writeDataset(dir, files, sources, { sampleSize: 100 });

interface Stability { resamples: number; n: number; median: number; p10: number; p90: number; agreementWithNext: number | null; comparableWithNext: boolean; tiedWithNext: boolean }
interface Source { name: string; rank: number; n: number; eci: number; stability?: Stability; findings: Record<string, number> }
interface Report { settings: { resamples: number; thresholds: { stableAgreement: number } }; sources: Source[]; agreement: { group: string; a: string; b: string; share: number | null; comparable: boolean }[] }

async function cli(args: string[], cwd = dir) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '', err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const code = await main(['score', ...args, '--quiet'], { stdout, stderr: stderr as unknown as NodeJS.WriteStream, cwd });
  return { code, out, err };
}

async function json(args: string[], cwd = dir): Promise<Report> {
  const r = await cli([...args, '--format', 'json'], cwd);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out) as Report;
}

test('two sources from one distribution are tied; a clearly different one is not', async () => {
  const report = await json(['eci.config.jsonc']);
  assert.equal(report.settings.resamples, 20);
  assert.equal(report.settings.thresholds.stableAgreement, 0.8);
  const ranked = [...report.sources].sort((x, y) => x.rank - y.rank);
  const [top, second, last] = ranked;
  assert.deepEqual([top.name, second.name].sort(), ['Alpha', 'Beta']);
  assert.equal(last.name, 'Easy');
  assert.equal(top.stability!.tiedWithNext, true, `agreement ${top.stability!.agreementWithNext}`);
  assert.ok(top.stability!.agreementWithNext! < 0.8);
  assert.equal(top.findings['tied-with-next'], 1);
  assert.equal(second.stability!.tiedWithNext, false);
  assert.equal(second.stability!.agreementWithNext, 1, 'every half-sample puts a hard source above random negatives');
  assert.equal(second.findings['tied-with-next'], undefined);
  assert.equal(last.stability!.agreementWithNext, null, 'the last of a group has no next one');
  for (const s of ranked) {
    const st = s.stability!;
    assert.deepEqual(Object.keys(st), ['resamples', 'n', 'median', 'p10', 'p90', 'agreementWithNext', 'comparableWithNext', 'tiedWithNext']);
    assert.equal(st.n, 50, '⌊N/2⌋');
    assert.ok(st.p10 <= st.median && st.median <= st.p90);
    assert.ok(st.median < s.eci, 'a half-sample holds less information than the whole sample');
  }
  // Every pair of the group, the higher-ranked first.
  assert.deepEqual(report.agreement.map((p) => `${p.a}>${p.b}`), [`${top.name}>${second.name}`, `${top.name}>Easy`, `${second.name}>Easy`]);
  assert.equal(report.agreement[1].share, 1);
  assert.equal(report.agreement[0].share, top.stability!.agreementWithNext);

  const table = await cli(['eci.config.jsonc']);
  const pct = `${Math.floor(100 * top.stability!.agreementWithNext! + 1e-9)}%`;
  assert.match(table.out, /resamples 20/);
  const row = (name: string) => table.out.split('\n').find((l) => new RegExp(`^\\s+\\d+\\s+${name}\\s`).test(l))!;
  assert.match(row(top.name), new RegExp(`≈ ${second.name} ${pct}`));
  assert.match(row(top.name), /tied$/, 'the tied flag');
  assert.match(row(second.name), /> Easy 100%/);
  assert.match(row('Easy'), /\s—\s/);
  assert.ok(table.out.includes(`1 ≈ 2: the order of ${top.name} and ${second.name} is supported by only ${pct} of 20 half-samples (< 80%)`), table.out);
  const md = await cli(['eci.config.jsonc', '--format', 'markdown']);
  assert.match(md.out, new RegExp(`\\| 1 \\| ${top.name} \\| [0-9.]+ \\| ≈ ${second.name} ${pct} \\|`));
  assert.match(md.out, /- 1 ≈ 2: the order of/);
});

test('thresholds.stableAgreement in the config decides what is tied', async () => {
  const base = await json(['eci.config.jsonc']);
  const top = [...base.sources].sort((x, y) => x.rank - y.rank)[0];
  const share = top.stability!.agreementWithNext!;
  const at = join(root, 'threshold');
  writeDataset(at, files, sources, { sampleSize: 100, thresholds: { stableAgreement: 0.5 } });
  const report = await json(['eci.config.jsonc'], at);
  const again = report.sources.find((s) => s.name === top.name)!;
  assert.equal(again.stability!.agreementWithNext, share, 'the threshold does not change the agreement');
  assert.equal(again.stability!.tiedWithNext, share < 0.5);
  assert.equal(again.findings['tied-with-next'], share < 0.5 ? 1 : undefined);
});

test('--resamples N sets R; --resamples 0 gives no stability and an empty agreement list', async () => {
  const seven = await json(['eci.config.jsonc', '--resamples', '7']);
  assert.equal(seven.settings.resamples, 7);
  for (const s of seven.sources) assert.equal(s.stability!.resamples, 7);
  for (const p of seven.agreement) assert.ok(Number.isInteger(Math.round(p.share! * 7 * 1e9) / 1e9), `a share of 7 half-samples: ${p.share}`);

  const off = await json(['eci.config.jsonc', '--resamples', '0']);
  assert.equal(off.settings.resamples, 0);
  assert.deepEqual(off.agreement, []);
  for (const s of off.sources) {
    assert.equal('stability' in s, false);
    assert.equal(s.findings['tied-with-next'], undefined);
  }
  const table = await cli(['eci.config.jsonc', '--resamples', '0']);
  assert.match(table.out, /resamples off/);
  assert.doesNotMatch(table.out, /[≈>?] (Alpha|Beta|Easy)/);
  assert.match(table.out, /stable: not checked \(resamples 0\)/);

  const bad = await cli(['eci.config.jsonc', '--resamples', '2.5']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--resamples expects an integer/);
  const negative = await cli(['eci.config.jsonc', '--resamples=-1']);
  assert.equal(negative.code, 2);
  assert.match(negative.err, /resamples: expected an integer in \[0, 1000\], got -1/);
});

test('a bad resamples or stableAgreement in the config is an error at its key', async () => {
  const at = join(root, 'bad');
  writeDataset(at, files, sources, {});
  const cases: [string, RegExp][] = [
    ['"resamples": -1', /resamples: expected an integer in \[0, 1000\], got -1/],
    ['"resamples": 2.5', /resamples: expected an integer in \[0, 1000\], got 2\.5/],
    ['"thresholds": { "stableAgreement": 0.3 }', /stableAgreement: expected a number in \[0\.5, 1\], got 0\.3/],
  ];
  for (const [entry, message] of cases) {
    const text = `{\n  "encoder": { "kind": "precomputed" },\n  ${entry},\n  "sources": [{ "name": "Alpha", "files": "alpha.jsonl" }]\n}\n`;
    writeFileSync(join(at, 'eci.config.jsonc'), text);
    const r = await cli(['eci.config.jsonc'], at);
    assert.equal(r.code, 2);
    assert.match(r.err, message);
    const key = entry.includes('stableAgreement') ? '"stableAgreement"' : '"resamples"';
    const value = entry.slice(entry.lastIndexOf(':') + 2).replace(/ }$/, '');
    const column = text.split('\n')[2].indexOf(value) + 1;
    assert.ok(r.err.includes(`eci.config.jsonc:3:${column}: error:`), `${key} at line 3, column ${column}: ${r.err}`);
    assert.match(r.err, /nothing was scored/);
  }
});

test('the stable column: >, ≈, ? (N differs), — and one note per tie', () => {
  const source = (name: string, rank: number, n: number, eci: number, st?: Partial<Stability>): RenderSource => ({
    name, group: 'plain', rank, size: n, n, underSampled: false, eci, perExample: eci / n, diversity: 0.9,
    mean: { t: 0.9, l: 0.5, r: 0.7, w: 0.3 }, unsafe: 0,
    findings: st?.tiedWithNext ? { 'tied-with-next': 1 } : {},
    ...(st ? { stability: { resamples: 20, n: n >> 1, median: eci / 2, p10: eci / 3, p90: eci, agreementWithNext: null, comparableWithNext: true, tiedWithNext: false, ...st } } : {}),
  });
  const input: RenderInput = {
    sources: [
      source('BM25', 1, 1000, 7.912, { agreementWithNext: 0.96 }),
      source('Dense', 2, 1000, 7.401, { agreementWithNext: 0.61, tiedWithNext: true }),
      source('LLM', 3, 1000, 7.34, { comparableWithNext: false }),
      source('Random', 4, 400, 2.1, {}),
    ],
    settings: { temperature: 0.02, lambda: 1, sampleSize: 1000, seed: 13, resamples: 20, thresholds: { stableAgreement: 0.8 }, encoder: { model: 'm', dimension: 512 } },
    residualScale: 0.5, problems: [], skippedLines: 0,
  };
  const out = renderTable(input);
  const lines = out.split('\n');
  const header = lines.find((l) => l.includes('ECI_sem') && l.includes('stable'))!;
  assert.ok(header.indexOf('stable') > header.indexOf('ECI_sem') && header.indexOf('stable') < header.indexOf('per-ex'), 'stable right after ECI_sem');
  assert.match(out, /BM25\s+7\.912\s+> Dense 96%/);
  assert.match(out, /Dense\s+7\.401\s+≈ LLM 61%/);
  assert.match(out, /LLM\s+7\.340\s+\? Random \(N differs\)/);
  assert.match(out, /Random\s+2\.100\s+—/);
  assert.ok(out.includes('2 ≈ 3: the order of Dense and LLM is supported by only 61% of 20 half-samples (< 80%)'));
  assert.ok(out.includes('3 ? 4: LLM and Random have different N (1000 and 400)'));
  assert.equal(lines.filter((l) => /^\s+\d ≈ \d:/.test(l)).length, 1, 'one note per tie');
  assert.match(out, /seed 13 · resamples 20 ·/);
  const md = renderMarkdown(input);
  assert.match(md, /\| 2 \| Dense \| 7\.401 \| ≈ LLM 61% \|/);
  assert.match(md, /\| --- \| --- \| ---: \| --- \| ---: \|/, 'the stable column is left-aligned text');
  // Pending or off: no stability on any source.
  const plain = renderTable({ ...input, sources: input.sources.map(({ stability: _s, ...s }) => s) });
  assert.doesNotMatch(plain, /[≈>?] (Dense|LLM|Random)/);
});

test('a large --triples report written with --out leaves stderr clean', async () => {
  const at = join(root, 'large');
  const big = pairedDataset({ queries: 2100, seed: 8, sources: [{ name: 'Big', kind: 'hard', maxPerQuery: 7 }] });
  assert.ok(big.length >= 8000, `${big.length} triples`);
  writeDataset(at, { 'big.jsonl': big }, [{ name: 'Big', files: ['big.jsonl'] }], {});
  const bin = resolve(__dirname, '../../bin/eci-sem.js');
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, 'score', 'eci.config.jsonc', '--format', 'json', '--triples', '--out', 'report.json', '--quiet'], { cwd: at });
  assert.equal(stderr, '', 'no warning (a listener per write used to pile up: MaxListenersExceededWarning)');
  assert.equal(stdout, '');
  const report = JSON.parse(readFileSync(join(at, 'report.json'), 'utf8'));
  assert.equal(report.triples.length, big.length);
  assert.equal(report.sources[0].stability.resamples, 20);
  // A file that cannot be written: one line saying so, exit 2.
  const failed = await promisify(execFile)(process.execPath, [bin, 'score', 'eci.config.jsonc', '--format', 'json', '--out', join(at, 'missing', 'r.json'), '--quiet'], { cwd: at })
    .then(() => null, (e: { code: number; stderr: string }) => e);
  assert.equal(failed?.code, 2);
  assert.match(failed!.stderr, /^eci-sem: cannot write .*missing\/r\.json: ENOENT/);
});
