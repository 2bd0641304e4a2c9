/**
 * CodeLens: the score card line above each source of a config and at the top
 * of each triple file; clicking opens the ranking panel (`eciSem.showRanking`,
 * a client command, argument ShowRankingArgs `{scope, source}`). While a run is going the
 * previous numbers stay, marked as updating.
 */
import type { CodeLens, Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { Commands, type RunState, type ShowRankingArgs } from '../../../common/protocol';
import type { ScopeResult } from '../live/state/results';
import { parseConfig } from '../core/config';
import { lensTitle } from './words';

export const SHOW_RANKING = Commands.showRanking;

function suffix(state: RunState | undefined): string {
  if (!state) return '';
  if (state.state === 'running') return ` (updating${state.total > 0 ? ` ${Math.round((100 * state.done) / state.total)}%` : '…'})`;
  if (state.state === 'failed') return ' (last run failed)';
  return '';
}

/** A ranking from the sampled triples alone says so (spec: the scope of a result is named wherever it is shown). */
function scopeNote(r: ScopeResult): string {
  return r.wire.resultScope === 'sample' ? ' · sample scope' : '';
}

function placeholder(state: RunState | undefined): string {
  if (state?.state === 'running') return `ECI_sem: scoring… (${state.phase})`;
  if (state?.state === 'failed') return `ECI_sem: not scored — ${state.message.split('\n')[0]}`;
  return 'ECI_sem: not scored yet';
}

/** Without a source the command opens the panel as from the palette (no argument). */
function lens(range: Range, title: string, scope: string, source?: string): CodeLens {
  const args: ShowRankingArgs[] = source !== undefined ? [{ scope, source }] : [];
  return { range, command: { title, command: SHOW_RANKING, arguments: args } };
}

/** One lens above each source's entry of a config. */
export function configLenses(doc: TextDocument, scope: string, result: ScopeResult | undefined, state: RunState | undefined): CodeLens[] {
  const config = parseConfig(doc.getText()).config;
  if (!config) return [];
  return config.sources.map((src) => {
    const start = doc.positionAt(src.offset);
    const range = { start, end: start };
    const ws = result?.source(src.name);
    return lens(range, ws ? lensTitle(result!.card(ws), result!.stabilityPending()) + scopeNote(result!) + suffix(state) : placeholder(state), scope, src.name);
  });
}

/** At the top of a triple file: one lens per source the file feeds, in each scope that reads it. */
export function fileLenses(results: readonly ScopeResult[], path: string, states: (scope: string) => RunState | undefined): CodeLens[] {
  const top = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const out: CodeLens[] = [];
  for (const r of results) {
    for (const s of r.sourcesOfFile(path)) {
      out.push(lens(top, `${s.name}: ${lensTitle(r.card(s), r.stabilityPending())}${scopeNote(r)}${suffix(states(r.scope))}`, r.scope, s.name));
    }
  }
  return out;
}

/** A lens for a triple file a scope will read but has no result for yet (e.g. while the first run goes). */
export function pendingFileLens(scope: string, state: RunState | undefined): CodeLens {
  return lens({ start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, placeholder(state), scope);
}
