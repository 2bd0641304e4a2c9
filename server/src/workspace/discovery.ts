/**
 * What to analyse in a workspace: source configs (`eci.config.json[c]`,
 * `*.eci.json[c]`), and — in folders without one — loose triple files, i.e.
 * `*.jsonl` / `*.ndjson` / `*.tsv` whose first non-blank lines parse as
 * triples (so that other JSON Lines files, e.g. logs, are left alone).
 */
import { open } from 'node:fs/promises';
import { basename, dirname, extname, relative, sep } from 'node:path';
import { glob } from 'tinyglobby';
import { detectFormat } from '../core/formats';
import { looksLikeTriples } from '../handlers/lint';

const IGNORE = ['**/node_modules/**', '**/.git/**', '**/*.quarantine.*'];
const HEAD_BYTES = 64 * 1024;
/** Loose files per folder: beyond this a workspace is a data lake, and a config is the way to say what to score. */
const MAX_LOOSE = 500;

export function isConfigPath(path: string): boolean {
  const name = basename(path).toLowerCase();
  return name === 'eci.config.json' || name === 'eci.config.jsonc' || name.endsWith('.eci.json') || name.endsWith('.eci.jsonc');
}

export function isQuarantine(path: string): boolean {
  return /\.quarantine\.[^.]+$/i.test(basename(path));
}

export async function findConfigs(folder: string): Promise<string[]> {
  const found = await glob(['**/eci.config.json', '**/eci.config.jsonc', '**/*.eci.json', '**/*.eci.jsonc'], {
    cwd: folder, absolute: true, onlyFiles: true, ignore: IGNORE.slice(0, 2),
  });
  return found.sort();
}

/** The first bytes of a file as text (enough to recognise triples without reading a 10 GB file). */
export async function readHead(path: string): Promise<{ text: string; complete: boolean } | null> {
  let handle;
  try {
    handle = await open(path, 'r');
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buf, 0, HEAD_BYTES, 0);
    return { text: buf.subarray(0, bytesRead).toString('utf8'), complete: bytesRead < HEAD_BYTES };
  } catch {
    return null;
  } finally {
    await handle?.close();
  }
}

export async function isTripleFile(path: string): Promise<boolean> {
  const format = detectFormat(path);
  if (!format || isQuarantine(path)) return false;
  const head = await readHead(path);
  return !!head && looksLikeTriples(head.text, format, head.complete);
}

export async function findLooseTripleFiles(folder: string): Promise<string[]> {
  const candidates = (await glob(['**/*.jsonl', '**/*.ndjson', '**/*.tsv'], { cwd: folder, absolute: true, onlyFiles: true, ignore: IGNORE })).sort();
  const out: string[] = [];
  for (const path of candidates) {
    if (out.length >= MAX_LOOSE) break;
    if (await isTripleFile(path)) out.push(path);
  }
  return out;
}

/** Whether `path` is `folder` or lies under it (a folder written with a trailing separator, such as a root, included). */
export function isWithin(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

/**
 * One source per loose file, named after the file; when two files share a
 * name, the folder path (relative to the workspace folder) tells them apart.
 */
export function looseSourceNames(paths: readonly string[], folders: readonly string[]): { path: string; source: string }[] {
  const stem = (p: string) => basename(p, extname(p));
  const count = new Map<string, number>();
  for (const p of paths) count.set(stem(p), (count.get(stem(p)) ?? 0) + 1);
  return paths.map((path) => {
    if (count.get(stem(path)) === 1) return { path, source: stem(path) };
    const folder = folders.find((f) => isWithin(path, f));
    const rel = folder ? relative(folder, dirname(path)) : dirname(path);
    return { path, source: rel ? `${rel.split(sep).join('/')}/${stem(path)}` : stem(path) };
  });
}
