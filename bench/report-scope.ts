/** The issue-10 part of the generated BENCHMARKS.md figures (bench/scope.ts, bench/lsp-scope.ts). */

import { fmt, num, obj, type Json } from './format';

export interface ScopeGoal { name: string; value: unknown; goal: string; met: boolean | null; what: string }

const atMost = (v: unknown, g: number) => (num(v) === null ? null : num(v)! <= g);
const atLeast = (v: unknown, g: number) => (num(v) === null ? null : num(v)! >= g);

export function scopeGoals(r: Json): ScopeGoal[] {
  const s = obj(r.sections);
  const sc = obj(s.scope);
  const ls = obj(s.lspScope);
  const out: ScopeGoal[] = [];
  if (s.scope) {
    const set = obj(sc.set);
    const cold = obj(sc.cold);
    const what = `${fmt(set.triples)} triples, ${fmt(set.distinctTexts)} distinct texts, dist/cli.js, default model fp32`;
    out.push({ name: 'sample_only_speedup', value: r.sample_only_speedup, goal: '≥ 4 (at 100k)', met: atLeast(r.sample_only_speedup, 4),
      what: `${what}: cold full ${fmt(obj(cold.full).wallS, ' s')} ÷ cold --sample-only ${fmt(obj(cold.sampleOnly).wallS, ' s')}, each an empty cache` });
    const parse = obj(sc.readAndParse);
    for (const [key, v] of Object.entries(obj(r.e2e_warm_cli_s))) {
      out.push({ name: `e2e_warm_cli_s (${key.replace(/^resamples/, 'resamples ')})`, value: v, goal: '≤ 4 s at 100k', met: num(set.triples) === 100_000 ? atMost(v, 4) : null,
        what: `${what}, warm cache, fresh process, median of ${fmt(sc.reps)}` });
    }
    out.push({ name: 'warm_vs_parse', value: r.warm_vs_parse, goal: '≤ 2.5', met: atMost(r.warm_vs_parse, 2.5),
      what: `${what}: warm run (resamples ${fmt(sc.resamplesDefault)}) ÷ read + JSON.parse of every line once (${fmt(parse.medianS, ' s')}), same run; with resamples 0: ${fmt(r.warm_vs_parse_r0)}` });
  }
  if (s.lspScope) {
    const ws = obj(ls.workspace);
    const cold = obj(ls.cold);
    const paste = obj(ls.paste);
    out.push({ name: 'first_ranking_share', value: r.first_ranking_share, goal: '≤ 0.25', met: atMost(r.first_ranking_share, 0.25),
      what: `${fmt(ws.triples)} triples with a config, language server, cold cache: sample-scope ranking at ${fmt(cold.provisionalS, ' s')}, full result at ${fmt(cold.fullS, ' s')}` });
    out.push({ name: 'lsp_paste_rerun_s', value: r.lsp_paste_rerun_s, goal: '≤ 1 s', met: atMost(r.lsp_paste_rerun_s, 1),
      what: `${fmt(ws.triples)} triples, ${fmt(paste.lines)} new lines pasted into an open file, didChange → full result: ${fmt(paste.toFullResultS, ' s')} with embedding its ${fmt(paste.newTextsEmbedded)} new texts, ${fmt(paste.samePasteCachedS, ' s')} for the same paste once they are cached (the figure); minus the texts embedded on their own (${fmt(paste.embedOnOwnS, ' s')}): ${fmt(paste.minusOwnEmbedS, ' s')}` });
  }
  return out;
}

function table(head: string[], rows: unknown[][]): string {
  const line = (cells: unknown[]) => `| ${cells.map((c) => String(c ?? '—').replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Every run of the two benches, one row each. */
export function scopeTable(s: Json): string {
  const sc = obj(s.scope);
  const ls = obj(s.lspScope);
  const rows: unknown[][] = [];
  const cold = obj(sc.cold);
  const row = (name: string, p: unknown) => { const x = obj(p); rows.push([name, x.wallS, x.cpuS, x.peakRssMb, x.textsEmbedded]); };
  if (s.scope) {
    row('CLI cold, full', cold.full);
    row('CLI cold, --sample-only', cold.sampleOnly);
    const warm = obj(sc.warm);
    ((warm.resamples0 as Json[] | undefined) ?? []).forEach((p, i) => row(`CLI warm --resamples 0, ${i + 1}`, p));
    ((warm.resamplesDefault as Json[] | undefined) ?? []).forEach((p, i) => row(`CLI warm (resamples ${fmt(sc.resamplesDefault)}), ${i + 1}`, p));
    const parse = obj(sc.readAndParse);
    rows.push([`read + JSON.parse, ${fmt(parse.lines)} lines (per rep: ${((parse.secondsPerRep as number[] | undefined) ?? []).join(', ')})`, parse.medianS, '', '', '']);
  }
  const cliTable = s.scope ? table(['run', 'wall s', 'CPU s', 'peak RSS MB', 'texts embedded'], rows) : 'scope.ts not run';
  if (!s.lspScope) return cliTable;
  const c = obj(ls.cold);
  const p = obj(ls.paste);
  return `${cliTable}\n\n${table(['language server', 's'], [
    ['cold: open config → sample-scope ranking (provisional)', c.provisionalS],
    ['cold: open config → full result', c.fullS],
    ['cold: open config → stability check', c.stabilityS],
    [`paste ${fmt(p.lines)} new lines → full result (${fmt(p.newTextsEmbedded)} new texts embedded)`, p.toFullResultS],
    ['embedding in the server (first paste − cached paste)', p.embedInServerS],
    ['the same texts embedded on their own (CLI cold − warm)', p.embedOnOwnS],
    ['undo the paste → full result', p.undoToFullResultS],
    ['the same paste again, texts cached → full result', p.samePasteCachedS],
  ])}\n\nTexts embedded in the cold run: ${fmt(c.textsEmbedded)}; the provisional snapshot had resultScope ${String(obj(c.provisionalSnapshot).resultScope ?? '—')}.`;
}
