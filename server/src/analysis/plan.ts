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
import { detectFormat } from '../core/formats';
import type { Problem } from '../core/types';
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
}

/** Texts of documents open in an editor, which take precedence over the disk. */
export type OpenDocuments = (absPath: string) => string | undefined;

const GLOB_CHARS = /[*?[\]{}]/;

function shownPath(path: string, cwd: string): string {
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
  const format = detectFormat(path);
  if (!format) {
    return { file: shown, line: 1, column: 1, message: `not a triple file: expected a .jsonl, .ndjson or .tsv file (got "${extname(path) || 'no extension'}")` };
  }
  const text = open?.(path);
  const lines = text !== undefined ? textLineSource(shown, text) : fileLineSource(path, shown);
  return { path, shown, format, source, key, lines };
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
        else units.push(unit);
      }
    }
  }
  return { sources, units, problems };
}

export function planFromFiles(patterns: string[], cwd: string, open?: OpenDocuments): Plan {
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
  return { sources: [], units, problems };
}

/** The source a triple of `unit` belongs to when the unit does not fix one. */
export function defaultSourceName(unit: ReadUnit): string {
  return basename(unit.path, extname(unit.path));
}
