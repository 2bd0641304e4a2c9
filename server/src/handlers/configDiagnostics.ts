/**
 * Diagnostics of a source config, on the exact key: syntax and structure
 * (parseConfig), then meaning — files exist and are triple files, the encoder
 * folder holds a model, idfCorpus files exist, restricted-mode fallbacks — with
 * no embedding, so they appear as the user types. Run outcomes (source-level
 * findings, a model that failed to load) are added by `configRunDiagnostics`.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findNodeAtLocation, parseTree, type Node } from 'jsonc-parser';
import { glob } from 'tinyglobby';
import { DiagnosticSeverity, type CancellationToken, type Diagnostic, type Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { RunNote } from '../live/wire';
import type { ScopeResult } from '../live/state/results';
import { restrictedNotes } from '../live/trust';
import { parseConfig, type ConfigPath, type EciConfig } from '../core/config';
import { missingModelMessage, missingTokenizerMessage, modelCandidates, notAFolder } from '../encoder/modelFolder';
import { inputKind } from '../pipeline/input/kinds';
import type { SourceFindingId } from '../core/types';
import { severityOf } from '../core/findings';
import { lspSeverity, SOURCE } from './diagnostics';
import { SOURCE_FINDINGS, sourceFindingMessage } from './words';

export const CONFIG_CODE = 'config';
const GLOB_CHARS = /[*?[\]{}]/;

function severity(s: RunNote['severity']): DiagnosticSeverity {
  return s === 'error' ? DiagnosticSeverity.Error : s === 'warning' ? DiagnosticSeverity.Warning : DiagnosticSeverity.Information;
}

/** Finds nodes of the config by JSON path; offsets in the document's own text. */
class ConfigTree {
  private readonly root: Node | undefined;
  private readonly shift: number;
  constructor(private readonly doc: TextDocument) {
    const text = doc.getText();
    this.shift = text.charCodeAt(0) === 0xfeff ? 1 : 0;
    this.root = parseTree(this.shift ? text.slice(1) : text, [], { allowTrailingComma: true });
  }
  node(path: ConfigPath): Node | undefined {
    return this.root ? findNodeAtLocation(this.root, path) : undefined;
  }
  /** The node at `path`, else its nearest ancestor present, else the document start. */
  range(path: ConfigPath): Range {
    for (let len = path.length; len >= 0; len--) {
      const n = this.node(path.slice(0, len));
      if (n) return this.rangeOf(n.offset, n.length);
    }
    return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  }
  rangeOf(offset: number, length: number): Range {
    return { start: this.doc.positionAt(offset + this.shift), end: this.doc.positionAt(offset + this.shift + length) };
  }
}

function diag(range: Range, sev: DiagnosticSeverity, message: string, code: string = CONFIG_CODE): Diagnostic {
  return { range, severity: sev, source: SOURCE, code, message };
}

/** A folder with a model: model.onnx or onnx/model.onnx, and tokenizer.json. */
function modelProblem(dir: string): string | null {
  if (!existsSync(dir)) return `encoder folder ${dir} does not exist (expected a folder with model.onnx and tokenizer.json)`;
  const notFolder = notAFolder(dir);
  if (notFolder) return notFolder;
  if (!modelCandidates(dir).some((p) => existsSync(p))) return missingModelMessage(dir);
  if (!existsSync(join(dir, 'tokenizer.json'))) return missingTokenizerMessage(join(dir, 'tokenizer.json'));
  return null;
}

/**
 * Whether the static checks already underline the encoder folder this failure is about
 * (missing, not a folder, no model.onnx or tokenizer.json): one problem, one diagnostic.
 */
function shownByChecks(doc: TextDocument, config: EciConfig | null | undefined, message: string): boolean {
  const enc = config?.encoder;
  if (enc?.kind !== 'onnx' || enc.path === undefined || !doc.uri.startsWith('file:')) return false;
  const dir = resolve(dirname(fileURLToPath(doc.uri)), enc.path);
  return message.includes(dir) && modelProblem(dir) !== null;
}

