import type { ReadUnit } from '../plan';
import type { UnitRecord } from './records';

export async function* parquetRecords(unit: ReadUnit, _signal?: AbortSignal): AsyncGenerator<UnitRecord> {
  yield { line: 1, parse: () => ({ triples: [], problems: [{ file: unit.shown, line: 1, column: 1, message: 'Parquet is not supported yet' }] }) };
}
