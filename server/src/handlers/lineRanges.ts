/**
 * Where on a line a triple's negative is, so a squiggle sits on the text it is
 * about rather than on a whole 10 kB JSON line. Only the one line is parsed
 * (jsonc-parser, for offsets); when that fails, callers fall back to the line.
 */
import { findNodeAtLocation, parseTree, type Node } from 'jsonc-parser';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { parseTripleLine } from '../core/formats';
import type { WireUnit } from '../live/wire';

export interface Span { start: number; end: number }

/** A document's 0-based line without its line break (`\r\n`, `\r` or `\n`: the breaks LSP counts lines by). */
export function lineOf(doc: TextDocument, line: number): string {
  return doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r\n$|\r$|\n$/, '');
}

const NEGATIVE_N = /^negative_(\d+)$/;

function stringOrItem(node: Node | undefined, index: number): Node | undefined {
  if (!node) return undefined;
  if (node.type === 'string') return node;
  if (node.type === 'array') return node.children?.[index];
  return undefined;
}

/** The negative's JSON value (quotes included) for a record line, given its list index and group. */
function jsonNegative(root: Node | undefined, negIndex: number, group: string | undefined): Span | null {
  if (!root || root.type !== 'object') return null;
  let node = findNodeAtLocation(root, ['negative']);
  if (!node) {
    const neg = findNodeAtLocation(root, ['neg']);
    if (neg?.type === 'object') node = group !== undefined ? stringOrItem(findNodeAtLocation(neg, [group]), negIndex) : undefined;
    else node = stringOrItem(neg, negIndex);
  }
  if (!node) {
    const numbered = (root.children ?? [])
      .map((p) => ({ key: p.children?.[0]?.value as unknown, value: p.children?.[1] }))
      .filter((p): p is { key: string; value: Node | undefined } => typeof p.key === 'string' && NEGATIVE_N.test(p.key))
      .sort((x, y) => Number(NEGATIVE_N.exec(x.key)![1]) - Number(NEGATIVE_N.exec(y.key)![1]));
    node = numbered[negIndex]?.value;
  }
  return node ? { start: node.offset, end: node.offset + node.length } : null;
}

/** The third tab-separated column. */
function tsvNegative(text: string): Span | null {
  const first = text.indexOf('\t');
  const second = first < 0 ? -1 : text.indexOf('\t', first + 1);
  if (second < 0) return null;
  const third = text.indexOf('\t', second + 1);
  return { start: second + 1, end: third < 0 ? text.length : third };
}

/**
 * Spans of the negatives of a unit's triples on one line, in the order the
 * table holds them (the parser yields them in that order; a keyed unit takes
 * only its group's). null where a span cannot be found.
 */
export function negativeSpans(lineText: string, line: number, unit: Pick<WireUnit, 'format' | 'key'>, count: number): readonly (Span | null)[] {
  const bom = line === 1 && lineText.charCodeAt(0) === 0xfeff ? 1 : 0;
  const key = `${unit.format}\u0000${unit.key ?? ''}\u0000${count}\u0000${bom}\u0000${lineText}`;
  const known = spanMemo.get(key);
  if (known) return known;
  const found = findSpans(bom ? lineText.slice(1) : lineText, bom, unit, count);
  spanMemo.set(key, found);
  return found;
}

function findSpans(text: string, bom: number, unit: Pick<WireUnit, 'format' | 'key'>, count: number): (Span | null)[] {
  const out: (Span | null)[] = new Array<Span | null>(count).fill(null);
  if (unit.format === 'tsv') {
    const s = tsvNegative(text);
    return out.map(() => (s ? { start: s.start + bom, end: s.end + bom } : null));
  }
  const parsed = parseTripleLine(text, { file: '', line: 2, format: 'jsonl' });
  const triples = unit.key !== undefined ? parsed.triples.filter((t) => t.source === unit.key) : parsed.triples;
  let root: Node | undefined;
  try {
    root = parseTree(text);
  } catch {
    return out; // nested deeper than jsonc-parser's recursion can go: callers mark the whole line
  }
  for (let k = 0; k < count && k < triples.length; k++) {
    const t = triples[k];
    const s = jsonNegative(root, t.negIndex, t.source);
    if (s) out[k] = { start: s.start + bom, end: s.end + bom };
  }
  return out;
}

/**
 * Spans found before, by line text (and unit format, key, count): every publish of an open
 * file places up to maxDiagnosticsPerFile squiggles, mostly on lines that did not change
 * since the last one. Two generations bounded by their keys' characters (about 8 MB).
 */
class SpanMemo {
  // Callers share the arrays kept here: negativeSpans returns them read-only.
  private current = new Map<string, (Span | null)[]>();
  private previous = new Map<string, (Span | null)[]>();
  private chars = 0;

  constructor(private readonly maxChars: number) {}

  get(key: string): (Span | null)[] | undefined {
    const hit = this.current.get(key);
    if (hit) return hit;
    const old = this.previous.get(key);
    if (old) this.set(key, old);
    return old;
  }

  set(key: string, spans: (Span | null)[]): void {
    if (this.chars + key.length > this.maxChars) {
      this.previous = this.current;
      this.current = new Map();
      this.chars = 0;
    }
    this.current.set(key, spans);
    this.chars += key.length;
  }
}

const spanMemo = new SpanMemo(4 << 20);