export async function configDiagnostics(doc: TextDocument, configPath: string, trusted: boolean, token?: CancellationToken): Promise<Diagnostic[] | null> {
  const parsed = parseConfig(doc.getText());
  const out: Diagnostic[] = parsed.problems.map((p) => diag(
    { start: doc.positionAt(p.offset), end: doc.positionAt(p.offset + Math.max(p.length, 1)) },
    p.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning, p.message));
  const config = parsed.config;
  if (!config) return out;
  const tree = new ConfigTree(doc);
  const base = dirname(configPath);
  // Files of each source: the config's own order, so indices match the tree.
  const sourceNodes = tree.node(['sources'])?.children ?? [];
  for (let i = 0; i < sourceNodes.length; i++) {
    const filesNode = tree.node(['sources', i, 'files']);
    if (!filesNode) continue;
    const items = filesNode.type === 'array' ? filesNode.children ?? [] : [filesNode];
    for (const item of items) {
      if (item.type !== 'string' || typeof item.value !== 'string' || item.value.trim() === '') continue;
      const pattern = item.value;
      const range = tree.rangeOf(item.offset, item.length);
      if (!GLOB_CHARS.test(pattern)) {
        const abs = resolve(base, pattern);
        if (!existsSync(abs)) out.push(diag(range, DiagnosticSeverity.Error, `file not found: ${abs}`));
        else if (!statSync(abs).isFile()) out.push(diag(range, DiagnosticSeverity.Error, `${abs} is a folder; name files or a glob such as "${pattern.replace(/\/$/, '')}/*.jsonl"`));
        else if (!inputKind(abs)) out.push(diag(range, DiagnosticSeverity.Error, `not a triple file: expected .jsonl, .ndjson, .tsv (each optionally .gz) or .parquet`));
      } else {
        const found = await glob(pattern, { cwd: base, onlyFiles: true, absolute: true });
        if (token?.isCancellationRequested) return null;
        if (found.length === 0) out.push(diag(range, DiagnosticSeverity.Error, `no file matches "${pattern}" (relative to ${base})`));
        else if (!found.some((f) => inputKind(f))) out.push(diag(range, DiagnosticSeverity.Error, `"${pattern}" matches ${found.length} file(s), none of them .jsonl, .ndjson, .tsv (each optionally .gz) or .parquet`));
      }
    }
  }
  const enc = config.encoder;
  if (enc.kind === 'onnx' && enc.path !== undefined && trusted) {
    const problem = modelProblem(resolve(base, enc.path));
    if (problem) out.push(diag(tree.range(['encoder', 'path']), DiagnosticSeverity.Error, problem));
  }
  if (enc.kind === 'http' && trusted && enc.apiKeyEnv !== undefined && !process.env[enc.apiKeyEnv]) {
    // Checked where the key is read: the server's environment (the editor's, when it started the server).
    out.push(diag(tree.range(['encoder', 'apiKeyEnv']), DiagnosticSeverity.Warning,
      `the environment variable ${enc.apiKeyEnv} is not set where the language server runs, so runs cannot send the key; set it before starting the editor`));
  }
  if (trusted && config.settings.idfCorpus) {
    const node = tree.node(['idfCorpus']);
    const items = node?.type === 'array' ? node.children ?? [] : node ? [node] : [];
    for (const item of items) {
      if (typeof item.value === 'string' && !existsSync(resolve(base, item.value))) {
        out.push(diag(tree.rangeOf(item.offset, item.length), DiagnosticSeverity.Error, `idfCorpus file not found: ${resolve(base, item.value)}`));
      }
    }
  }
  // Corpus, queries, qrels and .npy matrices of id-based triples: they must exist (never opened here).
  for (const path of [['corpus'], ['queries'], ['qrels'], ['embeddings', 'corpus'], ['embeddings', 'queries']] as ConfigPath[]) {
    const node = tree.node(path);
    if (node?.type !== 'string' || typeof node.value !== 'string' || node.value.trim() === '') continue;
    const abs = resolve(base, node.value);
    const problem = !existsSync(abs) ? `file not found: ${abs}` : !statSync(abs).isFile() ? `${abs} is a folder; expected a file` : null;
    if (problem) out.push(diag(tree.rangeOf(node.offset, node.length), DiagnosticSeverity.Error, `${path.join('.')}: ${problem}`));
  }
  for (const note of restrictedNotes(config, trusted)) {
    // A kind implied by "path" has no "kind" key: fall back to the encoder object.
    out.push(diag(tree.range(note.path), severity(note.severity), note.message, 'restricted-mode'));
  }
  return out;
}

