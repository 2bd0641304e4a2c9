/** Command-line arguments of `eci-sem score`. */
import { parseArgs } from 'node:util';

export const USAGE = `Usage:
  eci-sem score [CONFIG.jsonc | FILE.jsonl ...] [options]
  eci-sem lsp --stdio                      language server over stdio
  eci-sem --version | --help

Scores negative sources with ECI_sem. Give a config (.json/.jsonc) or triple
files (.jsonl/.ndjson/.tsv, each optionally .gz, or .parquet; globs allowed);
without a config each triple goes to its "source" field or to a source named
after its file.

Triples by id (without a config):
      --corpus FILE   passages by id: collection.tsv (id<TAB>text) or BEIR corpus.jsonl
      --queries FILE  queries by id, in the same layouts
      --qrels FILE    positives of records that name none (BEIR or TREC qrels)

Output:
  -f, --format table|json|markdown   report format (default table)
      --triples                      include every triple in the JSON report
  -o, --out FILE                     write the report to FILE instead of stdout
      --fail-on error|warning        exit 1 when findings at that level exist
  -q, --quiet                        no progress bar (on a terminal it shows the ranking of the
                                     samples while the rest of the triples are embedded)
      --sample-only                  embed and score only the sampled triples (N per source):
                                     a ranking of a huge dataset in minutes; the report's scope
                                     is "sample" and findings cover sampled triples only

Settings (override the config; spec defaults otherwise):
      --temperature N   --lambda N   --sample-size N   --seed N
      --resamples N     half-samples of the stability check (default 20, 0 = off)
      --lexical-floor N --tokenizer word|encoder  --idf-corpus FILE (repeatable)

Encoder:
      --encoder default|precomputed|DIR   DIR = Hugging Face style folder (model.onnx + tokenizer.json)
      --pooling mean|cls|none  --query-prefix S  --passage-prefix S
      --max-length N  --batch-size N  --quantized  --threads N
      --cache-dir DIR  --no-cache
      --encoder http://host:8080 --api openai|tei --model NAME   an embedding server
      --api-key-env VAR  --concurrency N   (the key is read from the variable VAR)

Exit codes: 0 done, 1 findings at the --fail-on level, 2 unusable input.
`;

export interface CliArgs {
  command: 'score' | 'lsp' | 'help' | 'version';
  inputs: string[];
  config?: string;
  format: 'table' | 'json' | 'markdown';
  triples: boolean;
  out?: string;
  failOn?: 'error' | 'warning';
  quiet: boolean;
  /** --sample-only: embed and score the sampled triples only (a report of scope "sample"). */
  sampleOnly: boolean;
  overrides: Record<string, number | string | string[]>;
  encoder: {
    kind?: string;
    pooling?: string;
    queryPrefix?: string;
    passagePrefix?: string;
    maxLength?: number;
    batchSize?: number;
    quantized?: boolean;
    threads?: number;
    api?: string;
    model?: string;
    apiKeyEnv?: string;
    concurrency?: number;
  };
  cacheDir?: string;
  noCache: boolean;
  /** Corpus, queries and qrels of id-based triples (without a config). */
  data?: { corpus?: string; queries?: string; qrels?: string };
}

export class UsageError extends Error {}

function num(name: string, value: string | undefined, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} expects ${integer ? 'an integer' : 'a number'}, got "${value}"`);
  }
  return n;
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name} expects ${allowed.join(' | ')}, got "${value}"`);
  return value as T;
}

export function parseCli(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' },
        stdio: { type: 'boolean' },
        config: { type: 'string', short: 'c' }, format: { type: 'string', short: 'f' },
        triples: { type: 'boolean' }, out: { type: 'string', short: 'o' },
        'fail-on': { type: 'string' }, quiet: { type: 'boolean', short: 'q' }, 'sample-only': { type: 'boolean' },
        temperature: { type: 'string' }, lambda: { type: 'string' }, 'sample-size': { type: 'string' },
        seed: { type: 'string' }, resamples: { type: 'string' }, 'lexical-floor': { type: 'string' }, tokenizer: { type: 'string' },
        'idf-corpus': { type: 'string', multiple: true },
        encoder: { type: 'string' }, pooling: { type: 'string' }, 'query-prefix': { type: 'string' },
        'passage-prefix': { type: 'string' }, 'max-length': { type: 'string' }, 'batch-size': { type: 'string' },
        quantized: { type: 'boolean' }, threads: { type: 'string' },
        'cache-dir': { type: 'string' }, 'no-cache': { type: 'boolean' },
        corpus: { type: 'string' }, queries: { type: 'string' }, qrels: { type: 'string' },
        api: { type: 'string' }, model: { type: 'string' }, 'api-key-env': { type: 'string' }, concurrency: { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  const [first, ...rest] = parsed.positionals;
  let command: CliArgs['command'] = 'score';
  let inputs = parsed.positionals;
  if (v.help) command = 'help';
  else if (v.version) command = 'version';
  else if (first === 'score') inputs = rest;
  else if (first === 'lsp') { command = 'lsp'; inputs = rest; }
  else if (first === 'help') command = 'help';
  else if (first !== undefined) throw new UsageError(`unknown command "${first}" (expected "score" or "lsp")`);
  else command = 'help';

  const overrides: CliArgs['overrides'] = {};
  const set = (key: string, value: number | string | string[] | undefined) => { if (value !== undefined) overrides[key] = value; };
  set('temperature', num('temperature', v.temperature));
  set('lambda', num('lambda', v.lambda));
  set('sampleSize', num('sample-size', v['sample-size'], true));
  set('seed', num('seed', v.seed, true));
  set('resamples', num('resamples', v.resamples, true));
  set('lexicalFloor', num('lexical-floor', v['lexical-floor']));
  set('tokenizer', oneOf('tokenizer', v.tokenizer, ['word', 'encoder'] as const));
  set('idfCorpus', v['idf-corpus']);

  return {
    command,
    inputs,
    config: v.config,
    format: oneOf('format', v.format, ['table', 'json', 'markdown'] as const) ?? 'table',
    triples: !!v.triples,
    out: v.out,
    failOn: oneOf('fail-on', v['fail-on'], ['error', 'warning'] as const),
    quiet: !!v.quiet,
    sampleOnly: !!v['sample-only'],
    overrides,
    encoder: {
      kind: v.encoder,
      pooling: oneOf('pooling', v.pooling, ['mean', 'cls', 'none'] as const),
      queryPrefix: v['query-prefix'],
      passagePrefix: v['passage-prefix'],
      maxLength: num('max-length', v['max-length'], true),
      batchSize: num('batch-size', v['batch-size'], true),
      quantized: v.quantized,
      threads: num('threads', v.threads, true),
      api: oneOf('api', v.api, ['openai', 'tei'] as const),
      model: v.model,
      apiKeyEnv: v['api-key-env'],
      concurrency: num('concurrency', v.concurrency, true),
    },
    cacheDir: v['cache-dir'],
    noCache: !!v['no-cache'],
    ...(v.corpus || v.queries || v.qrels ? { data: { corpus: v.corpus, queries: v.queries, qrels: v.qrels } } : {}),
  };
}
