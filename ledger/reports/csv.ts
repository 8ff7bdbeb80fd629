/**
 * CSV of any table: UTF-8 with a byte-order mark (Excel in a Chinese locale otherwise opens it as
 * GBK and garbles every header), Chinese headers, amounts as yuan text with two decimals (exact),
 * written batch by batch (constant memory). No totals row: a CSV is data to be parsed. A text cell
 * that begins with = + - @ gets a leading apostrophe so that a spreadsheet never runs it as a formula.
 */
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { CellValue, Column, Table } from './table.js';
import { fenToYuan } from './yuan.js';
import { drained } from '../../platform/streams.js';

function csvCell(kind: Column<unknown>['kind'], value: CellValue): string {
  if (value === null || value === undefined) return '';
  if (kind === 'yuan') return fenToYuan(BigInt(value));
  const text = String(value);
  return kind === 'text' && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** Writes the table; returns the number of data rows. */
export async function writeCsv<Row>(table: Table<Row>, out: Writable): Promise<number> {
  out.write('\uFEFF' + stringify([table.columns.map((c) => c.header)], { record_delimiter: 'windows' }));
  let rows = 0;
  for await (const batch of table.batches) {
    const records = batch.map((row) => table.columns.map((c) => csvCell(c.kind, c.value(row))));
    out.write(stringify(records, { record_delimiter: 'windows' }));
    rows += batch.length;
    await drained(out);
  }
  return rows;
}
