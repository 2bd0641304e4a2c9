/**
 * Host side of the ranking webview. The page is a fixed template (nonce, CSP and
 * two asset URIs are all that is interpolated); every number and text reaches it
 * as a `HostToPanel` message after the page says `ready`, and the page builds the
 * DOM with textContent. The page keeps its own state (getState/setState), so a
 * panel restored by the serializer after a reload redraws before the server answers.
 */
import * as vscode from 'vscode';
import type { HostToPanel, PanelToHost, RunState, ShowRankingArgs } from '../../common/protocol';
import { rankingPageHtml } from './panelHtml';
import { toUri } from './scopes';
import { errorMessage, type EciServer } from './serverApi';

export const RANKING_VIEW_TYPE = 'eciSem.ranking';
/** How many weakest triples the panel lists for a source. */
const WEAKEST_LIMIT = 50;

/** Owns at most one ranking panel; commands, notifications and the serializer go through it. */
export class RankingPanels implements vscode.Disposable {
  private current: RankingPanel | undefined;
  private running: RunState = { state: 'idle' };

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly server: EciServer,
    private readonly rescore: () => Thenable<unknown>,
  ) {}

  /** `preserveFocus`: leave the keyboard in the editor (CodeLens, or a run started from the editor). */
  show(select?: ShowRankingArgs, preserveFocus = select !== undefined): void {
    if (!this.current) {
      const panel = vscode.window.createWebviewPanel(
        RANKING_VIEW_TYPE, 'ECI_sem Ranking',
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus },
        webviewOptions(this.extensionUri),
      );
      this.attach(panel);
    } else {
      this.current.reveal(preserveFocus);
    }
    if (select) this.current?.select(select);
  }

  /** Called by the WebviewPanelSerializer after a window reload. */
  revive(panel: vscode.WebviewPanel): void {
    this.current?.dispose();
    this.attach(panel);
  }

  setStatus(running: RunState): void {
    this.running = running;
    this.current?.post({ type: 'status', running });
  }

  resultsChanged(): void {
    void this.current?.refresh();
  }

  dispose(): void {
    this.current?.dispose();
  }

  private attach(panel: vscode.WebviewPanel): void {
    const page = new RankingPanel(panel, this.extensionUri, this.server, () => this.running, this.rescore);
    this.current = page;
    panel.onDidDispose(() => {
      if (this.current === page) this.current = undefined;
    });
  }
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableFindWidget: true,
    // Only our own assets can be loaded into the page.
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

class RankingPanel {
  private ready = false;
  private pendingSelect: ShowRankingArgs | undefined;
  /** Drops a ranking answer when a newer refresh was started meanwhile. */
  private refreshSeq = 0;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly server: EciServer,
    private readonly running: () => RunState,
    private readonly rescore: () => Thenable<unknown>,
  ) {
    const webview = panel.webview;
    webview.options = webviewOptions(extensionUri);
    webview.html = pageHtml(webview, extensionUri);
    this.subscriptions.push(
      webview.onDidReceiveMessage((m: unknown) => { void this.receive(m); }),
      panel.onDidDispose(() => this.cleanUp()),
    );
  }

  reveal(preserveFocus: boolean): void {
    this.panel.reveal(undefined, preserveFocus);
  }

  select(args: ShowRankingArgs): void {
    if (this.ready) this.post({ type: 'select', scope: args.scope, source: args.source });
    else this.pendingSelect = args;
  }

  post(message: HostToPanel): void {
    if (this.ready) void this.panel.webview.postMessage(message);
  }

  async refresh(): Promise<void> {
    if (!this.ready) return;
    const seq = ++this.refreshSeq;
    try {
      const snapshots = await this.server.ranking();
      if (seq === this.refreshSeq) this.post({ type: 'ranking', snapshots, running: this.running() });
    } catch (e) {
      if (seq === this.refreshSeq) this.post({ type: 'error', message: `Could not get the ranking: ${errorMessage(e)}` });
    }
  }

  dispose(): void {
    this.panel.dispose();
  }

  private async receive(raw: unknown): Promise<void> {
    const msg = asPanelMessage(raw);
    if (!msg) return;
    switch (msg.type) {
      case 'ready':
        this.ready = true;
        await this.refresh();
        if (this.pendingSelect) {
          this.post({ type: 'select', ...this.pendingSelect });
          this.pendingSelect = undefined;
        }
        return;
      case 'selectSource':
        try {
          const rows = await this.server.weakest({ scope: msg.scope, source: msg.source, limit: WEAKEST_LIMIT });
          this.post({ type: 'weakest', scope: msg.scope, source: msg.source, rows });
        } catch (e) {
          this.post({ type: 'error', message: `Could not get the weakest triples of ${msg.source}: ${errorMessage(e)}` });
        }
        return;
      case 'openTriple':
        await this.openTriple(msg.uri, msg.line);
        return;
      case 'rescore':
        await this.rescore();
        return;
    }
  }

  private async openTriple(uriText: string, line: number): Promise<void> {
    let uri: vscode.Uri;
    try {
      uri = toUri(uriText);
    } catch {
      return;
    }
    // Triples come from files on disk; anything else is not ours to open.
    if (uri.scheme !== 'file') return;
    const pos = new vscode.Position(Math.max(0, Math.floor(line)), 0);
    const beside = this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One;
    try {
      await vscode.window.showTextDocument(uri, { selection: new vscode.Range(pos, pos), preview: true, viewColumn: beside });
    } catch (e) {
      void vscode.window.showErrorMessage(`ECI_sem: cannot open ${uri.fsPath}: ${errorMessage(e)}`);
    }
  }

  private cleanUp(): void {
    for (const d of this.subscriptions.splice(0)) d.dispose();
  }
}

/** The webview can post anything; accept only well-formed messages of our protocol. */
function asPanelMessage(raw: unknown): PanelToHost | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'rescore':
      return { type: m.type };
    case 'selectSource':
      return typeof m.scope === 'string' && typeof m.source === 'string'
        ? { type: 'selectSource', scope: m.scope, source: m.source } : undefined;
    case 'openTriple':
      return typeof m.uri === 'string' && typeof m.line === 'number' && Number.isFinite(m.line)
        ? { type: 'openTriple', uri: m.uri, line: m.line } : undefined;
    default:
      return undefined;
  }
}

/** The only HTML we write: no data, just the CSP, the nonce and where the assets are (panelHtml.ts). */
function pageHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  return rankingPageHtml({
    cspSource: webview.cspSource,
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'dist', 'ranking.js')).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'ranking', 'ranking.css')).toString(),
  });
}
