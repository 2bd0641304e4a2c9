/**
 * Ranking webview script (bundled to media/dist/ranking.js as an IIFE). Owns the
 * view state, persists it with setState so a hidden or restored panel redraws at
 * once, and talks to the host only through the typed messages of common/protocol.ts.
 */
import type { HostToPanel, PanelToHost, TripleRow } from '../../common/protocol';
import { render, renderStatus, rowKey, type Selection, type ViewState } from './render';

interface VsCodeApi {
  postMessage(message: PanelToHost): void;
  getState(): ViewState | undefined;
  setState(state: ViewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById('app') as HTMLElement;
let state: ViewState = vscode.getState() ?? { snapshots: [], running: { state: 'idle' } };

const actions = {
  selectSource(sel: Selection): void {
    select(sel);
  },
  openTriple(row: TripleRow): void {
    vscode.postMessage({ type: 'openTriple', uri: row.uri, line: row.line });
  },
  rescore(): void {
    vscode.postMessage({ type: 'rescore' });
  },
};

function update(next: ViewState, redraw = true): void {
  state = next;
  vscode.setState(state);
  if (!redraw) return;
  // Re-rendering replaces the rows; keep keyboard focus on the same source.
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.key : undefined;
  render(root, state, actions);
  if (focused !== undefined) {
    for (const el of root.querySelectorAll<HTMLElement>('tr.source')) {
      if (el.dataset.key === focused) el.focus();
    }
  }
}

function select(sel: Selection): void {
  update({ ...state, selected: sel, weakest: undefined });
  vscode.postMessage({ type: 'selectSource', scope: sel.scope, source: sel.source });
  for (const el of root.querySelectorAll<HTMLElement>('tr.source')) {
    if (el.dataset.key === rowKey(sel.scope, sel.source)) el.scrollIntoView({ block: 'nearest' });
  }
}

function hasSource(s: ViewState, sel: Selection | undefined): boolean {
  return !!sel && s.snapshots.some((snap) => snap.scope === sel.scope && snap.sources.some((c) => c.name === sel.source));
}

function receive(msg: HostToPanel): void {
  switch (msg.type) {
    case 'ranking': {
      const next: ViewState = { ...state, snapshots: msg.snapshots, running: msg.running, error: undefined };
      if (!hasSource(next, next.selected)) {
        update({ ...next, selected: undefined, weakest: undefined });
      } else if (next.selected) {
        // New results: the selected source's weakest triples may have changed too.
        state = next;
        select(next.selected);
      }
      return;
    }
    case 'select':
      select({ scope: msg.scope, source: msg.source });
      return;
    case 'weakest':
      if (state.selected?.scope === msg.scope && state.selected.source === msg.source) {
        update({ ...state, weakest: { scope: msg.scope, source: msg.source, rows: msg.rows } });
      }
      return;
    case 'status': {
      const wasRunning = state.running.state === 'running';
      const isRunning = msg.running.state === 'running';
      // Status ticks often during a run: touch only the status line, not the tables.
      update({ ...state, running: msg.running }, wasRunning !== isRunning);
      const el = document.getElementById('status');
      if (el) renderStatus(el, msg.running);
      return;
    }
    case 'error':
      update({ ...state, error: msg.message });
      return;
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const data = event.data;
  if (data !== null && typeof data === 'object' && typeof (data as { type?: unknown }).type === 'string') {
    receive(data as HostToPanel);
  }
});

render(root, state, actions);
vscode.postMessage({ type: 'ready' });
