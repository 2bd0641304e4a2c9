/**
 * The corpus index of issue 11: texts read back by byte offset are exactly the
 * texts kept in memory — through a byte order mark, CRLF and lone-CR line ends,
 * multi-byte UTF-8, BEIR title + text — and only referenced ids are indexed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { gzipSync } from 'node:zlib';
import { TextStore } from '../../server/src/pipeline/input/corpus';
import type { Problem } from '../../server/src/core/types';

const dir = mkdtempSync(join(tmpdir(), 'eci-corpus-'));

async function texts(path: string, ids: string[], budget: number) {
  const store = new TextStore(path, 'c', 'corpus', budget);
  const problems: Problem[] = [];
  await store.build(new Set(ids), problems);
  const out = ids.map((id) => store.text(id));
  store.release();
  return { out, problems, size: store.size, rows: store.rowCount };
}

test('TSV: texts by offset equal the kept texts, across BOM, CRLF, CR and UTF-8', async () => {
  const path = join(dir, 'c.tsv');
  writeFileSync(path, '\uFEFF1\tfirst line é\r\n2\tzweite Zeile — ü\r3\tthird 日本語 text\n4\tunreferenced\n5\tlast without newline');
  const ids = ['1', '2', '3', '5', '9'];
  const kept = await texts(path, ids, 1 << 20);
  const byOffset = await texts(path, ids, 0);
  assert.deepEqual(kept.out, ['first line é', 'zweite Zeile — ü', 'third 日本語 text', 'last without newline', undefined]);
  assert.deepEqual(byOffset.out, kept.out);
  assert.equal(kept.size, 4, 'only the referenced ids are indexed');
  assert.equal(kept.rows, 5);
  assert.deepEqual(kept.problems, []);
});

test('BEIR JSONL: title and text joined by a space; by offset the same; gzip keeps texts', async () => {
  const lines = [
    { _id: 'd1', title: 'Grep', text: 'prints matching lines' },
    { _id: 'd2', title: '', text: ' only text ' },
    { _id: 3, text: 'integer id, no title' },
  ].map((r) => JSON.stringify(r));
  const path = join(dir, 'corpus.jsonl');
  writeFileSync(path, lines.join('\n') + '\n');
  writeFileSync(`${path}.gz`, gzipSync(lines.join('\n') + '\n'));
  const ids = ['d1', 'd2', '3'];
  const want = ['Grep prints matching lines', 'only text', 'integer id, no title'];
  assert.deepEqual((await texts(path, ids, 1 << 20)).out, want);
  assert.deepEqual((await texts(path, ids, 0)).out, want);
  assert.deepEqual((await texts(`${path}.gz`, ids, 0)).out, want);
});
