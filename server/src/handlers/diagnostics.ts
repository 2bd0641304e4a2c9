/**
 * Diagnostics of one triple file: input problems (skipped lines) and findings
 * on the exact triple line, capped per file with a summary of what was left
 * out. Pure: results, an optional line reader and settings in, LSP types out.
 */
import { DiagnosticSeverity, type CancellationToken, type Diagnostic, type Range } from 'vscode-languageserver';
import type { ScopeResult } from '../live/state/results';
import { severityOf } from '../core/findings';
import { TRIPLE_FINDINGS, type Problem, type Severity, type TripleFindingId } from '../core/types';
import { negativeSpans } from './lineRanges';
import { findingMessage, SOURCE_FINDINGS, sourceFindingMessage } from './words';

export const SOURCE = 'eci-sem';
/** Code of the summary diagnostic that says how many more there are. */
export const MORE_CODE = 'more-findings';
/** Code of input problems (lines that were skipped). */
export const INPUT_CODE = 'invalid-triple';

export function lspSeverity(s: Severity): DiagnosticSeverity {
  return s === 'error' ? DiagnosticSeverity.Error : s === 'warning' ? DiagnosticSeverity.Warning : DiagnosticSeverity.Information;
}

/** A whole 0-based line: to the start of the next one, which every client accepts without knowing the length. */
export function wholeLine(line: number, text?: string): Range {
  return text !== undefined
    ? { start: { line, character: 0 }, end: { line, character: text.length } }
    : { start: { line, character: 0 }, end: { line: line + 1, character: 0 } };
}

export interface FileDiagnosticsInput {
  /** Absolute path of the file. */
  path: string;
  /** Results that read the file and are current for what the editor shows. */
  results: readonly ScopeResult[];
  /** Input problems of the file (1-based lines and columns). */
  problems: readonly Problem[];
  /** Text of a 0-based line when the document is open (for exact ranges), else undefined. */
  lineText?: (line: number) => string | undefined;
  /**
   * For a result of an earlier version of the open document: where its 0-based lines are
   * now (-1: edited since, its findings are withdrawn until the next run). Absent: current.
   */
  lineMap?: (result: ScopeResult) => ((line: number) => number) | undefined;
  maxPerFile: number;
}

interface Candidate { result: ScopeResult; index: number; ordinal: number; count: number; id: TripleFindingId; line: number }

const RANK: Record<Severity, number> = { error: 0, warning: 1, information: 2 };
const FINDING_SEVERITY = TRIPLE_FINDINGS.map((f) => RANK[severityOf(f)]);

export function fileDiagnostics(input: FileDiagnosticsInput, token?: CancellationToken): Diagnostic[] | null {
  const cap = Math.max(0, Math.floor(input.maxPerFile));
  // Keep at most `cap` per severity while counting all: the shown ones are the
  // most severe first, and memory stays bounded on million-line files.
  const kept: Candidate[][] = [[], [], []];
  const totals = [input.problems.length, 0, 0];
  // A negative paired with several positives on one line is one diagnostic, and so is a
  // triple read by two results. Keys are made only where they can repeat: building one per
  // finding of a 370k-triple file held the LSP thread for half a second.
  const acrossResults = input.results.length > 1 ? new Set<string>() : null;
  const onLine = new Set<number>();
  for (const result of input.results) {
    const { findings, line: lines, negIndex } = result.wire.columns;
    const moved = input.lineMap?.(result);
    for (const unit of result.unitsOf(input.path)) {
      let ordinal = 0;
      for (let i = unit.start; i < unit.end; i++) {
        ordinal = i > unit.start && lines[i] === lines[i - 1] ? ordinal + 1 : 0;
        if (ordinal === 0) onLine.clear();
        const mask = findings[i];
        if (mask === 0) continue;
        const now = moved ? moved(lines[i] - 1) : lines[i] - 1;
        if (now < 0) continue;
        let count = 1;
        while (i + count < unit.end && lines[i + count] === lines[i]) count++;
        const shared = ordinal > 0 || count > 1;
        for (let k = 0; k < TRIPLE_FINDINGS.length; k++) {
          if ((mask & (1 << k)) === 0) continue;
          if (shared) {
            const key = negIndex[i] * TRIPLE_FINDINGS.length + k;
            if (onLine.has(key)) continue;
            onLine.add(key);
          }
          if (acrossResults) {
            const key = `${now}:${unit.key ?? ''}:${negIndex[i]}:${k}`;
            if (acrossResults.has(key)) continue;
            acrossResults.add(key);
          }
          const sev = FINDING_SEVERITY[k];
          totals[sev]++;
          if (kept[sev].length < cap) kept[sev].push({ result, index: i, ordinal, count, id: TRIPLE_FINDINGS[k], line: now });
        }
      }
      if (token?.isCancellationRequested) return null;
    }
  }
  const out: Diagnostic[] = [];
  for (const p of input.problems) {
    if (out.length >= cap) break;
    const text = input.lineText?.(p.line - 1);
    out.push({
      range: { start: { line: p.line - 1, character: Math.max(0, p.column - 1) }, end: wholeLine(p.line - 1, text).end },
      severity: DiagnosticSeverity.Error, source: SOURCE, code: INPUT_CODE,
      message: `skipped: ${p.message}`,
    });
  }
  const spans = new Map<string, ReturnType<typeof negativeSpans>>();
  for (const group of kept) {
    for (const c of group) {
      if (out.length >= cap) break;
      const text = input.lineText?.(c.line);
      let range = wholeLine(c.line, text);
      if (text !== undefined) {
        const unit = c.result.wire.units[c.result.wire.columns.unit[c.index]];
        const key = `${c.result.scope}:${c.result.wire.columns.unit[c.index]}:${c.line}`;
        let s = spans.get(key);
        if (!s) { s = negativeSpans(text, c.line + 1, unit, c.count + c.ordinal); spans.set(key, s); }
        const span = s[c.ordinal];
        if (span) range = { start: { line: c.line, character: span.start }, end: { line: c.line, character: span.end } };
      }
      out.push({
        range, severity: lspSeverity(severityOf(c.id)), source: SOURCE, code: c.id,
        message: findingMessage(c.id, c.result.messageInfo(c.index, c.id), c.result.wire.settings),
        data: { scope: c.result.scope, line: c.line },
      });
    }
  }
  const total = totals[0] + totals[1] + totals[2];
  if (total > out.length) {
    const parts = [['error', totals[0]], ['warning', totals[1]], ['information', totals[2]]]
      .filter(([, n]) => (n as number) > 0).map(([w, n]) => `${n} ${w}`);
    out.push({
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      severity: DiagnosticSeverity.Information, source: SOURCE, code: MORE_CODE,
      message: `${total - out.length} more eci-sem diagnostics in this file are not shown (eciSem.maxDiagnosticsPerFile = ${cap}; all: ${parts.join(', ')})`,
    });
  }
  return out;
}

/** Source-level findings of a loose file (it is its own source) on its first line, from the results of the loose-files scope. */
export function looseSourceDiagnostics(results: readonly ScopeResult[], path: string, looseScope: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const r of results) {
    if (r.scope !== looseScope) continue;
    for (const s of r.sourcesOfFile(path)) {
      for (const id of SOURCE_FINDINGS) {
        if (!s.findings[id]) continue;
        out.push({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: lspSeverity(severityOf(id)), source: SOURCE, code: id, message: sourceFindingMessage(id, r.card(s), r.wire.settings) });
      }
    }
  }
  return out;
}
