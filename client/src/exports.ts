/**
 * Export Report and Export Curated Triples. The server produces the content (or
 * writes the curated file, which can be far larger than a message should carry);
 * the client asks the user what and where, and never writes over a file the user
 * has not chosen in a save dialog.
 */
import * as vscode from 'vscode';
import type { ExportReportRequest, FindingId, RankingSnapshot, SourceCard } from '../../common/protocol';
import { Commands } from '../../common/protocol';
import { pickSnapshot, scopeFolder, scopeLabel, toUri } from './scopes';
import { errorMessage, type EciServer } from './serverApi';

type ReportChoice = Pick<ExportReportRequest.Params, 'format' | 'triples'> & { ext: string; filter: string };

const REPORT_CHOICES: (vscode.QuickPickItem & { choice: ReportChoice })[] = [
  { label: 'JSON', detail: 'The spec §6 report: settings, sources, factor means, findings.', choice: { format: 'json', triples: false, ext: 'json', filter: 'JSON' } },
  { label: 'JSON with triples', detail: 'Also every triple with its factors and findings (large for big sources).', choice: { format: 'json', triples: true, ext: 'json', filter: 'JSON' } },
  { label: 'Markdown', detail: 'The ranking tables, for a pull request or a notebook.', choice: { format: 'markdown', triples: false, ext: 'md', filter: 'Markdown' } },
  { label: 'CSV', detail: 'One row per source, for a spreadsheet.', choice: { format: 'csv', triples: false, ext: 'csv', filter: 'CSV' } },
];

/** Per-triple findings a curated copy can drop; the first three are the unsafe ones, dropped by default. */
const DROPPABLE: { id: FindingId; what: string; byDefault: boolean }[] = [
  { id: 'duplicate-of-positive', what: 'the negative is the positive again', byDefault: true },
  { id: 'near-duplicate-of-positive', what: 'the negative repeats most of the positive', byDefault: true },
  { id: 'likely-false-negative', what: 'the encoder ranks the negative above the positive', byDefault: true },
  { id: 'too-easy', what: 'far from the query: teaches little', byDefault: false },
  { id: 'lexical-only', what: 'hard only because it repeats the query\'s words', byDefault: false },
  { id: 'redundant', what: 'adds almost nothing beyond a near-parallel triple', byDefault: false },
];

async function loadSnapshots(server: EciServer): Promise<RankingSnapshot[] | undefined> {
  let snapshots: RankingSnapshot[];
  try {
    snapshots = await server.ranking();
  } catch (e) {
    void vscode.window.showErrorMessage(`ECI_sem: could not get the results: ${errorMessage(e)}`);
    return undefined;
  }
  if (snapshots.length === 0) {
    const score = 'Score Workspace';
    if (await vscode.window.showInformationMessage('ECI_sem: no results yet. Score the workspace first.', score) === score) {
      await vscode.commands.executeCommand(Commands.scoreWorkspace);
    }
    return undefined;
  }
  return snapshots;
}

async function offerToOpen(message: string, target: vscode.Uri): Promise<void> {
  const open = 'Open';
  if (await vscode.window.showInformationMessage(message, open) === open) {
    await vscode.window.showTextDocument(target, { preview: false });
  }
}

export async function exportReport(server: EciServer): Promise<void> {
  const snapshots = await loadSnapshots(server);
  if (!snapshots) return;
  const snapshot = await pickSnapshot(snapshots, 'Which analysis should the report describe?');
  if (!snapshot) return;
  const picked = await vscode.window.showQuickPick(REPORT_CHOICES, { placeHolder: 'Report format', ignoreFocusOut: true });
  if (!picked) return;
  const { format, triples, ext, filter } = picked.choice;

  const folder = scopeFolder(snapshot.scope);
  const name = `eci-sem-report${triples ? '.triples' : ''}.${ext}`;
  // The save dialog asks before replacing an existing file; we write only what it returns.
  const target = await vscode.window.showSaveDialog({
    title: `Export ECI_sem report of ${scopeLabel(snapshot.scope)}`,
    saveLabel: 'Export',
    defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
    filters: { [filter]: [ext] },
  });
  if (!target) return;

  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'ECI_sem: exporting report', cancellable: true },
      async (_progress, token) => {
        const { content } = await server.exportReport({ scope: snapshot.scope, format, triples }, token);
        if (token.isCancellationRequested) return;
        await vscode.workspace.fs.writeFile(target, Buffer.from(content, 'utf8'));
      },
    );
  } catch (e) {
    void vscode.window.showErrorMessage(`ECI_sem: export failed: ${errorMessage(e)}`);
    return;
  }
  await offerToOpen(`ECI_sem: report written to ${vscode.workspace.asRelativePath(target)}.`, target);
}

interface Candidate { scope: string; file: vscode.Uri; cards: SourceCard[] }

