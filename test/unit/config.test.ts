import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  applySettingOverrides, didYouMean, formatPath, parseConfig, SettingError, settingRanges, type ConfigProblem,
} from '../../server/src/core/config';
import { DEFAULT_THRESHOLDS, defaultSettings } from '../../server/src/core/settings';
import { HTTP_DEFAULTS } from '../../server/src/encoder/http';

/** [severity, line, column, message] of every problem. */
const brief = (ps: ConfigProblem[]) => ps.map((p) => [p.severity, p.line, p.column, p.message]);

function one(text: string): ConfigProblem {
  const { problems } = parseConfig(text);
  assert.equal(problems.length, 1, JSON.stringify(brief(problems)));
  return problems[0];
}

const MINIMAL = '{"sources": [{"name": "BM25", "files": "bm25.jsonl"}]}';

test('minimal config: defaults everywhere', () => {
  const { config, problems } = parseConfig(MINIMAL);
  assert.deepEqual(problems, []);
  assert.ok(config);
  assert.deepEqual(config.settings, defaultSettings());
  assert.deepEqual(config.encoder, { kind: 'default', queryPrefix: '', passagePrefix: '', batchSize: 32, quantized: false, offset: 0, length: 0 });
  assert.deepEqual(config.sources, [{ name: 'BM25', files: ['bm25.jsonl'], nameOffset: 22, offset: 13, length: 39 }]);
  assert.equal(config.cacheDir, undefined);
  assert.equal(MINIMAL.slice(22, 28), '"BM25"');
});

test('comments, trailing commas, every key', () => {
  const text = `// ECI_sem sources
{
  "$schema": "../schemas/eci-config.schema.json",
  /* plain sources */
  "sources": [
    { "name": "BM25", "files": "data/bm25.jsonl" },
    { "name": "Dense", "files": ["data/dense-*.jsonl", "more/*.tsv"], "key": "dense", },
    { "name": "LLM", "files": "data/llm.jsonl" },
    { "name": "Dense+LLM", "union": ["Dense", "LLM"] }, // hybrid
  ],
  "encoder": { "kind": "onnx", "path": "models/e5", "pooling": "mean", "queryPrefix": "query: ",
               "passagePrefix": "passage: ", "maxLength": 256, "batchSize": 8, "quantized": true },
  "temperature": 0.05, "lambda": 0.5, "sampleSize": 200, "seed": -7, "resamples": 0, "lexicalFloor": 1,
  "tokenizer": "encoder", "idfCorpus": "corpus.txt",
  "thresholds": { "tooEasyL": 0.1, "duplicateCosine": -1, "redundantGainRatio": 3, "stableAgreement": 0.9, },
  "cacheDir": ".cache/eci",
}
`;
  const { config, problems } = parseConfig(text);
  assert.deepEqual(problems, []);
  assert.ok(config);
  assert.deepEqual(config.sources.map((s) => [s.name, s.files, s.key ?? null, s.union ?? null]), [
    ['BM25', ['data/bm25.jsonl'], null, null],
    ['Dense', ['data/dense-*.jsonl', 'more/*.tsv'], 'dense', null],
    ['LLM', ['data/llm.jsonl'], null, null],
    ['Dense+LLM', [], null, ['Dense', 'LLM']],
  ]);
  const hybrid = config.sources[3];
  assert.equal(text.slice(hybrid.nameOffset, hybrid.nameOffset + 11), '"Dense+LLM"');
  assert.equal(text.slice(hybrid.offset, hybrid.offset + hybrid.length), '{ "name": "Dense+LLM", "union": ["Dense", "LLM"] }');
  const { offset, length, ...encoder } = config.encoder;
  assert.deepEqual(encoder, { kind: 'onnx', path: 'models/e5', pooling: 'mean', queryPrefix: 'query: ', passagePrefix: 'passage: ', maxLength: 256, batchSize: 8, quantized: true });
  assert.equal(text.slice(offset, offset + length).startsWith('{ "kind": "onnx"'), true);
  assert.equal(text[offset + length - 1], '}');
  assert.deepEqual(config.settings, {
    temperature: 0.05, lambda: 0.5, sampleSize: 200, seed: -7, resamples: 0, lexicalFloor: 1, tokenizer: 'encoder', idfCorpus: ['corpus.txt'],
    thresholds: { ...DEFAULT_THRESHOLDS, tooEasyL: 0.1, duplicateCosine: -1, redundantGainRatio: 3, stableAgreement: 0.9 },
  });
  assert.equal(config.cacheDir, '.cache/eci');
});