/** Problems of a data file shown on its config key; past this many, one more says how many are left out. */
const DATA_PROBLEMS_SHOWN = 20;

/**
 * Problems of the corpus, queries, qrels and .npy files of the run (a corpus line without a
 * tab, a matrix of the wrong shape) on the config key that names the file: those files are
 * no source's, and a .npy is never opened as text.
 */
function dataFileDiagnostics(doc: TextDocument, tree: ConfigTree, result: ScopeResult): Diagnostic[] {
  if (!doc.uri.startsWith('file:')) return [];
  const base = dirname(fileURLToPath(doc.uri));
  const keys: ConfigPath[] = [['corpus'], ['queries'], ['qrels'], ['embeddings', 'corpus'], ['embeddings', 'queries']];
  const out: Diagnostic[] = [];
  for (const path of keys) {
    const node = tree.node(path);
    if (node?.type !== 'string' || typeof node.value !== 'string') continue;
    const abs = resolve(base, node.value);
    // Problems name files as the run shows them: relative to its folder, or absolute.
    const mine = result.wire.problems.filter((p) => p.file === abs || abs.endsWith(`/${p.file.replace(/^\.\//, '')}`));
    const range = tree.rangeOf(node.offset, node.length);
    for (const p of mine.slice(0, DATA_PROBLEMS_SHOWN)) {
      out.push(diag(range, DiagnosticSeverity.Error, `${p.file}:${p.line}:${p.column}: ${p.message}`, 'data-file'));
    }
    if (mine.length > DATA_PROBLEMS_SHOWN) out.push(diag(range, DiagnosticSeverity.Error, `${p0(mine.length - DATA_PROBLEMS_SHOWN)} more in ${mine[0].file} (see the CLI's report for all)`, 'data-file'));
  }
  return out;
}

const p0 = (n: number) => `${n} problem${n === 1 ? '' : 's'}`;

/** What the config shows of the latest run: source-level findings on each source's name, and a failure on its key. */
export function configRunDiagnostics(
  doc: TextDocument,
  result: ScopeResult | undefined,
  failure: { stage: string; message: string } | undefined,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const tree = new ConfigTree(doc);
  const parsed = parseConfig(doc.getText());
  if (failure && failure.stage !== 'config' && !(failure.stage === 'encoder' && shownByChecks(doc, parsed.config, failure.message))) {
    const path: ConfigPath = failure.stage === 'encoder' ? ['encoder'] : failure.stage === 'settings' ? [] : ['sources'];
    const range = failure.stage === 'settings' ? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } : tree.range(path);
    let message = failure.message;
    let what = 'scoring failed';
    if (failure.stage === 'encoder') {
      // The run's wrappers ("the target encoder failed: …") would only repeat the lead.
      message = message.replace(/^(the target encoder failed|cannot load the target encoder): /, '');
      // Worded by encoder/client.ts (a worker that died mid-run) and encoder/onnx.ts (inference);
      // anything else is the model failing to load (eagerly, or at the first text of a lazy start).
      what = / while embedding with /.test(message) ? 'the encoder stopped during the run'
        : /^inference failed /.test(message) ? 'the encoder failed during the run' : 'the encoder did not load';
    }
    out.push(diag(range, DiagnosticSeverity.Error, `${what}: ${message}`, `run-${failure.stage}`));
  }
  if (!result) return out;
  out.push(...dataFileDiagnostics(doc, tree, result));
  for (const src of parsed.config?.sources ?? []) {
    const ws = result.source(src.name);
    if (!ws) continue;
    const card = result.card(ws);
    const range = { start: doc.positionAt(src.nameOffset), end: doc.positionAt(src.nameOffset + src.name.length + 2) };
    for (const id of SOURCE_FINDINGS) {
      if (!ws.findings[id as SourceFindingId]) continue;
      out.push(diag(range, lspSeverity(severityOf(id)), sourceFindingMessage(id, card, result.wire.settings), id));
    }
  }
  return out;
}
