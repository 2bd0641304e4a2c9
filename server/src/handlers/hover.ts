/**
 * Hovers: on a triple line its numbers and findings in plain words; on a
 * config source its full score card. Answers from the stored results only, so
 * they are instant while a run is going.
 */
import type { Hover, MarkupContent, Position } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { SourceCard } from '../../../common/protocol';
import type { ScopeResult, TripleInfo } from '../live/state/results';
import { parseConfig } from '../core/config';
import { describeFinding } from '../core/findings';
import type { FindingId } from '../core/types';
import { lineOf, negativeSpans } from './lineRanges';
import { agreementPercent } from '../../../common/stabilityLabel';
import { findingMessage, num, percent, sig3, SOURCE_FINDINGS } from './words';

function markdown(lines: string[]): MarkupContent {
  return { kind: 'markdown', value: lines.join('\n') };
}

function tripleLines(r: ScopeResult, e: TripleInfo): string[] {
  const s = r.wire.settings;
  const sampled = e.sources.filter((x) => x.gain !== undefined);
  const out = [
    `**eci-sem** — ${e.sources.map((x) => `**${x.name}**`).join(', ') || 'no source'} · ${e.unit.shown}:${r.wire.columns.line[e.index]}`,
    '',
    // A monospace block, not a Markdown table: VS Code renders hover tables without
    // cell padding, and the numbers ran together under the wrong names. No language
    // tag: Vim's ALE loads syntax/<tag>.vim for it, and there is no syntax/text.vim.
    '```',
    ['a', 'b', 'c', 't', 'l', 'r', 'w'].map((h) => h.padStart(8)).join(''),
    [e.a, e.b, e.c, e.t, e.l, e.r, e.w].map((x) => num(x).padStart(8)).join(''),
    '```',
    '',
    'a = cos(q, p) · b = cos(q, n) · c = cos(p, n)',
    '',
    `- **t = ${num(e.t)}** target consistency: ${e.t >= 0.5 ? 'the encoder ranks the positive above this negative' : 'the encoder ranks this negative above the positive'} (margin a − b = ${num(e.delta)}, τ ${s.temperature}).`,
    `- **l = ${num(e.l)}** locality: ${e.l >= 0.5 ? 'the negative is about as close to the query as the positive' : e.l >= s.thresholds.tooEasyL ? 'the negative is somewhat farther from the query than the positive' : 'the negative is far from the query, so it teaches little'}.`,
    `- **r = ${num(e.r)}** lexical residuality: ${percent(1 - e.r)} of the query's IDF-weighted terms reappear in the negative; the rest of its hardness is semantic.`,
    `- **w = t·l·r = ${num(e.w)}** the triple's weight in its source's score (at most 0.5).`,
  ];
  if (sampled.length > 0) {
    for (const x of sampled) out.push(`- **gain ${num(x.gain!)} nats** — what this triple adds to ${x.name}'s ECI_sem (leverage ${num(x.leverage!)}).`);
  } else {
    out.push(`- not in the seeded sample of its source, so it has no gain (sample size ${s.sampleSize}).`);
  }
  if (e.all.length > 0) {
    out.push('', '**Findings**');
    for (const f of e.all) out.push(`- \`${f}\` — ${findingMessage(f, e, s)}. ${describeFinding(f)}`);
  } else {
    out.push('', 'No findings: a usable hard negative.');
  }
  return out;
}

/**
 * Hover on a 0-based position of a triple file. `results` must be current for
 * the document; when a line holds several triples, the one whose negative is
 * under the cursor is shown, else all of them (at most four).
 */
export function tripleHover(doc: TextDocument, path: string, pos: Position, results: readonly ScopeResult[]): Hover | null {
  const lineText = lineOf(doc, pos.line);
  const sections: string[][] = [];
  for (const r of results) {
    const triples = r.triplesOnLine(path, pos.line + 1);
    if (triples.length === 0) continue;
    let chosen = triples;
    if (triples.length > 1) {
      const byUnit = new Map<number, number[]>();
      for (const i of triples) {
        const u = r.wire.columns.unit[i];
        byUnit.set(u, [...(byUnit.get(u) ?? []), i]);
      }
      const hit: number[] = [];
      for (const [u, list] of byUnit) {
        const spans = negativeSpans(lineText, pos.line + 1, r.wire.units[u], list.length);
        list.forEach((i, k) => {
          const s = spans[k];
          if (s && pos.character >= s.start && pos.character <= s.end) hit.push(i);
        });
      }
      chosen = hit.length > 0 ? hit : triples.slice(0, 4);
    }
    for (const i of chosen) {
      sections.push(r.measured(i) ? tripleLines(r, r.info(i))
        : ['_eci-sem_: this triple is in no source\'s sample, and this result has **sample scope** (`eciSem.scope`: "sample"), so it was not measured — it has no numbers or findings here.']);
    }
    if (chosen.length < triples.length && chosen.length === 4) sections.push([`… and ${triples.length - 4} more triples on this line (hover over a negative to see its own).`]);
  }
  if (sections.length === 0) return null;
  return { contents: markdown(sections.flatMap((s, k) => (k === 0 ? s : ['', '---', '', ...s]))) };
}

