/**
 * The files that id-based triples refer to: `corpus`, `queries`, `qrels` and
 * `embeddings: {corpus, queries}` (paths relative to the config).
 */
import type { Prop } from './reader';
import { Reader } from './reader';
import { kindOf } from './rules';
import type { DataFilesConfig } from './types';

export const DATA_KEYS = ['corpus', 'queries', 'qrels', 'embeddings'];
export const EMBEDDING_KEYS = ['corpus', 'queries'];

export function readDataFiles(r: Reader, props: Map<string, Prop>): DataFilesConfig | undefined {
  const out: DataFilesConfig = {};
  const what = {
    corpus: 'a file path (collection.tsv or corpus.jsonl)',
    queries: 'a file path (queries.tsv or queries.jsonl)',
    qrels: 'a file path (qrels TSV)',
  } as const;
  for (const key of ['corpus', 'queries', 'qrels'] as const) {
    const node = props.get(key)?.value;
    if (!node) continue;
    const v = r.string(node, [key], { what: what[key] });
    if (v !== undefined) out[key] = v;
  }
  const emb = props.get('embeddings')?.value;
  if (emb) {
    if (emb.type !== 'object') {
      r.report(['embeddings'], emb, `expected an object such as {"corpus": "emb/corpus.npy", "queries": "emb/queries.npy"}, got ${kindOf(Reader.valueOf(emb))}`);
    } else {
      const p = r.properties(emb, ['embeddings'], EMBEDDING_KEYS);
      const e: NonNullable<DataFilesConfig['embeddings']> = {};
      for (const key of ['corpus', 'queries'] as const) {
        const node = p.get(key)?.value;
        if (!node) continue;
        const v = r.string(node, ['embeddings', key], { what: 'a .npy file path' });
        if (v === undefined) continue;
        if (!v.toLowerCase().endsWith('.npy')) r.report(['embeddings', key], node, `expected a .npy file (a matrix with one row per ${key === 'corpus' ? 'passage' : 'query'}), got "${v}"`);
        else e[key] = v;
      }
      if (e.corpus || e.queries) {
        out.embeddings = e;
        const aligned = { corpus: out.corpus, queries: out.queries };
        for (const key of ['corpus', 'queries'] as const) {
          if (e[key] && !aligned[key]) r.report(['embeddings', key], p.get(key)!.key, `the rows of this matrix are aligned with "${key}", which is not given`);
        }
      }
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
