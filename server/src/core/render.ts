/** Human-readable renderings of a report: a terminal table and Markdown. */
import { FINDING_LABELS } from '../../../common/findingLabels';
import { agreementPercent as percent, orderToNext } from '../../../common/stabilityLabel';
import { orderSources, type ReportSource } from './report';
import { TRIPLE_FINDINGS } from './types';
import type { Problem } from './types';

/** A report source plus the number of unsafe triples (a triple may carry several findings). */
export type RenderSource = ReportSource & { unsafe: number };

export interface RenderInput {
  sources: readonly RenderSource[];
  settings: {
    temperature: number; lambda: number; sampleSize: number; seed: number; resamples: number;
    thresholds: { stableAgreement: number };
    encoder: { model: string; dimension: number };
  };
  residualScale: number;
  problems: readonly Problem[];
  skippedLines: number;
  /** "sample": only the sampled triples were measured (spec §3.6); the table says so. */
  scope?: 'all' | 'sample';
}

/** The line that names a sample-scope result wherever it is printed. */
export const SAMPLE_SCOPE_NOTE = 'scope: sample — only the sampled triples were embedded and scored; m, the means and the findings cover those triples only';

/** Per-triple findings, in table order, with their short names. */
const SHORT: Record<string, string> = Object.fromEntries(TRIPLE_FINDINGS.map((id) => [id, FINDING_LABELS[id]]));
const SOURCE_FLAGS = ['under-sampled', 'low-diversity', 'many-false-negatives', 'tied-with-next'] as const;

function fmt(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

function findingText(s: ReportSource): string {
  const parts = Object.entries(SHORT)
    .filter(([id]) => (s.findings[id] ?? 0) > 0)
    .map(([id, short]) => `${short} ${s.findings[id]}`);
  return parts.join(', ') || '—';
}

function flagText(s: ReportSource): string {
  return SOURCE_FLAGS.filter((f) => (s.findings[f] ?? 0) > 0).map((f) => FINDING_LABELS[f]).join(', ');
}


/** The stable column: how the source compares with the next one below in its group. */
function stableText(s: ReportSource, next: ReportSource | undefined): string {
  return orderToNext(s.stability, next?.name) ?? '—';
}

/** One line per tie (and per pair that cannot be compared) of a group, below its table. */
function tieNotes(members: readonly ReportSource[], input: RenderInput): string[] {
  const out: string[] = [];
  members.forEach((s, k) => {
    const next = members[k + 1];
    const st = s.stability;
    if (!st || !next) return;
    if (st.tiedWithNext && st.agreementWithNext !== null) {
      out.push(`${s.rank} ≈ ${next.rank}: the order of ${s.name} and ${next.name} is supported by only ${percent(st.agreementWithNext)} of ${st.resamples} half-samples (< ${percent(input.settings.thresholds.stableAgreement)}); do not trust it`);
    } else if (!st.comparableWithNext) {
      out.push(`${s.rank} ? ${next.rank}: ${s.name} and ${next.name} have different N (${s.n} and ${next.n}); their half-sample scores are not comparable`);
    }
  });
  return out;
}

function unsafeShare(s: RenderSource): string {
  return s.size > 0 ? `${Math.round((100 * s.unsafe) / s.size)}%` : '—';
}

const HEADER = ['#', 'source', 'ECI_sem', 'stable', 'per-ex', 'δ', 'N/|S|', 't̄', 'l̄', 'r̄', 'w̄', 'unsafe', 'findings', 'flags'];

/** Right-aligned (numeric) columns: ECI_sem and per-ex … unsafe. */
const numeric = (c: number) => c === 2 || (c >= 4 && c <= 11);

/** `sources`: one group, best first. */
function rows(sources: readonly RenderSource[]): string[][] {
  return sources.map((s, k) => [
    String(s.rank), s.name, fmt(s.eci, 3), stableText(s, sources[k + 1]), fmt(s.perExample, 4), fmt(s.diversity, 2), `${s.n}/${s.size}`,
    fmt(s.mean.t, 2), fmt(s.mean.l, 2), fmt(s.mean.r, 2), fmt(s.mean.w, 3), unsafeShare(s), findingText(s), flagText(s),
  ]);
}

function headline(input: RenderInput): string {
  const s = input.settings;
  return `encoder ${s.encoder.model} (${s.encoder.dimension}-d) · τ ${s.temperature} · λ ${s.lambda} · sample ${s.sampleSize} · seed ${s.seed} · ${s.resamples > 0 ? `resamples ${s.resamples}` : 'resamples off'} · residual scale m ${fmt(input.residualScale, 4)}`;
}

function problemLines(input: RenderInput, max: number): string[] {
  if (input.problems.length === 0) return [];
  const out = [`${input.problems.length} problem(s) on ${input.skippedLines} line(s); those triples were skipped:`];
  for (const p of input.problems.slice(0, max)) out.push(`  ${p.file}:${p.line}:${p.column}: ${p.message}`);
  if (input.problems.length > max) out.push(`  … and ${input.problems.length - max} more (see --format json)`);
  return out;
}

function stableLegend(input: RenderInput): string {
  const { resamples, thresholds } = input.settings;
  if (resamples <= 0) return 'stable: not checked (resamples 0).';
  return `stable = share of ${resamples} half-samples in which a source outscores the next one: > at least ${percent(thresholds.stableAgreement)}, ≈ tied (fewer), ? not comparable (N differs).`;
}

export function renderTable(input: RenderInput): string {
  const ordered = orderSources(input.sources);
  const out: string[] = ['ECI_sem ranking of negative sources', headline(input), ...(input.scope === 'sample' ? [SAMPLE_SCOPE_NOTE] : []), ''];
  for (const group of ['plain', 'hybrid'] as const) {
    const members = ordered.filter((s) => s.group === group);
    if (members.length === 0) continue;
    const table = [HEADER, ...rows(members)];
    const widths = HEADER.map((_, c) => Math.max(...table.map((r) => [...r[c]].length)));
    out.push(`${group} sources`);
    for (const r of table) {
      out.push('  ' + r.map((cell, c) => (numeric(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd());
    }
    out.push(...tieNotes(members, input).map((l) => '  ' + l));
    out.push('');
  }
  out.push('unsafe = duplicate, near-duplicate or likely false negative; ranked by ECI_sem within each group.');
  out.push(stableLegend(input));
  out.push(...problemLines(input, 20));
  return out.join('\n') + '\n';
}

export function renderMarkdown(input: RenderInput): string {
  const ordered = orderSources(input.sources);
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const out: string[] = ['# ECI_sem ranking of negative sources', '', headline(input), ...(input.scope === 'sample' ? ['', `_${SAMPLE_SCOPE_NOTE}_`] : []), ''];
  for (const group of ['plain', 'hybrid'] as const) {
    const members = ordered.filter((s) => s.group === group);
    if (members.length === 0) continue;
    out.push(`## ${group === 'plain' ? 'Plain' : 'Hybrid'} sources`, '');
    out.push(`| ${HEADER.map(esc).join(' | ')} |`, `|${HEADER.map((_, c) => (numeric(c) ? ' ---: ' : ' --- ')).join('|')}|`);
    for (const r of rows(members)) out.push(`| ${r.map(esc).join(' | ')} |`);
    out.push('');
    const notes = tieNotes(members, input);
    if (notes.length > 0) out.push(...notes.map((l) => `- ${l}`), '');
  }
  out.push(stableLegend(input), '');
  const problems = problemLines(input, 50);
  if (problems.length > 0) out.push('## Problems', '', ...problems.map((l) => l.replace(/^ {2}/, '- ')), '');
  return out.join('\n');
}
