/**
 * The negative-source config (JSONC: comments and trailing commas allowed).
 * Parsed with jsonc-parser's `parseTree`, so every problem has an offset, a
 * JSON path and a 1-based line/column; a config with errors still yields what
 * could be read (null only when there is no object or no usable source).
 * Schema: `schemas/eci-config.schema.json`.
 */
import { findNodeAtOffset, getNodePath, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { JSON_SYNTAX_MESSAGES } from './formats/common';
import { defaultSettings, type LexicalTokenizer, type Settings, type Thresholds } from './settings';

export type ConfigPath = (string | number)[];

export interface ConfigProblem {
  path: ConfigPath;
  /** UTF-16 offset and length in the text given to parseConfig. */
  offset: number;
  length: number;
  /** 1-based. */
  line: number;
  column: number;
  /** Starts with the JSON path, e.g. `sources[2].union[0]: unknown source "LLM2"`. */
  message: string;
  severity: 'error' | 'warning';
}

export interface SourceConfig {
  name: string;
  /** Files or globs as written (relative to the config; the caller resolves them). Empty for a union. */
  files: string[];
  /** For grouped negatives: use only this key of the `neg` object. */
  key?: string;
  /** A hybrid source: the per-query union of these sources' negatives. */
  union?: string[];
  /** Offset of the name's string literal. */
  nameOffset: number;
  /** Offset and length of the source object. */
  offset: number;
  length: number;
}

export interface EncoderConfig {
  kind: 'default' | 'onnx' | 'precomputed';
  path?: string;
  pooling?: 'mean' | 'cls' | 'none';
  queryPrefix: string;
  passagePrefix: string;
  maxLength?: number;
  batchSize: number;
  quantized: boolean;
  /** Offset and length of the `encoder` object (0, 0 when absent). */
  offset: number;
  length: number;
}

export interface EciConfig {
  sources: SourceConfig[];
  encoder: EncoderConfig;
  settings: Settings;
  cacheDir?: string;
}

export interface ParsedConfig {
  config: EciConfig | null;
  problems: ConfigProblem[];
}

// ---------------------------------------------------------------- setting rules (shared with CLI overrides)

interface NumberRule { integer?: boolean; min?: number; minOpen?: boolean; max?: number; maxOpen?: boolean }

export type NumericSetting = 'temperature' | 'lambda' | 'sampleSize' | 'seed' | 'lexicalFloor';

const SETTING_RULES: Readonly<Record<NumericSetting, NumberRule>> = {
  temperature: { min: 0, minOpen: true },
  lambda: { min: 0, minOpen: true },
  sampleSize: { integer: true, min: 2 },
  seed: { integer: true },
  lexicalFloor: { min: 0, minOpen: true, max: 1 },
};

const THRESHOLD_RULES: Readonly<Record<keyof Thresholds, NumberRule>> = {
  duplicateCosine: { min: -1, max: 1 },
  nearDuplicateJaccard: { min: 0, max: 1 },
  falseNegativeT: { min: 0, max: 1 },
  tooEasyL: { min: 0, max: 1 },
  lexicalOnlyR: { min: 0, max: 1 },
  redundantGainRatio: { min: 0 },
  redundantCosine: { min: -1, max: 1 },
  lowDiversity: { min: 0, max: 1 },
  manyFalseNegativesShare: { min: 0, max: 1 },
};

const NUMERIC_SETTINGS = Object.keys(SETTING_RULES) as NumericSetting[];
const THRESHOLD_KEYS = Object.keys(THRESHOLD_RULES) as (keyof Thresholds)[];
const TOKENIZERS: readonly LexicalTokenizer[] = ['word', 'encoder'];
const TOP_KEYS = ['$schema', 'sources', 'encoder', ...NUMERIC_SETTINGS, 'tokenizer', 'idfCorpus', 'thresholds', 'cacheDir'];
const SOURCE_KEYS = ['name', 'files', 'key', 'union'];
const ENCODER_KEYS = ['kind', 'path', 'pooling', 'queryPrefix', 'passagePrefix', 'maxLength', 'batchSize', 'quantized'];
const ENCODER_KINDS = ['default', 'onnx', 'precomputed'] as const;
const POOLINGS = ['mean', 'cls', 'none'] as const;

function describeRule(r: NumberRule): string {
  const what = r.integer ? 'an integer' : 'a number';
  if (r.min !== undefined && r.max !== undefined) {
    return `${what} in ${r.minOpen ? '(' : '['}${r.min}, ${r.max}${r.maxOpen ? ')' : ']'}`;
  }
  if (r.min !== undefined) return `${what} ${r.minOpen ? '>' : '≥'} ${r.min}`;
  if (r.max !== undefined) return `${what} ${r.maxOpen ? '<' : '≤'} ${r.max}`;
  return what;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return typeof v === 'object' ? 'an object' : typeof v;
}

/** null when `value` obeys the rule, else what was expected and what was found. */
function checkNumber(value: unknown, r: NumberRule): string | null {
  const ok = typeof value === 'number' && Number.isFinite(value)
    && (!r.integer || Number.isSafeInteger(value))
    && (r.min === undefined || (r.minOpen ? value > r.min : value >= r.min))
    && (r.max === undefined || (r.maxOpen ? value < r.max : value <= r.max));
  return ok ? null : `expected ${describeRule(r)}, got ${kindOf(value)}`;
}

// ---------------------------------------------------------------- paths and suggestions

/** `sources[2].union[0]`; `(root)` for the empty path. */
export function formatPath(path: ConfigPath): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(seg)) s += s === '' ? seg : `.${seg}`;
    else s += `[${JSON.stringify(seg)}]`;
  }
  return s === '' ? '(root)' : s;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The closest candidate to a near miss (case, `_`/`-`, or a few edits), if any. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const squash = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  const w = squash(word);
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = squash(c) === w ? 0 : editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) { bestD = d; best = c; }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