test('syntax errors keep what could be read, with line/column', () => {
  const text = '{\n  "sources": [{"name": "A", "files": "a.jsonl"}],\n  "temperature": 0.05\n  "lambda": 2\n}';
  const { config, problems } = parseConfig(text);
  assert.deepEqual(brief(problems), [['error', 4, 3, "lambda: invalid JSONC: expected ',' (CommaExpected)"]]);
  assert.equal(problems[0].offset, text.indexOf('"lambda"'));
  assert.deepEqual(problems[0].path, ['lambda']);
  assert.ok(config);
  assert.equal(config.settings.temperature, 0.05);
  assert.equal(config.settings.lambda, 2);
});

test('unterminated comment and unclosed object', () => {
  const p = parseConfig(MINIMAL.slice(0, -1) + ' /* open').problems;
  assert.deepEqual(brief(p).map((x) => x[3]), [
    "(root): invalid JSONC: unterminated comment: expected '*/' (UnexpectedEndOfComment)",
    "(root): invalid JSONC: expected ',' or '}' (CloseBraceExpected)",
  ]);
});

test('not an object: config is null', () => {
  for (const [text, got] of [['[]', 'a list'], ['"x"', 'the string "x"'], ['', 'nothing'], ['// only a comment\n', 'nothing']]) {
    const { config, problems } = parseConfig(text);
    assert.equal(config, null);
    assert.equal(problems.length, 1, text);
    assert.match(problems[0].message, new RegExp(`^\\(root\\): expected an object such as .*, got ${got.replace(/"/g, '"')}$`));
  }
});

test('sources: missing, wrong type, empty', () => {
  const missing = parseConfig('{\n  "temperature": 0.1\n}');
  assert.equal(missing.config, null);
  assert.deepEqual(brief(missing.problems), [['error', 1, 1, 'sources: missing: expected a list of sources, e.g. [{"name": "BM25", "files": "data/bm25.jsonl"}]']]);
  assert.equal(one('{"sources": {"name": "A"}}').message, 'sources: expected a list of sources, got an object');
  const empty = one('{"sources": []}');
  assert.deepEqual([empty.message, empty.column, empty.length], ['sources: expected at least one source, got an empty list', 13, 2]);
  assert.equal(one('{"sources": [3]}').message, 'sources[0]: expected a source object such as {"name": "BM25", "files": "bm25.jsonl"}, got 3');
});

