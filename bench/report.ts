/** The generated part of BENCHMARKS.md: figures and goals, then one table per benchmark. */
import { scopeGoals, scopeTable } from './report-scope';

import { fmt, num, obj, type Json } from './format';

function table(head: string[], rows: unknown[][]): string {
  const line = (cells: unknown[]) => `| ${cells.map((c) => String(c ?? '—').replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

interface Goal { name: string; value: unknown; goal: string; met: boolean | null; what: string }

function goals(r: Json): Goal[] {
  const s = obj(r.sections);
  const enc = obj(s.encoder);
  const e2e = obj(s.e2e);
  const scale = obj(s.scale);
  const lsp = obj(s.lsp);
  const out: Goal[] = [];
  const encWhat = `${fmt(obj(enc.texts).count)} texts, ${fmt(enc.reps)} reps, batch ${fmt(enc.batch)}, ${fmt(enc.threads)} threads`;
  for (const [key, v] of Object.entries(obj(r.encode_vs_raw))) {
    out.push({ name: `encode_vs_raw (${key})`, value: v, goal: '≥ 0.95', met: num(v) === null ? null : num(v)! >= 0.95, what: encWhat });
  }
  for (const [key, v] of Object.entries(obj(r.encode_vs_transformersjs))) {
    out.push({ name: `encode_vs_transformersjs (${key})`, value: v, goal: '≥ 1.5', met: num(v) === null ? null : num(v)! >= 1.5, what: encWhat });
  }
  const set = obj(e2e.set);
  const e2eWhat = `${fmt(set.triples)} triples, ${fmt(set.distinctTexts)} distinct texts`;
  out.push({ name: 'scoring_share (cold)', value: r.scoring_share, goal: '≤ 0.02', met: num(r.scoring_share) === null ? null : num(r.scoring_share)! <= 0.02, what: `${e2eWhat}, ${fmt(e2e.coldReps)} cold run(s)` });
  out.push({ name: 'e2e_cold_s', value: r.e2e_cold_s, goal: '—', met: null, what: `${e2eWhat}, empty cache` });
  out.push({ name: 'e2e_warm_s', value: r.e2e_warm_s, goal: '≤ 4 s at 100k', met: num(r.e2e_warm_s) === null || num(set.triples) !== 100_000 ? null : num(r.e2e_warm_s)! <= 4, what: `${e2eWhat}, fresh process, line facts of the run before, median of ${fmt(e2e.reps)}` });
  // The issue's ≤ 1 s is for an edit in the editor (lsp_edit_rerun_s); a fresh CLI process has no goal of its own.
  out.push({ name: 'warm_edit_rerun_s', value: r.warm_edit_rerun_s, goal: '—', met: null, what: `${e2eWhat}, one line changed, fresh CLI process (the ≤ 1 s goal is the editor's, lsp_edit_rerun_s), median of ${fmt(e2e.reps)}` });
  const lspEdit = obj(obj(s.lsp).editInEditor);
  if (r.lsp_edit_rerun_s !== undefined) {
    out.push({ name: 'lsp_edit_rerun_s (in the editor)', value: r.lsp_edit_rerun_s, goal: '≤ 1 s', met: num(r.lsp_edit_rerun_s) === null ? null : num(r.lsp_edit_rerun_s)! <= 1, what: `${fmt(obj(obj(s.lsp).workspace).triples)} triples, one line of an open file edited, change → new results (run itself ${fmt(lspEdit.runS, ' s')}; includes the typing debounce)` });
    const edits = obj(obj(s.lsp).edits);
    const kinds: [string, string, string][] = [
      ['lsp_undo_rerun_s', 'undo', 'that edit undone (its text cached)'],
      ['lsp_insert_rerun_s', 'insert', 'a line with a new triple inserted'],
      ['lsp_delete_rerun_s', 'delete', 'a line deleted'],
      ['lsp_watched_rerun_s', 'watched', 'a closed file saved by another program (watched-file change)'],
    ];
    for (const [name, key, what] of kinds) {
      if (r[name] === undefined) continue;
      out.push({ name, value: r[name], goal: '≤ 1 s', met: num(r[name]) === null ? null : num(r[name])! <= 1, what: `${fmt(obj(obj(s.lsp).workspace).triples)} triples, ${what} → new results (run itself ${fmt(obj(edits[key]).runS, ' s')})` });
    }
  }
  out.push(...scopeGoals(r));
  out.push({ name: 'e2e_peak_rss_mb', value: r.e2e_peak_rss_mb, goal: '—', met: null, what: e2eWhat });
  const top = (obj(scale).points as Json[] | undefined)?.slice(-1)[0] ?? {};
  out.push({ name: 'scale_1m_s', value: r.scale_1m_s, goal: '≤ 30 s', met: num(r.scale_1m_s) === null ? null : num(r.scale_1m_s)! <= 30, what: `${fmt(top.triples)} triples, d = ${fmt(scale.dim)}, precomputed` });
  out.push({ name: 'rss_1m_mb', value: r.rss_1m_mb, goal: '—', met: null, what: `${fmt(top.triples)} triples, peak RSS` });
  out.push({ name: 'scale_rss_bytes_per_triple', value: r.scale_rss_bytes_per_triple, goal: 'per-triple scalars only', met: null, what: String(scale.slope ?? '—') });
  const hov = obj(lsp.hover);
  out.push({ name: 'lsp_p99_ms', value: r.lsp_p99_ms, goal: '≤ 50 ms', met: num(r.lsp_p99_ms) === null ? null : num(r.lsp_p99_ms)! <= 50, what: lsp.skipped ? `skipped: ${String(lsp.skipped)}` : `${fmt(hov.n)} hovers + ${fmt(obj(lsp.codeLens).n)} CodeLens requests while embedding` });
  const http = obj(s.http);
  const httpC = obj(http.concurrency);
  out.push({ name: 'http_overhead', value: r.http_overhead, goal: '≤ 0.10', met: num(r.http_overhead) === null ? null : num(r.http_overhead)! <= 0.1, what: `${fmt(obj(http.overhead).texts)} texts, local test server with the default model, OpenAI API (base64), concurrency 2, batch 32 (TEI API ${fmt(http.overheadTei)}; concurrency 1 ${fmt(http.overheadConcurrency1)})` });
  out.push({ name: 'http_concurrency_gain', value: r.http_concurrency_gain, goal: '≥ 6', met: num(r.http_concurrency_gain) === null ? null : num(r.http_concurrency_gain)! >= 6, what: `${fmt(httpC.texts)} texts, batch 32, server answers after ${fmt(httpC.latencyMsPerBatch, ' ms')} per batch; concurrency 8 vs 1` });
  const ids = obj(s.ids);
  const idsWhat = `${fmt(ids.passages)} passages, ${fmt(ids.triples)} id triples in ${fmt(ids.systems)} systems (scan ${fmt(obj(ids.id).scanS, ' s')} vs flat JSONL ${fmt(obj(ids.flat).scanS, ' s')})`;
  out.push({ name: 'id_vs_flat_scan', value: r.id_vs_flat_scan, goal: '≤ 1.5', met: num(r.id_vs_flat_scan) === null ? null : num(r.id_vs_flat_scan)! <= 1.5, what: idsWhat });
  out.push({ name: 'corpus_bytes_per_passage', value: r.corpus_bytes_per_passage, goal: 'referenced passages only', met: null, what: `${idsWhat}; heap + external held by the index, over all passages` });
  out.push({ name: 'ids_peak_rss_mb', value: r.ids_peak_rss_mb, goal: '—', met: null, what: idsWhat });
  for (const n of [1000, 2000, 5000]) {
    out.push({ name: `logdet N=${n} (N-space / d-space)`, value: `${fmt(r[`logdet_n${n}_nspace_ms`], ' ms')} / ${fmt(r[`logdet_n${n}_dspace_ms`], ' ms')}`, goal: '—', met: null, what: 'd = 512, with leverages and gains' });
  }
  const stab = obj(s.stability);
  out.push({ name: 'stability_cost_ratio', value: r.stability_cost_ratio, goal: '≤ 3', met: num(r.stability_cost_ratio) === null ? null : num(r.stability_cost_ratio)! <= 3, what: `${fmt(stab.sources)} sources × N = ${fmt(stab.n)} × d = ${fmt(stab.d)}, R = ${fmt(stab.resamples)}: half-sample check ${fmt(stab.medianStabilityMs, ' ms')} vs main scoring ${fmt(stab.medianScoreMs, ' ms')} (medians of ${fmt(stab.reps)}, side by side)` });
  out.push({ name: 'logdet switch', value: `engine: N-space when N ≤ ${fmt(r.logdet_switch_n)}`, goal: '—', met: null, what: `measured crossover: d-space faster from N ≈ ${fmt(r.logdet_measured_crossover_n)}` });
  return out;
}

function encoderTable(s: Json): string {
  const models = obj(obj(s.encoder).models);
  return table(['model', 'ours s', 'raw s', 'transformers.js s', 'transformers.js, our batches s', 'vs raw', 'vs transformers.js', 'texts/s (ours)', 'min cosine ours vs transformers.js'],
    Object.entries(models).map(([k, v]) => {
      const m = obj(v);
      const t = obj(m.medianSeconds);
      return [`${k}: ${String(m.model)}`, t.ours, t.raw, t.tjs, t.tjsSorted, m.encode_vs_raw, m.encode_vs_transformersjs, m.oursTextsPerS, m.minCosineOursVsTransformersjs];
    }));
}

function e2eTable(s: Json): string {
  const e = obj(s.e2e);
  const rows: unknown[][] = [];
  for (const kind of ['cold', 'warm', 'edit'] as const) {
    ((e[kind] as Json[] | undefined) ?? []).forEach((p, i) => rows.push([`${kind} ${i + 1}`, p.wallS, p.cpuS, p.startupS, p.factsLoadS, p.scanS, p.measureS, p.scoreS, p.reportS, p.factsSaveS, p.textsEmbedded, p.peakRssMb]));
  }
  const cli = obj(e.cliWarm);
  return `${table(['run', 'wall s', 'CPU s', 'startup s', 'facts load s', 'scan s', 'measure (embed) s', 'score s', 'report s', 'facts save s', 'texts embedded', 'peak RSS MB'], rows)}\n\n` +
    `Cold throughput: ${fmt(e.textsPerSecondCold)} texts/s. The CLI itself, warm: ${fmt(cli.wallS, ' s')}, peak RSS ${fmt(cli.peakRssMb, ' MB')}.`;
}

function scaleTable(s: Json): string {
  const points = (obj(s.scale).points as Json[] | undefined) ?? [];
  return table(['triples', 'file MB', 'wall s', 'triples/s', 'peak RSS MB', 'scan s', 'measure s', 'score s'],
    points.map((p) => { const ph = obj(p.phases); return [p.triples, p.fileMb, p.wallS, p.triplesPerS, p.peakRssMb, ph.scanS, ph.measureS, ph.scoreS]; }));
}

function lspTable(s: Json): string {
  const l = obj(s.lsp);
  if (l.skipped) return `Skipped: ${String(l.skipped)}.`;
  const h = obj(l.hover);
  const c = obj(l.codeLens);
  const ws = obj(l.workspace);
  return `${table(['request', 'n', 'p50 ms', 'p99 ms', 'max ms', 'with content'], [
    ['hover', h.n, h.p50, h.p99, h.max, h.withContent], ['CodeLens', c.n, c.p50, c.p99, c.max, c.withLenses],
  ])}\n\nServer: ${String(l.server)}. Workspace ${fmt(ws.triples)} triples (${String(ws.cacheAtStart)}); first run ${fmt(l.firstRunS, ' s')}; ` +
    `${fmt(l.requestsDuringEmbedding)} requests answered while the background run was embedding (progress at the end ${String(l.runProgressAtEnd)}); ` +
    `cancel: ${String(l.cancelReply)}, shutdown: ${String(l.shutdownReply)}, server exit: ${String(l.serverExit)}.`;
}

function logdetTable(s: Json): string {
  const l = obj(s.logdet);
  const rows = (l.rows as Json[] | undefined) ?? [];
  const scan = (l.crossoverScan as Json[] | undefined) ?? [];
  return `${table(['N', 'd', 'N-space ms', 'd-space ms', 'engine uses', 'relative difference', 'reps (N / d)'],
    rows.map((r) => [r.n, r.d, r.nSpaceMs, r.dSpaceMs, `${String(r.engineUses)}-space`, Number(r.relativeDifference).toExponential(1), `${String(r.nSpaceReps)} / ${String(r.dSpaceReps)}`]))}\n\n` +
    `Around N = d: ${scan.map((x) => `N=${String(x.n)}: ${String(x.nSpaceMs)} / ${String(x.dSpaceMs)} ms`).join('; ')} (N-space / d-space).`;
}

export function renderFigures(r: Json): string {
  const run = obj(r.run);
  const m = obj(run.machine);
  const load = obj(run.load1);
  const s = obj(r.sections);
  const head = `Run ${String(run.date ?? '—')} · \`${String(run.command ?? 'npm run bench')}\` · ${fmt(run.totalSeconds, ' s')} · ` +
    `${fmt(m.nproc)} × ${String(m.cpu ?? '?')}, ${fmt(m.memoryGiB, ' GiB')}, Node ${String(m.node ?? '?')} · load average ${fmt(load.start)} → ${fmt(load.end)}` +
    (run.partial ? ` · partial run (other sections from ${String(run.previousRun ?? 'an earlier run')})` : '');
  const g = goals(r);
  const status = (x: Goal) => (x.met === null ? '' : x.met ? 'met' : '**not met**');
  return [
    head, '',
    '### Figures and goals', '',
    table(['figure', 'value', 'goal', '', 'measured on'], g.map((x) => [x.name, typeof x.value === 'string' ? x.value : fmt(x.value), x.goal, status(x), x.what])),
    '', '### Encoder (item 1)', '', s.encoder ? encoderTable(s) : 'not run',
    '', '### End to end (item 2)', '', s.e2e ? e2eTable(s) : 'not run',
    '', '### Scale (item 3)', '', s.scale ? scaleTable(s) : 'not run',
    '', '### Editor latency (item 4)', '', s.lsp ? lspTable(s) : 'not run',
    '', '### Sample scope, warm runs, paste (issue 10)', '', s.scope || s.lspScope ? scopeTable(s) : 'not run',
    '', '### Log-determinant (item 5)', '', s.logdet ? logdetTable(s) : 'not run', '',
  ].join('\n');
}
