/** Parquet files for tests, written with hyparquet-writer (lists as real Parquet LIST columns). */
import { writeFileSync } from 'node:fs';

type Leaf = 'STRING' | 'INT64' | 'INT32' | 'FLOAT' | 'DOUBLE';

export interface Column { name: string; type: Leaf; list?: 0 | 1 | 2; data: unknown[] }

function leaf(name: string, type: Leaf, repetition: string): Record<string, unknown> {
  return type === 'STRING'
    ? { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: repetition }
    : { name, type, repetition_type: repetition };
}

function schemaOf(c: Column): Record<string, unknown>[] {
  const depth = c.list ?? 0;
  if (depth === 0) return [leaf(c.name, c.type, 'OPTIONAL')];
  const out: Record<string, unknown>[] = [];
  let name = c.name;
  for (let d = 0; d < depth; d++) {
    out.push({ name, repetition_type: d === 0 ? 'OPTIONAL' : 'OPTIONAL', num_children: 1, converted_type: 'LIST' });
    out.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
    name = 'element';
  }
  out.push(leaf('element', c.type, 'OPTIONAL'));
  return out;
}

export async function writeParquet(path: string, columns: Column[], rowGroupSize = 4): Promise<void> {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const data = columns.map((c) => ({ name: c.name, data: c.type === 'INT64' && !c.list ? c.data.map((x) => BigInt(x as number)) : c.data }));
  const buf = parquetWriteBuffer({
    columnData: data,
    schema: [{ name: 'root', num_children: columns.length }, ...columns.flatMap(schemaOf)],
    rowGroupSize,
    codec: 'SNAPPY',
  } as never);
  writeFileSync(path, Buffer.from(buf));
}
