/**
 * Quick fixes for triple findings: remove the line, move it to a quarantine
 * file, or remove every duplicate-of-positive line of the file. Each is one
 * WorkspaceEdit, so one undo reverts it. A list-format line holds several
 * triples; it is removed as a whole and the title says so.
 */
import { basename, dirname, extname, join } from 'node:path';
import { CodeActionKind, type CodeAction, type Diagnostic, type Range, type TextDocumentEdit, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { ScopeResult } from '../live/state/results';
import { detectFormat, parseTripleLine } from '../core/formats';
import { TRIPLE_FINDINGS } from '../core/types';
import { SOURCE } from './diagnostics';
import { lineOf } from './lineRanges';

const DUP_BIT = 1 << TRIPLE_FINDINGS.indexOf('duplicate-of-positive');

/** `data/llm.jsonl` → `data/llm.quarantine.jsonl` (same format, so the lines stay valid). */
export function quarantinePath(path: string): string {
  const ext = extname(path);
  return join(dirname(path), `${basename(path, ext)}.quarantine${ext || '.jsonl'}`);
}

export function isOurFinding(d: Diagnostic): boolean {
  return d.source === SOURCE && typeof d.code === 'string' && (TRIPLE_FINDINGS as readonly string[]).includes(d.code);
}

/** Range deleting lines first..last with their line break (the preceding one for a final line without one). */
export function deleteLinesRange(doc: TextDocument, first: number, last: number): Range {
  if (last + 1 < doc.lineCount) return { start: { line: first, character: 0 }, end: { line: last + 1, character: 0 } };
  const end = { line: last, character: lineOf(doc, last).length };
  if (first > 0) return { start: { line: first - 1, character: lineOf(doc, first - 1).length }, end };
  return { start: { line: 0, character: 0 }, end };
}

/** Deletions of the given lines, consecutive ones merged so that no two ranges overlap. */
export function deleteLinesEdits(doc: TextDocument, lines: number[]): TextEdit[] {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  const edits: TextEdit[] = [];
  for (let k = 0; k < sorted.length;) {
    let j = k;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    edits.push({ range: deleteLinesRange(doc, sorted[k], sorted[j]), newText: '' });
    k = j + 1;
  }
  return edits;
}

export interface QuarantineTarget {
  uri: string;
  path: string;
  /** Current text of the quarantine file (open document or disk), undefined when it does not exist. */
  text?: string;
  /** Version when the file is open in the editor. */
  version?: number;
}

export interface CodeActionInput {
  doc: TextDocument;
  path: string;
  diagnostics: readonly Diagnostic[];
  /** Results current for the document (for "remove all duplicates"). */
  results: readonly ScopeResult[];
  /** The client can apply documentChanges with CreateFile. */
  canCreateFiles: boolean;
  quarantine: QuarantineTarget;
}

function docEdit(doc: TextDocument, edits: TextEdit[]): TextDocumentEdit {
  return { textDocument: { uri: doc.uri, version: doc.version }, edits };
}

/** The end of a text as an editor counts lines (\n, \r\n and a lone \r all break a line). */
function endOf(text: string): { line: number; character: number } {
  return TextDocument.create('file:///', 'jsonl', 0, text).positionAt(text.length);
}

/** The line break a file uses: its first one; a file without one takes `fallback`. */
function eolOf(text: string, fallback: string): string {
  const m = /\r\n|\n|\r/.exec(text);
  return m ? m[0] : fallback;
}

function moveEdit(input: CodeActionInput, line: number, text: string): WorkspaceEdit {
  const q = input.quarantine;
  const existing = q.text ?? '';
  // The moved line ends like the quarantine file's lines (a new one's like the source's), so neither gets mixed endings.
  const eol = eolOf(existing, eolOf(input.doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }), eolOf(input.doc.getText(), '\n')));
  const prefix = existing.length > 0 && !/[\r\n]$/.test(existing) ? eol : '';
  return {
    documentChanges: [
      { kind: 'create', uri: q.uri, options: { ignoreIfExists: true } },
      { textDocument: { uri: q.uri, version: q.version ?? null }, edits: [{ range: { start: endOf(existing), end: endOf(existing) }, newText: `${prefix}${text}${eol}` }] },
      docEdit(input.doc, [{ range: deleteLinesRange(input.doc, line, line), newText: '' }]),
    ],
  };
}

export function codeActions(input: CodeActionInput): CodeAction[] {
  const { doc } = input;
  const format = detectFormat(input.path) ?? 'jsonl';
  const out: CodeAction[] = [];
  const byLine = new Map<number, Diagnostic[]>();
  for (const d of input.diagnostics) {
    if (!isOurFinding(d)) continue;
    const line = d.range.start.line;
    byLine.set(line, [...(byLine.get(line) ?? []), d]);
  }
  for (const [line, diags] of byLine) {
    if (line >= doc.lineCount) continue;
    const text = lineOf(doc, line);
    const count = parseTripleLine(text, { file: input.path, line: line + 1, format }).triples.length;
    // The line no longer holds a triple (edited since): nothing sensible to remove.
    if (count === 0) continue;
    const what = count > 1 ? `this line (${count} triples)` : 'this triple';
    out.push({
      title: `Remove ${what}`, kind: CodeActionKind.QuickFix, diagnostics: diags,
      edit: { documentChanges: [docEdit(doc, [{ range: deleteLinesRange(doc, line, line), newText: '' }])] },
    });
    if (input.canCreateFiles) {
      out.push({ title: `Move ${what} to ${basename(input.quarantine.path)}`, kind: CodeActionKind.QuickFix, diagnostics: diags, edit: moveEdit(input, line, text) });
    }
  }
  const dupDiags = input.diagnostics.filter((d) => isOurFinding(d) && d.code === 'duplicate-of-positive');
  if (dupDiags.length > 0) {
    const lines: number[] = [];
    for (const r of input.results) {
      const { findings, line } = r.wire.columns;
      for (const u of r.unitsOf(input.path)) for (let i = u.start; i < u.end; i++) if (findings[i] & DUP_BIT) lines.push(line[i] - 1);
    }
    const distinct = new Set(lines).size;
    if (distinct > 0) {
      out.push({
        title: `Remove all duplicate-of-positive triples in this file (${distinct} line${distinct === 1 ? '' : 's'})`,
        kind: CodeActionKind.QuickFix, diagnostics: dupDiags,
        edit: { documentChanges: [docEdit(doc, deleteLinesEdits(doc, lines))] },
      });
    }
  }
  return out;
}