// ---------------------------------------------------------------- the reader

interface Prop { key: Node; value: Node | undefined }

class Reader {
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

// ---------------------------------------------------------------- sections

function readSettings(r: Reader, props: Map<string, Prop>): Settings {
  const settings = defaultSettings();
  for (const key of NUMERIC_SETTINGS) {
    const node = props.get(key)?.value;
    if (!node) continue;
    const v = r.number(node, [key], SETTING_RULES[key]);
    if (v !== undefined) settings[key] = v;
  }
  const tok = props.get('tokenizer')?.value;
  if (tok) settings.tokenizer = r.oneOf(tok, ['tokenizer'], TOKENIZERS) ?? settings.tokenizer;
  const idf = props.get('idfCorpus')?.value;
  if (idf) settings.idfCorpus = r.stringList(idf, ['idfCorpus'], 'file path') ?? null;
  const th = props.get('thresholds')?.value;
  if (th) {
    if (th.type !== 'object') {
      r.report(['thresholds'], th, `expected an object with any of ${THRESHOLD_KEYS.join(', ')}, got ${kindOf(Reader.valueOf(th))}`);
    } else {
      const tp = r.properties(th, ['thresholds'], THRESHOLD_KEYS);
      for (const key of THRESHOLD_KEYS) {
        const node = tp.get(key)?.value;
        if (!node) continue;
        const v = r.number(node, ['thresholds', key], THRESHOLD_RULES[key]);
        if (v !== undefined) settings.thresholds[key] = v;
      }
    }
  }
  return settings;
}

function readEncoder(r: Reader, node: Node | undefined): EncoderConfig {
  const enc: EncoderConfig = { kind: 'default', queryPrefix: '', passagePrefix: '', batchSize: 32, quantized: false, offset: 0, length: 0 };
  if (!node) return enc;
  enc.offset = node.offset + r.shift;
  enc.length = node.length;
  if (node.type !== 'object') {
    r.report(['encoder'], node, `expected an object such as {"kind": "onnx", "path": "models/e5"}, got ${kindOf(Reader.valueOf(node))}`);
    return enc;
  }
  const p = r.properties(node, ['encoder'], ENCODER_KEYS);
  const at = (k: string) => p.get(k)?.value;
  let kindGiven = false;
  if (at('kind')) {
    const kind = r.oneOf(at('kind')!, ['encoder', 'kind'], ENCODER_KINDS);
    if (kind) { enc.kind = kind; kindGiven = true; }
  }
  if (at('path')) {
    const path = r.string(at('path')!, ['encoder', 'path'], { what: 'a folder path (with model.onnx and tokenizer.json)' });
    if (path !== undefined) {
      enc.path = path;
      if (!kindGiven && !at('kind')) enc.kind = 'onnx';
      else if (kindGiven && enc.kind !== 'onnx') r.report(['encoder', 'path'], at('path')!, `ignored: kind "${enc.kind}" takes no path (use kind "onnx")`, 'warning');
    }
  } else if (enc.kind === 'onnx') {
    r.report(['encoder', 'path'], at('kind')!, 'missing: kind "onnx" needs "path", the folder with model.onnx and tokenizer.json');
  }
  if (at('pooling')) enc.pooling = r.oneOf(at('pooling')!, ['encoder', 'pooling'], POOLINGS);
  for (const k of ['queryPrefix', 'passagePrefix'] as const) {
    if (at(k)) enc[k] = r.string(at(k)!, ['encoder', k], { allowEmpty: true, what: 'a string (e.g. "query: ")' }) ?? '';
  }
  if (at('maxLength')) enc.maxLength = r.number(at('maxLength')!, ['encoder', 'maxLength'], { integer: true, min: 1 });
  if (at('batchSize')) enc.batchSize = r.number(at('batchSize')!, ['encoder', 'batchSize'], { integer: true, min: 1 }) ?? 32;
  if (at('quantized')) {
    const q = at('quantized')!;
    if (q.type === 'boolean') enc.quantized = q.value as boolean;
    else r.report(['encoder', 'quantized'], q, `expected true or false, got ${kindOf(Reader.valueOf(q))}`);
  }
  if (enc.pooling === undefined) delete enc.pooling;
  if (enc.maxLength === undefined) delete enc.maxLength;
  return enc;
}

interface Draft {
  index: number;
  node: Node;
  name?: string;
  nameNode?: Node;
  files?: string[];
  key?: string;
  union?: { name: string; node: Node; index: number }[];
  unionNode?: Node;
  ok: boolean;
}

function readSources(r: Reader, root: Node, prop: Prop | undefined): SourceConfig[] {
  const node = prop?.value;
  if (!node) {
    if (!prop) r.report(['sources'], { offset: root.offset, length: 1 }, 'missing: expected a list of sources, e.g. [{"name": "BM25", "files": "data/bm25.jsonl"}]');
    return [];
  }
  if (node.type !== 'array') {
    r.report(['sources'], node, `expected a list of sources, got ${kindOf(Reader.valueOf(node))}`);
    return [];
  }
  const items = node.children ?? [];
  if (items.length === 0) {
    r.report(['sources'], node, 'expected at least one source, got an empty list');
    return [];
  }
  const drafts: Draft[] = [];
  const firstByName = new Map<string, Draft>();
  items.forEach((item, i) => {
    const path: ConfigPath = ['sources', i];
    if (item.type !== 'object') {
      r.report(path, item, `expected a source object such as {"name": "BM25", "files": "bm25.jsonl"}, got ${kindOf(Reader.valueOf(item))}`);
      return;
    }
    const d: Draft = { index: i, node: item, ok: true };
    drafts.push(d);
    const p = r.properties(item, path, SOURCE_KEYS);
    const nameProp = p.get('name');
    if (!nameProp) { r.report([...path, 'name'], { offset: item.offset, length: 1 }, 'missing: every source needs a "name"'); d.ok = false; }
    else if (nameProp.value) {
      d.name = r.string(nameProp.value, [...path, 'name'], { what: 'a non-empty source name' });
      d.nameNode = nameProp.value;
      if (d.name === undefined) d.ok = false;
      else if (firstByName.has(d.name)) {
        r.report([...path, 'name'], nameProp.value, `duplicate source name "${d.name}" (already used by sources[${firstByName.get(d.name)!.index}])`);
        d.ok = false;
      } else firstByName.set(d.name, d);
    } else d.ok = false;
    const filesProp = p.get('files');
    const unionProp = p.get('union');
    if (filesProp && unionProp) {
      r.report([...path, 'union'], unionProp.key, 'a source has either "files" or "union", not both (a union source is built from other sources)');
      d.ok = false;
    } else if (!filesProp && !unionProp) {
      r.report([...path, 'files'], { offset: item.offset, length: 1 }, 'missing: expected "files" (a file, glob, or list of them) or "union" (a list of source names)');
      d.ok = false;
    }
    if (filesProp?.value) {
      d.files = r.stringList(filesProp.value, [...path, 'files'], 'file or glob');
      if (!d.files) d.ok = false;
    } else if (filesProp) d.ok = false;
    if (unionProp?.value) {
      const u = unionProp.value;
      d.unionNode = u;
      if (u.type !== 'array') {
        r.report([...path, 'union'], u, `expected a list of source names, got ${kindOf(Reader.valueOf(u))}`);
        d.ok = false;
      } else if ((u.children ?? []).length === 0) {
        r.report([...path, 'union'], u, 'expected at least one source name, got an empty list');
        d.ok = false;
      } else {
        d.union = [];
        (u.children ?? []).forEach((el, j) => {
          const s = r.string(el, [...path, 'union', j], { what: 'a source name' });
          if (s !== undefined) d.union!.push({ name: s, node: el, index: j });
        });
      }
    } else if (unionProp) d.ok = false;
    const keyProp = p.get('key');
    if (keyProp?.value) {
      const k = r.string(keyProp.value, [...path, 'key'], { what: 'the name of a key of grouped "neg" objects' });
      if (k !== undefined) {
        if (unionProp) r.report([...path, 'key'], keyProp.value, 'ignored: "key" selects negatives in files, and a union source reads none', 'warning');
        else d.key = k;
      }
    }
  });

  checkUnions(r, drafts, firstByName);

  const valid = drafts.filter((d) => d.ok);
  const validNames = new Set(valid.map((d) => d.name!));
  const out: SourceConfig[] = [];
  for (const d of valid) {
    const src: SourceConfig = {
      name: d.name!, files: d.files ?? [], nameOffset: d.nameNode!.offset + r.shift, offset: d.node.offset + r.shift, length: d.node.length,
    };
    if (d.key !== undefined) src.key = d.key;
    if (d.union) {
      src.union = [...new Set(d.union.map((u) => u.name))].filter((n) => validNames.has(n) && n !== d.name);
      if (src.union.length === 0) continue;
    }
    out.push(src);
  }
  return out;
}

function checkUnions(r: Reader, drafts: Draft[], byName: Map<string, Draft>): void {
  const names = [...byName.keys()];
  for (const d of drafts) {
    if (!d.union) continue;
    const path: ConfigPath = ['sources', d.index, 'union'];
    const seen = new Set<string>();
    for (const u of d.union) {
      if (u.name === d.name) {
        r.report([...path, u.index], u.node, `a union cannot include its own source "${u.name}"`);
        d.ok = false;
      } else if (!byName.has(u.name)) {
        const near = didYouMean(u.name, names.filter((n) => n !== d.name));
        r.report([...path, u.index], u.node, `unknown source "${u.name}"${near ? ` — did you mean "${near}"?` : ''}`);
        d.ok = false;
      } else if (seen.has(u.name)) {
        r.report([...path, u.index], u.node, `"${u.name}" is listed twice`, 'warning');
      }
      seen.add(u.name);
    }
    if (d.ok && seen.size === 1 && d.union.length >= 1) {
      r.report(path, d.unionNode!, `a union of one source ("${d.union[0].name}") scores the same negatives as that source`, 'warning');
    }
  }
  // Cycles among unions of unions: depth-first, reporting the element that closes a cycle.
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (d: Draft): void => {
    state.set(d.name!, 'active');
    stack.push(d.name!);
    for (const u of d.union ?? []) {
      const target = byName.get(u.name);
      if (!target?.union || u.name === d.name) continue;
      const st = state.get(u.name);
      if (st === 'active') {
        const cycle = [...stack.slice(stack.indexOf(u.name)), u.name];
        r.report(['sources', d.index, 'union', u.index], u.node, `cycle: ${cycle.map((n) => `"${n}"`).join(' → ')} (a union cannot contain itself through other unions)`);
        for (const n of cycle) byName.get(n)!.ok = false;
      } else if (st === undefined) visit(target);
    }
    stack.pop();
    state.set(d.name!, 'done');
  };
  for (const d of drafts) if (d.union && d.name !== undefined && byName.get(d.name) === d && !state.has(d.name)) visit(d);
}

// ---------------------------------------------------------------- entry points

export function parseConfig(text: string): ParsedConfig {
  const shift = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const body = shift ? text.slice(1) : text;
  const r = new Reader(body, shift);
  const errors: ParseError[] = [];
  const root = parseTree(body, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true });
  for (const e of errors) {
    const code = printParseErrorCode(e.error);
    // The innermost node around the error (the whole document when there is none).
    const at = root ? findNodeAtOffset(root, e.offset) : undefined;
    const path = at ? getNodePath(at) : [];
    r.report(path, { offset: e.offset, length: e.length }, `invalid JSONC: ${JSON_SYNTAX_MESSAGES[code] ?? code} (${code})`);
  }
  if (!root || root.type !== 'object') {
    const at = root ?? { offset: 0, length: 0 };
    r.report([], at, `expected an object such as {"sources": [{"name": "BM25", "files": "bm25.jsonl"}]}, got ${root ? kindOf(Reader.valueOf(root)) : 'nothing'}`);
    return { config: null, problems: r.problems };
  }
  const elsewhere = new Map<string, string>([
    ...THRESHOLD_KEYS.map((k): [string, string] => [k, `thresholds.${k}`]),
    ...ENCODER_KEYS.map((k): [string, string] => [k, `encoder.${k}`]),
    ...SOURCE_KEYS.map((k): [string, string] => [k, `sources[].${k}`]),
  ]);
  const props = r.properties(root, [], TOP_KEYS, elsewhere);
  const settings = readSettings(r, props);
  const encoder = readEncoder(r, props.get('encoder')?.value);
  let cacheDir: string | undefined;
  const cd = props.get('cacheDir')?.value;
  if (cd) cacheDir = r.string(cd, ['cacheDir'], { what: 'a folder path' });
  const schema = props.get('$schema')?.value;
  if (schema && schema.type !== 'string') r.report(['$schema'], schema, `expected a string (the schema's URL or path), got ${kindOf(Reader.valueOf(schema))}`, 'warning');
  const sources = readSources(r, root, props.get('sources'));
  r.problems.sort((a, b) => a.offset - b.offset);
  if (sources.length === 0) return { config: null, problems: r.problems };
  const config: EciConfig = { sources, encoder, settings };
  if (cacheDir !== undefined) config.cacheDir = cacheDir;
  return { config, problems: r.problems };
}

