/**
 * What a file name says about how to read it: a text format (JSON Lines or
 * TSV), optionally gzipped, or Parquet.
 */
import { detectFormat } from '../../core/formats';
import type { LineSource } from '../lines';
import { gzipLineSource, isGzip, withoutGz } from './gzip';
import { parquetLineSource } from './parquet';

export interface InputKind {
  format: 'jsonl' | 'tsv';
  container?: 'gzip' | 'parquet';
  /** A line source of its own (gzip); none for plain text files and Parquet. */
  lines?: (path: string, shown: string) => LineSource;
}

export function isParquet(path: string): boolean {
  return path.toLowerCase().endsWith('.parquet');
}

export function inputKind(path: string): InputKind | null {
  if (isParquet(path)) return { format: 'jsonl', container: 'parquet', lines: parquetLineSource };
  if (isGzip(path)) {
    const format = detectFormat(withoutGz(path));
    return format ? { format, container: 'gzip', lines: gzipLineSource } : null;
  }
  const format = detectFormat(path);
  return format ? { format } : null;
}