test('source validation messages with paths and positions', () => {
  const text = `{
  "sources": [
    { "name": "BM25", "files": "bm25.jsonl" },
    { "name": "BM25", "files": "other.jsonl" },
    { "files": "x.jsonl" },
    { "name": "  ", "files": "y.jsonl" },
    { "name": "NoFiles" },
    { "name": "Both", "files": "b.jsonl", "union": ["BM25"] },
    { "name": "EmptyFiles", "files": [] },
    { "name": "BadFile", "files": ["ok.jsonl", "", 3] },
    { "name": "H", "union": ["BM25", "LLM2", "H", "BM25", 5] },
    { "name": "K", "union": ["BM25", "Dense"], "key": "x" },
    { "name": "Dense", "files": "d.jsonl", "fles": "e.jsonl" }
  ]
}`;
  const { config, problems } = parseConfig(text);
  assert.deepEqual(brief(problems), [
    ['error', 4, 15, 'sources[1].name: duplicate source name "BM25" (already used by sources[0])'],
    ['error', 5, 5, 'sources[2].name: missing: every source needs a "name"'],
    ['error', 6, 15, 'sources[3].name: expected a non-empty source name, got only whitespace'],
    ['error', 7, 5, 'sources[4].files: missing: expected "files" (a file, glob, or list of them) or "union" (a list of source names)'],
    ['error', 8, 43, 'sources[5].union: a source has either "files" or "union", not both (a union source is built from other sources)'],
    ['error', 9, 38, 'sources[6].files: expected at least one file or glob, got an empty list'],
    ['error', 10, 48, 'sources[7].files[1]: expected a non-empty file or glob, got an empty string'],
    ['error', 10, 52, 'sources[7].files[2]: expected a non-empty file or glob, got 3'],
    ['error', 11, 38, 'sources[8].union[1]: unknown source "LLM2"'],
    ['error', 11, 46, 'sources[8].union[2]: a union cannot include its own source "H"'],
    ['warning', 11, 51, 'sources[8].union[3]: "BM25" is listed twice'],
    ['error', 11, 59, 'sources[8].union[4]: expected a source name, got 5'],
    ['warning', 12, 55, 'sources[9].key: ignored: "key" selects negatives in files, and a union source reads none'],
    ['warning', 13, 44, 'sources[10].fles: unknown key "fles", ignored — did you mean "files"?'],
  ]);
  assert.deepEqual(problems[0].path, ['sources', 1, 'name']);
  assert.deepEqual(problems[8].path, ['sources', 8, 'union', 1]);
  assert.equal(problems[8].length, '"LLM2"'.length);
  assert.ok(config);
  // Bad sources are left out; a partly bad file list keeps its good entries.
  assert.deepEqual(config.sources.map((s) => [s.name, s.files, s.union ?? null, s.key ?? null]), [
    ['BM25', ['bm25.jsonl'], null, null],
    ['BadFile', ['ok.jsonl'], null, null],
    ['K', [], ['BM25', 'Dense'], null],
    ['Dense', ['d.jsonl'], null, null],
  ]);
});

test('union: did you mean, single member, cycles', () => {
  const near = one('{"sources": [{"name": "Dense", "files": "d.jsonl"}, {"name": "H", "union": ["dense", "Dense"]}]}');
  assert.equal(near.message, 'sources[1].union[0]: unknown source "dense" — did you mean "Dense"?');
  const single = one('{"sources": [{"name": "A", "files": "a.jsonl"}, {"name": "H", "union": ["A"]}]}');
  assert.deepEqual([single.severity, single.message], ['warning', 'sources[1].union: a union of one source ("A") scores the same negatives as that source']);
  const text = `{"sources": [
  {"name": "P", "files": "p.jsonl"},
  {"name": "X", "union": ["P", "Y"]},
  {"name": "Y", "union": ["Z", "P"]},
  {"name": "Z", "union": ["X", "P"]},
  {"name": "OK", "union": ["P", "X"]}
]}`;
  const { config, problems } = parseConfig(text);
  assert.deepEqual(brief(problems), [['error', 5, 27, 'sources[3].union[0]: cycle: "X" → "Y" → "Z" → "X" (a union cannot contain itself through other unions)']]);
  assert.ok(config);
  // The cycle's members are dropped, and so are references to them.
  assert.deepEqual(config.sources.map((s) => [s.name, s.union ?? null]), [['P', null], ['OK', ['P']]]);
});

