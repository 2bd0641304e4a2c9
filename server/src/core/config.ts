/**
 * The negative-source config (JSONC: comments and trailing commas allowed).
 * Parsed with jsonc-parser's `parseTree`, so every problem has an offset, a
 * JSON path and a 1-based line/column; a config with errors still yields what
 * could be read (null only when there is no object or no usable source).
 * Schema: `schemas/eci-config.schema.json`.
 */
import { findNodeAtOffset, getNodePath, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { JSON_SYNTAX_MESSAGES } from './formats/common';
import { defaultSettings, type Settings } from './settings';
import { Reader, type Prop } from './config/reader';
import {
  ENCODER_KEYS, ENCODER_KINDS, NUMERIC_SETTINGS, POOLINGS, SETTING_RULES, SOURCE_KEYS, THRESHOLD_KEYS, THRESHOLD_RULES, TOKENIZERS, TOP_KEYS,
  kindOf, type ConfigPath,
} from './config/rules';
import { readHttpEncoder } from './config/httpEncoder';
import { readSources } from './config/sources';
import { readDataFiles } from './config/data';

export { applySettingOverrides, didYouMean, formatPath, SettingError, settingRanges, type NumericSetting, type SettingOverrides } from './config/rules';
export type { ConfigPath };
export type { ConfigProblem, EciConfig, EncoderConfig, ParsedConfig, SourceConfig } from './config/types';
import type { EciConfig, EncoderConfig, ParsedConfig } from './config/types';


// ---------------------------------------------------------------- setting rules (shared with CLI overrides)

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
  readHttpEncoder(r, at, (k) => p.has(k), enc);
  if (enc.pooling === undefined) delete enc.pooling;
  if (enc.maxLength === undefined) delete enc.maxLength;
  return enc;
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
  const data = readDataFiles(r, props);
  r.problems.sort((a, b) => a.offset - b.offset);
  if (sources.length === 0) return { config: null, problems: r.problems };
  const config: EciConfig = { sources, encoder, settings };
  if (cacheDir !== undefined) config.cacheDir = cacheDir;
  if (data) config.data = data;
  return { config, problems: r.problems };
}

