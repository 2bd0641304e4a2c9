/**
 * View of the ranking: one section per analysis (scope), plain and hybrid groups
 * as tables with an ECI_sem bar, then the weakest triples of the selected source.
 * A pure function of the state; main.ts owns the state and the messages.
 */
import type { RankingSnapshot, RunState, SourceCard, TripleRow } from '../../common/protocol';
import { agreementPercent } from '../../common/stabilityLabel';
import { activatable, bar, h } from './dom';
import { FINDING_LABELS, UNSAFE, num, percent, scopeLabel, sourceFlags, stableText, statusText, tail, tripleFindings } from './format';

export interface Selection { scope: string; source: string }

export interface ViewState {
  snapshots: RankingSnapshot[];
  running: RunState;
  selected?: Selection;
  /** Rows of `selected`; absent while they load. */
  weakest?: Selection & { rows: TripleRow[] };
  error?: string;
}

export interface Actions {
  selectSource(sel: Selection): void;
  openTriple(row: TripleRow): void;
  rescore(): void;
}

export const rowKey = (scope: string, source: string) => `${scope}\n${source}`;

export function renderStatus(el: HTMLElement, running: RunState): void {
  el.textContent = statusText(running);
  el.className = `status ${running.state}`;
}

export function render(root: HTMLElement, state: ViewState, actions: Actions): void {
  const status = h('span', { attrs: { id: 'status', role: 'status' } });
  renderStatus(status, state.running);
  const rescore = h('button', { attrs: { type: 'button' } }, 'Score Workspace');
  rescore.disabled = state.running.state === 'running';
  rescore.addEventListener('click', () => actions.rescore());

  const parts: Node[] = [h('header', { class: 'toolbar' }, h('h1', null, 'ECI_sem ranking'), status, rescore)];
  if (state.error) parts.push(h('p', { class: 'error', attrs: { role: 'alert' } }, state.error));
  if (state.snapshots.length === 0) {
    parts.push(h('p', { class: 'empty' },
      'No results yet. Open a triple file or an eci config, or score the workspace; results appear here as soon as a run finishes.'));
  }
  for (const snap of state.snapshots) parts.push(scopeSection(snap, state.selected, actions));
  if (state.selected) parts.push(details(state, state.selected, actions));
  root.replaceChildren(...parts);
}

function scopeSection(snap: RankingSnapshot, selected: Selection | undefined, actions: Actions): HTMLElement {
  const s = snap.settings;
  const meta = [
    `encoder ${s.encoder.model} (${s.encoder.dimension}-d)`, `τ ${s.temperature}`, `λ ${s.lambda}`,
    `sample ${s.sampleSize}`, `seed ${s.seed}`, `residual scale m ${num(snap.residualScale, 4)}`,
    `scored ${new Date(snap.finishedAt).toLocaleString()}`,
  ];
  if (snap.problems > 0) meta.push(`${snap.problems} input problem${snap.problems === 1 ? '' : 's'} (see Problems)`);
  if (snap.resultScope === 'sample') {
    meta.push(snap.provisional ? 'sample scope: ranked from the sampled triples while the rest are measured' : 'sample scope: only the sampled triples were measured');
  }
  if (snap.stability === 'pending') meta.push('stability of the ranking: checking half-samples…');
  if (snap.stability === 'off') meta.push('stability check off (resamples 0)');
  const section = h('section', { class: 'scope' }, h('h2', { title: snap.scope }, scopeLabel(snap.scope)), h('p', { class: 'meta' }, meta.join(' · ')));
  if (snap.sources.length === 0) section.append(h('p', { class: 'empty' }, 'No source could be scored; the Problems view says why.'));
  // One scale for both groups: a hybrid's bar then shows how much it adds over its members.
  const best = Math.max(0, ...snap.sources.map((c) => c.eci));
  for (const group of ['plain', 'hybrid'] as const) {
    const cards = snap.sources.filter((c) => c.group === group).sort((a, b) => a.rank - b.rank);
    if (cards.length === 0) continue;
    section.append(h('h3', null, group === 'plain' ? 'Plain sources' : 'Hybrid sources (ranked separately)'), sourceTable(snap.scope, cards, best, selected, actions, snap.stability === 'pending'));
  }
  return section;
}

/** [heading, tooltip, optional]: optional columns give way first when the panel is narrow (ranking.css). */
type Column = [string, string, boolean?];
const OPT = 'num opt';

const SOURCE_COLUMNS: Column[] = [
  ['#', 'Rank within the group'], ['Source', ''], ['ECI_sem', 'log det(I + M_S): higher is better'],
  ['stable', 'Share of half-samples that rank this source above the next one: ≈ = tied (below the stableAgreement threshold), > = the order holds'],
  ['per ex.', 'ECI_sem per sampled triple', true], ['δ', 'Diversity'], ['t̄', 'Mean target consistency', true],
  ['l̄', 'Mean semantic locality', true], ['r̄', 'Mean lexical residuality', true], ['w̄', 'Mean weight w = t·l·r', true],
  ['N/|S|', 'Sampled / all triples', true], ['unsafe', 'Share of duplicate, near-duplicate or likely false negatives'],
  ['findings', 'Per-triple findings'], ['flags', 'Source-level findings'],
];

function header(columns: Column[]): HTMLTableSectionElement {
  return h('thead', null, h('tr', null, ...columns.map(([name, tip, optional]) =>
    h('th', { class: optional ? 'opt' : undefined, title: tip || undefined, attrs: { scope: 'col' } }, name))));
}