test('settings: wrong types and out-of-range numbers', () => {
  const cases: [string, string][] = [
    ['"temperature": 0', 'temperature: expected a number > 0, got 0'],
    ['"temperature": "0.02"', 'temperature: expected a number > 0, got the string "0.02"'],
    ['"lambda": -1', 'lambda: expected a number > 0, got -1'],
    ['"sampleSize": 1', 'sampleSize: expected an integer ≥ 2, got 1'],
    ['"sampleSize": 10.5', 'sampleSize: expected an integer ≥ 2, got 10.5'],
    ['"seed": 1.5', 'seed: expected an integer, got 1.5'],
    ['"seed": null', 'seed: expected an integer, got null'],
    ['"lexicalFloor": 0', 'lexicalFloor: expected a number in (0, 1], got 0'],
    ['"lexicalFloor": 1.01', 'lexicalFloor: expected a number in (0, 1], got 1.01'],
    ['"tokenizer": "Word"', 'tokenizer: expected one of "word", "encoder", got the string "Word" — did you mean "word"?'],
    ['"idfCorpus": []', 'idfCorpus: expected at least one file path, got an empty list'],
    ['"idfCorpus": 3', 'idfCorpus: expected a file path or a list of them, got 3'],
    ['"thresholds": []', 'thresholds: expected an object with any of duplicateCosine, nearDuplicateJaccard, falseNegativeT, tooEasyL, lexicalOnlyR, redundantGainRatio, redundantCosine, lowDiversity, manyFalseNegativesShare, stableAgreement, got a list'],
    ['"thresholds": {"duplicateCosine": 1.5}', 'thresholds.duplicateCosine: expected a number in [-1, 1], got 1.5'],
    ['"thresholds": {"falseNegativeT": -0.1}', 'thresholds.falseNegativeT: expected a number in [0, 1], got -0.1'],
    ['"thresholds": {"redundantGainRatio": -1}', 'thresholds.redundantGainRatio: expected a number ≥ 0, got -1'],
    ['"thresholds": {"lowDiversity": true}', 'thresholds.lowDiversity: expected a number in [0, 1], got true'],
    ['"cacheDir": ""', 'cacheDir: expected a folder path, got an empty string'],
  ];
  for (const [entry, message] of cases) {
    const text = `{"sources": [{"name": "A", "files": "a.jsonl"}],\n  ${entry}}`;
    const p = one(text);
    assert.equal(p.message, message);
    assert.equal(p.severity, 'error');
    assert.equal(p.line, 2, entry);
    // Points at the value.
    const valueAt = text.lastIndexOf(entry.slice(entry.lastIndexOf(': ') + 2).replace(/}$/, ''));
    assert.equal(p.offset, valueAt, entry);
    assert.equal(p.column, valueAt - text.indexOf('\n'), entry);
  }
  // The default is kept where a value was invalid.
  const { config } = parseConfig(`{"sources": [{"name": "A", "files": "a.jsonl"}], "temperature": -1, "lambda": 3}`);
  assert.equal(config!.settings.temperature, 0.02);
  assert.equal(config!.settings.lambda, 3);
});

test('encoder validation', () => {
  const cases: [string, string, 'error' | 'warning'][] = [
    ['"x"', 'encoder: expected an object such as {"kind": "onnx", "path": "models/e5"}, got the string "x"', 'error'],
    ['{"kind": "onnx"}', 'encoder.path: missing: kind "onnx" needs "path", the folder with model.onnx and tokenizer.json', 'error'],
    ['{"kind": "bert"}', 'encoder.kind: expected one of "default", "onnx", "precomputed", "http", got the string "bert"', 'error'],
    ['{"kind": "default", "path": "m"}', 'encoder.path: ignored: kind "default" takes no path (use kind "onnx")', 'warning'],
    ['{"pooling": "max"}', 'encoder.pooling: expected one of "mean", "cls", "none", got the string "max"', 'error'],
    ['{"maxLength": 0}', 'encoder.maxLength: expected an integer ≥ 1, got 0', 'error'],
    ['{"batchSize": 2.5}', 'encoder.batchSize: expected an integer ≥ 1, got 2.5', 'error'],
    ['{"quantized": "yes"}', 'encoder.quantized: expected true or false, got the string "yes"', 'error'],
    ['{"queryPrefix": 1}', 'encoder.queryPrefix: expected a string (e.g. "query: "), got 1', 'error'],
    ['{"Pooling": "cls"}', 'encoder.Pooling: unknown key "Pooling", ignored — did you mean "pooling"?', 'warning'],
  ];
  for (const [value, message, severity] of cases) {
    const p = one(`{"sources": [{"name": "A", "files": "a.jsonl"}], "encoder": ${value}}`);
    assert.deepEqual([p.severity, p.message], [severity, message]);
  }
  // A path without a kind means an ONNX folder; empty prefixes are fine.
  const { config, problems } = parseConfig(`{"sources": [{"name": "A", "files": "a.jsonl"}], "encoder": {"path": "m", "queryPrefix": ""}}`);
  assert.deepEqual(problems, []);
  assert.equal(config!.encoder.kind, 'onnx');
  assert.equal(config!.encoder.path, 'm');
  assert.equal(config!.encoder.queryPrefix, '');
  assert.equal(parseConfig(`{"sources": [{"name": "A", "files": "a.jsonl"}], "encoder": {"kind": "precomputed"}}`).config!.encoder.kind, 'precomputed');
});