/** The half-sample check of a card: the spread of the score and how often each neighbour's order holds. */
export function stabilityLines(c: SourceCard, pending: boolean): string[] {
  const st = c.stability;
  if (!st) return pending ? ['- stability: checking the ranking on half-samples…'] : [];
  const out = [`- stability over ${st.resamples} half-samples of ${st.n}: median ${sig3(st.median)} (p10 ${sig3(st.p10)} – p90 ${sig3(st.p90)})`];
  if (st.previous) {
    out.push(st.agreementWithPrevious === null || st.agreementWithPrevious === undefined
      ? `- vs **${st.previous}** (above): not comparable — their N differ`
      : `- vs **${st.previous}** (above): ${agreementPercent(st.agreementWithPrevious)} of half-samples rank ${st.previous} higher${st.tiedWithPrevious ? ' — **tied**, the order is not supported' : ''}`);
  }
  if (st.next) {
    out.push(!st.comparableWithNext
      ? `- vs **${st.next}** (below): not comparable — their N differ`
      : `- vs **${st.next}** (below): ${agreementPercent(st.agreementWithNext ?? 0)} of half-samples rank ${c.name} higher${st.tiedWithNext ? ' — **tied**, the order is not supported' : ''}`);
  }
  return out;
}

export function cardLines(c: SourceCard, settingsLine: string, stabilityPending = false): string[] {
  const findings = Object.entries(c.findings)
    .filter(([id, n]) => (n ?? 0) > 0 && !(SOURCE_FINDINGS as readonly string[]).includes(id))
    .map(([id, n]) => `${id} ${n}`);
  const flags = SOURCE_FINDINGS.filter((f) => (c.findings[f] ?? 0) > 0);
  return [
    `**${c.name}** — rank ${c.rank} of ${c.groupSize} (${c.group})`,
    '',
    '| ECI_sem | per example | δ | N / \\|S\\| | t̄ | l̄ | r̄ | w̄ |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${sig3(c.eci)} | ${num(c.perExample)} | ${num(c.diversity)} | ${c.n} / ${c.size} | ${num(c.mean.t)} | ${num(c.mean.l)} | ${num(c.mean.r)} | ${num(c.mean.w)} |`,
    '',
    `- weak (any finding): ${percent(c.weakShare)}; unsafe (duplicate, near-duplicate or likely false negative): ${percent(c.unsafeShare)}`,
    `- findings: ${findings.join(', ') || 'none'}`,
    ...stabilityLines(c, stabilityPending),
    ...flags.map((f) => `- **${f}** — ${describeFinding(f as FindingId)}`),
    '',
    settingsLine,
  ];
}

/** Hover on a config: the score card of the source whose entry holds the cursor. */
export function configHover(doc: TextDocument, pos: Position, result: ScopeResult | undefined): Hover | null {
  if (!result) return null;
  const offset = doc.offsetAt(pos);
  const src = parseConfig(doc.getText()).config?.sources.find((s) => offset >= s.offset && offset <= s.offset + s.length);
  if (!src) return null;
  const ws = result.source(src.name);
  if (!ws) return null;
  const { settings, encoder } = result.wire;
  const settingsLine = `_encoder ${encoder.model} (${encoder.dimension}-d) · τ ${settings.temperature} · λ ${settings.lambda} · sample ${settings.sampleSize} · seed ${settings.seed} · m ${num(result.wire.residualScale)} · scored ${result.finishedAt.toISOString()}${result.wire.resultScope === 'sample' ? ` · sample scope: only the ${result.provisional ? 'sampled triples are measured so far' : 'sampled triples were measured'}` : ''}_`;
  return { contents: markdown(cardLines(result.card(ws), settingsLine, result.stabilityPending())) };
}