/** Tables scroll sideways on their own rather than dragging the whole page. */
function table(cls: string, columns: Column[], body: HTMLTableSectionElement): HTMLElement {
  return h('div', { class: 'table-wrap' }, h('table', { class: cls }, header(columns), body));
}

function sourceTable(scope: string, cards: SourceCard[], best: number, selected: Selection | undefined, actions: Actions, stabilityPending: boolean): HTMLElement {
  const body = h('tbody');
  for (const card of cards) {
    const st = card.stability;
    const isSelected = selected?.scope === scope && selected.source === card.name;
    const findings = tripleFindings(card);
    const row = h('tr', { class: isSelected ? 'source selected' : 'source', attrs: { 'data-key': rowKey(scope, card.name), 'aria-selected': String(isSelected) } },
      h('td', { class: 'num' }, `${card.rank}/${card.groupSize}`),
      h('td', { class: 'name' }, card.name),
      h('td', { class: 'eci' }, h('div', { class: 'eci-cell' },
        bar(best > 0 ? card.eci / best : 0, card.group, `ECI_sem ${num(card.eci, 3)}`), h('span', { class: 'num' }, num(card.eci, 3)))),
      h('td', { class: st?.tiedWithNext ? 'stable tied' : 'stable' }, stableText(card, stabilityPending)),
      h('td', { class: OPT }, num(card.perExample, 4)),
      h('td', { class: 'num' }, num(card.diversity, 2)),
      h('td', { class: OPT }, num(card.mean.t, 2)),
      h('td', { class: OPT }, num(card.mean.l, 2)),
      h('td', { class: OPT }, num(card.mean.r, 2)),
      h('td', { class: OPT }, num(card.mean.w, 3)),
      h('td', { class: OPT }, `${card.n}/${card.size}`),
      h('td', { class: card.unsafeShare > 0.1 ? 'num warn' : 'num' }, percent(card.unsafeShare)),
      h('td', { class: 'chips' }, ...findings.map((f) => chip(`${FINDING_LABELS[f.id]} ${f.count}`, f.id))),
      h('td', { class: 'chips' }, ...sourceFlags(card).map((id) => chip(FINDING_LABELS[id], id))),
    );
    row.setAttribute('aria-label', `${card.name}, rank ${card.rank} of ${card.groupSize}, ECI_sem ${num(card.eci, 3)}`);
    body.append(activatable(row, () => actions.selectSource({ scope, source: card.name })));
    // A tie is shown between the two rows it joins, not only in a cell.
    if (st?.tiedWithNext && st.next) {
      const cell = h('td', { attrs: { colspan: String(SOURCE_COLUMNS.length) } },
        `≈ ${card.name} and ${st.next} are tied: only ${agreementPercent(st.agreementWithNext ?? 0)} of ${st.resamples} half-samples put ${card.name} first — do not read their order as a ranking`);
      body.append(h('tr', { class: 'tie', attrs: { role: 'note' } }, cell));
    }
  }
  return table('ranking', SOURCE_COLUMNS, body);
}

function chip(text: string, id: string): HTMLElement {
  const severity = (UNSAFE as ReadonlySet<string>).has(id) || id === 'many-false-negatives' ? 'chip unsafe' : 'chip';
  return h('span', { class: severity, title: id }, text);
}

const TRIPLE_COLUMNS: Column[] = [
  ['line', 'File and line'], ['w', 'Weight t·l·r'], ['t', 'Target consistency', true], ['l', 'Semantic locality', true],
  ['r', 'Lexical residuality', true], ['gain', 'Leave-one-out gain (sampled triples only)', true], ['findings', ''],
  ['query', ''], ['negative', ''],
];

function details(state: ViewState, sel: Selection, actions: Actions): HTMLElement {
  const section = h('section', { class: 'details', attrs: { 'aria-label': `Weakest triples of ${sel.source}` } },
    h('h2', null, `Weakest triples: ${sel.source}`),
    h('p', { class: 'meta' }, `${scopeLabel(sel.scope)} · lowest weight w = t·l·r first · Enter or click opens the triple`));
  const w = state.weakest;
  if (!w || w.scope !== sel.scope || w.source !== sel.source) {
    section.append(h('p', { class: 'empty' }, 'Loading…'));
    return section;
  }
  if (w.rows.length === 0) {
    section.append(h('p', { class: 'empty' }, 'No triples to show for this source (a hybrid lists its members\' triples under each member).'));
    return section;
  }
  const body = h('tbody');
  for (const r of w.rows) {
    const where = `${tail(r.uri, 1)}:${r.line + 1}`;
    const row = h('tr', { class: 'triple', title: `${r.uri}\nline ${r.line + 1}` },
      h('td', { class: 'where' }, where),
      h('td', { class: 'num' }, num(r.w, 3)),
      h('td', { class: OPT }, num(r.t, 2)),
      h('td', { class: OPT }, num(r.l, 2)),
      h('td', { class: OPT }, num(r.r, 2)),
      h('td', { class: OPT }, r.gain === undefined ? '–' : num(r.gain, 4)),
      h('td', { class: 'chips' }, ...r.findings.map((id) => chip(FINDING_LABELS[id] ?? id, id))),
      h('td', { class: 'text', title: r.query }, r.query),
      h('td', { class: 'text', title: r.negative }, r.negative),
    );
    row.setAttribute('aria-label', `${where}, weight ${num(r.w, 3)}${r.findings.length ? `, ${r.findings.join(', ')}` : ''}`);
    body.append(activatable(row, () => actions.openTriple(r)));
  }
  section.append(table('triples', TRIPLE_COLUMNS, body));
  return section;
}