test('unknown keys are warnings with "did you mean"', () => {
  const text = `{
  "sources": [{"name": "A", "files": "a.jsonl"}],
  "temprature": 0.05,
  "sample_size": 10,
  "tooEasyL": 0.1,
  "pooling": "cls",
  "colour": "blue",
  "thresholds": {"falseNegative": 0.1}
}`;
  const { config, problems } = parseConfig(text);
  assert.deepEqual(brief(problems), [
    ['warning', 3, 3, 'temprature: unknown key "temprature", ignored — did you mean "temperature"?'],
    ['warning', 4, 3, 'sample_size: unknown key "sample_size", ignored — did you mean "sampleSize"?'],
    ['warning', 5, 3, 'tooEasyL: unknown key "tooEasyL", ignored — did you mean "thresholds.tooEasyL"?'],
    ['warning', 6, 3, 'pooling: unknown key "pooling", ignored — did you mean "encoder.pooling"?'],
    ['warning', 7, 3, 'colour: unknown key "colour", ignored'],
    ['warning', 8, 18, 'thresholds.falseNegative: unknown key "falseNegative", ignored — did you mean "falseNegativeT"?'],
  ]);
  assert.equal(problems[0].length, '"temprature"'.length);
  assert.ok(config, 'warnings do not make a config unusable');
  assert.equal(config.settings.temperature, 0.02);
});

test('duplicate keys: the last wins, with a warning', () => {
  const p = parseConfig('{"sources": [{"name": "A", "files": "a.jsonl"}], "seed": 1, "seed": 2}');
  assert.deepEqual(brief(p.problems), [['warning', 1, 61, 'seed: duplicate key "seed" (the last one is used)']]);
  assert.equal(p.config!.settings.seed, 2);
});

test('line and column count CRLF, CR and a BOM correctly', () => {
  const crlf = '{\r\n  "sources": [{"name": "A", "files": "a.jsonl"}],\r\n  "seed": "x"\r\n}';
  assert.deepEqual(brief([one(crlf)]), [['error', 3, 11, 'seed: expected an integer, got the string "x"']]);
  const bom = '\uFEFF{"sources": [{"name": "A", "files": "a.jsonl"}], "seed": "x"}';
  const p = one(bom);
  assert.equal(p.column, 58); // the BOM is not a column
  assert.equal(p.offset, bom.indexOf('"x"'));
  const { config } = parseConfig(bom);
  assert.equal(bom.slice(config!.sources[0].nameOffset, config!.sources[0].nameOffset + 3), '"A"');
  assert.equal(bom[config!.sources[0].offset], '{');
  const withEncoder = '\uFEFF{"sources": [{"name": "A", "files": "a.jsonl"}], "encoder": {"kind": "default"}}';
  const enc = parseConfig(withEncoder).config!.encoder;
  assert.equal(withEncoder.slice(enc.offset, enc.offset + enc.length), '{"kind": "default"}');
});