/** An invalid setting value given outside a config (e.g. a CLI flag). */
export class SettingError extends Error {
  constructor(readonly setting: string, message: string) {
    super(message);
    this.name = 'SettingError';
  }
}

export interface SettingOverrides {
  temperature?: number;
  lambda?: number;
  sampleSize?: number;
  seed?: number;
  lexicalFloor?: number;
  tokenizer?: LexicalTokenizer;
  /** A file, several, or null for the default corpus. */
  idfCorpus?: string | string[] | null;
  thresholds?: Partial<Thresholds>;
}

/**
 * A copy of `settings` with the given overrides (CLI flags) applied, validated
 * by the same rules as the config. Throws SettingError on an unknown setting or
 * an invalid value. `undefined` values are ignored.
 */
export function applySettingOverrides(settings: Settings, overrides: SettingOverrides | Readonly<Record<string, unknown>>): Settings {
  const out: Settings = { ...settings, thresholds: { ...settings.thresholds } };
  const fail = (key: string, msg: string) => { throw new SettingError(key, `${key}: ${msg}`); };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if ((NUMERIC_SETTINGS as string[]).includes(key)) {
      const err = checkNumber(value, SETTING_RULES[key as NumericSetting]);
      if (err) fail(key, err);
      out[key as NumericSetting] = value as number;
    } else if (key === 'tokenizer') {
      if (!(TOKENIZERS as readonly unknown[]).includes(value)) fail(key, `expected "word" or "encoder", got ${kindOf(value)}`);
      out.tokenizer = value as LexicalTokenizer;
    } else if (key === 'idfCorpus') {
      const list = value === null ? null : typeof value === 'string' ? [value] : value;
      if (list !== null && (!Array.isArray(list) || list.length === 0 || !list.every((f) => typeof f === 'string' && f.trim() !== ''))) {
        fail(key, `expected a file path or a non-empty list of them, got ${kindOf(value)}`);
      }
      out.idfCorpus = list === null ? null : [...(list as string[])];
    } else if (key === 'thresholds') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(key, `expected an object, got ${kindOf(value)}`);
      for (const [tk, tv] of Object.entries(value as Record<string, unknown>)) {
        if (tv === undefined) continue;
        if (!(tk in THRESHOLD_RULES)) fail(`thresholds.${tk}`, `unknown threshold${hint(tk, THRESHOLD_KEYS)}`);
        const err = checkNumber(tv, THRESHOLD_RULES[tk as keyof Thresholds]);
        if (err) fail(`thresholds.${tk}`, err);
        out.thresholds[tk as keyof Thresholds] = tv as number;
      }
    } else {
      fail(key, `unknown setting${hint(key, [...NUMERIC_SETTINGS, 'tokenizer', 'idfCorpus', 'thresholds'])}`);
    }
  }
  return out;
}

function hint(word: string, candidates: readonly string[]): string {
  const near = didYouMean(word, candidates);
  return near ? ` — did you mean "${near}"?` : '';
}

/** The valid range of every numeric setting and threshold, in words (for help texts and the schema test). */
export function settingRanges(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of NUMERIC_SETTINGS) out[k] = describeRule(SETTING_RULES[k]);
  for (const k of THRESHOLD_KEYS) out[`thresholds.${k}`] = describeRule(THRESHOLD_RULES[k]);
  return out;
}