/** Every (scope, triple file) pair the ranking knows, with the plain sources it feeds. */
function candidates(snapshots: RankingSnapshot[]): Candidate[] {
  const byKey = new Map<string, Candidate>();
  for (const s of snapshots) {
    for (const card of s.sources) {
      if (card.group !== 'plain') continue;
      for (const f of card.files ?? []) {
        const file = toUri(f);
        const key = `${s.scope}\n${file.toString()}`;
        const c = byKey.get(key) ?? { scope: s.scope, file, cards: [] };
        c.cards.push(card);
        byKey.set(key, c);
      }
    }
  }
  return [...byKey.values()];
}

async function pickCandidate(snapshots: RankingSnapshot[], uri: vscode.Uri | undefined): Promise<Candidate | undefined> {
  let list = candidates(snapshots);
  if (uri) list = list.filter((c) => c.file.toString() === uri.toString());
  if (uri && list.length === 0) {
    const score = 'Score This File';
    const answer = await vscode.window.showInformationMessage(
      `ECI_sem: ${vscode.workspace.asRelativePath(uri)} has no results yet. Score it first.`, score);
    if (answer === score) await vscode.commands.executeCommand(Commands.scoreFile, uri);
    return undefined;
  }
  if (list.length === 0) {
    void vscode.window.showInformationMessage('ECI_sem: the ranking lists no triple files to curate yet. Score the workspace first.');
    return undefined;
  }
  if (list.length === 1) return list[0];
  const picked = await vscode.window.showQuickPick(
    list.map((c) => ({
      label: c.file.path.split('/').pop() ?? c.file.path,
      description: vscode.workspace.asRelativePath(c.file),
      detail: `${c.cards.map((k) => k.name).join(', ')} · ${scopeLabel(c.scope)}`,
      candidate: c,
    })),
    { placeHolder: 'Triple file to write a curated copy of', ignoreFocusOut: true, matchOnDescription: true },
  );
  return picked?.candidate;
}

/** `data/dense.jsonl` → `data/dense.curated.jsonl`: the copy sits next to its source, same format. */
export function curatedName(fileName: string): string {
  const m = /^(.*?)(\.(?:jsonl|ndjson|json-lines|tsv))$/i.exec(fileName);
  return m ? `${m[1]}.curated${m[2]}` : `${fileName}.curated.jsonl`;
}

/** Whether a file or folder exists (through the workspace file system, so remote ones too). */
export async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

export async function exportCurated(server: EciServer, uri: vscode.Uri | undefined): Promise<void> {
  const snapshots = await loadSnapshots(server);
  if (!snapshots) return;
  const candidate = await pickCandidate(snapshots, uri);
  if (!candidate) return;

  const count = (id: FindingId) => candidate.cards.reduce((n, c) => n + (c.findings[id] ?? 0), 0);
  const drops = await vscode.window.showQuickPick(
    DROPPABLE.map((d) => ({
      label: d.id,
      description: `${count(d.id)} in ${candidate.cards.map((c) => c.name).join(', ')}`,
      detail: d.what,
      picked: d.byDefault,
      id: d.id,
    })),
    { canPickMany: true, placeHolder: 'Drop triples with any of these findings', ignoreFocusOut: true },
  );
  if (!drops) return;

  const fileName = candidate.file.path.split('/').pop() ?? 'triples.jsonl';
  const target = await vscode.window.showSaveDialog({
    title: `Save a curated copy of ${fileName}`,
    saveLabel: 'Write Curated Copy',
    defaultUri: vscode.Uri.joinPath(candidate.file, '..', curatedName(fileName)),
  });
  if (!target) return;
  if (target.toString() === candidate.file.toString()) {
    void vscode.window.showErrorMessage('ECI_sem: the curated copy cannot replace the file it is read from. Choose another name.');
    return;
  }
  // Both the native and VS Code's own save dialog have already asked before returning
  // an existing file, so that answer is the user's consent. Asking again is only worth
  // it when the file is training data the ranking reads: another source's triple file.
  const overwrite = await exists(target);
  const feeds = candidates(snapshots).filter((c) => c.file.toString() === target.toString()).flatMap((c) => c.cards.map((k) => k.name));
  if (overwrite && feeds.length > 0) {
    const replace = 'Replace';
    const answer = await vscode.window.showWarningMessage(
      `${vscode.workspace.asRelativePath(target)} holds the triples of ${[...new Set(feeds)].join(', ')}. Replace it with the curated copy of ${fileName}?`,
      { modal: true }, replace);
    if (answer !== replace) return;
  }

  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `ECI_sem: writing ${curatedName(fileName)}`, cancellable: true },
      (_progress, token) => server.exportCurated({
        scope: candidate.scope,
        sourceFile: candidate.file.toString(),
        drop: drops.map((d) => d.id),
        target: target.toString(),
        overwrite,
      }, token),
    );
    const written = toUri(result.target);
    await offerToOpen(`ECI_sem: wrote ${result.written} triples, dropped ${result.dropped} (${vscode.workspace.asRelativePath(written)}).`, written);
  } catch (e) {
    void vscode.window.showErrorMessage(`ECI_sem: curated export failed: ${errorMessage(e)}`);
  }
}
