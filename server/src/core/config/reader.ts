/**
 * A cursor over a parsed JSONC tree that reports problems at exact offsets,
 * JSON paths and 1-based line/columns.
 */
import type { Node } from 'jsonc-parser';
import type { ConfigProblem } from './types';
import { checkNumber, didYouMean, formatPath, kindOf, type ConfigPath, type NumberRule } from './rules';

// ---------------------------------------------------------------- the reader

export interface Prop { key: Node; value: Node | undefined }

export class Reader {
  readonly problems: ConfigProblem[] = [];
  private readonly lineStarts: number[] = [0];

  /** Offsets in the tree are in the text without its BOM; add this for offsets in the caller's text. */
  constructor(text: string, readonly shift: number) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) this.lineStarts.push(i + 1);
    }
  }

  report(path: ConfigPath, at: { offset: number; length: number }, message: string, severity: 'error' | 'warning' = 'error'): void {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= at.offset) lo = mid; else hi = mid - 1;
    }
    this.problems.push({
      path, offset: at.offset + this.shift, length: at.length, line: lo + 1, column: at.offset - this.lineStarts[lo] + 1,
      message: `${formatPath(path)}: ${message}`, severity,
    });
  }

  /** Properties of an object by key (the last of duplicates wins, as in JSON.parse; duplicates are reported). */
  properties(obj: Node, path: ConfigPath, known: readonly string[], elsewhere: ReadonlyMap<string, string> = new Map()): Map<string, Prop> {
    const props = new Map<string, Prop>();
    for (const p of obj.children ?? []) {
      const keyNode = p.children?.[0];
      if (!keyNode || typeof keyNode.value !== 'string') continue;
      const key = keyNode.value;
      if (props.has(key)) this.report([...path, key], keyNode, `duplicate key "${key}" (the last one is used)`, 'warning');
      props.set(key, { key: keyNode, value: p.children?.[1] });
      if (!known.includes(key)) {
        // A key of another object (e.g. "pooling" at the top), a near miss, or a near miss of another object's key.
        let suggestion = elsewhere.get(key) ?? didYouMean(key, known);
        if (suggestion === undefined) {
          const near = didYouMean(key, [...elsewhere.keys()]);
          if (near !== undefined) suggestion = elsewhere.get(near);
        }
        this.report([...path, key], keyNode, `unknown key "${key}", ignored${suggestion ? ` — did you mean "${suggestion}"?` : ''}`, 'warning');
      }
    }
    return props;
  }

  /** A leaf value (string, number, boolean, null) or a marker for composite ones. */
  static valueOf(node: Node): unknown {
    switch (node.type) {
      case 'array': return [];
      case 'object': return {};
      default: return node.value;
    }
  }

  string(node: Node, path: ConfigPath, opts: { allowEmpty?: boolean; what?: string } = {}): string | undefined {
    if (node.type !== 'string') {
      this.report(path, node, `expected ${opts.what ?? 'a string'}, got ${kindOf(Reader.valueOf(node))}`);
      return undefined;
    }
    const v = node.value as string;
    if (!opts.allowEmpty && v.trim() === '') {
      this.report(path, node, `expected ${opts.what ?? 'a non-empty string'}, got ${v === '' ? 'an empty string' : 'only whitespace'}`);
      return undefined;
    }
    return v;
  }

  number(node: Node, path: ConfigPath, rule: NumberRule): number | undefined {
    const v = Reader.valueOf(node);
    const err = checkNumber(v, rule);
    if (err) { this.report(path, node, err); return undefined; }
    return v as number;
  }

  oneOf<T extends string>(node: Node, path: ConfigPath, options: readonly T[]): T | undefined {
    const v = Reader.valueOf(node);
    if (typeof v === 'string' && (options as readonly string[]).includes(v)) return v as T;
    const near = typeof v === 'string' ? didYouMean(v, options) : undefined;
    this.report(path, node, `expected one of ${options.map((o) => `"${o}"`).join(', ')}, got ${kindOf(v)}${near ? ` — did you mean "${near}"?` : ''}`);
    return undefined;
  }

  /** A string or a list of strings (each non-empty), e.g. files or idfCorpus. */
  stringList(node: Node, path: ConfigPath, what: string): string[] | undefined {
    if (node.type === 'string') {
      const s = this.string(node, path, { what: `a ${what} or a list of them` });
      return s === undefined ? undefined : [s];
    }
    if (node.type !== 'array') {
      this.report(path, node, `expected a ${what} or a list of them, got ${kindOf(Reader.valueOf(node))}`);
      return undefined;
    }
    const items = node.children ?? [];
    if (items.length === 0) {
      this.report(path, node, `expected at least one ${what}, got an empty list`);
      return undefined;
    }
    const out: string[] = [];
    items.forEach((item, i) => {
      const s = this.string(item, [...path, i], { what: `a non-empty ${what}` });
      if (s !== undefined) out.push(s);
    });
    return out.length ? out : undefined;
  }
}