test('problems are sorted by position', () => {
  const { problems } = parseConfig('{"seed": "x", "sources": [{"name": "A", "files": []}], "lambda": 0}');
  assert.deepEqual(problems.map((p) => p.path.join('.')), ['seed', 'sources.0.files', 'lambda']);
});

test('applySettingOverrides: CLI flags over config settings', () => {
  const base = defaultSettings();
  const s = applySettingOverrides(base, { temperature: 0.05, sampleSize: 50, tokenizer: 'encoder', idfCorpus: 'c.txt', thresholds: { tooEasyL: 0.2 } });
  assert.equal(s.temperature, 0.05);
  assert.equal(s.sampleSize, 50);
  assert.equal(s.tokenizer, 'encoder');
  assert.deepEqual(s.idfCorpus, ['c.txt']);
  assert.equal(s.thresholds.tooEasyL, 0.2);
  assert.equal(s.thresholds.falseNegativeT, 0.25);
  // The input is not modified.
  assert.deepEqual(base, defaultSettings());
  // A CLI-shaped record (values of any flag type) is accepted; undefined values are ignored.
  const record: Record<string, number | string | string[]> = { seed: 9, idfCorpus: ['a.txt', 'b.txt'] };
  assert.deepEqual(applySettingOverrides(base, record).idfCorpus, ['a.txt', 'b.txt']);
  assert.equal(applySettingOverrides(base, { lambda: undefined }).lambda, 1);
  assert.equal(applySettingOverrides({ ...base, idfCorpus: ['x'] }, { idfCorpus: null }).idfCorpus, null);
});

test('applySettingOverrides: invalid values throw SettingError naming the setting', () => {
  const cases: [Record<string, unknown>, string, string][] = [
    [{ temperature: 0 }, 'temperature', 'temperature: expected a number > 0, got 0'],
    [{ sampleSize: 1 }, 'sampleSize', 'sampleSize: expected an integer ≥ 2, got 1'],
    [{ lexicalFloor: 2 }, 'lexicalFloor', 'lexicalFloor: expected a number in (0, 1], got 2'],
    [{ tokenizer: 'bpe' }, 'tokenizer', 'tokenizer: expected "word" or "encoder", got the string "bpe"'],
    [{ idfCorpus: [] }, 'idfCorpus', 'idfCorpus: expected a file path or a non-empty list of them, got a list'],
    [{ thresholds: { tooEasyL: 5 } }, 'thresholds.tooEasyL', 'thresholds.tooEasyL: expected a number in [0, 1], got 5'],
    [{ thresholds: { tooEasy: 0.1 } }, 'thresholds.tooEasy', 'thresholds.tooEasy: unknown threshold — did you mean "tooEasyL"?'],
    [{ temprature: 1 }, 'temprature', 'temprature: unknown setting — did you mean "temperature"?'],
  ];
  for (const [overrides, setting, message] of cases) {
    assert.throws(() => applySettingOverrides(defaultSettings(), overrides), (err: unknown) => {
      assert.ok(err instanceof SettingError);
      assert.equal(err.setting, setting);
      assert.equal(err.message, message);
      return true;
    });
  }
});

test('helpers: formatPath and didYouMean', () => {
  assert.equal(formatPath([]), '(root)');
  assert.equal(formatPath(['sources', 2, 'union', 0]), 'sources[2].union[0]');
  assert.equal(formatPath(['thresholds', 'a-b']), 'thresholds["a-b"]');
  assert.equal(didYouMean('lamda', ['lambda', 'seed']), 'lambda');
  assert.equal(didYouMean('SEED', ['lambda', 'seed']), 'seed');
  assert.equal(didYouMean('query-prefix', ['queryPrefix']), 'queryPrefix');
  assert.equal(didYouMean('xyz', ['lambda', 'seed']), undefined);
});

