/**
 * A table an export writes: a column spec (Chinese header, width, kind of cell, how to read the
 * value from a row) over any source of rows, delivered in batches. The CSV and XLSX writers take
 * any such table, so a new report (the monthly trial balance, …) only brings its rows and columns.
 */

/** text: as is · yuan: integer fen (bigint), shown as yuan with two decimals · integer: digits · date: YYYY-MM-DD. */
export type CellKind = 'text' | 'yuan' | 'integer' | 'date';

export type CellValue = string | number | bigint | null;

export interface Column<Row> {
  header: string;
  /** Width in characters (a CJK character counts two). */
  width: number;
  kind: CellKind;
  value(row: Row): CellValue;
  /** The spreadsheet adds a 合计 (total) row summing this column. */
  total?: boolean;
}

export interface Table<Row> {
  /** Sheet name (at most 31 characters, no []:*?/\). */
  sheetName: string;
  columns: readonly Column<Row>[];
  /** Rows in batches: a writer holds one batch at a time. */
  batches: AsyncIterable<readonly Row[]>;
}

/** Lines of key → value that describe an export (region, period, snapshot, counts), for the file's notes. */
export type ExportNotes = readonly (readonly [string, string])[];
