/**
 * Which files are read, for which source. A config names sources and their
 * files (globs relative to the config); without one, every file given is read
 * and each triple goes to its own "source" field or, failing that, to a source
 * named after its file.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, relative, resolve } from 'node:path';
import { globSync } from 'tinyglobby';
import type { EciConfig } from '../core/config';
import type { Problem } from '../core/types';
import { DataContext, type DataFiles } from './input/context';
import { inputKind } from './input/kinds';
import { fileLineSource, textLineSource, type LineSource } from './lines';

export type SourceGroup = 'plain' | 'hybrid';

export interface SourceDef {
  name: string;
  group: SourceGroup;
  /** For hybrids: the names of the sources whose negatives are united per query. */
  union?: string[];
}

export interface ReadUnit {
  /** Absolute path of the file. */
  path: string;
  /** Path as shown in reports: relative to the working directory when below it. */
  shown: string;
  format: 'jsonl' | 'tsv';
  /** Read through gzip, or rows of a Parquet file (format 'jsonl': columns are read as the fields of a record). */
  container?: 'gzip' | 'parquet';
  /** Only the first k negatives of each query, in file order. */
  negativesPerQuery?: number;
  /** Corpus, queries, qrels and vectors that id records refer to (shared by the plan's units). */
  data?: DataContext;
  /** Fixed source (config), or null: the record's own "source" field, else the file's base name. */
  source: string | null;
  /** For grouped negatives: only this key of the `neg` object. */
  key?: string;
  lines: LineSource;
}

export interface Plan {
  sources: SourceDef[];
  units: ReadUnit[];
  problems: Problem[];
  data?: DataContext;
}

/** Texts of documents open in an editor, which take precedence over the disk. */
export type OpenDocuments = (absPath: string) => string | undefined;

const GLOB_CHARS = /[*?[\]{}]/;

export function shownPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function expand(pattern: string, base: string): string[] {
  if (!GLOB_CHARS.test(pattern)) {
    const abs = resolve(base, pattern);
    return existsSync(abs) && statSync(abs).isFile() ? [abs] : [];
  }
  return globSync(pattern, { cwd: base, absolute: true, onlyFiles: true }).sort();
}

function unitFor(path: string, source: string | null, key: string | undefined, cwd: string, open?: OpenDocuments): ReadUnit | Problem {
  const shown = shownPath(path, cwd);
  const kind = inputKind(path);
  if (!kind) {
    return { file: shown, line: 1, column: 1, message: `not a triple file: expected a .jsonl, .ndjson, .tsv (each optionally .gz) or .parquet file (got "${extname(path) || 'no extension'}")` };
  }
  const { format, container, lines: own } = kind;
  const text = container ? undefined : open?.(path);
  const lines = own?.(path, shown) ?? (text !== undefined ? textLineSource(shown, text) : fileLineSource(path, shown));
  const unit: ReadUnit = { path, shown, format, source, key, lines };
  if (container) unit.container = container;
  return unit;
}

/** The data files of a config (relative to it) or of CLI flags (relative to `base`), as a context for the plan's units. */
function dataContext(files: DataFiles | undefined, base: string, cwd: string): DataContext | undefined {
  if (!files || (!files.corpus && !files.queries && !files.qrels)) return undefined;
  const abs = (f: string | undefined) => (f === undefined ? undefined : resolve(base, f));
  const resolved: DataFiles = { corpus: abs(files.corpus), queries: abs(files.queries), qrels: abs(files.qrels) };
  if (files.embeddings) resolved.embeddings = { corpus: abs(files.embeddings.corpus), queries: abs(files.embeddings.queries) };
  return new DataContext(resolved, (p) => shownPath(p, cwd));
}

function attachData(plan: Plan, data: DataContext | undefined): Plan {
  if (!data) return plan;
  plan.data = data;
  data.units = plan.units;
  for (const u of plan.units) u.data = data;
  for (const f of [data.files.corpus, data.files.queries, data.files.qrels, data.files.embeddings?.corpus, data.files.embeddings?.queries]) {
    if (f !== undefined && !(existsSync(f) && statSync(f).isFile())) plan.problems.push({ file: data.shownOf(f), line: 1, column: 1, message: `no such file: ${data.shownOf(f)}` });
  }
  return plan;
}

export function planFromConfig(config: EciConfig, configPath: string, cwd: string, open?: OpenDocuments): Plan {
  const base = dirname(configPath);
  const problems: Problem[] = [];
  const units: ReadUnit[] = [];
  const sources: SourceDef[] = [];
  for (const src of config.sources) {
    if (src.union && src.union.length > 0) {
      sources.push({ name: src.name, group: 'hybrid', union: [...src.union] });
      continue;
    }
    sources.push({ name: src.name, group: 'plain' });
    for (const pattern of src.files) {
      const paths = expand(pattern, base);
      if (paths.length === 0) {
        problems.push({ file: shownPath(configPath, cwd), line: 1, column: 1, field: `sources.${src.name}.files`, message: `source "${src.name}": no file matches "${pattern}" (relative to ${shownPath(base, cwd) || '.'})` });
      }
      for (const path of paths) {
        const unit = unitFor(path, src.name, src.key, cwd, open);
        if ('message' in unit) problems.push(unit);
        else {
          if (src.negativesPerQuery !== undefined) unit.negativesPerQuery = src.negativesPerQuery;
          units.push(unit);
        }
      }
    }
  }
  return attachData({ sources, units, problems }, dataContext(config.data, base, cwd));
}

/** `data`: corpus, queries and qrels given outside a config (CLI flags), relative to `cwd`. */
export function planFromFiles(patterns: string[], cwd: string, open?: OpenDocuments, data?: DataFiles): Plan {
  const problems: Problem[] = [];
  const units: ReadUnit[] = [];
  const seen = new Set<string>();
  for (const pattern of patterns) {
    const paths = expand(pattern, cwd);
    if (paths.length === 0) problems.push({ file: pattern, line: 1, column: 1, message: `no file matches "${pattern}"` });
    for (const path of paths) {
      if (seen.has(path)) continue;
      seen.add(path);
      const unit = unitFor(path, null, undefined, cwd, open);
      if ('message' in unit) problems.push(unit);
      else units.push(unit);
    }
  }
  // Sources are discovered while reading (record field or file name).
  return attachData({ sources: [], units, problems }, dataContext(data, cwd, cwd));
}

/** The source a triple of `unit` belongs to when the unit does not fix one. */
export function defaultSourceName(unit: ReadUnit): string {
  const path = unit.container === 'gzip' ? unit.path.slice(0, -3) : unit.path;
  return basename(path, extname(path));
}
