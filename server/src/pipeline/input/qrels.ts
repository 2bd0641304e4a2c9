/**
 * Positives by query from a qrels file, for id records that name none: BEIR's
 * `qrels/*.tsv` (a `query-id corpus-id score` header, then three columns) and
 * TREC's four columns `qid 0 pid rel` (MS MARCO `qrels.*.tsv`). Columns are
 * separated by tabs or spaces; a score > 0 makes a positive. Only the queries
 * the triples name are kept, positives in file order.
 */
import { createReadStream } from 'node:fs';
import type { Problem } from '../../core/types';
import { chunkLines, DamagedInputError } from '../lines';
import { gunzipStream, isGzip } from './gzip';

const PROBLEMS_KEPT = 1000;

export async function readQrels(path: string, shown: string, wanted: ReadonlySet<string>, problems: Problem[], signal?: AbortSignal): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  let kept = 0;
  const report = (line: number, column: number, message: string) => {
    if (kept++ < PROBLEMS_KEPT) problems.push({ file: shown, line, column, message });
  };
  let input;
  try {
    input = isGzip(path) ? gunzipStream(path) : createReadStream(path, { highWaterMark: 1 << 20 });
    for await (const { line, text } of chunkLines(input, shown)) {
      if ((line & 0xffff) === 0) signal?.throwIfAborted();
      const t = text.trim();
      if (t === '') continue;
      const cols = t.split(/[\t ]+/);
      if (line === 1 && !/^-?\d+(\.\d+)?$/.test(cols[cols.length - 1])) continue; // a header
      if (cols.length !== 3 && cols.length !== 4) {
        report(line, 1, `expected "query-id corpus-id score" (BEIR) or "qid 0 pid relevance" (TREC), found ${cols.length} column${cols.length === 1 ? '' : 's'}`);
        continue;
      }
      const qid = cols[0];
      const pid = cols.length === 3 ? cols[1] : cols[2];
      const score = Number(cols[cols.length - 1]);
      if (!Number.isFinite(score)) {
        report(line, text.lastIndexOf(cols[cols.length - 1]) + 1, `expected a number as the relevance score, got ${JSON.stringify(cols[cols.length - 1])}`);
        continue;
      }
      if (score <= 0 || !wanted.has(qid)) continue;
      let list = out.get(qid);
      if (!list) { list = []; out.set(qid, list); }
      if (!list.includes(pid)) list.push(pid);
    }
  } catch (err) {
    if (err instanceof DamagedInputError) report(err.lastLine + 1, 1, `the gzip data is damaged or truncated after line ${err.lastLine} (${err.message}); the lines before it are used`);
    else if ((err as NodeJS.ErrnoException).code) report(1, 1, `cannot read ${shown}: ${(err as Error).message}`);
    else throw err;
  }
  return out;
}
