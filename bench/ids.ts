/**
 * Issue 11: triples by id against a large corpus. A generated collection of 1M
 * passages (MS MARCO TSV), 20k queries and 100k id triples in 5 systems
 * (`qid<TAB>pos<TAB>neg<TAB>system`), and the same triples as flat JSONL texts.
 * Pass 1 (scan) of each runs in a fresh process under /usr/bin/time -v:
 * - id_vs_flat_scan: scan time by id (collecting the ids, one pass over the
 *   corpus and the queries, texts read back by offset) over the flat scan;
 * - corpus_bytes_per_passage: what the corpus index holds, per passage of the
 *   collection (heap + external after it is built, minus before, over 1M);
 * - peak RSS of both.
 *
 *   npx tsx bench/ids.ts [--passages=1000000] [--triples=100000]
 *   npx tsx bench/ids.ts --driver=id|flat DIR     (one measured scan; used by the above)
 */
import { createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { planFromFiles } from '../server/src/pipeline/plan';
import { scan } from '../server/src/pipeline/scan';
import { wordTerms } from '../server/src/core/lexical';
import { args, ensureOut, load1, log, machine, record, round, runNode, ROOT } from './common';

const SYSTEMS = ['bm25', 'dense', 'llm', 'random', 'mined'];
const WORDS = 'data retrieval passage query model index vector dense sparse token embedding negative positive corpus search rank score train batch loss'.split(' ');

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const sentence = (rand: () => number, n: number, tag: number) => {
  const w: string[] = [];
  for (let k = 0; k < n; k++) w.push(WORDS[Math.floor(rand() * WORDS.length)]);
  return `${w.join(' ')} ${tag}`;
};

async function write(path: string, lines: (push: (s: string) => Promise<void>) => Promise<void>): Promise<void> {
  const out = createWriteStream(path);
  let buf = '';
  await lines(async (s) => {
    buf += s + '\n';
    if (buf.length > 1 << 20) { if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r())); buf = ''; }
  });
  out.end(buf);
  await new Promise<void>((r) => out.on('finish', () => r()));
}

async function generate(dir: string, passages: number, triples: number): Promise<void> {
  const queries = Math.max(1, Math.round(triples / SYSTEMS.length / 2));
  const rand = lcg(11);
  const text = (pid: number) => sentence(lcg(pid * 7 + 1), 14, pid);
  await write(join(dir, 'collection.tsv'), async (push) => { for (let p = 0; p < passages; p++) await push(`${p}\t${text(p)}`); });
  const qtext = (q: number) => `${sentence(lcg(q * 13 + 5), 6, q)}?`;
  await write(join(dir, 'queries.tsv'), async (push) => { for (let q = 0; q < queries; q++) await push(`${q}\t${qtext(q)}`); });
  const rows: [number, number, number, string][] = [];
  for (let i = 0; i < triples; i++) {
    const q = i % queries;
    rows.push([q, (q * 37) % passages, Math.floor(rand() * passages), SYSTEMS[Math.floor(i / queries) % SYSTEMS.length]]);
  }
  await write(join(dir, 'triples.tsv'), async (push) => { for (const [q, p, n, s] of rows) await push(`${q}\t${p}\t${n}\t${s}`); });
  await write(join(dir, 'flat.jsonl'), async (push) => {
    for (const [q, p, n, s] of rows) await push(JSON.stringify({ query: qtext(q), positive: text(p), negative: text(n), source: s }));
  });
}

async function driver(kind: string, dir: string): Promise<void> {
  const plan = kind === 'id'
    ? planFromFiles([join(dir, 'triples.tsv')], dir, undefined, { corpus: join(dir, 'collection.tsv'), queries: join(dir, 'queries.tsv') })
    : planFromFiles([join(dir, 'flat.jsonl')], dir);
  global.gc?.();
  const before = process.memoryUsage();
  const t0 = performance.now();
  let indexedAt = 0;
  let indexMem = before;
  if (plan.data) {
    await plan.data.prepare();
    indexedAt = performance.now();
    global.gc?.();
    indexMem = process.memoryUsage();
  }
  const r = await scan(plan, { precomputed: false, termsOf: wordTerms });
  const scanMs = performance.now() - t0;
  const indexBytes = (indexMem.heapUsed + indexMem.external) - (before.heapUsed + before.external);
  process.stdout.write(JSON.stringify({ scanMs, indexMs: indexedAt ? indexedAt - t0 : 0, indexBytes, triples: r.table.length, problems: r.problems.length }) + '\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const drive = argv.find((a) => a.startsWith('--driver='));
  if (drive) return driver(drive.slice(9), argv[argv.length - 1]);
  const { value } = args();
  const passages = value('passages', 1_000_000);
  const triples = value('triples', 100_000);
  const dir = ensureOut(`ids-${passages}-${triples}`);
  const started = load1();
  if (!existsSync(join(dir, 'flat.jsonl'))) {
    log(`ids: writing ${passages} passages and ${triples} id triples to ${dir}`);
    await generate(dir, passages, triples);
  }
  const one = async (kind: string) => {
    const run = await runNode(['--expose-gc', '--import', 'tsx', join(ROOT, 'bench', 'ids.ts'), `--driver=${kind}`, dir]);
    if (run.code !== 0) throw new Error(`${kind} scan failed: ${run.stderr.slice(-2000)}`);
    const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as { scanMs: number; indexMs: number; indexBytes: number; triples: number; problems: number };
    if (out.triples !== triples || out.problems !== 0) throw new Error(`${kind}: expected ${triples} triples and no problem, got ${out.triples} and ${out.problems}`);
    log(`ids ${kind}: scan ${(out.scanMs / 1000).toFixed(2)} s (index ${(out.indexMs / 1000).toFixed(2)} s), peak RSS ${run.peakRssMb.toFixed(0)} MB`);
    return { ...out, peakRssMb: run.peakRssMb };
  };
  const flat = await one('flat');
  const id = await one('id');
  record('ids', {
    id_vs_flat_scan: round(id.scanMs / flat.scanMs),
    corpus_bytes_per_passage: round(Math.max(0, id.indexBytes) / passages),
    ids_peak_rss_mb: round(id.peakRssMb),
  }, {
    machine: machine(), load1AtStart: started, passages, triples, systems: SYSTEMS.length,
    flat: { scanS: round(flat.scanMs / 1000), peakRssMb: round(flat.peakRssMb) },
    id: { scanS: round(id.scanMs / 1000), indexS: round(id.indexMs / 1000), indexMb: round(id.indexBytes / 2 ** 20), peakRssMb: round(id.peakRssMb) },
    command: `npx tsx bench/ids.ts --passages=${passages} --triples=${triples}`,
  });
}

main().catch((e) => { console.error(e); process.exit(1); });