test('the JSON schema matches the parser: keys, defaults, ranges', () => {
  const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', 'schemas', 'eci-config.schema.json'), 'utf8'));
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  assert.equal(schema.allowComments, true);
  assert.equal(schema.allowTrailingCommas, true);
  assert.deepEqual(schema.required, ['sources']);
  const top = schema.properties;
  assert.deepEqual(Object.keys(top).sort(), ['$schema', 'cacheDir', 'encoder', 'idfCorpus', 'lambda', 'lexicalFloor', 'sampleSize', 'seed', 'resamples', 'sources', 'temperature', 'thresholds', 'tokenizer', 'corpus', 'queries', 'qrels', 'embeddings'].sort());
  const d = defaultSettings();
  for (const k of ['temperature', 'lambda', 'sampleSize', 'seed', 'resamples', 'lexicalFloor', 'tokenizer'] as const) assert.equal(top[k].default, d[k], k);
  assert.equal(top.idfCorpus.default, null);
  const th = schema.definitions.thresholds.properties;
  assert.deepEqual(Object.keys(th), Object.keys(DEFAULT_THRESHOLDS));
  for (const [k, v] of Object.entries(DEFAULT_THRESHOLDS)) assert.equal(th[k].default, v, k);
  // Ranges in the schema are the parser's.
  const ranges = settingRanges();
  const describe = (p: { type: string; minimum?: number; exclusiveMinimum?: number; maximum?: number }) => {
    const what = p.type === 'integer' ? 'an integer' : 'a number';
    const lo = p.exclusiveMinimum ?? p.minimum;
    const loOpen = p.exclusiveMinimum !== undefined;
    if (lo !== undefined && p.maximum !== undefined) return `${what} in ${loOpen ? '(' : '['}${lo}, ${p.maximum}]`;
    if (lo !== undefined) return `${what} ${loOpen ? '>' : '≥'} ${lo}`;
    return what;
  };
  for (const k of ['temperature', 'lambda', 'sampleSize', 'seed', 'resamples', 'lexicalFloor']) assert.equal(describe(top[k]), ranges[k], k);
  for (const k of Object.keys(th)) assert.equal(describe(th[k]), ranges[`thresholds.${k}`], k);
  const enc = schema.definitions.encoder.properties;
  assert.deepEqual(Object.keys(enc), ['kind', 'path', 'pooling', 'queryPrefix', 'passagePrefix', 'maxLength', 'batchSize', 'quantized',
    'api', 'url', 'model', 'revision', 'apiKeyEnv', 'concurrency', 'timeoutMs', 'maxRetries', 'truncate', 'executionProviders']);
  assert.equal(enc.batchSize.default, 32);
  assert.equal(enc.quantized.default, false);
  assert.deepEqual(enc.kind.enum, ['default', 'onnx', 'precomputed', 'http']);
  // The http defaults are the encoder's (an apiKey key is refused, so the schema has none).
  assert.deepEqual([enc.concurrency.default, enc.timeoutMs.default, enc.maxRetries.default, enc.truncate.default, enc.api.default],
    [HTTP_DEFAULTS.concurrency, HTTP_DEFAULTS.timeoutMs, HTTP_DEFAULTS.maxRetries, HTTP_DEFAULTS.truncate, 'openai']);
  assert.equal(enc.apiKey, undefined);
  assert.deepEqual(Object.keys(schema.definitions.fileSource.properties), ['name', 'files', 'key', 'negativesPerQuery']);
  assert.deepEqual(Object.keys(schema.definitions.unionSource.properties), ['name', 'union']);
  // Every property has a description.
  const walk = (node: unknown, at: string): void => {
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (n.properties) {
      for (const [k, v] of Object.entries(n.properties as Record<string, Record<string, unknown>>)) {
        if (!v.$ref) assert.equal(typeof v.description, 'string', `${at}.${k}`);
        walk(v, `${at}.${k}`);
      }
    }
  };
  walk(schema, '');
  for (const [k, v] of Object.entries(schema.definitions as Record<string, unknown>)) walk(v, k);
});
